import type { LoginConfig, PlayerAttributes, RtcEngine } from '@minirtc/core'
import type { UseRtcRoomOptions } from './useRtcRoom'

/**
 * The hook's methods: the engine's, with the room id, the user and a fresh token filled in from
 * the latest options. Remembers only what a rejoin needs (the stream we publish).
 */
export function createRoomActions(engine: RtcEngine, latest: { readonly current: UseRtcRoomOptions }) {
  let published = ''
  const fetchToken = () => {
    const token = latest.current.token
    return typeof token === 'function' ? token() : Promise.resolve(token)
  }
  const roomId = () => engine.getSnapshot().roomId || latest.current.roomId
  const actions = {
    login: async () => {
      const o = latest.current
      const config: LoginConfig = { autoPlay: o.autoPlay !== false, userUpdate: !!o.userUpdate, player: o.player }
      await engine.loginRoom(o.roomId, await fetchToken(), o.user, config)
    },
    logout: () => {
      published = ''
      engine.logoutRoom()
    },
    /** Publish the camera and microphone (default stream id: `<userId>_main`). */
    publish: (streamId = latest.current.user.userId + '_main', extraInfo?: string) => {
      published = streamId
      return engine.createPusher().start(streamId, { extraInfo })
    },
    stopPublish: () => {
      published = ''
      engine.getPusherInstance().stop()
    },
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
    /** Log in again, and publish again what we published, after the engine gave up reconnecting. */
    rejoin: () => {
      const again = published
      return actions.login().then(() => (again ? actions.publish(again) : undefined))
    },
  }
  return actions
}
