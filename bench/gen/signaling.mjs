// Lean signaling load generator (runs in its own process, pinned to the other core): logged-in
// protocol clients speaking the MiniRTC wire format directly over `ws`, no engine. The same
// generator drives the raw `ws` ceiling server. Send and receive stamps share this process's clock.
//   connect { url, n, k, offset, login, heartbeatMs?, urls? }  open n sockets (users offset..offset+n-1,
//     rooms of k); they ping every heartbeatIntervalMs from login (heartbeatMs overrides, diagnostics only).
//     `urls` (several server nodes): user i connects to urls[i % urls.length], so every room spans the
//     nodes; with `wholeRooms` to urls[room % urls.length], so each room lives on one node
//   run { rate, warmupMs, measureMs, drainMs, payloadBytes }  broadcasts at `rate` sends/s; deliveries
//     are also counted per node (`deliveredByNode`, index into `urls`)
//   status {}  open/closed sockets, errors; close {}
import WebSocket from 'ws'
import { createToken } from '@minirtc/server'
import { APP, percentiles, serveWorker, sleep, round } from '../lib.mjs'

const clients = []
const stats = { closed: 0, closeCodes: {}, replyErrors: 0, lastError: '', pingsSent: 0, pongs: 0 }
let recording = null
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
  }
  request(op, d) {
    const id = ++this.nextId
    this.ws.send(JSON.stringify({ v: 1, id, op, d }))
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

async function open(url, userId, roomId, login, heartbeatMs, node = 0) {
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
    const token = await createToken({ ...APP, userId, roomId, privileges: { login: true, publish: false }, ttlSeconds: 3600 })
    const r = await c.call('login', { appId: APP.appId, roomId, token, user: { userId, userName: userId } })
    if (!r.ok) throw new Error(`login of ${userId} failed: ${JSON.stringify(r.error)}`)
    interval = r.d.heartbeatIntervalMs
  }
  c.startHeartbeat(heartbeatMs ?? interval)
  return c
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
        clients.push(await open(urls[node], 'u' + i, 'r' + Math.floor(i / k), login, heartbeatMs, node))
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
    const rec = { from, to, lat: [], delivered: 0, byNode: new Array(nodeCount).fill(0) }
    recording = rec
    const errorsBefore = stats.replyErrors
    let sent = 0
    let inWindow = 0
    let rr = Math.floor(Math.random() * n)
    const cpu0 = process.cpuUsage()
    await new Promise((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now()
        if (now >= to) {
          clearInterval(tick)
          return resolve()
        }
        let due = Math.floor(((now - t0) / 1000) * rate) - sent
        while (due-- > 0) {
          const c = clients[rr++ % n]
          sent++
          if (c.ws.readyState !== 1) continue
          const stamp = performance.now()
          if (stamp >= from && stamp < to) inWindow++
          c.request('broadcast', { message: stamp.toFixed(3) + '|' + pad })
        }
      }, 2)
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
    for (const c of clients) {
      clearTimeout(c.timer)
      clearInterval(c.timer)
      c.ws.terminate()
    }
    clients.length = 0
  },
})
