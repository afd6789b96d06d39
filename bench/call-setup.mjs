// Call setup: how fast a call starts through MiniRTC, against a fair floor of the same run.
//  (i)  a viewer joins a running stream: loginRoom() → remote PLAYING (first keyframe)
//  (ii) a publisher starts while the viewer waits: start() → the viewer's first frame
//  floor for (i): the network steps a call cannot skip, done by a raw client against raw servers:
//       WebSocket connect + one request/reply (a login-shaped request answered with a play URL by
//       a bare `ws` server in this process, as the MiniRTC server is) + HTTP-FLV connect → first
//       keyframe of the same running stream on the same media server
//  raw media path: (i') a reader connects to the running stream → first keyframe (no signaling)
//       (ii') a waiting reader, the publisher connects → first keyframe at the reader
import { createBot, MediaReader, RtmpPublisher, FIXTURES } from '@minirtc/headless'
import { createToken, startServer } from '@minirtc/server'
import WebSocket, { WebSocketServer } from 'ws'
import { summarize, writeResult, sleep } from './lib.mjs'

const APP = { appId: 'bench', secret: 'bench-secret-0123456789abcdef' }

/** The floor's signaling server: answers a login-shaped request with the play URL it was given. */
async function startRawSignaling() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise((resolve) => wss.once('listening', resolve))
  let play = null
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString())
      ws.send(JSON.stringify({ id: m.id, ok: true, d: { sessionId: '', play: [play] } }))
    })
  })
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    setPlay: (p) => (play = p),
    close: () => new Promise((resolve) => wss.close(resolve)),
  }
}

/** First video keyframe of `url`: ms from `from` (performance.now()). */
function firstKeyframe(url, from) {
  return new Promise((resolve, reject) => {
    const r = new MediaReader({ url, stallTimeoutMs: 5000, connectTimeoutMs: 5000 })
    r.once('keyframe', () => {
      resolve(performance.now() - from)
      r.stop()
    })
    r.once('close', (err) => reject(err ?? new Error('reader closed before a keyframe')))
    r.start().catch(() => undefined)
  })
}

/**
 * The floor: WebSocket connect, one request/reply carrying the play URL, HTTP-FLV → first keyframe.
 * Against the MiniRTC server (`playUrls`), the same client splits MiniRTC's time into server and client.
 */
async function rawCall(signalingUrl, roomId, userId, token) {
  const t0 = performance.now()
  const ws = new WebSocket(signalingUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  const reply = new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))))
  ws.send(JSON.stringify({ v: 1, id: 1, op: 'login', d: { appId: APP.appId, roomId, token, user: { userId, userName: userId }, playUrls: true } }))
  const { d } = await reply
  if (!d?.play?.[0]) throw new Error('no play URL in the reply: ' + JSON.stringify(d))
  const signaling = performance.now() - t0
  const total = await firstKeyframe(d.play[0].urls.flv, t0)
  ws.close()
  return { total, signaling }
}

