import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@minirtc/protocol'
import { APP, useCall } from './helpers'

const call = useCall()

describe('room features through the real server', () => {
  it('broadcast, custom command, room and stream extra info reach the other engine; limits come back coded', async () => {
    await call.start()
    const a = await call.bot('alice', 'room-im')
    const b = await call.bot('bob', 'room-im')
    await a.publish('alice-cam', { extraInfo: 'v1' })
    await b.events.wait('roomStreamUpdate', (_r, type) => type === 'ADD')

    const { messageId } = await a.engine.sendBroadcastMessage('room-im', 'hello room')
    const [, messages] = await b.events.wait('IMRecvBroadcastMessage')
    expect(messages[0]).toMatchObject({ messageId, message: 'hello room', fromUser: { userId: 'alice' } })

    await a.engine.sendCustomCommand('room-im', 'raise-hand', ['bob'])
    const [, fromUser, command] = await b.events.wait('IMRecvCustomCommand')
    expect([fromUser.userId, command]).toEqual(['alice', 'raise-hand'])

    await a.engine.setRoomExtraInfo('room-im', 'topic', 'standup')
    const [, info] = await b.events.wait('roomExtraInfoUpdate')
    expect(info[0]).toMatchObject({ key: 'topic', value: 'standup', updateUser: { userId: 'alice' } })
    expect(b.engine.getSnapshot().roomExtraInfo.map((i) => [i.key, i.value])).toEqual([['topic', 'standup']])

    await a.engine.setStreamExtraInfo('alice-cam', 'v2')
    const [, streams] = await b.events.wait('streamExtraInfoUpdate')
    expect(streams[0]).toMatchObject({ streamId: 'alice-cam', extraInfo: 'v2' })
    expect(b.engine.getSnapshot().streams[0]!.extraInfo).toBe('v2')

    // Limits and ownership are enforced by the server and come back as RtcError codes.
    await expect(a.engine.sendBroadcastMessage('room-im', 'x'.repeat(2000))).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE })
    await expect(b.engine.setStreamExtraInfo('alice-cam', 'hijack')).rejects.toMatchObject({ code: ErrorCode.NOT_STREAM_OWNER })
    await expect(b.engine.createPusher().start('alice-cam')).rejects.toMatchObject({ code: ErrorCode.STREAM_ID_TAKEN })
    // The refused publisher left alice's stream untouched.
    expect(b.engine.getSnapshot().streams.map((s) => s.streamId)).toEqual(['alice-cam'])
    expect(a.engine.getSnapshot().pusher.state).toBe('PUBLISHING')
  })
})

describe('admin API against engines', () => {
  const admin = (httpUrl: string, path: string, appId: string, secret: string) =>
    fetch(httpUrl + path, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'x-minirtc-app-id': appId } })

  it('a kicked user sees KICKOUT (KICKED_OUT) and stays out; closing the room ends everyone with ROOM_CLOSED', async () => {
    const srv = await call.start()
    const a = await call.bot('alice', 'room-admin')
    const b = await call.bot('bob', 'room-admin')
    await a.publish('alice-cam')
    await b.events.wait('roomStreamUpdate', (_r, type) => type === 'ADD')

    expect((await admin(srv.httpUrl, '/admin/rooms/room-admin/users/bob/kick', APP.appId, APP.secret)).status).toBe(200)
    const [, reason, code] = await b.events.wait('roomStateChanged', (_r, why) => why === 'KICKOUT')
    expect([reason, code]).toEqual(['KICKOUT', ErrorCode.KICKED_OUT])
    await a.events.wait('roomUserUpdate', (_r, type, users) => type === 'DELETE' && users[0].userId === 'bob')
    // No reconnect after a kick.
    await new Promise((r) => setTimeout(r, 1000))
    expect(b.engine.getSnapshot().roomState).toBe('DISCONNECTED')
    expect(b.events.of('roomStateChanged').filter((e) => e[1] === 'RECONNECTED')).toEqual([])

    expect((await admin(srv.httpUrl, '/admin/rooms/room-admin/close', APP.appId, APP.secret)).status).toBe(200)
    const [, why, closeCode] = await a.events.wait('roomStateChanged', (_r, r2) => r2 === 'KICKOUT')
    expect([why, closeCode]).toEqual(['KICKOUT', ErrorCode.ROOM_CLOSED])
    expect(a.engine.getSnapshot().pusher.state).toBe('NO_PUBLISH')
    // A wrong secret is refused with the documented code.
    const denied = await admin(srv.httpUrl, '/admin/rooms/room-admin/close', APP.appId, 'wrong-secret-0123456789')
    expect(denied.status).toBe(401)
    expect(((await denied.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.ADMIN_AUTH_FAILED)
  })
})
