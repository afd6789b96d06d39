import { computed, getCurrentInstance, getCurrentScope, onScopeDispose, provide, shallowRef, unref, type ComputedRef, type Ref } from 'vue'
import { onShow, onUnload } from '@dcloudio/uni-app'
import { RtcEngine, type EngineSnapshot, type LoginConfig, type Platform, type PlayerAttributes, type ReconnectPolicy, type UserInfo } from '@minirtc/core'
import { createUniPlatform, type UniPlatform } from './createUniPlatform'
import { ROOM_CONTEXT_KEY, type RoomContext } from './roomContext'

/** A value, a ref, or a getter (the room id usually comes from an input). */
export type MaybeReactive<T> = T | Ref<T> | (() => T)

export interface UseRoomOptions {
  /** Signaling URL, `wss://rtc.example.com/ws`. */
  server: string
  appId: string
  roomId: MaybeReactive<string>
  user: MaybeReactive<UserInfo>
  /** A token, or a function that fetches one; the function is called again on `tokenWillExpire`. */
  token: string | ((request: { roomId: string; userId: string }) => Promise<string>)
  /** Play every remote stream as it appears (default true). */
  autoPlay?: boolean
  /** Keep `users` filled with the other users in the room (default false, as vendors do). */
  userUpdate?: boolean
  /** Attributes for the players the engine creates. */
  player?: Partial<PlayerAttributes>
  /** When to retry a lost connection (default: the engine's, giving up after 90 s). */
  reconnectPolicy?: ReconnectPolicy
  /** Replace the uni platform (tests, other hosts). */
  platform?: Platform
}

export interface Room {
  roomState: ComputedRef<EngineSnapshot['roomState']>
  users: ComputedRef<EngineSnapshot['users']>
  streams: ComputedRef<EngineSnapshot['streams']>
  pusher: ComputedRef<EngineSnapshot['pusher']>
  /** The players to render, by stream id (`v-for="(player, streamId) in players"`). */
  players: ComputedRef<EngineSnapshot['players']>
  error: ComputedRef<EngineSnapshot['error']>
  /** Log in to `roomId` as `user`; resolves when CONNECTED. */
  login(): Promise<void>
  logout(): void
  /** Publish camera + microphone (default stream id `<userId>_main`); resolves at PUBLISHING. */
  publish(streamId?: string, extraInfo?: string): Promise<void>
  stopPublish(): void
  play(streamId: string, attributes?: Partial<PlayerAttributes>): Promise<void>
  stop(streamId: string): void
  /** Mute what we send (`{ audio: true }` turns the microphone off), or with `streamId` what we receive from that stream. */
  setMute(mute: { audio?: boolean; video?: boolean }, streamId?: string): void
  switchCamera(): void
  sendBroadcastMessage(message: string): Promise<{ messageId: number }>
  sendCustomCommand(command: string, toUserIds: string[]): Promise<void>
  /** Extra info of our stream (or of `streamId`), seen by others in `streams`. */
  setStreamExtraInfo(extraInfo: string, streamId?: string): Promise<void>
  engine: RtcEngine
}

const read = <T>(v: MaybeReactive<T>): T => (typeof v === 'function' ? (v as () => T)() : unref(v))

/**
 * One room for a page: creates the engine, mirrors its snapshot into refs and provides it to
 * `<rtc-pusher>` / `<rtc-player>` / `<rtc-players>`. Logs out when the page unloads.
 *
 * Call it synchronously in `setup`: the uni platform needs the page instance, which
 * `getCurrentInstance()` only returns before the first `await`.
 *
 * @example
 * const room = useRoom({ server, appId, roomId: 'r1', user: { userId: 'u1', userName: 'Ann' }, token: fetchToken })
 * await room.login()
 * await room.publish()
 */
export function useRoom(options: UseRoomOptions): Room {
  const instance = getCurrentInstance()
  const platform = options.platform || createUniPlatform(instance)
  const engine = new RtcEngine({ appId: options.appId, server: options.server, platform, reconnectPolicy: options.reconnectPolicy })
  const snapshot = shallowRef(engine.getSnapshot())
  const unsubscribe = engine.subscribe(() => {
    snapshot.value = engine.getSnapshot()
  })
  const token = options.token
  const fetchToken = (roomId: string) => (typeof token === 'string' ? Promise.resolve(token) : token({ roomId, userId: read(options.user).userId }))
  engine.on('tokenWillExpire', (roomId) => {
    if (typeof token === 'string') return // a fixed token cannot be renewed; the server will end the session
    fetchToken(roomId)
      .then((t) => engine.renewToken(t))
      .catch(() => undefined)
  })

  // A room the engine gave up reconnecting (RECONNECT_FAILED, not a logout or a kick-out) and
  // what we were publishing in it, so it can be rejoined when the page shows again.
  let lost = false
  let published = ''
  engine.on('roomStateChanged', (_roomId, reason) => {
    lost = reason === 'RECONNECT_FAILED'
  })
  const login = () => {
    const config: LoginConfig = { autoPlay: options.autoPlay !== false, userUpdate: !!options.userUpdate, player: options.player }
    const roomId = read(options.roomId)
    return fetchToken(roomId).then((t) => engine.loginRoom(roomId, t, read(options.user), config))
  }
  const logout = () => {
    published = ''
    engine.logoutRoom()
  }
  const publish = (streamId?: string, extraInfo?: string) => {
    published = streamId || read(options.user).userId + '_main'
    return engine.createPusher().start(published, { extraInfo })
  }

  const field = <K extends keyof EngineSnapshot>(key: K) => computed(() => snapshot.value[key])

  if (getCurrentScope()) {
    onScopeDispose(() => {
      unsubscribe()
      engine.destroy()
    })
  }
  if (instance) {
    const own: RoomContext['own'] = 'own' in platform ? (platform as UniPlatform).own : () => () => undefined
    provide<RoomContext>(ROOM_CONTEXT_KEY, { engine, snapshot, own })
    onUnload(logout)
    // Nothing on hide: system sheets, image pickers and the permission settings page
    // (uni.openSetting) all hide the page, and a call must survive them. WeChat suspends the
    // socket in the background and the engine resumes the session; only when it gave up while
    // the page was hidden do we rejoin (and republish) on show.
    onShow(() => {
      if (!lost) return
      lost = false
      const again = published
      login()
        .then(() => (again ? publish(again) : undefined))
        .catch(() => undefined)
    })
  }

  return {
    roomState: field('roomState'),
    users: field('users'),
    streams: field('streams'),
    pusher: field('pusher'),
    players: field('players'),
    error: field('error'),
    login,
    logout,
    publish,
    stopPublish: () => {
      published = ''
      engine.createPusher().stop()
    },
    play: (streamId, attributes) => engine.getPlayerInstance(streamId).play(attributes),
    stop: (streamId) => engine.getPlayerInstance(streamId).stop(),
    setMute: (mute, streamId) => (streamId ? engine.getPlayerInstance(streamId).setMute(mute) : engine.createPusher().setMute(mute)),
    switchCamera: () => engine.createPusher().switchCamera(),
    sendBroadcastMessage: (message) => engine.sendBroadcastMessage(snapshot.value.roomId, message),
    sendCustomCommand: (command, toUserIds) => engine.sendCustomCommand(snapshot.value.roomId, command, toUserIds),
    setStreamExtraInfo: (extraInfo, streamId) => engine.setStreamExtraInfo(streamId || snapshot.value.pusher.streamId, extraInfo),
    engine,
  }
}
