import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@minirtc/protocol'
import { useCall } from './helpers'

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
