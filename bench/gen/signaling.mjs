// Lean signaling load generator (runs in its own process, pinned to the other core): logged-in
// protocol clients speaking the MiniRTC wire format directly over `ws`, no engine. The same
// generator drives the raw `ws` ceiling server. Send and receive stamps share this process's clock.
//   connect { url, n, k, offset, login, heartbeatMs?, urls? }  open n sockets (users offset..offset+n-1,
//     rooms of k); they ping every heartbeatIntervalMs from login (heartbeatMs overrides, diagnostics only).
//     `urls` (several server nodes): user i connects to urls[i % urls.length], so every room spans the
//     nodes; with `wholeRooms` to urls[room % urls.length], so each room lives on one node
//   run { rate, warmupMs, measureMs, drainMs, payloadBytes }  broadcasts at `rate` sends/s; deliveries
//     are also counted per node (`deliveredByNode`, index into `urls`)
//   publishers { url, n, roomId, media }  log in n publishers (users pub0..) in a room of viewers
//   storm { rate, warmupMs, measureMs, drainMs }  publishers start and stop streams, `rate` events/s
//   lists { expected }  compare every viewer's stream list with `expected` (the server's)
//   status {}  open/closed sockets, errors; close {}
// Every client keeps its room's stream list (login reply, then `stream` ADD/DELETE pushes), the
// way an engine does.
import WebSocket from 'ws'
import { createToken } from '@minirtc/server'
import { RtmpClient } from '@minirtc/headless'
import { APP, percentiles, serveWorker, sleep, round } from '../lib.mjs'

const clients = []
const stats = { closed: 0, closeCodes: {}, replyErrors: 0, lastError: '', pingsSent: 0, pongs: 0 }
let recording = null
/** The storm being measured; its `events`: `<type> <streamId>` → when that event was caused (this clock). */
let storming = null
const publishers = []
let lastPushAt = 0
let roomSize = 1
let nodeCount = 1

class Client {
  constructor(ws, userId, roomId, node) {
    this.ws = ws
    this.userId = userId
    this.roomId = roomId
    this.node = node
    this.nextId = 0
    this.lastSeq = 0
    this.waiter = null
    this.timer = null
    this.streams = new Set()
    /** Viewers are measured; publishers' own sessions are not. */
    this.viewer = true
    this.onPush = null
  }
  request(op, d) {
    const id = ++this.nextId
    // As the engine does: every request after login acknowledges the pushes received so far.
    const ack = op !== 'login' && this.lastSeq > 0 ? this.lastSeq : undefined
    this.ws.send(JSON.stringify({ v: 1, id, op, ack, d }))
    return id
  }
  call(op, d, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const id = this.request(op, d)
      const t = setTimeout(() => reject(new Error(`${op} timed out`)), timeoutMs)
      this.waiter = { id, resolve: (r) => (clearTimeout(t), resolve(r)) }
    })
  }
  onText(s) {
    // Pushes start with {"seq":N, replies with {"id":N; scan instead of JSON.parse (lean).
    if (s.charCodeAt(2) === 115) {
      lastPushAt = performance.now()
      const seq = parseInt(s.slice(7, 20), 10)
      if (seq > this.lastSeq) this.lastSeq = seq
      // Broadcasts stay on the lean path; anything else (rare) is parsed.
      if (!s.startsWith('"ev":"broadcast"', s.indexOf(',', 7) + 1)) return this.onEvent(JSON.parse(s))
      const rec = recording
      if (rec) {
        const i = s.indexOf('"message":"')
        if (i > 0) {
          const stamp = parseFloat(s.slice(i + 11, i + 31))
          if (stamp >= rec.from && stamp < rec.to) {
            rec.delivered++
            rec.byNode[this.node]++
            rec.lat.push(performance.now() - stamp)
          }
        }
      }
      return
    }
    const id = parseInt(s.slice(6, 20), 10)
    if (this.waiter && this.waiter.id === id) {
      const w = this.waiter
      this.waiter = null
      return w.resolve(JSON.parse(s))
    }
    if (s.includes('"ok":false')) {
      stats.replyErrors++
      stats.lastError = s.slice(0, 200)
    } else if (s.includes('"d":{"t":')) stats.pongs++
  }
  onEvent(m) {
    if (m.ev === 'stream') {
      const add = m.d.type === 'ADD'
      for (const st of m.d.streams) {
        // An ADD of a stream already listed, or a DELETE of one not listed, is a repeat.
        const repeat = add === this.streams.has(st.streamId)
        if (add) this.streams.add(st.streamId)
        else this.streams.delete(st.streamId)
        const rec = storming
        if (!rec || !this.viewer) continue
        const e = rec.events.get(m.d.type + ' ' + st.streamId)
        if (!e || repeat) {
          rec.unexpected++
          continue
        }
        if (e.at >= rec.from && e.at < rec.to) {
          const ms = performance.now() - e.at
          rec.delivered++
          rec.lat.push(ms)
          if (add) rec.latAdd.push(ms)
          else rec.latDelete.push(ms)
        }
      }
    }
    this.onPush?.(m)
  }
  startHeartbeat(intervalMs) {
    const ping = () => {
      stats.pingsSent++
      this.request('ping', this.lastSeq > 0 ? { ack: this.lastSeq } : {})
    }
    // Spread the pings over the interval like independent phones would.
    this.timer = setTimeout(() => {
      ping()
      this.timer = setInterval(ping, intervalMs)
    }, Math.random() * intervalMs)
  }
}

