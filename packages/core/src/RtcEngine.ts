import { ErrorCode, PROTOCOL_VERSION, parseServerMessage, type Op, type OpRequest, type OpResult, type ServerPush } from '@minirtc/protocol'
import { createDefaultReconnectPolicy } from './defaults'
import { TypedEmitter } from './emitter'
import { callContext } from './callContext'
import { RtcError, errorInfo } from './errors'
import { initialState, selectSnapshot, type EngineState } from './state'
import { transition, type Effect, type Input, type RequestTag } from './transition'
import type { LivePlayerContextLike, LivePusherContextLike, Platform, PlatformSocket } from './platform'
import type {
  EngineEvents,
  EngineSnapshot,
  ErrorInfo,
  Logger,
  NativeEventDetail,
  NativeEventKind,
  PlayerAttributes,
  PlayerStateInfo,
  PublisherStateInfo,
  PusherAttributes,
  ReconnectPolicy,
} from './types'

export interface RtcEngineOptions {
  appId: string
  /** Signaling URL, `wss://rtc.example.com` (`ws://` in development). */
  server: string
  platform: Platform
  reconnectPolicy?: ReconnectPolicy
  logger?: Logger
  /** How long a request may wait for its reply (default 10 s). */
  requestTimeoutMs?: number
}

export interface LoginConfig {
  /** Receive `roomUserUpdate` and keep `snapshot.users` (vendor default: false). */
  userUpdate?: boolean
  /** Play every remote stream as it appears (default false in the core; the adapters default to true). */
  autoPlay?: boolean
  /** Attributes for players the engine creates. */
  player?: Partial<PlayerAttributes>
}

interface Pending {
  epoch: number
  tag?: RequestTag
  resolve?(data: unknown): void
  reject?(err: RtcError): void
  timer: unknown
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * The MiniRTC engine: one room, one pusher, any number of players, for any host.
 *
 * Adapters render `getSnapshot()` (re-reading it when `subscribe` calls back) and forward every
 * native component event to `handlePusherEvent` / `handlePlayerEvent`. Apps call the methods
 * and listen to events for logic (toasts, logs), never to rebuild state.
 *
 * @example
 * const engine = new RtcEngine({ appId, server: 'wss://rtc.example.com', platform })
 * engine.on('roomStreamUpdate', (roomId, type, streams) => console.log(type, streams))
 * await engine.loginRoom('room-1', token, { userId: 'u1', userName: 'Ann' }, { autoPlay: true })
 * await engine.createPusher().start('u1-main')
 */
export class RtcEngine extends TypedEmitter<EngineEvents> {
  readonly appId: string
  readonly server: string
  private readonly platform: Platform
  private readonly policy: ReconnectPolicy
  private readonly log: Logger
  private readonly requestTimeoutMs: number
  private state: EngineState = initialState()
  private snapshot: EngineSnapshot = selectSnapshot(this.state, null)
  private readonly listeners = new Set<() => void>()
  private queue: Input[] = []
  private running = false
  private socket: PlatformSocket | null = null
  private socketEpoch = 0
  private readonly pending = new Map<number, Pending>()
  private nextRequestId = 1
  private readonly timers = new Map<string, unknown>()
  private login: { roomId: string; promise: Promise<void>; resolve(): void; reject(e: RtcError): void } | null = null
  private pusher: LivePusher | null = null
  private readonly unsubscribeNetwork: (() => void) | undefined
  private destroyed = false

  constructor(options: RtcEngineOptions) {
    super()
    this.appId = options.appId
    this.server = options.server
    this.platform = options.platform
    this.policy = options.reconnectPolicy || createDefaultReconnectPolicy()
    this.log = options.logger || silent
    this.requestTimeoutMs = options.requestTimeoutMs || 10000
    this.unsubscribeNetwork = this.platform.onNetworkChange
      ? this.platform.onNetworkChange((online) => this.dispatch({ type: 'network', online }))
      : undefined
  }

  // ------------------------------------------------------------ adapter contract

  /** The current immutable snapshot; the same reference until something changes. */
  readonly getSnapshot = (): EngineSnapshot => this.snapshot

  /** Calls `listener` after every snapshot change. Returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** The single door for `<live-pusher>` events: `bindstatechange`, `bindnetstatus`, `binderror`, `bindaudiovolumenotify`. */
  handlePusherEvent(kind: NativeEventKind, detail: NativeEventDetail): void {
    this.dispatch({ type: 'pusherEvent', kind, detail: detail || {} })
  }

