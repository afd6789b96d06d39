// Media relay load (own process, pinned to the other core): for each stream a logged-in publisher
// pushes the camera fixture over RTMP with a wall-clock stamp in every video frame, and a
// logged-in viewer opens RTMP and/or HTTP-FLV players with signed URLs from `play`. Latency =
// receive time − stamp, per frame, for live frames (the GOP-cache join burst is excluded).
//   start { url, streams, rtmpPlayers, flvPlayers, room? }   measure { ms }   stop {}
// `room`: every stream in that one room (streamIds `<room>-s<i>`) instead of a room per stream.
import WebSocket from 'ws'
import { createToken } from '@minirtc/server'
import { FIXTURES, MediaReader, RtmpPublisher } from '@minirtc/headless'
import { APP, percentiles, round, serveWorker } from '../lib.mjs'

/** A small protocol client (JSON replies by id, pings with acks). */
class ProtoClient {
  constructor(url) {
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.nextId = 0
    this.lastSeq = 0
    this.waiters = new Map()
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString('utf8'))
      if (typeof m.seq === 'number') this.lastSeq = Math.max(this.lastSeq, m.seq)
      else this.waiters.get(m.id)?.(m)
    })
    this.ws.on('error', () => {})
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve)
      this.ws.once('error', reject)
    })
  }
  async call(op, d) {
    await this.opened
    const id = ++this.nextId
    const reply = new Promise((resolve) => this.waiters.set(id, resolve))
    this.ws.send(JSON.stringify({ v: 1, id, op, d }))
    const r = await reply
    this.waiters.delete(id)
    if (!r.ok) throw new Error(`${op}: ${r.error.code} ${r.error.reason}`)
    return r.d
  }
  async login(userId, roomId) {
    const token = await createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
    const r = await this.call('login', { appId: APP.appId, roomId, token, user: { userId, userName: userId } })
    this.timer = setInterval(() => this.call('ping', { ack: this.lastSeq }).catch(() => {}), r.heartbeatIntervalMs)
    return r
  }
  close() {
    clearInterval(this.timer)
    this.ws.close()
  }
}

const clients = []
const publishers = []
const readers = []

serveWorker({
  async start({ url, streams, rtmpPlayers, flvPlayers, room: oneRoom }) {
    for (let i = 0; i < streams; i++) {
      const room = oneRoom ?? 'media' + i
      const streamId = (oneRoom ? oneRoom + '-' : '') + 's' + i
      const pubClient = new ProtoClient(url)
      clients.push(pubClient)
      await pubClient.login('pub' + i, room)
      const { pushUrl } = await pubClient.call('publish', { streamId })
      const pub = new RtmpPublisher({ url: pushUrl, source: FIXTURES.camera640x360, stampWallClock: true })
      await pub.start()
      publishers.push(pub)
      const viewer = new ProtoClient(url)
      clients.push(viewer)
      await viewer.login('view' + i, room)
      const kinds = [...Array(rtmpPlayers).fill('rtmp'), ...Array(flvPlayers).fill('flv')]
      for (const kind of kinds) {
        // One signed play URL per player, like one live-player each.
        const { urls } = await viewer.call('play', { streamId })
        if (!urls[kind]) throw new Error(`no ${kind} URL from play (media server without ${kind}?)`)
        const r = new MediaReader({ url: urls[kind], stallTimeoutMs: 10000 })
        r.kind = kind
        r.samples = null
        r.on('latency', (ms) => r.samples?.push(ms))
        r.on('close', (err) => err && (r.failure = err.message))
        await r.start()
        readers.push(r)
      }
    }
    return { publishers: publishers.length, players: readers.length }
  },

  async measure({ ms }) {
    const before = readers.map((r) => r.counters.videoFrames)
    const sentBefore = publishers.map((p) => p.counters.videoFrames)
    for (const r of readers) r.samples = []
    await new Promise((res) => setTimeout(res, ms))
    const byKind = {}
    readers.forEach((r, i) => {
      const k = (byKind[r.kind] ??= { players: 0, alive: 0, framesPerSecond: [], samples: [] })
      k.players++
      if (!r.isClosed) k.alive++
      k.framesPerSecond.push(((r.counters.videoFrames - before[i]) * 1000) / ms)
      for (const s of r.samples) k.samples.push(s)
      r.samples = null
    })
    const out = {}
    for (const [kind, k] of Object.entries(byKind)) {
      const fps = k.framesPerSecond.sort((a, b) => a - b)
      out[kind] = {
        players: k.players,
        alive: k.alive,
        minFps: round(fps[0]),
        medianFps: round(fps[Math.floor(fps.length / 2)]),
        latencyMs: percentiles(k.samples),
      }
    }
    const sentFps = publishers.map((p, i) => ((p.counters.videoFrames - sentBefore[i]) * 1000) / ms)
    return {
      publishers: { count: publishers.length, alive: publishers.filter((p) => p.publishing).length, minFps: round(Math.min(...sentFps)), dropped: publishers.reduce((a, p) => a + p.droppedFrames, 0) },
      players: out,
      failures: readers.filter((r) => r.failure).map((r) => r.failure).slice(0, 3),
    }
  },

  async stop() {
    for (const r of readers) r.stop()
    await Promise.all(publishers.map((p) => p.stop().catch(() => {})))
    for (const c of clients) c.close()
  },
})
