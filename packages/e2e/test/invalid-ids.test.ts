/**
 * The ID rules live in the server: an invalid roomId, userId, userName or streamId reaches the
 * caller as the server's coded refusal, with the server's message saying what is allowed.
 */
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@minirtc/protocol'
import { RtcEngine } from '@minirtc/core'
import { createNodePlatform } from '@minirtc/headless'
import { APP, tokenFor, useCall } from './helpers'

describe('invalid ids', () => {
  const call = useCall()
  const engine = () => {
    const e = new RtcEngine({ appId: APP.appId, server: call.srv!.url, platform: createNodePlatform() })
    call.defer(() => e.destroy())
    return e
  }

  it('login refuses a bad roomId, userId or userName with its code and the rule', async () => {
    await call.start()
    const token = await tokenFor('ann', 'ok-room')
    await expect(engine().loginRoom('bad room', token, { userId: 'ann' })).rejects.toMatchObject({ code: ErrorCode.INVALID_ROOM_ID, message: expect.stringMatching(/1-128 bytes/) })
    await expect(engine().loginRoom('ok-room', token, { userId: 'x'.repeat(65) })).rejects.toMatchObject({ code: ErrorCode.INVALID_USER_ID })
    await expect(engine().loginRoom('ok-room', token, { userId: 'ann', userName: 'é'.repeat(129) })).rejects.toMatchObject({ code: ErrorCode.INVALID_USER_NAME })
  })

  it('publish refuses a bad streamId with its code; the room stays usable', async () => {
    await call.start()
    const e = engine()
    await e.loginRoom('ok-room', await tokenFor('bob', 'ok-room'), { userId: 'bob' })
    await expect(e.createPusher().start('has space')).rejects.toMatchObject({ code: ErrorCode.INVALID_STREAM_ID, message: expect.stringMatching(/1-256 bytes/) })
    expect(e.getSnapshot().pusher.state).toBe('NO_PUBLISH')
    expect(e.getSnapshot().roomState).toBe('CONNECTED')
  })
})