  /** The single door for `<live-player>` events of the player showing `streamId`. */
  handlePlayerEvent(streamId: string, kind: NativeEventKind, detail: NativeEventDetail): void {
    this.dispatch({ type: 'playerEvent', streamId, kind, detail: detail || {} })
  }

  // ------------------------------------------------------------ room

  /**
   * Log in to `roomId`. Resolves once the room is CONNECTED; rejects with an `RtcError`.
   * Calling it again while the login is pending returns the same promise.
   */
  loginRoom(roomId: string, token: string, user: { userId: string; userName?: string }, config: LoginConfig = {}): Promise<void> {
    if (this.login && this.login.roomId === roomId) return this.login.promise
    const s = this.state
    if (s.phase !== 'idle' || this.destroyed) {
      if (s.roomId === roomId && s.loggedIn && !this.destroyed) return Promise.resolve()
      return Promise.reject(new RtcError(ErrorCode.INVALID_STATE, 'Call logoutRoom() first (a destroyed engine cannot log in).'))
    }
    // The ID rules live in one place, the server: an invalid roomId, userId or userName comes back
    // as the login's coded refusal (INVALID_ROOM_ID...), and the mini-program bundle stays small.
    if (!user || !user.userId) return Promise.reject(new RtcError(ErrorCode.INVALID_USER_ID, 'Pass a user with a userId.'))
    if (!token) return Promise.reject(new RtcError(ErrorCode.TOKEN_MISSING))
    let resolve!: () => void
    let reject!: (e: RtcError) => void
    const promise = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    this.login = { roomId, promise, resolve, reject }
    this.dispatch({
      type: 'login',
      appId: this.appId,
      roomId,
      token,
      user: { userId: user.userId, userName: user.userName || user.userId },
      userUpdate: !!config.userUpdate,
      autoPlay: !!config.autoPlay,
      player: config.player,
    })
    return promise
  }

  /** Leave the room: stops the pusher and every player. Safe to call at any time. */
  logoutRoom(roomId?: string): void {
    if (roomId && roomId !== this.state.roomId) return
    this.dispatch({ type: 'logout' })
  }

  /** Hand the server a fresh token (after `tokenWillExpire`); also used for later re-logins. */
  renewToken(token: string): Promise<void> {
    this.dispatch({ type: 'renewToken', token })
    return this.request('renewToken', { token }).then(() => undefined)
  }

  setStreamExtraInfo(streamId: string, extraInfo: string): Promise<void> {
    return this.request('setStreamExtraInfo', { streamId, extraInfo }).then(() => undefined)
  }

  /** Set one key of the room's extra info; others get `roomExtraInfoUpdate`, our snapshot has it on success. */
  setRoomExtraInfo(roomId: string, key: string, value: string): Promise<void> {
    return (
      this.inRoom(roomId) ||
      this.request('setRoomExtraInfo', { key, value }).then(() =>
        this.dispatch({ type: 'ownRoomExtraInfo', info: { key, value, updateUser: this.state.user!, updateTime: this.platform.now() } }),
      )
    )
  }

  sendBroadcastMessage(roomId: string, message: string): Promise<{ messageId: number }> {
    return this.inRoom(roomId) || this.request('broadcast', { message })
  }

  sendCustomCommand(roomId: string, command: string, toUserIds: string[]): Promise<void> {
    return this.inRoom(roomId) || this.request('customCommand', { command, toUserIds }).then(() => undefined)
  }

  // ------------------------------------------------------------ media

  /** The pusher (one per engine, like WeChat's one live-pusher per page), with initial attributes. */
  createPusher(attributes?: Partial<PusherAttributes>): LivePusher {
    if (!this.pusher) this.pusher = new LivePusher(this)
    if (attributes) this.pusher.setAttributes(attributes)
    return this.pusher
  }

  getPusherInstance(): LivePusher {
    return this.createPusher()
  }

  /** A handle for the remote stream `streamId` (cheap; create as many as you like). */
  getPlayerInstance(streamId: string): LivePlayer {
    return new LivePlayer(this, streamId)
  }

  /** Log out and release the platform hooks. The engine cannot be used afterwards. */
  destroy(): void {
    this.logoutRoom()
    this.destroyed = true
    if (this.unsubscribeNetwork) this.unsubscribeNetwork()
    this.timers.forEach((_, name) => this.clearTimer(name))
    this.listeners.clear()
  }

  // ------------------------------------------------------------ runtime (internal)

