import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, CloseCode } from '@minirtc/protocol'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RunningServer } from '../src/index'
import { APP, Client, adminFetch, eventually, joined, sleep, start, token } from './helpers'
import { RawWs, silentTcp } from './rawSocket'

/**
 * Regression tests for the findings of the adversarial pass (issue 17): each one failed against
 * the server before its fix. Everything runs through a real server on real sockets.
 */
const tmp = mkdtempSync(join(tmpdir(), 'minirtc-hardening-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
let srv: RunningServer | undefined
afterEach(async () => {
  await srv?.close()
  srv = undefined
})

/** A raw HTTP request (fetch would normalize the broken paths away). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

async function rawLogin(url: string, roomId: string, userId: string): Promise<{ raw: RawWs; login: any }> {
  const raw = await RawWs.open(url)
  raw.request(1, 'login', { appId: APP.appId, roomId, token: await token(userId, roomId), user: { userId, userName: userId }, userUpdate: true })
  const login = await raw.next()
  if (!login.ok) throw new Error('login refused: ' + JSON.stringify(login.error))
  return { raw, login: login.d }
}

describe('malformed request paths', () => {
  it('answers broken percent-encodings with 4xx and keeps serving (console mounted)', async () => {
    const consoleDir = join(tmp, 'console')
    rmSync(consoleDir, { recursive: true, force: true })
    writeFileSync(join(tmp, 'x'), '')
    await import('node:fs').then((fs) => fs.mkdirSync(consoleDir, { recursive: true }))
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html>')
    srv = await start({ consoleDir })
    const paths = ['/%', '/%%', '/%zz', '/console/%', '/console/%E0%A4%A', '/console/%00', '/console/..%2f..%2fetc%2fpasswd', '/admin/%', '/admin/rooms/%/users', '/dev/token?roomId=%', '/hooks/nginx/%/publish', '/%C0%AF', '/ws/%']
    for (const p of paths) {
      const status = await rawGet(srv.httpUrl, p)
      expect(status, p).toBeGreaterThanOrEqual(400)
      expect(status, p).toBeLessThan(500)
    }
    expect(await rawGet(srv.httpUrl, '/console/')).toBe(200)
    expect(await rawGet(srv.httpUrl, '/healthz')).toBe(200)
  })
})

describe('slow readers', () => {
  it('closes a signaling client that stops reading with 4009 instead of buffering without bound; it resumes with nothing lost', async () => {
    srv = await start({
      maxSendBufferBytes: 256 * 1024,
      replayBufferSize: 100_000,
      rateLimit: { messagesPerSecond: 1e6, burst: 1e6 },
    })
    const { raw, login } = await rawLogin(srv.url, 'slow-room', 'slow')
    raw.pause()
    const sender = await joined(srv, 'slow-room', 'sender')
    const n = 6000
    const value = 'v'.repeat(4000)
    const rss0 = process.memoryUsage().rss
    for (let i = 0; i < n; i += 200) {
      const batch = []
      for (let j = i; j < i + 200; j++) batch.push(sender.c.request('setRoomExtraInfo', { key: 'k' + (j % 16), value: value + j }))
      for (const r of await Promise.all(batch)) expect(r.ok).toBe(true)
    }
    // The server dropped the socket (its session is detached, waiting for a resume)...
    const users = await eventually(async () => {
      const u = (await adminFetch(srv!, '/admin/rooms/slow-room/users')).body.users as { userId: string; connected: boolean }[]
      return u.find((x) => x.userId === 'slow' && !x.connected) ? u : undefined
    }, 10_000, 'slow client dropped')
    expect(users).toHaveLength(2)
    console.log(`slow reader: ${n} pushes of 4 KB, RSS ${Math.round(rss0 / 2 ** 20)} → ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`)
    // ...and the client, resuming on a fresh socket, is replayed every push it did not read.
    raw.destroy()
    const again = await Client.open(srv.url)
    const r = await again.request('resume', { sessionId: login.sessionId, lastSeq: login.seq })
    expect(r.ok).toBe(true)
    const infos = (r.d.missed as { ev: string; d: any }[]).filter((p) => p.ev === 'roomExtraInfo')
    expect(infos).toHaveLength(n)
    expect(infos[n - 1]!.d.extraInfo[0].value).toBe(value + (n - 1))
    const closes = await (await fetch(srv.httpUrl + '/metrics')).text()
    expect(closes).toMatch(/minirtc_slow_consumers_total\{listener="signaling"\} [1-9]/)
    again.close()
    sender.c.close()
  })

  it('pings clients and drops one that never answers, even while it keeps sending its own pings', async () => {
    srv = await start({ heartbeatTimeoutMs: 2000 })
    const { raw } = await rawLogin(srv.url, 'ping-room', 'mute')
    const pinger = setInterval(() => raw.request(2, 'ping', {}), 300)
    try {
      await Promise.race([raw.closed, sleep(8000)])
      expect(raw.closeCode).toBe(CloseCode.HEARTBEAT_TIMEOUT)
    } finally {
      clearInterval(pinger)
      raw.destroy()
    }
    // A well-behaved client (ws answers pings by itself) stays.
    const ok = await joined(srv, 'ping-room', 'fine')
    // A ping still in flight at close() is rejected 10 s later: not this test's business.
    const ping = setInterval(() => void ok.c.request('ping', {}).catch(() => {}), 500)
    await sleep(3000)
    clearInterval(ping)
    expect(ok.c.ws.readyState).toBe(WebSocket.OPEN)
    ok.c.close()
  })

  it('pings no client that acknowledges the pushes it gets; one whose acks stop while pushes go on is pinged and dropped', async () => {
    srv = await start({ heartbeatTimeoutMs: 2000 }) // a liveness check every second
    const { raw, login } = await rawLogin(srv.url, 'ack-room', 'acker')
    const sender = await joined(srv, 'ack-room', 'sender')
    let lastSeq: number = login.seq
    let acking = true
    let id = 10
    const talk = setInterval(() => void sender.c.request('broadcast', { message: 'hi' }).catch(() => {}), 100)
    // The raw client never answers pings; it reads its pushes and acks them with its heartbeat.
    const heartbeat = setInterval(() => {
      for (const f of raw.drain()) if (typeof f.seq === 'number' && f.seq > 0) lastSeq = Math.max(lastSeq, f.seq)
      raw.request(id++, 'ping', {}, acking ? lastSeq : undefined)
    }, 300)
    try {
      await sleep(3500)
      expect(raw.closeCode).toBeUndefined()
      // At most the first check, before any push of this connection was acknowledged.
      expect(raw.pings).toBeLessThanOrEqual(1)
      const pingsWhileAcking = raw.pings
      acking = false
      await Promise.race([raw.closed, sleep(8000)])
      expect(raw.pings).toBeGreaterThan(pingsWhileAcking)
      expect(raw.closeCode).toBe(CloseCode.HEARTBEAT_TIMEOUT)
    } finally {
      clearInterval(talk)
      clearInterval(heartbeat)
      raw.destroy()
      sender.c.close()
    }
  })
})

describe('listener timeouts and per-address caps', () => {
  it('drops silent and half-handshaked connections on signaling, RTMP and HTTP-FLV, and caps each address', async () => {
    srv = await start({ handshakeTimeoutMs: 800, maxConnectionsPerAddress: 4 })
    const rtmp = new URL(srv.rtmpUrl.replace(/^rtmp:/, 'http:'))
    const flv = new URL(srv.flvUrl)
    const http = new URL(srv.httpUrl)
    const listeners: [string, string, number, string | undefined][] = [
      ['signaling, silent', http.hostname, Number(http.port), undefined],
      ['signaling, half a request', http.hostname, Number(http.port), 'GET /ws HTTP/1.1\r\nHost: x\r\n'],
      ['rtmp, silent', rtmp.hostname, Number(rtmp.port), undefined],
      ['rtmp, half a handshake', rtmp.hostname, Number(rtmp.port), '\x03' + 'x'.repeat(100)],
      ['http-flv, silent', flv.hostname, Number(flv.port), undefined],
      ['http-flv, half a request', flv.hostname, Number(flv.port), 'GET /live/abc.flv HTTP/1.1\r\n'],
    ]
    for (const [what, host, port, bytes] of listeners) {
      const c = await silentTcp(host, port, bytes)
      const ms = await Promise.race([c.closed, sleep(5000).then(() => -1)])
      c.socket.destroy()
      expect(ms, what).toBeGreaterThan(0)
      expect(ms, what).toBeLessThan(3000)
    }
    // Per address: the fifth open connection is refused at once while four are held.
    for (const [what, host, port] of [['signaling', http.hostname, Number(http.port)], ['rtmp', rtmp.hostname, Number(rtmp.port)], ['http-flv', flv.hostname, Number(flv.port)]] as const) {
      const held = await Promise.all([1, 2, 3, 4].map(() => silentTcp(host, port)))
      const extra = await silentTcp(host, port)
      const ms = await Promise.race([extra.closed, sleep(600).then(() => -1)])
      expect(ms, what + ': refused at once').toBeGreaterThan(-1)
      expect(ms, what).toBeLessThan(500)
      for (const h of held) h.socket.destroy()
      await Promise.all(held.map((h) => h.closed))
    }
    // Slots come back once those connections are gone: a real client logs in.
    await sleep(100)
    const u = await joined(srv, 'cap-room', 'after')
    u.c.close()
  })

  it('keeps a busy keep-alive HTTP connection and a logged-in WebSocket past the handshake deadline', async () => {
    // The handshake deadline is absolute; a socket that got a whole request through (or upgraded)
    // is on the idle timeout instead, so working connections outlive it.
    srv = await start({ handshakeTimeoutMs: 800 })
    const u = await joined(srv, 'deadline-room', 'u1')
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const sockets = new Set<unknown>()
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(srv!.httpUrl + '/healthz', { agent }, (res) => {
          sockets.add(res.socket)
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        })
        req.on('error', reject)
        req.end()
      })
    // Each request on the kept-alive socket must not add a listener (Node warns past 10).
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    const codes: number[] = []
    for (let i = 0; i < 12; i++) {
      codes.push(await get())
      await sleep(150)
    }
    agent.destroy()
    await sleep(50)
    process.off('warning', onWarning)
    expect(codes).toEqual(Array.from({ length: 12 }, () => 200))
    expect(sockets.size).toBe(1) // one connection for 1.8 s, well past its 800 ms handshake deadline
    expect(warnings).not.toContain('MaxListenersExceededWarning')
    expect((await u.c.request('ping', {})).ok).toBe(true)
    u.c.close()
  })

  it('caps open WebSocket connections per client address, also behind a trusted proxy', async () => {
    // Behind a proxy every TCP connection comes from the proxy; the cap applies to the client address.
    srv = await start({ maxConnectionsPerAddress: 3, trustProxy: true })
    const from = (ip: string) => ({ 'x-forwarded-for': ip })
    const open = await Promise.all([1, 2, 3].map(() => Client.open(srv!.url, from('203.0.113.7'))))
    await expect(Client.open(srv.url, from('203.0.113.7'))).rejects.toThrow(/429/)
    const other = await Client.open(srv.url, from('203.0.113.8'))
    open[0]!.close()
    await sleep(200)
    const c = await Client.open(srv.url, from('203.0.113.7'))
    for (const x of [...open, other, c]) x.close()
  })
})

describe('browser ingest', () => {
  /** A stand-in ffmpeg that records its start and its exit. */
  function spyFfmpeg() {
    const path = join(tmp, `ff-${Math.random().toString(36).slice(2)}.sh`)
    writeFileSync(path, `#!/bin/sh\nif [ "$2" = "-version" ]; then exit 0; fi\ntouch '${path}.ran'\ncat >/dev/null\ntouch '${path}.exited'\n`, { mode: 0o755 })
    return { path, ran: () => existsSync(path + '.ran'), exited: () => existsSync(path + '.exited') }
  }

  function ingestSocket(s: RunningServer, pushUrl: string) {
    const ws = new WebSocket(`${s.url.replace(/\/ws$/, '')}/ingest?url=${encodeURIComponent(pushUrl)}`)
    const messages: any[] = []
    ws.on('message', (d, bin) => !bin && messages.push(JSON.parse(d.toString())))
    ws.on('error', () => {})
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
    return { ws, messages, closed }
  }

  it('closes a browser publisher that sends nothing with MEDIA_IDLE and stops its ffmpeg', async () => {
    const ff = spyFfmpeg()
    srv = await start({ ffmpegPath: ff.path, ingestIdleTimeoutMs: 800 })
    const pub = await joined(srv, 'ing-room', 'browser')
    const p = await pub.c.request('publish', { streamId: 'cam' })
    const ing = ingestSocket(srv, p.d.pushUrl)
    await Promise.race([ing.closed, sleep(5000)])
    expect(ing.messages.find((m) => m.type === 'error')?.error.code).toBe(ErrorCode.MEDIA_IDLE)
    await eventually(() => ff.exited(), 5000, 'ffmpeg stopped')
    pub.c.close()
  })

  it("ends a browser publisher when its owner logs out, and refuses the URL afterwards", async () => {
    const ff = spyFfmpeg()
    srv = await start({ ffmpegPath: ff.path, ingestIdleTimeoutMs: 60_000 })
    const pub = await joined(srv, 'ing-room', 'browser')
    const p = await pub.c.request('publish', { streamId: 'cam' })
    const ing = ingestSocket(srv, p.d.pushUrl)
    await eventually(() => ing.messages.some((m) => m.type === 'ready'), 5000, 'ingest ready')
    expect(ff.ran()).toBe(true)
    expect((await pub.c.request('logout', {})).ok).toBe(true)
    const code = await Promise.race([ing.closed, sleep(5000).then(() => -1)])
    expect(code).not.toBe(-1)
    expect(ing.messages.find((m) => m.type === 'error')?.error.code).toBe(ErrorCode.MEDIA_NOT_AUTHORIZED)
    await eventually(() => ff.exited(), 5000, 'ffmpeg stopped')
    // The signed URL has not expired, but its session is gone: nothing is spawned for it.
    const late = ingestSocket(srv, p.d.pushUrl)
    await Promise.race([late.closed, sleep(5000)])
    expect(late.messages.find((m) => m.type === 'error')?.error.code).toBe(ErrorCode.MEDIA_NOT_AUTHORIZED)
    pub.c.close()
  })
})