export async function callSetup({ runs = 10, smoke = false } = {}) {
  const srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], logger: { level: 'silent' } })
  const token = (userId, roomId) => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
  const bot = (userId, roomId, extra = {}) =>
    createBot({ server: srv.url, appId: APP.appId, token: () => token(userId, roomId), roomId, user: { userId, userName: userId }, ...extra })
  const raw = await startRawSignaling()
  const join = []
  const joinLogin = []
  const floor = []
  const floorSignaling = []
  const rawClient = []
  // CPU time of this process (servers, clients, media: all of it runs here) per call setup: steadier
  // than latency on a shared machine. Includes the running publisher's share of the same interval.
  const joinCpu = []
  const floorCpu = []
  const cpuMs = (c0) => {
    const c = process.cpuUsage(c0)
    return (c.user + c.system) / 1000
  }
  const start = []
  const rawJoin = []
  const rawStart = []
  try {
    for (let i = 0; i < runs; i++) {
      const room = 'cs' + i
      // (i) viewer joins a running stream
      const pub = await bot('pub' + i, room)
      await pub.publish('s' + i)
      await sleep(1200) // let the stream run (GOP cache filled, as in a real call)
      // The token comes from the app's server before the call (the room's token provider); minting
      // it is not call setup, and the floor sends the same token.
      const viewerToken = await token('view' + i, room)
      const rawClientToken = await token('rawc' + i, room)
      const miniRtc = async () => {
        const c0 = process.cpuUsage()
        const t0 = performance.now()
        const viewer = await bot('view' + i, room, { autoPlay: true, token: viewerToken })
        joinLogin.push(performance.now() - t0) // logged in; the player has its URL (or asked for it)
        // Stamped when the snapshot says PLAYING, as the floor stamps its keyframe event: not after
        // the rest of the media chunk that carried the keyframe was handled.
        const playingAt = await new Promise((resolve) => {
          const check = () => viewer.engine.getSnapshot().players['s' + i]?.state === 'PLAYING'
          if (check()) return resolve(performance.now())
          const off = viewer.engine.subscribe(() => check() && (resolve(performance.now()), off()))
        })
        join.push(playingAt - t0)
        joinCpu.push(cpuMs(c0))
        await viewer.leave()
      }
      // The floor and (i') a bare reader play the same running stream with a URL the media server
      // admits: signed for the publisher's session, which stays in the room.
      const play = await pub.engine.request('play', { streamId: 's' + i })
      raw.setPlay(play)
      const floorAndMedia = async () => {
        const c0 = process.cpuUsage()
        const f = await rawCall(raw.url, room, 'view' + i, viewerToken)
        floorCpu.push(cpuMs(c0))
        floor.push(f.total)
        floorSignaling.push(f.signaling)
        rawJoin.push(await firstKeyframe(play.urls.flv, performance.now()))
        // The raw client against the MiniRTC server (its own user; the session is left to expire),
        // after the readers' teardown.
        await sleep(100)
        rawClient.push((await rawCall(srv.url, room, 'rawc' + i, rawClientToken)).total)
      }
      // Never overlapping (no other player of the stream meanwhile), and taking turns at going
      // first, so neither side always meets the warmer or the colder path.
      // A pause between them lets the first one's teardown (logout, socket closes) finish.
      const [first, second] = i % 2 ? [miniRtc, floorAndMedia] : [floorAndMedia, miniRtc]
      await first()
      await sleep(100)
      await second()
      await pub.leave()

      // (ii) publisher starts while the viewer waits
      const room2 = 'cs2-' + i
      const waiting = await bot('wait' + i, room2, { autoPlay: true })
      const pub2 = await bot('pub2-' + i, room2)
      const seen = new Promise((resolve) => waiting.engine.on('playerStateUpdate', (info) => info.state === 'PLAYING' && resolve()))
      const t1 = performance.now()
      const started = pub2.publish('p' + i)
      await seen
      start.push(performance.now() - t1)
      await started

      // (ii') raw: a reader waiting on a fresh stream name, then a bare publisher connects
      const { pushUrl } = await pub2.engine.request('publish', { streamId: 'raw' + i })
      const rawPlay = await waiting.engine.request('play', { streamId: 'raw' + i }).catch(() => null)
      if (rawPlay) {
        const reader = new MediaReader({ url: rawPlay.urls.flv, stallTimeoutMs: 10000 })
        const got = new Promise((resolve) => reader.once('keyframe', () => resolve(performance.now())))
        await reader.start().catch(() => undefined)
        const publisher = new RtmpPublisher({ url: pushUrl, source: FIXTURES.camera640x360 })
        const t2 = performance.now()
        await publisher.start()
        rawStart.push((await got) - t2)
        reader.stop()
        await publisher.stop()
      }
      await waiting.leave()
      await pub2.leave()
    }
  } finally {
    await raw.close()
    await srv.close()
  }
  const result = {
    viewerJoin: summarize(join),
    /** Of which: loginRoom() resolved, the player holding its URL. */
    viewerLogin: summarize(joinLogin),
    floor: summarize(floor),
    /** Of which: WebSocket open and the reply with the URL. */
    floorSignaling: summarize(floorSignaling),
    rawJoin: summarize(rawJoin),
    /** The floor's raw client against the MiniRTC server: MiniRTC minus this is the client's share. */
    rawClientMiniRtcServer: summarize(rawClient),
    viewerJoinCpuMs: summarize(joinCpu),
    floorCpuMs: summarize(floorCpu),
    publisherStart: summarize(start),
    rawStart: rawStart.length ? summarize(rawStart) : null,
  }
  // Sub-millisecond samples: keep two decimals so the ratio is not a rounding artefact.
  const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  result.joinRatio = Math.round((p50(join) / p50(floor)) * 100) / 100
  result.joinRatioP90 = Math.round((result.viewerJoin.p90 / Math.max(0.1, result.floor.p90)) * 100) / 100
  result.goalRatio = 1.5
  result.goal = '(i) ≤ 1.5× the fair floor of the same run (p50): WebSocket connect + one request/reply with the play URL + HTTP-FLV connect → first keyframe'
  return writeResult('call-setup', result, { smoke })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const smoke = process.argv.includes('--smoke')
  const r = await callSetup({ runs: smoke ? 2 : 10, smoke })
  console.log(JSON.stringify(r, null, 2))
}