  /** @internal Feed one input through the transition and run its effects. Re-entrant calls queue. */
  dispatch(input: Input): void {
    if (this.destroyed) return
    this.queue.push(input)
    if (this.running) return
    this.running = true
    try {
      while (this.queue.length) {
        const prevSnapshot = this.snapshot
        const [next, effects] = transition(this.state, this.queue.shift()!, { now: this.platform.now(), reconnectPolicy: this.policy })
        this.state = next
        this.snapshot = selectSnapshot(next, prevSnapshot)
        for (const e of effects) this.run(e)
        if (this.snapshot !== prevSnapshot) this.listeners.forEach((l) => this.safe(l))
      }
    } finally {
      this.running = false
    }
  }

  /** @internal */
  emitEvent<K extends keyof EngineEvents>(name: K, args: Parameters<EngineEvents[K]>): void {
    this.emit(name, args, (e) => this.log.error('[minirtc] ' + String(name) + ' listener threw', e))
  }

  /** @internal */
  pusherContext(): LivePusherContextLike | null {
    return this.platform.createPusherContext(this.state.pusher.id)
  }

  /** @internal */
  playerElementId(streamId: string): string | null {
    const p = this.state.players[streamId]
    return p ? p.id : null
  }

  /** @internal */
  getPlatform(): Platform {
    return this.platform
  }

  private safe(fn: () => void) {
    try {
      fn()
    } catch (e) {
      this.log.error('[minirtc] subscriber threw', e)
    }
  }

  private inRoom(roomId: string): Promise<never> | null {
    return roomId && roomId !== this.state.roomId ? Promise.reject(new RtcError(ErrorCode.NOT_LOGGED_IN)) : null
  }

  private run(e: Effect): void {
    switch (e.type) {
      case 'emit':
        this.emitEvent(e.name, e.args as never)
        return
      case 'connect':
        return this.connect(e.epoch)
      case 'disconnect':
        return this.closeSocket(e.code)
      case 'send':
        return this.send(e.op, e.d, e.tag)
      case 'setTimer':
        this.clearTimer(e.name)
        this.timers.set(e.name, this.platform.setTimeout(() => {
          this.timers.delete(e.name)
          this.dispatch({ type: 'timer', name: e.name })
        }, e.ms))
        return
      case 'clearTimer':
        return this.clearTimer(e.name)
      case 'settleLogin': {
        const login = this.login
        this.login = null
        if (!login) return
        if (e.error) login.reject(RtcError.from(e.error))
        else login.resolve()
        return
      }
      case 'pusherCall': {
        const ctx = this.pusherContext()
        const fn = ctx && ctx[e.method]
        if (fn) fn.call(ctx, {})
        return
      }
      case 'log':
        this.log[e.level]('[minirtc] ' + e.message)
        return
    }
  }

  private clearTimer(name: string) {
    if (this.timers.has(name)) {
      this.platform.clearTimeout(this.timers.get(name))
      this.timers.delete(name)
    }
  }

  private connect(epoch: number) {
    this.closeSocket(1000)
    this.socketEpoch = epoch
    const url = this.server
    try {
      this.socket = this.platform.connect(url, {
        onOpen: () => this.dispatch({ type: 'socketOpen', epoch }),
        onMessage: (data) => this.onMessage(epoch, data),
        onClose: (code, reason) => {
          this.failPending(epoch)
          if (this.socketEpoch === epoch) this.socket = null
          this.dispatch({ type: 'socketClose', epoch, code, reason })
        },
      })
    } catch (err) {
      this.log.warn('[minirtc] connect failed', err)
      this.platform.setTimeout(() => this.dispatch({ type: 'socketClose', epoch, code: 1006, reason: 'connect failed' }), 0)
    }
  }

  private closeSocket(code: number) {
    const socket = this.socket
    this.socket = null
    if (!socket) return
    this.failPending(this.socketEpoch)
    try {
      socket.close(code)
    } catch (err) {
      this.log.debug('[minirtc] close failed', err)
    }
  }

  private onMessage(epoch: number, data: string) {
    if (epoch !== this.socketEpoch) return
    const msg = parseServerMessage(data)
    if (!msg) return this.log.warn('[minirtc] ignored a malformed server frame')
    if ('seq' in msg) return this.dispatch({ type: 'push', msg: msg as ServerPush })
    const p = this.pending.get(msg.id)
    if (!p) return
    this.pending.delete(msg.id)
    this.platform.clearTimeout(p.timer)
    if (p.tag) {
      if (msg.ok) this.dispatch({ type: 'reply', tag: p.tag, ok: true, data: msg.d })
      else this.dispatch({ type: 'reply', tag: p.tag, ok: false, error: errorInfo(msg.error.code, msg.error.message) })
    } else if (msg.ok) {
      if (p.resolve) p.resolve(msg.d)
    } else if (p.reject) p.reject(new RtcError(msg.error.code, msg.error.message))
  }

