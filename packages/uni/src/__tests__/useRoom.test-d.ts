import { expectTypeOf, it } from 'vitest'
import { ref } from 'vue'
import type { ErrorInfo, PlayerViewModel, PusherViewModel, RoomState, RtcEngine } from '@minirtc/core'
import type { RtcRoom } from '@minirtc/core/room'
import { useRoom } from '../useRoom'

const base = { server: 'wss://rtc.example.com/ws', appId: 'a', roomId: 'r', user: { userId: 'u', userName: 'U' }, token: 't' }

it('returns the RtcRoom every binding returns', () => {
  const room = useRoom(base)
  expectTypeOf(room).toEqualTypeOf<RtcRoom>()
  expectTypeOf(room.roomState).toEqualTypeOf<RoomState>()
  expectTypeOf(room.pusher).toEqualTypeOf<PusherViewModel>()
  expectTypeOf(room.players['s1']).toEqualTypeOf<PlayerViewModel | undefined>()
  expectTypeOf(room.error).toEqualTypeOf<ErrorInfo | null>()
  expectTypeOf(room.publish).returns.toEqualTypeOf<Promise<void>>()
  expectTypeOf(room.engine).toEqualTypeOf<RtcEngine>()
})

it('takes reactive room ids and users, and token providers', () => {
  useRoom({ ...base, roomId: ref('r'), user: () => ({ userId: 'u', userName: 'U' }), token: ({ roomId, userId }) => Promise.resolve(roomId + userId) })
  // @ts-expect-error a room id is a string
  useRoom({ ...base, roomId: 1 })
  // @ts-expect-error a token provider resolves to a string
  useRoom({ ...base, token: () => Promise.resolve(1) })
})
