import { CloseCode, ErrorCode } from '@minirtc/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { APP, Client, adminFetch, joined, start, token } from './helpers'

let srv: RunningServer
beforeAll(async () => {
  srv = await start({ rateLimit: { messagesPerSecond: 1000, burst: 1000 } })
})
afterAll(() => srv?.close())

describe('login and room sync', () => {
  it('returns the full RoomSync and pushes user/onlineCount to others', async () => {
    const a = await joined(srv, 'r-sync', 'alice')
    expect(a.login.sessionId).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(a.login.seq).toBe(0)
    expect(a.login.room).toMatchObject({ users: [], streams: [], extraInfo: [], onlineCount: 1, ownStreams: [] })
    await a.c.request('setRoomExtraInfo', { key: 'topic', value: 'hello' })
    const b = await joined(srv, 'r-sync', 'bob', { userUpdate: false })
    expect(b.login.room.users).toEqual([{ userId: 'alice', userName: 'name-alice' }])
    expect(b.login.room.onlineCount).toBe(2)
    expect(b.login.room.extraInfo[0]).toMatchObject({ key: 'topic', value: 'hello', updateUser: { userId: 'alice' } })
    const add = await a.c.waitPush((p) => p.ev === 'user')
    expect(add).toMatchObject({ seq: 1, ev: 'user', d: { type: 'ADD', users: [{ userId: 'bob' }] } })
    expect(await a.c.waitPush((p) => p.ev === 'onlineCount')).toMatchObject({ seq: 2, d: { count: 2 } })
    // bob asked for no user pushes: alice leaving gives him only the count.
    await a.c.request('logout', {})
    const count = await b.c.waitPush((p) => p.ev === 'onlineCount')
    expect(count.d).toEqual({ count: 1 })
    expect(b.c.pushes.some((p) => p.ev === 'user')).toBe(false)
    a.c.close()
    b.c.close()
  })

  it('refuses logins with the documented codes', async () => {
    const c = await Client.open(srv.url)
    const expired = await token('u1', 'r1', { ttlSeconds: 1, issuedAt: Math.floor(Date.now() / 1000) - 10 })
    expect((await c.login('r1', 'u1', { token: expired })).error?.code).toBe(ErrorCode.TOKEN_EXPIRED)
    const good = await token('u1', 'r1')
    const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    expect((await c.login('r1', 'u1', { token: forged })).error?.code).toBe(ErrorCode.TOKEN_INVALID)
    expect((await c.login('r1', 'u1', { appId: 'nope' })).error?.code).toBe(ErrorCode.APP_UNKNOWN)
    expect((await c.login('r1', 'u1', { token: '' })).error?.code).toBe(ErrorCode.TOKEN_MISSING)
    expect((await c.login('r2', 'u1', { token: good })).error?.code).toBe(ErrorCode.ROOM_NOT_GRANTED)
    expect((await c.login('r1', 'u2', { token: good })).error?.code).toBe(ErrorCode.USER_MISMATCH)
    const noLogin = await token('u1', 'r1', { privileges: { login: false, publish: false } })
    expect((await c.login('r1', 'u1', { token: noLogin })).error?.code).toBe(ErrorCode.LOGIN_NOT_GRANTED)
    expect((await c.request('publish', { streamId: 's' })).error?.code).toBe(ErrorCode.NOT_LOGGED_IN)
    expect((await c.login('r1', 'u1', { token: good })).ok).toBe(true)
    expect((await c.login('r1', 'u1', { token: good })).error?.code).toBe(ErrorCode.ALREADY_LOGGED_IN)
    c.close()
  })

  it('replaces an older session of the same user (kickout 3004, close 4003)', async () => {
    const a = await joined(srv, 'r-dup', 'carol')
    const other = await joined(srv, 'r-dup', 'dave')
    const b = await joined(srv, 'r-dup', 'carol')
    const kick = await a.c.waitPush((p) => p.ev === 'kickout')
    expect(kick.d).toEqual({ code: ErrorCode.LOGGED_IN_ELSEWHERE, reason: 'LOGGED_IN_ELSEWHERE' })
    expect((await a.c.closed).code).toBe(CloseCode.REPLACED)
    expect(b.login.room.onlineCount).toBe(2)
    // dave saw no DELETE for carol (she is still there) and the count did not change.
    expect(other.c.pushes.filter((p) => p.ev === 'user' && p.d.type === 'DELETE')).toEqual([])
    b.c.close()
    other.c.close()
  })
})

