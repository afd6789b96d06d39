/**
 * The room controller: what every host does around the engine, written once. Tokens (a string or
 * a provider, renewed on `tokenWillExpire`), login with the app's defaults, the default stream id,
 * the remembered publish, the rejoin + republish after the engine gave up reconnecting, and the
 * host lifecycle (through `Platform.onLifecycle`). Adapters (Taro, uni-app, native pages, the bot,
 * the console) only bind it to their framework: they own no state.
 */
import { ErrorCode, roomErrorMessages } from '@minirtc/protocol'
import { RtcEngine, type LivePlayer, type LivePusher } from './RtcEngine'
import { RtcError, errorInfo } from './errors'
import type { MediaPermission, Platform } from './platform'
import type { EngineEvents, EngineSnapshot, ErrorInfo, Logger, PlayerAttributes, ReconnectPolicy, UserInfo } from './types'

/** The lowest WeChat base library MiniRTC runs on (enable-mic, LivePusherContext.sendMessage: 2.10.0). */
export const MIN_BASE_LIBRARY = '2.10.0'
/** How long a network-type change waits for the server's pong before it drops the socket. */
export const NETWORK_PROBE_MS = 1500

/** `unknown` until the room asked; `denied` with a coded `error` until the user allows it. */
export type PermissionState = 'unknown' | 'granted' | 'denied'

/** What the phone adds to the room's state. */
export interface PhoneState {
  /** Camera and microphone (and the privacy agreement): asked before the first publish. */
  permission: PermissionState
  /** `wifi`, `4g`, `5g`… as WeChat reports it ('' until known). */
  networkType: string
  /** WeChat reports a weak network (`wx.onNetworkWeakChange`, base library 2.29.0). */
  weakNetwork: boolean
}

/** The room's state: the engine's snapshot and the phone's. */
export type RoomSnapshot = EngineSnapshot & PhoneState

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
  /**
   * The picture peers see while the app is in the background (the pusher's `waiting-image`: a
   * package path, a temp path or an https URL). Default: the one @minirtc/weapp ships; with
   * Taro and uni-app copy `@minirtc/core/assets/waiting-image.png` into the build and name it here.
   * Without one peers see the last frame, frozen.
   */
  waitingImage?: string
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
  /**
   * What stands between this phone and a call: a base library older than `MIN_BASE_LIBRARY`
   * (`BASE_LIBRARY_TOO_OLD`), live components the mini-program may not use
   * (`LIVE_COMPONENTS_UNAVAILABLE`). Empty when the call can go ahead.
   */
  checkSystemRequirements(): RtcError[]
  /** The engine underneath, for what the room does not wrap. */
  engine: RtcEngine
}

/** What `useRtcRoom()` (Taro), `useRoom()` (uni-app) and `createRoom(page)` (native) give a page. */
export type RtcRoom = RoomSnapshot & RoomMethods