  /** Requests of a dead socket: callers of request() get NETWORK_ERROR; tagged ones the machine re-issues. */
  private failPending(epoch: number) {
    this.pending.forEach((p, id) => {
      if (p.epoch !== epoch) return
      this.pending.delete(id)
      this.platform.clearTimeout(p.timer)
      if (p.reject) p.reject(new RtcError(ErrorCode.NETWORK_ERROR, 'Connection lost before the reply; try again.'))
    })
  }

  private send(op: string, d: object, tag?: RequestTag, resolve?: (d: unknown) => void, reject?: (e: RtcError) => void) {
    const socket = this.socket
    if (!socket) {
      if (reject) reject(new RtcError(ErrorCode.NOT_LOGGED_IN))
      return
    }
    const id = this.nextRequestId++
    const epoch = this.socketEpoch
    const timer = this.platform.setTimeout(() => {
      if (!this.pending.delete(id)) return
      const error = errorInfo(ErrorCode.REQUEST_TIMEOUT)
      if (tag) this.dispatch({ type: 'reply', tag, ok: false, error })
      else if (reject) reject(RtcError.from(error))
    }, this.requestTimeoutMs)
    this.pending.set(id, { epoch, tag, resolve, reject, timer })
    try {
      // Every request of a logged-in session acknowledges the pushes applied so far (the
      // request's `ack`): the server frees them now instead of at our next heartbeat.
      const ack = this.state.phase === 'connected' && this.state.lastSeq > 0 ? this.state.lastSeq : undefined
      socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, op, ack, d }))
    } catch (err) {
      this.log.warn('[minirtc] send failed', err)
    }
  }

  /** @internal A plain request/reply outside the state machine (IM, extra info, token renewal). */
  request<O extends Op>(op: O, d: OpRequest<O>): Promise<OpResult<O>> {
    if (this.state.phase !== 'connected') return Promise.reject(new RtcError(ErrorCode.NOT_LOGGED_IN))
    return new Promise((resolve, reject) => this.send(op, d as object, undefined, resolve as (d: unknown) => void, reject))
  }

  /** @internal */
  getState(): EngineState {
    return this.state
  }

  /** @internal Resolve when `streamId` reaches `want`, reject when it falls back to `fail`. */
  waitForState(kind: 'publisher' | 'player', streamId: string, want: string, fail: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const name = kind === 'publisher' ? 'publisherStateUpdate' : 'playerStateUpdate'
      const onUpdate = (info: PublisherStateInfo | PlayerStateInfo) => {
        if (info.streamId !== streamId) return
        if (info.state === want) {
          this.off(name, onUpdate)
          resolve()
        } else if (info.state === fail) {
          this.off(name, onUpdate)
          const err: ErrorInfo | null = this.state.error
          reject(err && err.code === info.errorCode ? RtcError.from(err) : new RtcError(info.errorCode || ErrorCode.ABORTED, undefined, { streamId }))
        }
      }
      this.on(name, onUpdate)
    })
  }
}

/**
 * The local publisher. Its attributes live in `snapshot.pusher`; `<live-pusher>` renders them.
 */
export class LivePusher {
  constructor(private readonly engine: RtcEngine) {}

  /**
   * Publish the camera and microphone as `streamId`. Resolves at PUBLISHING (the media server
   * confirmed the push); rejects with an RtcError (camera denied, streamId taken or invalid...).
   */
  start(streamId: string, options: { extraInfo?: string } = {}): Promise<void> {
    const s = this.engine.getState()
    if (s.phase !== 'connected') return Promise.reject(new RtcError(ErrorCode.NOT_LOGGED_IN))
    if (s.pusher.streamId === streamId && s.pusher.state === 'PUBLISHING') return Promise.resolve()
    if (s.pusher.streamId && s.pusher.streamId !== streamId) this.stop()
    const done = this.engine.waitForState('publisher', streamId, 'PUBLISHING', 'NO_PUBLISH')
    this.engine.dispatch({ type: 'publish', streamId, extraInfo: options.extraInfo || '' })
    return done
  }

  stop(): void {
    this.engine.dispatch({ type: 'stopPublish' })
  }

  /** Mute what we send: `{ audio: true }` turns the microphone off (enable-mic=false). */
  setMute(mute: { audio?: boolean; video?: boolean }): void {
    const attrs: Partial<PusherAttributes> = {}
    if (mute.audio !== undefined) attrs.enableMic = !mute.audio
    if (mute.video !== undefined) attrs.enableCamera = !mute.video
    this.setAttributes(attrs)
  }