describe('admin API', () => {
  it('throttles credential guessing per address (429 RATE_LIMITED, even for the right secret)', async () => {
    srv = await start({ adminFailuresPerMinute: 5 })
    for (let i = 0; i < 5; i++) {
      const r = await adminFetch(srv, '/admin/rooms', {}, { appId: APP.appId, secret: 'wrong-' + i })
      expect(r.status).toBe(401)
      expect(r.body.error.code).toBe(ErrorCode.ADMIN_AUTH_FAILED)
    }
    const locked = await adminFetch(srv, '/admin/rooms')
    expect(locked.status).toBe(429)
    expect(locked.body.error.code).toBe(ErrorCode.RATE_LIMITED)
  })

  it('answers within 1 s for 100 parallel guesses instead of thousands per second', async () => {
    srv = await start({ adminFailuresPerMinute: 10 })
    const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => adminFetch(srv!, '/admin/rooms', {}, { appId: APP.appId, secret: 'guess-' + i })))
    const tried = rs.filter((r) => r.status === 401).length
    expect(tried).toBeLessThanOrEqual(10)
    expect(rs.filter((r) => r.status === 429).length).toBe(100 - tried)
  })
})

describe('identities and limits', () => {
  it('refuses user names with control or bidi characters, and stores nothing', async () => {
    srv = await start()
    for (const userName of ['evil\u202egnp.exe', 'bell\u0007', 'line\nbreak', 'iso\u2066x\u2069']) {
      const c = await Client.open(srv.url)
      const r = await c.request('login', { appId: APP.appId, roomId: 'names', token: await token('u1', 'names'), user: { userId: 'u1', userName }, userUpdate: true })
      expect(r.error?.code, JSON.stringify(userName)).toBe(ErrorCode.INVALID_USER_NAME)
      c.close()
    }
    expect((await adminFetch(srv, '/admin/rooms/names/users')).body.users).toEqual([])
  })

  it('sends ROOM_FULL past the per-room user limit; a re-login of a member still works', async () => {
    srv = await start({ maxUsersPerRoom: 2 })
    const a = await joined(srv, 'full', 'a')
    const b = await joined(srv, 'full', 'b')
    const c = await Client.open(srv.url)
    expect((await c.login('full', 'c')).error?.code).toBe(ErrorCode.ROOM_FULL)
    const a2 = await Client.open(srv.url)
    expect((await a2.login('full', 'a')).ok).toBe(true)
    b.c.request('logout', {})
    await eventually(async () => (await c.login('full', 'c')).ok, 5000, 'a free place')
    for (const x of [a.c, b.c, c, a2]) x.close()
  })

  it('caps the sessions one token may hold (TOO_MANY_SESSIONS)', async () => {
    srv = await start({ maxSessionsPerToken: 2 })
    const anyRoom = await token('roamer', undefined)
    const cs = await Promise.all([1, 2, 3].map(() => Client.open(srv!.url)))
    expect((await cs[0]!.login('r1', 'roamer', { token: anyRoom })).ok).toBe(true)
    expect((await cs[1]!.login('r2', 'roamer', { token: anyRoom })).ok).toBe(true)
    expect((await cs[2]!.login('r3', 'roamer', { token: anyRoom })).error?.code).toBe(ErrorCode.TOO_MANY_SESSIONS)
    // Replacing one's own session in a room takes no new slot; leaving frees one.
    const again = await Client.open(srv.url)
    expect((await again.login('r1', 'roamer', { token: anyRoom })).ok).toBe(true)
    await cs[1]!.request('logout', {})
    expect((await cs[2]!.login('r3', 'roamer', { token: anyRoom })).ok).toBe(true)
    for (const x of [...cs, again]) x.close()
  })
})

