import { describe, expectTypeOf, it } from 'vitest'
import { RtcEngine, type EngineSnapshot, type PlayerStateInfo, type PublisherStateInfo, type RoomState, type StreamInfo, type UpdateType, type UserInfo } from '../index'

declare const engine: RtcEngine

describe('typed events', () => {
  it('derives every listener signature from the one event map', () => {
    engine.on('roomStreamUpdate', (roomId, type, streams, extendedData) => {
      expectTypeOf(roomId).toEqualTypeOf<string>()
      expectTypeOf(type).toEqualTypeOf<UpdateType>()
      expectTypeOf(streams).toEqualTypeOf<StreamInfo[]>()
      expectTypeOf(extendedData).toEqualTypeOf<string>()
    })
    engine.on('roomStateUpdate', (_roomId, state) => expectTypeOf(state).toEqualTypeOf<RoomState>())
    engine.on('roomUserUpdate', (_roomId, _type, users) => expectTypeOf(users).toEqualTypeOf<UserInfo[]>())
    engine.on('publisherStateUpdate', (info) => {
      expectTypeOf(info).toEqualTypeOf<PublisherStateInfo>()
      expectTypeOf(info.state).toEqualTypeOf<'NO_PUBLISH' | 'PUBLISH_REQUESTING' | 'PUBLISHING'>()
    })
    engine.once('playerStateUpdate', (info) => expectTypeOf(info).toEqualTypeOf<PlayerStateInfo>())
    // @ts-expect-error unknown event name
    engine.on('roomStreamUpdated', () => {})
    // @ts-expect-error wrong listener shape
    engine.on('roomOnlineUserCountUpdate', (_roomId: string, _count: string) => {})
  })

  it('narrows view-model attributes to WeChat values', () => {
    const snap = engine.getSnapshot()
    expectTypeOf(snap).toEqualTypeOf<EngineSnapshot>()
    expectTypeOf(snap.pusher.mode).toEqualTypeOf<'SD' | 'HD' | 'FHD' | 'RTC'>()
    expectTypeOf(snap.players['x']).toEqualTypeOf<EngineSnapshot['players'][string] | undefined>()
    // @ts-expect-error not a live-pusher mode
    engine.createPusher({ mode: 'UHD' })
    // @ts-expect-error unknown attribute
    engine.getPlayerInstance('s').setAttributes({ muteAudo: true })
  })

  it('exposes the adapter contract as stable functions', () => {
    expectTypeOf(engine.getSnapshot).toEqualTypeOf<() => EngineSnapshot>()
    expectTypeOf(engine.subscribe).toEqualTypeOf<(listener: () => void) => () => void>()
    expectTypeOf(engine.loginRoom).returns.toEqualTypeOf<Promise<void>>()
  })
})
