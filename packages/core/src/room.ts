/**
 * The room controller: what every host does around the engine, written once. Tokens (a string or
 * a provider, renewed on `tokenWillExpire`), login with the app's defaults, the default stream id,
 * the remembered publish, the rejoin + republish after the engine gave up reconnecting, and the
 * host lifecycle (through `Platform.onLifecycle`). Adapters (Taro, uni-app, native pages, the bot,
 * the console) only bind it to their framework: they own no state.
 */
import { RtcEngine, type LivePlayer, type LivePusher } from './RtcEngine'
import type { Platform } from './platform'
import type { EngineEvents, EngineSnapshot, Logger, PlayerAttributes, ReconnectPolicy, UserInfo } from './types'

/** Fetches a token for this user and room from your app server (called again on `tokenWillExpire`). */
export type TokenProvider = (request: { roomId: string; userId: string }) => Promise<string>

export interface RoomOptions {
  /** Signaling URL, `wss://rtc.example.com/ws` (`ws://` in development). */
  server: string
  appId: string
  /** Read at each `login()`. */
  roomId: string
  user: UserInfo
  /** A token, or a function that fetches one; a fixed token cannot be renewed. */
  token: string | TokenProvider
  /** Play every remote stream as it appears (default true). */
  autoPlay?: boolean
  /** Keep `users` filled with the other users in the room (default false, as vendors do). */
  userUpdate?: boolean
  /** Attributes for the players the engine creates. */
  player?: Partial<PlayerAttributes>
  /** When to retry a lost connection (default: the engine's, giving up after 90 s). */
  reconnectPolicy?: ReconnectPolicy
  logger?: Logger
}

/** The room's methods; with the snapshot's fields they make `RtcRoom`. */
export interface RoomMethods {
  /** Log in to `roomId` as `user`; resolves when CONNECTED. */
  login(): Promise<void>
  /** Log in and publish (`streamId` defaults to `<userId>_main`); resolves at PUBLISHING. */
  join(options?: { publish?: boolean; streamId?: string; extraInfo?: string }): Promise<void>
  logout(): void
  /** Publish camera + microphone (default stream id `<userId>_main`); resolves at PUBLISHING. */
  publish(streamId?: string, extraInfo?: string): Promise<void>
  stopPublish(): void
  /** Play a remote stream (not needed with `autoPlay`); resolves at PLAYING. */
  play(streamId: string, attributes?: Partial<PlayerAttributes>): Promise<void>
  stop(streamId: string): void
  /** Mute what we send (`{ audio: true }` turns the microphone off), or with `streamId` what we receive from that stream. */
  setMute(mute: { audio?: boolean; video?: boolean }, streamId?: string): void
  switchCamera(): void
  sendBroadcastMessage(message: string): Promise<{ messageId: number }>
  sendCustomCommand(command: string, toUserIds: string[]): Promise<void>
  /** Extra info of our stream (or of `streamId`), seen by others in `streams`. */
  setStreamExtraInfo(extraInfo: string, streamId?: string): Promise<void>
  /** One key of the room's extra info, seen by everyone in `roomExtraInfo`. */
  setRoomExtraInfo(key: string, value: string): Promise<void>
  /** Send a message inside our stream's video (SEI); players receive it as the `recvSEI` event. */
  sendSEI(data: string): Promise<void>
  /** Fetch a fresh token from the provider and hand it to the server. */
  renewToken(): Promise<void>
  /** Log in again, and publish again what we published (after RECONNECT_FAILED; done on show by itself). */
  rejoin(): Promise<void>
  /** The local pusher: `snapshot()`, `toggleTorch()`, BGM, preview, microphone volume. */
  getPusher(): LivePusher
  /** A remote stream's player: `snapshot()`, `requestFullScreen()`, `pause()`, `resume()`. */
  getPlayer(streamId: string): LivePlayer
  /** Listen to an engine event (`recvSEI`, `IMRecvBroadcastMessage`…); returns the unsubscribe. */
  on<K extends keyof EngineEvents>(name: K, listener: EngineEvents[K]): () => void
  /** The engine underneath, for what the room does not wrap. */
  engine: RtcEngine
}

/** What `useRtcRoom()` (Taro), `useRoom()` (uni-app) and `createRoom(page)` (native) give a page. */
export type RtcRoom = EngineSnapshot & RoomMethods