describe('restart', () => {
  it('closes every client with SERVER_SHUTDOWN on close, a client that stops reading included, within about a second', async () => {
    srv = await start()
    const a = await joined(srv, 'shut', 'a')
    const b = await joined(srv, 'shut', 'b')
    const { raw } = await rawLogin(srv.url, 'shut', 'mute')
    raw.socket.pause() // reads nothing more: its close frame never gets an answer
    const t0 = Date.now()
    await srv.close()
    srv = undefined
    expect(Date.now() - t0).toBeLessThan(3000)
    expect((await a.c.closed).code).toBe(CloseCode.SERVER_SHUTDOWN)
    expect((await b.c.closed).code).toBe(CloseCode.SERVER_SHUTDOWN)
    raw.destroy()
  })

  it('keeps room extra info across a restart (stateFile); rooms nobody rejoins are forgotten', async () => {
    const stateFile = join(tmp, 'state', 'rooms.json')
    srv = await start({ stateFile })
    const a = await joined(srv, 'keep', 'a')
    expect((await a.c.request('setRoomExtraInfo', { key: 'topic', value: 'hardening' })).ok).toBe(true)
    const b = await joined(srv, 'gone', 'b')
    expect((await b.c.request('setRoomExtraInfo', { key: 'x', value: 'y' })).ok).toBe(true)
    await srv.close()
    srv = await start({ stateFile, resumeWindowMs: 400 })
    const back = await joined(srv, 'keep', 'a')
    expect(back.login.room.extraInfo).toEqual([expect.objectContaining({ key: 'topic', value: 'hardening', updateUser: expect.objectContaining({ userId: 'a' }) })])
    // 'gone' had no user back within the restore window (2 × resumeWindowMs).
    await eventually(async () => {
      const rooms = (await adminFetch(srv!, '/admin/rooms')).body.rooms as { roomId: string }[]
      return rooms.length === 1 && rooms[0]!.roomId === 'keep'
    }, 5000, "the abandoned room forgotten")
    for (const x of [a.c, b.c, back.c]) x.close()
  })
})