async function open(url, userId, roomId, login, heartbeatMs, publish = false, node = 0) {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  const c = new Client(ws, userId, roomId, node)
  ws.on('message', (data) => c.onText(data.toString('utf8')))
  ws.on('close', (code) => {
    stats.closed++
    stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1
    clearTimeout(c.timer)
    clearInterval(c.timer)
  })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  ws.on('error', () => {})
  let interval = 10_000
  if (login) {
    const token = await createToken({ ...APP, userId, roomId, privileges: { login: true, publish }, ttlSeconds: 3600 })
    const r = await c.call('login', { appId: APP.appId, roomId, token, user: { userId, userName: userId } })
    if (!r.ok) throw new Error(`login of ${userId} failed: ${JSON.stringify(r.error)}`)
    interval = r.d.heartbeatIntervalMs
    for (const st of r.d.room.streams) c.streams.add(st.streamId)
  }
  c.startHeartbeat(heartbeatMs ?? interval)
  return c
}

/**
 * One publisher: a logged-in session that starts a stream (a fresh streamId each time, so every
 * ADD and DELETE names one event) and stops it. With `media`, the stream goes live the real way:
 * `publish` → signed push URL → RTMP connect, createStream, publish to the server's media server,
 * whose publish hook makes the server fan out ADD. No frames are sent: the hook fires on the RTMP
 * publish command, and frames would only add media relay work (bench/media.mjs measures that).
 */
class Publisher {
  constructor(client, index, media) {
    this.c = client
    this.i = index
    this.media = media
    this.cycle = 0
    this.live = null
    this.rtmp = null
    this.busy = null
    this.publishing = new Map()
    client.viewer = false
    client.onPush = (m) => {
      if (m.ev === 'publishState' && m.d.state === 'PUBLISHING') this.publishing.get(m.d.streamId)?.()
    }
  }
  toggle(rec) {
    const starting = !this.live
    this.busy = (starting ? this.start(rec) : this.stop(rec))
      .catch((e) => {
        rec.failures++
        stats.lastError = String(e?.message ?? e).slice(0, 200)
        // A failed start leaves no half-open RTMP connection behind (the sample already failed).
        if (starting) {
          this.rtmp?.close()
          this.rtmp = null
        }
      })
      .finally(() => (this.busy = null))
  }
  async start(rec) {
    const streamId = `p${this.i}c${++this.cycle}`
    const live = new Promise((resolve, reject) => {
      this.publishing.set(streamId, resolve)
      setTimeout(() => reject(new Error(`${streamId}: no PUBLISHING within 15 s`)), 15000).unref()
    }).finally(() => this.publishing.delete(streamId))
    live.catch(() => {})
    // Without media the publish request itself makes the stream live (the raw relay).
    if (!this.media) stamp(rec, 'ADD', streamId)
    const r = await this.c.call('publish', { streamId })
    if (!r.ok) throw new Error(`publish ${streamId}: ${JSON.stringify(r.error)}`)
    if (this.media) {
      const rtmp = new RtmpClient(r.d.pushUrl, { connectTimeoutMs: 10000 })
      this.rtmp = rtmp
      await rtmp.connect()
      const sid = await rtmp.createStream()
      // Latency from the RTMP publish command: what a pusher does when its camera starts.
      stamp(rec, 'ADD', streamId)
      await rtmp.publish(sid)
    }
    await live
    this.live = streamId
  }
  async stop(rec) {
    const streamId = this.live
    stamp(rec, 'DELETE', streamId)
    const r = await this.c.call('unpublish', { streamId })
    if (!r.ok) throw new Error(`unpublish ${streamId}: ${JSON.stringify(r.error)}`)
    this.live = null
    this.rtmp?.close()
    this.rtmp = null
  }
}

