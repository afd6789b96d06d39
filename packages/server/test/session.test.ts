import { CloseCode, ErrorCode } from '@minirtc/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { Client, joined, sleep, start, token, type ServerPush } from './helpers'

let srv: RunningServer
beforeAll(async () => {
  srv = await start({
    media: { kind: 'nginx', rtmpUrl: 'rtmp://127.0.0.1:1/live', hookSecret: 'unused-hook-secret-0123' },
    resumeWindowMs: 3000,
    heartbeatTimeoutMs: 1500,
    tokenWillExpireSeconds: 2,
  })
})
afterAll(() => srv?.close())

/** Keep a client's heartbeat going (acking what it applied) until stopped. */
function keepAlive(c: Client): () => void {
  const t = setInterval(() => {
    const last = c.pushes[c.pushes.length - 1]
    c.ws.send(JSON.stringify({ v: 1, id: 900_000 + Math.floor(Math.random() * 1e5), op: 'ping', d: last ? { ack: last.seq } : {} }))
  }, 300)
  return () => clearInterval(t)
}

describe('resume and replay', () => {
  it('forgets the pushes a request acknowledges (its `ack`): a resume from before them is refused', async () => {
    const a = await joined(srv, 'ack-1', 'alice')
    // Heartbeats without an ack: only the request below acknowledges.
    const pinger = setInterval(() => a.c.ws.send(JSON.stringify({ v: 1, id: 900_001, op: 'ping', d: {} })), 300)
    const b = await joined(srv, 'ack-1', 'bob')
    const stopB = keepAlive(b.c)
    for (const m of ['m1', 'm2', 'm3']) await b.c.request('broadcast', { message: m })
    await a.c.waitPush((p) => p.ev === 'broadcast' && (p.d as any).messages[0].message === 'm3')
    const seqs = a.c.pushes.map((p) => p.seq)
    const acked = seqs[seqs.length - 2]!
    // Not a ping: the acknowledgement rides on an ordinary request.
    const reply = new Promise<any>((resolve) => a.c.ws.once('message', (data) => resolve(JSON.parse(String(data)))))
    a.c.ws.send(JSON.stringify({ v: 1, id: 4242, op: 'setRoomExtraInfo', ack: acked, d: { key: 'k', value: 'v' } }))
    expect(await reply).toMatchObject({ id: 4242, ok: true })
    clearInterval(pinger)
    a.c.close()
    await sleep(100)
    const early = await Client.open(srv.url)
    expect((await early.request('resume', { sessionId: a.login.sessionId, lastSeq: acked - 1 })).error?.code).toBe(ErrorCode.SESSION_EXPIRED)
    early.close()
    stopB()
    b.c.close()
  })

  it('replays from an acknowledged seq what followed it', async () => {
    const a = await joined(srv, 'ack-2', 'alice')
    const pinger = setInterval(() => a.c.ws.send(JSON.stringify({ v: 1, id: 900_001, op: 'ping', d: {} })), 300)
    const b = await joined(srv, 'ack-2', 'bob')
    const stopB = keepAlive(b.c)
    for (const m of ['m1', 'm2']) await b.c.request('broadcast', { message: m })
    await a.c.waitPush((p) => p.ev === 'broadcast' && (p.d as any).messages[0].message === 'm2')
    const acked = a.c.pushes[a.c.pushes.length - 2]!.seq
    const reply = new Promise<any>((resolve) => a.c.ws.once('message', (data) => resolve(JSON.parse(String(data)))))
    a.c.ws.send(JSON.stringify({ v: 1, id: 4243, op: 'broadcast', ack: acked, d: { message: 'mine' } }))
    expect(await reply).toMatchObject({ id: 4243, ok: true })
    clearInterval(pinger)
    a.c.close()
    await sleep(100)
    const a2 = await Client.open(srv.url)
    const r = await a2.request('resume', { sessionId: a.login.sessionId, lastSeq: acked })
    expect(r.ok).toBe(true)
    expect((r.d.missed as { seq: number }[]).map((m) => m.seq)).toEqual([acked + 1])
    stopB()
    for (const x of [a2, b.c]) x.close()
  })

  it('replays missed pushes in order on a new socket within the window', async () => {
    const a = await joined(srv, 'res-1', 'alice')
    const stopA = keepAlive(a.c)
    const b = await joined(srv, 'res-1', 'bob')
    const stopB = keepAlive(b.c)
    await a.c.waitPush((p) => p.ev === 'onlineCount')
    const lastSeq = a.c.pushes[a.c.pushes.length - 1]!.seq
    stopA()
    a.c.close() // network drop: no logout
    await sleep(100)
    await b.c.request('broadcast', { message: 'm1' })
    await b.c.request('setRoomExtraInfo', { key: 'k', value: 'v1' })
    const c = await joined(srv, 'res-1', 'carol')
    const stopC = keepAlive(c.c)
    // Alice's absence is invisible to the others during the window.
    expect(c.login.room.onlineCount).toBe(3)

    const a2 = await Client.open(srv.url)
    const r = await a2.request('resume', { sessionId: a.login.sessionId, lastSeq })
    expect(r.ok).toBe(true)
    const missed = r.d.missed as { seq: number; ev: string }[]
    expect(missed.map((m) => m.ev)).toEqual(['broadcast', 'roomExtraInfo', 'user', 'onlineCount'])
    expect(missed.map((m) => m.seq)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3, lastSeq + 4])
    // New pushes continue the same sequence on the new socket.
    await b.c.request('broadcast', { message: 'm2' })
    expect((await a2.waitPush((p) => p.ev === 'broadcast')).seq).toBe(lastSeq + 5)
    // A second resume of the same session from yet another socket takes it over.
    const a3 = await Client.open(srv.url)
    const r3 = await a3.request('resume', { sessionId: a.login.sessionId, lastSeq: lastSeq + 5 })
    expect(r3).toMatchObject({ ok: true, d: { missed: [] } })
    expect((await a2.closed).code).toBe(CloseCode.NORMAL)
    stopB()
    stopC()
    for (const x of [a3, b.c, c.c]) x.close()
  })

  it('a resume after hundreds of broadcasts replays every one, in order, equal to what the others got live', async () => {
    // Fan-outs share one serialized body across the recipients' replay buffers; the replay
    // must still number and deliver each push exactly as a live recipient saw it.
    const s2 = await start({
      media: { kind: 'nginx', rtmpUrl: 'rtmp://127.0.0.1:1/live', hookSecret: 'unused-hook-secret-0123' },
      rateLimit: { messagesPerSecond: 10_000, burst: 10_000 },
    })
    try {
      const a = await joined(s2, 'res-many', 'alice')
      const b = await joined(s2, 'res-many', 'bob')
      const c = await joined(s2, 'res-many', 'carol')
      const rawC: string[] = []
      c.c.ws.on('message', (data) => rawC.push(data.toString()))
      const send = async (from: number, to: number) => {
        for (let i = from; i < to; i++) expect((await b.c.request('broadcast', { message: 'm' + i })).ok).toBe(true)
      }
      const isMsg = (i: number) => (p: ServerPush) => p.ev === 'broadcast' && p.d.messages[0]!.message === 'm' + i
      await send(0, 100)
      await a.c.waitPush(isMsg(99))
      // Alice acks half of what she got, then her network drops (no logout).
      const seen = a.c.pushes.filter((p) => p.ev === 'broadcast')
      await a.c.request('ping', { ack: seen[49]!.seq })
      const lastSeq = a.c.pushes[a.c.pushes.length - 1]!.seq
      a.c.close()
      await a.c.closed
      await send(100, 400)
      await c.c.waitPush(isMsg(399))

      const a2 = await Client.open(s2.url)
      const r = await a2.request('resume', { sessionId: a.login.sessionId, lastSeq })
      expect(r.ok).toBe(true)
      const missed = r.d.missed as ServerPush[]
      expect(missed.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => lastSeq + 1 + i))
      const live = c.c.pushes.filter((p) => p.ev === 'broadcast').slice(100)
      expect(live).toHaveLength(300)
      // Same pushes as Carol's, in the same order, only numbered in Alice's sequence.
      expect(missed.map((m, i) => ({ ...m, seq: live[i]!.seq }))).toEqual(live)
      // On the wire a push is exactly its JSON with seq first (what clients scan for).
      for (const f of rawC.filter((t) => t.startsWith('{"seq":'))) expect(f).toBe(JSON.stringify(JSON.parse(f)))
      expect(rawC.filter((t) => t.startsWith('{"seq":'))).toHaveLength(c.c.pushes.length)
      // The sequence goes on from the replay on the new socket, byte for byte like Carol's copy.
      const rawA: string[] = []
      a2.ws.on('message', (data) => rawA.push(data.toString()))
      await send(400, 401)
      const next = await a2.waitPush(isMsg(400))
      expect(next.seq).toBe(lastSeq + 301)
      const carolsCopy = await c.c.waitPush(isMsg(400))
      expect(rawA.find((t) => t.startsWith('{"seq":'))).toBe(JSON.stringify({ ...carolsCopy, seq: next.seq }))
      for (const x of [a2, b.c, c.c]) x.close()
    } finally {
      await s2.close()
    }
  })

  it('after the window the user leaves (DELETE to others) and resume says SESSION_EXPIRED', async () => {
    const a = await joined(srv, 'res-2', 'alice')
    const b = await joined(srv, 'res-2', 'bob')
    const stopB = keepAlive(b.c)
    a.c.close()
    const del = await b.c.waitPush((p) => p.ev === 'user' && p.d.type === 'DELETE', 10_000)
    expect(del.d.users[0].userId).toBe('alice')
    const a2 = await Client.open(srv.url)
    const r = await a2.request('resume', { sessionId: a.login.sessionId, lastSeq: 0 })
    expect(r.error?.code).toBe(ErrorCode.SESSION_EXPIRED)
    expect((await a2.request('resume', { sessionId: 'no-such-session', lastSeq: 0 })).error?.code).toBe(ErrorCode.SESSION_EXPIRED)
    stopB()
    a2.close()
    b.c.close()
  })

  it('closes with 4006 when heartbeats stop; the session is still resumable', async () => {
    const a = await joined(srv, 'hb', 'alice')
    const closed = await a.c.closed
    expect(closed.code).toBe(CloseCode.HEARTBEAT_TIMEOUT)
    const a2 = await Client.open(srv.url)
    expect((await a2.request('resume', { sessionId: a.login.sessionId, lastSeq: 0 })).ok).toBe(true)
    a2.close()
  })

  it('closes with 4005 when no login arrives in time', async () => {
    const s2 = await start({ media: { kind: 'nginx', rtmpUrl: 'rtmp://127.0.0.1:1/live', hookSecret: 'unused-hook-secret-0123' }, loginTimeoutMs: 300 })
    const c = await Client.open(s2.url)
    expect((await c.closed).code).toBe(CloseCode.LOGIN_TIMEOUT)
    await s2.close()
  })
})

