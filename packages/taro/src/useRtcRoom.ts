import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { createRoomController, type RoomOptions, type RtcRoom } from '@minirtc/core/room'
import type { Platform } from '@minirtc/core'
import { createTaroPlatform } from './createTaroPlatform'

/** The room options of every MiniRTC binding. */
export interface UseRtcRoomOptions extends RoomOptions {
  /** Replace the Taro platform (tests). */
  platform?: Platform
}

/**
 * One room for a Taro page: the room controller of `@minirtc/core/room` (snapshot fields and
 * methods), re-rendering on every change. Options are read at each `login()`, so the room id may
 * come from state. Leaves the room when the page unloads (or the component unmounts).
 * @example
 * const room = useRtcRoom({ server, appId, roomId: 'r1', user: { userId: 'u1', userName: 'Ann' }, token: fetchToken })
 * const join = () => room.join({ publish: true })
 */
export function useRtcRoom(options: UseRtcRoomOptions): RtcRoom {
  const latest = useRef(options)
  latest.current = options
  const [room] = useState(() => createRoomController(() => latest.current, options.platform || createTaroPlatform()))
  const snapshot = useSyncExternalStore(room.subscribe, room.getSnapshot)
  useEffect(() => room.destroy, [room])
  // Object.assign, not spread: the ES2017 output would carry a spread helper.
  return Object.assign({}, snapshot, room.methods)
}

export type { RtcRoom }
