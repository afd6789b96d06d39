import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { useDidShow, useUnload } from '@tarojs/taro'
import { RtcEngine } from '@minirtc/core'
import type { Platform, PlayerAttributes, ReconnectPolicy, UserInfo } from '@minirtc/core'
import { createTaroPlatform } from './createTaroPlatform'
import { createRoomActions } from './roomActions'

export interface UseRtcRoomOptions {
  /** Signaling URL, `wss://rtc.example.com/ws` (`ws://` in development). */
  server: string
  appId: string
  /** Read when `login()` is called. */
  roomId: string
  user: UserInfo
  /** A token, or a function that fetches one (called again when the server says it will expire). */
  token: string | (() => Promise<string>)
  /** Play every remote stream as it appears (default true). */
  autoPlay?: boolean
  /** Keep `users` filled with the other users in the room (default false). */
  userUpdate?: boolean
  /** Attributes for the players the engine creates. */
  player?: Partial<PlayerAttributes>
  reconnectPolicy?: ReconnectPolicy
  /** Replace the Taro platform (tests). */
  platform?: Platform
}

/**
 * One room for a Taro page: the engine's snapshot plus its methods, with `roomId` and the options
 * bound. Leaves the room when the page unloads.
 *
 * Nothing happens on hide: system sheets, image pickers and the settings page (`openSetting`) all
 * hide the page, and a call must survive them. In the background WeChat suspends the socket after
 * a few seconds and the engine resumes the session on return; live-player is muted in the
 * background by default, live-pusher pushes `waiting-image` or mutes with `background-mute`.
 * Only when the engine gave up reconnecting while hidden (RECONNECT_FAILED) does the page rejoin,
 * and republish, on show.
 * @example
 * const room = useRtcRoom({ server, appId, roomId: 'r1', user: { userId: 'u1', userName: 'Ann' }, token: fetchToken })
 * const join = () => room.login().then(() => room.publish())
 */
export function useRtcRoom(options: UseRtcRoomOptions) {
  const latest = useRef(options)
  latest.current = options
  const [engine] = useState(
    () => new RtcEngine({ appId: options.appId, server: options.server, platform: options.platform || createTaroPlatform(), reconnectPolicy: options.reconnectPolicy }),
  )
  const snapshot = useSyncExternalStore(engine.subscribe, engine.getSnapshot)
  const [actions] = useState(() => createRoomActions(engine, latest))
  const lost = useRef(false)
  useEffect(() => {
    const renew = () => void actions.renewToken().catch(() => undefined)
    const track = (_roomId: string, reason: string) => {
      lost.current = reason === 'RECONNECT_FAILED'
    }
    engine.on('tokenWillExpire', renew)
    engine.on('roomStateChanged', track)
    return () => {
      engine.off('tokenWillExpire', renew)
      engine.off('roomStateChanged', track)
      engine.logoutRoom()
    }
  }, [engine, actions])
  useDidShow(() => {
    if (!lost.current) return
    lost.current = false
    actions.rejoin().catch(() => undefined)
  })
  // The page is gone for good: log out and release the network listener.
  useUnload(() => engine.destroy())
  const { roomState, users, streams, pusher, players, error } = snapshot
  // Object.assign, not spread: the ES2017 output would carry a spread helper.
  return Object.assign({ roomState, users, streams, pusher, players, error }, actions, { engine })
}

/** What `useRtcRoom` returns; the components take it as `room`. */
export type RtcRoom = ReturnType<typeof useRtcRoom>