describe('token expiry and renewal', () => {
  it('pushes tokenWillExpire, accepts renewToken, and closes 4007 at expiry without renewal', async () => {
    const now = Math.floor(Date.now() / 1000)
    // Expires in ~3 s; tokenWillExpire comes 2 s before.
    const short = await token('ren', 'tok', { ttlSeconds: 3, issuedAt: now })
    const c = await Client.open(srv.url)
    const stop = keepAlive(c)
    const login = await c.login('tok', 'ren', { token: short })
    expect(login.ok).toBe(true)
    expect(login.d.tokenExpiresAt).toBe((now + 3) * 1000)
    const will = await c.waitPush((p) => p.ev === 'tokenWillExpire', 5000)
    expect(will.d).toEqual({ expiresAt: (now + 3) * 1000 })
    // A token for someone else is refused and changes nothing.
    expect((await c.request('renewToken', { token: await token('mallory', 'tok') })).error?.code).toBe(ErrorCode.USER_MISMATCH)
    expect((await c.request('renewToken', { token: await token('ren', 'other-room') })).error?.code).toBe(ErrorCode.ROOM_NOT_GRANTED)
    const renewed = await c.request('renewToken', { token: await token('ren', 'tok', { ttlSeconds: 4 }) })
    expect(renewed.ok).toBe(true)
    expect(renewed.d.expiresAt).toBeGreaterThan((now + 3) * 1000)
    // Past the first expiry, still connected.
    await sleep(3500 - (Date.now() - now * 1000) + 300)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    // Without another renewal: kickout TOKEN_EXPIRED, close 4007.
    const kick = await c.waitPush((p) => p.ev === 'kickout', 8000)
    expect(kick.d).toEqual({ code: ErrorCode.TOKEN_EXPIRED, reason: 'TOKEN_EXPIRED' })
    expect((await c.closed).code).toBe(CloseCode.TOKEN_EXPIRED)
    stop()
  })
})

describe('trustProxy', () => {
  it('takes the client address from X-Forwarded-For only when trusted', async () => {
    const proxied = await start({
      media: { kind: 'nginx', rtmpUrl: 'rtmp://127.0.0.1:1/live', hookSecret: 'unused-hook-secret-0123' },
      trustProxy: true,
    })
    const c = await Client.open(proxied.url, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' })
    expect((await c.login('xff', 'u1')).ok).toBe(true)
    const c2 = await Client.open(srv.url, { 'x-forwarded-for': '203.0.113.9' })
    expect((await c2.login('xff', 'u2')).ok).toBe(true)
    const auth = { authorization: 'Basic ' + Buffer.from('app-test:test-secret-0123456789abcdef').toString('base64') }
    const viaProxy: any = await (await fetch(`${proxied.httpUrl}/admin/rooms/xff/users`, { headers: auth })).json()
    expect(viaProxy.users[0].address).toBe('203.0.113.9')
    const direct: any = await (await fetch(`${srv.httpUrl}/admin/rooms/xff/users`, { headers: auth })).json()
    expect(direct.users[0].address).not.toBe('203.0.113.9')
    c.close()
    c2.close()
    await proxied.close()
  })
})