export interface RoomController {
  methods: RoomMethods
  getSnapshot(): EngineSnapshot
  subscribe(listener: () => void): () => void
  /** Log out, release the platform hooks and the engine. */
  destroy(): void
}

/**
 * Create a room. `options` may be a getter, read at each login, so a framework binding can hand
 * in the latest props or refs.
 * @example
 * const room = createRoomController({ server, appId, roomId: 'r1', user: { userId: 'u1' }, token: fetchToken }, platform)
 * await room.methods.join({ publish: true })
 */
export function createRoomController(options: RoomOptions | (() => RoomOptions), platform: Platform): RoomController {
  const opts = typeof options === 'function' ? options : () => options
  const first = opts()
  const engine = new RtcEngine({ appId: first.appId, server: first.server, platform, reconnectPolicy: first.reconnectPolicy, logger: first.logger })
  // What a rejoin needs: the stream we publish, and whether the engine gave up on the room.
  let published = ''
  let lost = false
  const fetchToken = (roomId: string) => {
    const o = opts()
    return typeof o.token === 'string' ? Promise.resolve(o.token) : o.token({ roomId, userId: o.user.userId })
  }
  const roomId = () => engine.getSnapshot().roomId || opts().roomId
  const renewToken = () => fetchToken(roomId()).then((t) => engine.renewToken(t))

  const methods: RoomMethods = {
    login() {
      const o = opts()
      return fetchToken(o.roomId).then((t) => engine.loginRoom(o.roomId, t, o.user, { autoPlay: o.autoPlay !== false, userUpdate: !!o.userUpdate, player: o.player }))
    },
    join: (j = {}) => methods.login().then(() => (j.publish || j.streamId ? methods.publish(j.streamId, j.extraInfo) : undefined)),
    logout() {
      published = ''
      engine.logoutRoom()
    },
    publish(streamId = opts().user.userId + '_main', extraInfo) {
      published = streamId
      return engine.createPusher().start(streamId, { extraInfo })
    },
    stopPublish() {
      published = ''
      engine.getPusherInstance().stop()
    },
    play: (streamId, attributes) => engine.getPlayerInstance(streamId).play(attributes),
    stop: (streamId) => engine.getPlayerInstance(streamId).stop(),
    setMute: (mute, streamId) => (streamId ? engine.getPlayerInstance(streamId) : engine.getPusherInstance()).setMute(mute),
    switchCamera: () => engine.getPusherInstance().switchCamera(),
    sendBroadcastMessage: (message) => engine.sendBroadcastMessage(roomId(), message),
    sendCustomCommand: (command, toUserIds) => engine.sendCustomCommand(roomId(), command, toUserIds),
    setStreamExtraInfo: (extraInfo, streamId = engine.getSnapshot().pusher.streamId) => engine.setStreamExtraInfo(streamId, extraInfo),
    setRoomExtraInfo: (key, value) => engine.setRoomExtraInfo(roomId(), key, value),
    sendSEI: (data) => engine.getPusherInstance().sendSEI(data),
    renewToken,
    rejoin() {
      const again = published
      lost = false
      return methods.login().then(() => (again ? methods.publish(again) : undefined))
    },
    getPusher: () => engine.getPusherInstance(),
    getPlayer: (streamId) => engine.getPlayerInstance(streamId),
    on(name, listener) {
      engine.on(name, listener)
      return () => void engine.off(name, listener)
    },
    engine,
  }

  engine.on('tokenWillExpire', () => {
    // A fixed token cannot be renewed: the server ends the session when it expires.
    if (typeof opts().token !== 'string') renewToken().catch(() => undefined)
  })
  engine.on('roomStateChanged', (_roomId, reason) => {
    lost = reason === 'RECONNECT_FAILED'
  })
  // Nothing on hide: system sheets, image pickers and the permission settings page all hide the
  // page, and a call must survive them. In the background WeChat suspends the socket and the engine
  // resumes the session on return; only when it gave up meanwhile does the room rejoin on show.
  const stopLifecycle = platform.onLifecycle
    ? platform.onLifecycle((event) => {
        if (event === 'show' && lost) methods.rejoin().catch(() => undefined)
        else if (event === 'unload') destroy()
      })
    : undefined
  let destroyed = false
  function destroy() {
    if (destroyed) return
    destroyed = true
    if (stopLifecycle) stopLifecycle()
    engine.destroy()
  }
  return { methods, getSnapshot: engine.getSnapshot, subscribe: engine.subscribe, destroy }
}
