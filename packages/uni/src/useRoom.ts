import { getCurrentInstance, getCurrentScope, onScopeDispose, provide, shallowReactive, unref, type Ref } from 'vue'
import { createRoomController, type RoomOptions, type RtcRoom } from '@minirtc/core/room'
import type { Platform, UserInfo } from '@minirtc/core'
import { createUniPlatform, type UniPlatform } from './createUniPlatform'
import { ROOM_CONTEXT_KEY, type RoomContext } from './roomContext'

/** A value, a ref, or a getter (the room id usually comes from an input). */
export type MaybeReactive<T> = T | Ref<T> | (() => T)

/** The room options of every MiniRTC binding; here the room id and the user may be refs or getters. */
export interface UseRoomOptions extends Omit<RoomOptions, 'roomId' | 'user'> {
  roomId: MaybeReactive<string>
  user: MaybeReactive<UserInfo>
  /** Replace the uni platform (tests, other hosts). */
  platform?: Platform
}

const read = <T>(v: MaybeReactive<T>): T => (typeof v === 'function' ? (v as () => T)() : unref(v))

/**
 * One room for a page: the room controller of `@minirtc/core/room` as a shallow-reactive object
 * (`room.roomState`, `room.players`… in templates and computed), provided to `<rtc-pusher>` /
 * `<rtc-player>` / `<rtc-players>`. Leaves the room when the page unloads.
 *
 * Call it synchronously in `setup`: the uni platform needs the page instance, which
 * `getCurrentInstance()` only returns before the first `await`. Read fields through `room.`:
 * destructured fields stop updating, as with any Vue reactive object.
 * @example
 * const room = useRoom({ server, appId, roomId: 'r1', user: { userId: 'u1', userName: 'Ann' }, token: fetchToken })
 * await room.join({ publish: true })
 */
export function useRoom(options: UseRoomOptions): RtcRoom {
  const instance = getCurrentInstance()
  const platform = options.platform || createUniPlatform(instance)
  const controller = createRoomController(() => Object.assign({}, options, { roomId: read(options.roomId), user: read(options.user) }), platform)
  const room = shallowReactive(Object.assign({}, controller.getSnapshot(), controller.methods)) as RtcRoom
  const unsubscribe = controller.subscribe(() => Object.assign(room, controller.getSnapshot()))
  if (getCurrentScope()) {
    onScopeDispose(() => {
      unsubscribe()
      controller.destroy()
    })
  }
  if (instance) {
    const own: RoomContext['own'] = 'own' in platform ? (platform as UniPlatform).own : () => () => undefined
    provide<RoomContext>(ROOM_CONTEXT_KEY, { engine: room.engine, room, own })
  }
  return room
}