function stamp(rec, type, streamId) {
  const at = performance.now()
  rec.events.set(type + ' ' + streamId, { at })
  if (at >= rec.from && at < rec.to) rec.inWindow++
}

/**
 * Call `act` `rate` times a second from `t0` until `to` (performance.now() times), catching up
 * every 2 ms on what is due, so the rate holds even when a tick comes late.
 */
function paced(rate, t0, to, act) {
  let done = 0
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now()
      if (now >= to) {
        clearInterval(tick)
        return resolve()
      }
      for (let due = Math.floor(((now - t0) / 1000) * rate) - done; due > 0; due--) {
        done++
        act()
      }
    }, 2)
  })
}

serveWorker({
  async connect({ url, urls = [url], wholeRooms = false, n, k, offset = 0, login = true, concurrency = 64, heartbeatMs }) {
    roomSize = k
    nodeCount = urls.length
    const t0 = performance.now()
    let next = 0
    const worker = async () => {
      while (next < n) {
        const i = offset + next++
        const node = (wholeRooms ? Math.floor(i / k) : i) % urls.length
        clients.push(await open(urls[node], 'u' + i, 'r' + Math.floor(i / k), login, heartbeatMs, false, node))
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    const sec = (performance.now() - t0) / 1000
    return { connected: clients.length, seconds: round(sec), perSecond: Math.round(n / sec) }
  },

  async run({ rate, warmupMs = 1000, measureMs = 4000, drainMs = 1500, payloadBytes = 64 }) {
    const n = clients.length
    const pad = 'x'.repeat(Math.max(0, payloadBytes - 16))
    const t0 = performance.now()
    const from = t0 + warmupMs
    const to = from + measureMs
    const rec = { from, to, lat: [], delivered: 0, byNode: Array.from({ length: nodeCount }, () => 0) }
    recording = rec
    const errorsBefore = stats.replyErrors
    let inWindow = 0
    let rr = Math.floor(Math.random() * n)
    const cpu0 = process.cpuUsage()
    await paced(rate, t0, to, () => {
      const c = clients[rr++ % n]
      if (c.ws.readyState !== 1) return
      const stamp = performance.now()
      if (stamp >= from && stamp < to) inWindow++
      c.request('broadcast', { message: stamp.toFixed(3) + '|' + pad })
    })
    const cpu = process.cpuUsage(cpu0)
    const expected = inWindow * (roomSize - 1)
    const drainUntil = performance.now() + drainMs
    while (rec.delivered < expected && performance.now() < drainUntil) await sleep(20)
    recording = null
    const sec = measureMs / 1000
    return {
      sendsPerSec: Math.round(inWindow / sec),
      expected,
      delivered: rec.delivered,
      deliveredPerSec: Math.round(rec.delivered / sec),
      deliveredByNode: rec.byNode,
      loss: expected ? round((1 - rec.delivered / expected) * 1000) / 10 : 0,
      latency: percentiles(rec.lat),
      replyErrors: stats.replyErrors - errorsBefore,
      lastError: stats.lastError,
      generatorCpuPct: round(((cpu.user + cpu.system) / 1e6 / ((performance.now() - t0) / 1000)) * 100),
    }
  },

  /** Log in n publishers; half of them start a stream, so a storm both starts and stops streams. */
  async publishers({ url, n, roomId, media }) {
    for (let i = 0; i < n; i++) {
      const c = await open(url, 'pub' + i, roomId, true, undefined, true)
      publishers.push(new Publisher(c, i, media))
    }
    const setup = { from: 0, to: 0, events: new Map(), inWindow: 0, failures: 0 }
    for (const p of publishers.slice(0, Math.ceil(n / 2))) await p.start(setup)
    return { publishers: publishers.length, live: publishers.filter((p) => p.live).length }
  },

  /**
   * `rate` stream events/s, starts and stops alternating (so about half the publishers stay live
   * and every sample has both): each due event starts the stream of a random idle publisher or
   * stops a random live one (the other kind when none is free). Events caused in the measured
   * window must reach every viewer; latency = viewer's receipt − the event's cause (see
   * Publisher). Then waits for every publisher to finish its step and for the pushes to drain.
   */
  async storm({ rate, warmupMs = 1000, measureMs = 3000, drainMs = 3000 }) {
    const viewers = clients.length
    const t0 = performance.now()
    const from = t0 + warmupMs
    const to = from + measureMs
    const rec = { from, to, events: new Map(), inWindow: 0, delivered: 0, lat: [], latAdd: [], latDelete: [], unexpected: 0, failures: 0 }
    storming = rec
    let skipped = 0
    let start = false
    const pick = (live) => {
      const free = publishers.filter((p) => !p.busy && !p.live === !live)
      return free.length ? free[Math.floor(Math.random() * free.length)] : null
    }
    const cpu0 = process.cpuUsage()
    await paced(rate, t0, to, () => {
      start = !start
      const p = pick(!start) ?? pick(start)
      if (p) p.toggle(rec)
      else skipped++
    })
    await Promise.all(publishers.map((p) => p.busy))
    const cpu = process.cpuUsage(cpu0)
    const expected = rec.inWindow * viewers
    const drainUntil = performance.now() + drainMs
    while (rec.delivered < expected && performance.now() < drainUntil) await sleep(20)
    storming = null
    const sec = measureMs / 1000
    return {
      viewers,
      eventsPerSec: round(rec.inWindow / sec),
      skipped,
      expected,
      delivered: rec.delivered,
      deliveredPerSec: Math.round(rec.delivered / sec),
      loss: expected ? round((1 - rec.delivered / expected) * 1000) / 10 : 0,
      latency: percentiles(rec.lat),
      latencyByType: { ADD: percentiles(rec.latAdd), DELETE: percentiles(rec.latDelete) },
      unexpected: rec.unexpected,
      failures: rec.failures,
      lastError: stats.lastError,
      live: publishers.filter((p) => p.live).length,
      generatorCpuPct: round(((cpu.user + cpu.system) / 1e6 / ((performance.now() - t0) / 1000)) * 100),
    }
  },

  /** Every viewer's stream list against `expected` (the server's live streams). */
  lists({ expected }) {
    const want = [...expected].sort().join(',')
    let wrong = 0
    let example = null
    for (const c of clients) {
      const have = [...c.streams].sort().join(',')
      if (have === want) continue
      wrong++
      if (!example) {
        const exp = new Set(expected)
        example = { userId: c.userId, missing: expected.filter((s) => !c.streams.has(s)).slice(0, 5), extra: [...c.streams].filter((s) => !exp.has(s)).slice(0, 5) }
      }
    }
    return { viewers: clients.length, correct: clients.length - wrong, wrong, example }
  },

  /** Wait until no push arrived for `quietMs` (an overloaded server drained its backlog). */
  async quiet({ quietMs = 500, maxMs = 20000 }) {
    const t0 = performance.now()
    while (performance.now() - lastPushAt < quietMs && performance.now() - t0 < maxMs) await sleep(50)
    return { waitedMs: Math.round(performance.now() - t0) }
  },

  status() {
    return { open: clients.filter((c) => c.ws.readyState === 1).length, ...stats }
  },

  async close() {
    for (const p of publishers) p.rtmp?.close()
    for (const c of [...clients, ...publishers.map((p) => p.c)]) {
      clearTimeout(c.timer)
      clearInterval(c.timer)
      c.ws.terminate()
    }
    clients.length = 0
    publishers.length = 0
  },
})