export interface RoomController {
  methods: RoomMethods
  getSnapshot(): RoomSnapshot
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
  const waitingImage = first.waitingImage || platform.waitingImage
  if (waitingImage) engine.createPusher({ waitingImage })
  // What a rejoin needs: the stream we publish, and whether the engine gave up on the room.
  let published = ''
  let publishedInfo: string | undefined
  let lost = false
  // In a room (not DISCONNECTED): the screen stays on, the mute switch is ignored.
  let inCall = false
  // The phone's part of the state, and the error the room itself raised (a refused permission).
  let phone: PhoneState = { permission: 'unknown', networkType: '', weakNetwork: false }
  let roomError: ErrorInfo | null = null
  let snapshot: RoomSnapshot | null = null
  let engineSnapshot: EngineSnapshot | null = null
  const listeners = new Set<() => void>()
  const getSnapshot = (): RoomSnapshot => {
    const e = engine.getSnapshot()
    if (!snapshot || e !== engineSnapshot) {
      engineSnapshot = e
      snapshot = Object.assign({}, e, phone, { error: roomError || e.error })
    }
    return snapshot
  }
  const notify = () => listeners.forEach((l) => l())
  const setPhone = (patch: Partial<PhoneState>, error: ErrorInfo | null = roomError) => {
    phone = Object.assign({}, phone, patch)
    roomError = error
    snapshot = null
    notify()
  }
  // The settings said yes but the pusher could not open the device (binderror 10001/10002: on iOS
  // the system's own camera switch for WeChat is off).
  const deniedByPusher = () => {
    const e = engine.getSnapshot().error
    return !!e && (e.code === ErrorCode.CAMERA_DENIED || e.code === ErrorCode.MICROPHONE_DENIED)
  }
  // Ask for the camera and microphone before the pusher renders, not after it failed with 10001.
  const permit = (): Promise<void> => {
    if (!platform.requestMediaPermission) return Promise.resolve()
    return platform.requestMediaPermission().then((missing: MediaPermission) => {
      if (missing === 'granted') return setPhone({ permission: 'granted' }, null)
      const code = missing === 'camera' ? ErrorCode.CAMERA_DENIED : missing === 'microphone' ? ErrorCode.MICROPHONE_DENIED : ErrorCode.PRIVACY_DENIED
      const error = errorInfo(code, roomErrorMessages[code])
      setPhone({ permission: 'denied' }, error)
      throw RtcError.from(error)
    })
  }
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
      publishedInfo = extraInfo
      return permit().then(() => engine.createPusher().start(streamId, { extraInfo }))
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
    checkSystemRequirements() {
      const info = platform.systemInfo && platform.systemInfo()
      const errors: RtcError[] = []
      if (!info) return errors
      const fail = (code: number) => errors.push(new RtcError(code, roomErrorMessages[code]))
      if (olderThan(info.baseLibrary)) fail(ErrorCode.BASE_LIBRARY_TOO_OLD)
      if (!info.canIUse('live-pusher') || !info.canIUse('live-player')) fail(ErrorCode.LIVE_COMPONENTS_UNAVAILABLE)
      return errors
    },
    rejoin() {
      const again = published
      lost = false
      return methods.login().then(() => (again ? methods.publish(again, publishedInfo) : undefined))
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
  // Back from the settings page (open-type="openSetting") the page shows again: publish what the
  // refused permission held back.
  const stopLifecycle = platform.onLifecycle
    ? platform.onLifecycle((event) => {
        // WeChat drops keep-screen-on when the user leaves the mini-program: set it again on return.
        if (event === 'show' && inCall && platform.setInCall) platform.setInCall(true)
        if (event === 'show' && lost) methods.rejoin().catch(() => undefined)
        else if (event === 'show' && published && engine.getSnapshot().roomState === 'CONNECTED' && (phone.permission === 'denied' || deniedByPusher()))
          methods.publish(published, publishedInfo).catch(() => undefined)
        else if (event === 'unload') destroy()
      })
    : undefined
  // A new network type while online (Wi-Fi handing over to 4G) leaves a socket WeChat still calls
  // open but whose packets go nowhere; the heartbeat would notice only after its interval. Ping
  // now, and when no pong comes in time, drop the socket and resume on the new network.
  const probe = () => {
    const epoch = engine.getState().socketEpoch
    let answered = false
    engine.request('ping', {}).then(() => (answered = true), () => undefined)
    platform.setTimeout(() => {
      if (answered || engine.getState().socketEpoch !== epoch || engine.getSnapshot().roomState !== 'CONNECTED') return
      engine.dispatch({ type: 'network', online: false })
      engine.dispatch({ type: 'network', online: true })
    }, NETWORK_PROBE_MS)
  }
  const stopNetwork = platform.onNetworkChange
    ? platform.onNetworkChange((online, networkType) => {
        if (!networkType || networkType === phone.networkType) return
        const changed = online && phone.networkType !== '' && phone.networkType !== 'none'
        setPhone({ networkType })
        if (changed && engine.getSnapshot().roomState === 'CONNECTED') probe()
      })
    : undefined
  const stopWeak = platform.onNetworkWeakChange ? platform.onNetworkWeakChange((weakNetwork) => setPhone({ weakNetwork })) : undefined
  // Screen on and the mute switch ignored while in a room; both restored when it is left.
  const stopEngine = engine.subscribe(() => {
    const now = engine.getSnapshot().roomState !== 'DISCONNECTED'
    if (now !== inCall && platform.setInCall) platform.setInCall(now)
    inCall = now
    notify()
  })
  let destroyed = false
  function destroy() {
    if (destroyed) return
    destroyed = true
    for (const stop of [stopLifecycle, stopNetwork, stopWeak]) if (stop) stop()
    engine.destroy()
    stopEngine()
    if (inCall && platform.setInCall) platform.setInCall(false)
    listeners.clear()
  }
  const subscribe = (listener: () => void) => {
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }
  return { methods, getSnapshot, subscribe, destroy }
}

/** A base library below MIN_BASE_LIBRARY (major.minor); an unknown one ('') is not. */
function olderThan(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const [minMajor = 0, minMinor = 0] = MIN_BASE_LIBRARY.split('.').map(Number)
  return !!version && (major < minMajor || (major === minMajor && minor < minMinor))
}
