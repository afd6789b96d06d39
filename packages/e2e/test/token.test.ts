import { ErrorCode } from '@minirtc/protocol'
import { describe, expect, it } from 'vitest'
import { createToken } from '@minirtc/server'
import { APP, useCall } from './helpers'

const call = useCall()

describe('token renewal', () => {
  it('tokenWillExpire → the bot fetches a new token → the session outlives the first token', async () => {
    await call.start({ tokenWillExpireSeconds: 2 })
    let minted = 0
    const token = () => {
      minted++
      return createToken({ ...APP, userId: 'alice', roomId: 'room-t', privileges: { login: true, publish: true }, ttlSeconds: 4 })
    }
    const a = await call.bot('alice', 'room-t', { token })
    await a.events.wait('tokenWillExpire', () => true, 10000)
    // Past the first token's expiry (4 s) the room is still connected: the renewal was accepted.
    await new Promise((r) => setTimeout(r, 4500))
    expect(minted).toBeGreaterThanOrEqual(2)
    expect(a.engine.getSnapshot().roomState).toBe('CONNECTED')
    // No drop, no re-login: the renewal happened on the live session.
    expect(a.events.of('roomStateChanged')).toEqual([])
  })

  it('without renewal the server ends the session at expiry and the client reports KICKOUT with TOKEN_EXPIRED', async () => {
    await call.start({ tokenWillExpireSeconds: 1 })
    const tk = await createToken({ ...APP, userId: 'bob', roomId: 'room-t2', privileges: { login: true, publish: true }, ttlSeconds: 3 })
    const b = await call.bot('bob', 'room-t2', { token: tk })
    const [, reason, code] = await b.events.wait('roomStateChanged', (_r, reason) => reason === 'KICKOUT', 10000)
    expect([reason, code]).toEqual(['KICKOUT', ErrorCode.TOKEN_EXPIRED])
    expect(b.engine.getSnapshot().roomState).toBe('DISCONNECTED')
  })
})