  /** Toggle front/back (device-position only applies at insertion; the context call switches live). */
  switchCamera(): void {
    this.engine.dispatch({ type: 'switchCamera' })
  }

  setAttributes(attributes: Partial<PusherAttributes>): void {
    this.engine.dispatch({ type: 'pusherAttributes', attrs: attributes })
  }

  /** Send an SEI message inside the pushed stream (players with enable-recv-message get `recvSEI`). */
  sendSEI(data: string): Promise<void> {
    return this.call('sendMessage', { msg: data }).then(() => undefined)
  }

  /** Take a picture of the local preview: resolves with WeChat's `{ tempImagePath, width, height }`. */
  snapshot(): Promise<SnapshotResult> {
    return this.call('snapshot') as Promise<SnapshotResult>
  }

  /** Camera preview without pushing (`startPreview`) and its end. */
  startPreview = () => this.call('startPreview')
  stopPreview = () => this.call('stopPreview')
  /** Flash on or off (back camera). */
  toggleTorch = () => this.call('toggleTorch')
  /** Background music mixed into the push: `playBGM(url)`, pause, resume, stop. */
  playBGM = (url: string) => this.call('playBGM', { url })
  pauseBGM = () => this.call('pauseBGM')
  resumeBGM = () => this.call('resumeBGM')
  stopBGM = () => this.call('stopBGM')
  /** Volumes from 0 to 1. */
  setBGMVolume = (volume: number) => this.call('setBGMVolume', { volume })
  setMICVolume = (volume: number) => this.call('setMICVolume', { volume })

  private call(method: keyof LivePusherContextLike, opts?: object): Promise<unknown> {
    return callContext(this.engine.pusherContext(), method, opts)
  }
}

/** What `snapshot()` of a pusher or player resolves with (WeChat's own result). */
export interface SnapshotResult {
  tempImagePath: string
  width: number
  height: number
}

/** A remote stream's player. Its attributes live in `snapshot.players[streamId]`. */
export class LivePlayer {
  constructor(
    private readonly engine: RtcEngine,
    readonly streamId: string,
  ) {}

  /** Start playing. Resolves at PLAYING (first frame); rejects when the stream is gone or refused. */
  play(attributes?: Partial<PlayerAttributes>): Promise<void> {
    const s = this.engine.getState()
    if (s.phase !== 'connected') return Promise.reject(new RtcError(ErrorCode.NOT_LOGGED_IN))
    if (!s.streams.some((x) => x.streamId === this.streamId)) return Promise.reject(new RtcError(ErrorCode.STREAM_NOT_FOUND, undefined, { streamId: this.streamId }))
    const p = s.players[this.streamId]
    if (p && p.state === 'PLAYING') return Promise.resolve()
    const done = this.engine.waitForState('player', this.streamId, 'PLAYING', 'NO_PLAY')
    this.engine.dispatch({ type: 'play', streamId: this.streamId, attrs: attributes })
    return done
  }

  stop(): void {
    this.engine.dispatch({ type: 'stopPlay', streamId: this.streamId })
  }

  /** Stop pulling remote audio and/or video (`mute-audio` / `mute-video`). */
  setMute(mute: { audio?: boolean; video?: boolean }): void {
    const attrs: Partial<PlayerAttributes> = {}
    if (mute.audio !== undefined) attrs.muteAudio = mute.audio
    if (mute.video !== undefined) attrs.muteVideo = mute.video
    this.setAttributes(attrs)
  }

  setAttributes(attributes: Partial<PlayerAttributes>): void {
    this.engine.dispatch({ type: 'playerAttributes', streamId: this.streamId, attrs: attributes })
  }

  /** A picture of the current frame: WeChat's `{ tempImagePath, width, height }`. */
  snapshot(quality?: 'raw' | 'compressed'): Promise<SnapshotResult> {
    return this.call('snapshot', quality ? { quality } : undefined) as Promise<SnapshotResult>
  }

  /** Full screen, turned by `direction` degrees (0, 90, -90; default 90: landscape). */
  requestFullScreen = (direction: 0 | 90 | -90 = 90) => this.call('requestFullScreen', { direction })
  exitFullScreen = () => this.call('exitFullScreen')
  /** Pause the picture and sound without leaving the stream; `resume()` continues. */
  pause = () => this.call('pause')
  resume = () => this.call('resume')

  private call(method: keyof LivePlayerContextLike, opts?: object): Promise<unknown> {
    const id = this.engine.playerElementId(this.streamId)
    return callContext(id ? this.engine.getPlatform().createPlayerContext(id) : null, method, opts)
  }
}
