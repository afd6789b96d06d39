import { describe, expectTypeOf, it } from 'vitest'
import type { EngineSnapshot, ErrorInfo, RoomState, RtcEngine } from '@minirtc/core'
import type { RtcRoom, UseRtcRoomOptions } from '../index'

describe('useRtcRoom types', () => {
  it('returns the snapshot fields typed as the engine has them', () => {
    expectTypeOf<RtcRoom['roomState']>().toEqualTypeOf<RoomState>()
    expectTypeOf<RtcRoom['players']>().toEqualTypeOf<EngineSnapshot['players']>()
    expectTypeOf<RtcRoom['error']>().toEqualTypeOf<ErrorInfo | null>()
    expectTypeOf<RtcRoom['engine']>().toEqualTypeOf<RtcEngine>()
  })

  it('binds the room: methods take no room id', () => {
    expectTypeOf<RtcRoom['login']>().toEqualTypeOf<() => Promise<void>>()
    expectTypeOf<RtcRoom['sendBroadcastMessage']>().parameters.toEqualTypeOf<[message: string]>()
    expectTypeOf<RtcRoom['setMute']>().parameters.toEqualTypeOf<[mute: { audio?: boolean; video?: boolean }, streamId?: string]>()
  })

  it('takes a token or a token provider', () => {
    expectTypeOf<{ token: string }>().toMatchTypeOf<Pick<UseRtcRoomOptions, 'token'>>()
    expectTypeOf<{ token: () => Promise<string> }>().toMatchTypeOf<Pick<UseRtcRoomOptions, 'token'>>()
    expectTypeOf<{ token: number }>().not.toMatchTypeOf<Pick<UseRtcRoomOptions, 'token'>>()
  })
})
