import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { useUnload } from '@tarojs/taro'
import { RtcEngine } from '@minirtc/core'
import type { LoginConfig, Platform, PlayerAttributes, UserInfo } from '@minirtc/core'
import { createTaroPlatform } from './createTaroPlatform'

export interface UseRtcRoomOptions {
  /** Signaling URL, `wss://rtc.example.com/ws` (`ws://` in development). */
  server: string
  appId: string
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
  /** Replace the Taro platform (tests). */
  platform?: Platform
}

/**
 * One room for a Taro page: the engine's snapshot plus its methods, with `roomId` and the options
 * bound. Leaves the room when the page unloads.
 *
 * App hide/show is left to WeChat on purpose: in the background WeChat keeps the socket for a few
 * seconds and then suspends the app (the engine reconnects and resyncs on return), live-player is
 * muted in the background by default, and live-pusher pushes `waiting-image` or mutes itself when
 * `background-mute` is set (pusher attributes). Leaving the room on hide would drop the call every
 * time the user glances at a chat.
 * @example
 * const room = useRtcRoom({ server, appId, roomId: 'r1', user: { userId: 'u1' }, token: fetchToken })
 * return <View><Button onClick={() => room.login().then(() => room.publish())}>Join</Button><RtcPusher room={room} /><RtcPlayers room={room} /></View>
 */
export function useRtcRoom(options: UseRtcRoomOptions) {
  const latest = useRef(options)
  latest.current = options
  const [engine] = useState(() => new RtcEngine({ appId: options.appId, server: options.server, platform: options.platform || createTaroPlatform() }))
  const snapshot = useSyncExternalStore(engine.subscribe, engine.getSnapshot)
  const [actions] = useState(() => {
    const fetchToken = () => {
      const token = latest.current.token
      return typeof token === 'function' ? token() : Promise.resolve(token)
    }
    const roomId = () => engine.getSnapshot().roomId || latest.current.roomId
    return {
      login: async () => {
        const o = latest.current
        const config: LoginConfig = { autoPlay: o.autoPlay !== false, userUpdate: !!o.userUpdate, player: o.player }
        await engine.loginRoom(o.roomId, await fetchToken(), o.user, config)
      },
      logout: () => engine.logoutRoom(),
      /** Publish the camera and microphone (default stream id: `<userId>_main`). */
      publish: (streamId = latest.current.user.userId + '_main', extraInfo?: string) => engine.createPusher().start(streamId, { extraInfo }),
      stopPublish: () => engine.getPusherInstance().stop(),
      play: (streamId: string, attributes?: Partial<PlayerAttributes>) => engine.getPlayerInstance(streamId).play(attributes),
      stop: (streamId: string) => engine.getPlayerInstance(streamId).stop(),
      /** Mute what we send, or with `streamId` what we receive from that stream. */
      setMute: (mute: { audio?: boolean; video?: boolean }, streamId?: string) =>
        streamId ? engine.getPlayerInstance(streamId).setMute(mute) : engine.getPusherInstance().setMute(mute),
      switchCamera: () => engine.getPusherInstance().switchCamera(),
      sendBroadcastMessage: (message: string) => engine.sendBroadcastMessage(roomId(), message),
      sendCustomCommand: (command: string, toUserIds: string[]) => engine.sendCustomCommand(roomId(), command, toUserIds),
      setStreamExtraInfo: (extraInfo: string, streamId = engine.getSnapshot().pusher.streamId) => engine.setStreamExtraInfo(streamId, extraInfo),
      renewToken: () => fetchToken().then((t) => engine.renewToken(t)),
    }
  })
  useEffect(() => {
    const renew = () => void actions.renewToken().catch(() => undefined)
    engine.on('tokenWillExpire', renew)
    return () => {
      engine.off('tokenWillExpire', renew)
      engine.logoutRoom()
    }
  }, [engine, actions])
  // The page is gone for good: log out and release the network listener.
  useUnload(() => engine.destroy())
  const { roomState, users, streams, pusher, players, error } = snapshot
  // Object.assign, not spread: the ES2017 output would carry a spread helper.
  return Object.assign({ roomState, users, streams, pusher, players, error }, actions, { engine })
}

/** What `useRtcRoom` returns; the components take it as `room`. */
export type RtcRoom = ReturnType<typeof useRtcRoom>