describe('messages', () => {
  it('broadcasts, custom commands, stream and room extra info', async () => {
    const a = await joined(srv, 'r-msg', 'a1')
    const b = await joined(srv, 'r-msg', 'b1')
    const r = await a.c.request('broadcast', { message: 'hi all' })
    expect(r).toMatchObject({ ok: true, d: { messageId: 1 } })
    const m = await b.c.waitPush((p) => p.ev === 'broadcast')
    expect(m.d).toMatchObject({ messages: [{ messageId: 1, fromUser: { userId: 'a1' }, message: 'hi all' }] })
    expect((await a.c.request('customCommand', { command: 'ring', toUserIds: ['b1'] })).ok).toBe(true)
    expect((await b.c.waitPush((p) => p.ev === 'customCommand')).d).toMatchObject({ fromUser: { userId: 'a1' }, command: 'ring' })
    expect((await a.c.request('customCommand', { command: 'x', toUserIds: ['ghost'] })).error?.code).toBe(ErrorCode.USER_NOT_FOUND)
    expect((await a.c.request('broadcast', { message: 'x'.repeat(1025) })).error?.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE)
    expect((await a.c.request('setRoomExtraInfo', { key: 'k', value: 'v' })).ok).toBe(true)
    expect((await b.c.waitPush((p) => p.ev === 'roomExtraInfo')).d).toMatchObject({ extraInfo: [{ key: 'k', value: 'v' }] })
    a.c.close()
    b.c.close()
  })

  it('streamIds are unique per app; publish is idempotent for the owner', async () => {
    const a = await joined(srv, 'r-pub', 'p1')
    const b = await joined(srv, 'r-pub-2', 'p2')
    const first = await a.c.request('publish', { streamId: 'cam-1', extraInfo: 'e' })
    expect(first.ok).toBe(true)
    expect(first.d.pushUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]{20}\?u=[A-Za-z0-9_-]+&e=\d+&s=[A-Za-z0-9_-]+$/)
    expect(first.d.pushUrl).not.toContain('cam-1')
    expect((await b.c.request('publish', { streamId: 'cam-1' })).error?.code).toBe(ErrorCode.STREAM_ID_TAKEN)
    const again = await a.c.request('publish', { streamId: 'cam-1' })
    expect(again.ok).toBe(true)
    expect(again.d.pushUrl.split('?')[0]).toBe(first.d.pushUrl.split('?')[0])
    expect((await b.c.request('unpublish', { streamId: 'cam-1' })).error?.code).toBe(ErrorCode.STREAM_NOT_FOUND)
    expect((await b.c.request('play', { streamId: 'cam-1' })).error?.code).toBe(ErrorCode.STREAM_NOT_FOUND)
    expect((await a.c.request('unpublish', { streamId: 'cam-1' })).ok).toBe(true)
    expect((await b.c.request('publish', { streamId: 'cam-1' })).ok).toBe(true)
    a.c.close()
    b.c.close()
  })
})

describe('admin API', () => {
  it('lists rooms and users, kicks (3001/4001) and closes rooms (3002/4002)', async () => {
    const a = await joined(srv, 'room/with%odd', 'k1')
    const b = await joined(srv, 'room/with%odd', 'k2')
    const room = encodeURIComponent('room/with%odd')
    const bad = await fetch(`${srv.httpUrl}/admin/rooms`, { headers: { authorization: 'Bearer wrong', 'x-minirtc-app-id': APP.appId } })
    expect(bad.status).toBe(401)
    expect(((await bad.json()) as any).error.code).toBe(ErrorCode.ADMIN_AUTH_FAILED)
    const basic = await fetch(`${srv.httpUrl}/admin/rooms`, {
      headers: { authorization: 'Basic ' + Buffer.from(`${APP.appId}:${APP.secret}`).toString('base64') },
    })
    expect(basic.status).toBe(200)
    const rooms = await adminFetch(srv, '/admin/rooms')
    expect(rooms.body.rooms).toContainEqual({ roomId: 'room/with%odd', userCount: 2, streamCount: 0 })
    const users = await adminFetch(srv, `/admin/rooms/${room}/users`)
    expect(users.body.users.map((u: any) => u.userId).sort()).toEqual(['k1', 'k2'])
    expect((await adminFetch(srv, `/admin/rooms/${room}/users/nobody/kick`, { method: 'POST' })).status).toBe(404)
    expect((await adminFetch(srv, `/admin/rooms/${room}/users/k1/kick`, { method: 'POST' })).status).toBe(200)
    expect((await a.c.waitPush((p) => p.ev === 'kickout')).d).toEqual({ code: ErrorCode.KICKED_OUT, reason: 'KICKED_OUT' })
    expect((await a.c.closed).code).toBe(CloseCode.KICKED_OUT)
    expect((await b.c.waitPush((p) => p.ev === 'user' && p.d.type === 'DELETE')).d.users[0].userId).toBe('k1')
    expect((await adminFetch(srv, `/admin/rooms/${room}/close`, { method: 'POST' })).body).toEqual({ closed: 1 })
    expect((await b.c.waitPush((p) => p.ev === 'kickout')).d.code).toBe(ErrorCode.ROOM_CLOSED)
    expect((await b.c.closed).code).toBe(CloseCode.ROOM_CLOSED)
    const after = await adminFetch(srv, '/admin/rooms')
    expect(after.body.rooms.find((r: any) => r.roomId === 'room/with%odd')).toBeUndefined()
  })

  it('serves /healthz and /metrics', async () => {
    expect((await fetch(`${srv.httpUrl}/healthz`)).status).toBe(200)
    const text = await (await fetch(`${srv.httpUrl}/metrics`)).text()
    for (const m of ['minirtc_connections', 'minirtc_rooms', 'minirtc_users', 'minirtc_streams', 'minirtc_messages_total', 'minirtc_auth_failures_total', 'minirtc_media_hook_duration_seconds'])
      expect(text).toContain(m)
    expect(text).toMatch(/minirtc_auth_failures_total\{reason="TOKEN_EXPIRED"\} [1-9]/)
  })
})
