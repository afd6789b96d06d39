/**
 * The engine's one place where state changes: a pure `transition(state, input, env)` that
 * returns the next state and the effects to run (send, connect, timers, native context calls,
 * events). It never performs them; `RtcEngine` does. Room/user/stream/publisher/player events
 * are not emitted ad hoc: they are computed at the end from the difference between the state
 * before and after (see `diffEvents`), so events always equal snapshot changes, once each.
 */
import { CloseCode, ErrorCode, type LoginResult, type MediaUrls, type PlayResult, type PublishResult, type RoomExtraInfo, type ServerPush, type StreamInfo, type UserInfo } from '@minirtc/protocol'
import { assign, dict, put, without } from './assign'
import { errorInfo } from './errors'
import { classifyPlayerCode, classifyPusherCode, pusherErrorCode } from './nativeCodes'
import { initialPusher, initialState, type EngineState } from './state'
import type {
  EngineEvents,
  ErrorInfo,
  NativeEventDetail,
  NativeEventKind,
  PlayerAttributes,
  PlayerViewModel,
  PusherAttributes,
  QualityStats,
  ReconnectPolicy,
  RoomStateReason,
} from './types'

/** Why a request was sent, so its reply can be routed back into the machine. */
export type RequestTag =
  | { op: 'login' | 'resume' | 'ping'; epoch: number }
  | { op: 'publish'; epoch: number; streamId: string }
  | { op: 'play'; epoch: number; streamId: string }

export type Input =
  | { type: 'login'; appId: string; roomId: string; token: string; user: UserInfo; userUpdate: boolean; autoPlay: boolean; player?: Partial<PlayerAttributes> }
  | { type: 'logout' }
  | { type: 'renewToken'; token: string }
  | { type: 'socketOpen'; epoch: number }
  | { type: 'socketClose'; epoch: number; code: number; reason: string }
  | { type: 'reply'; tag: RequestTag; ok: true; data: unknown }
  | { type: 'reply'; tag: RequestTag; ok: false; error: ErrorInfo }
  | { type: 'push'; msg: ServerPush }
  | { type: 'ownRoomExtraInfo'; info: RoomExtraInfo }
  | { type: 'timer'; name: string }
  | { type: 'network'; online: boolean }
  | { type: 'publish'; streamId: string; extraInfo: string }
  | { type: 'stopPublish' }
  | { type: 'pusherAttributes'; attrs: Partial<PusherAttributes> }
  | { type: 'switchCamera' }
  | { type: 'play'; streamId: string; attrs?: Partial<PlayerAttributes> }
  | { type: 'stopPlay'; streamId: string }
  | { type: 'playerAttributes'; streamId: string; attrs: Partial<PlayerAttributes> }
  | { type: 'pusherEvent'; kind: NativeEventKind; detail: NativeEventDetail }
  | { type: 'playerEvent'; streamId: string; kind: NativeEventKind; detail: NativeEventDetail }

type Emit = { [K in keyof EngineEvents]: { type: 'emit'; name: K; args: Parameters<EngineEvents[K]> } }[keyof EngineEvents]

export type Effect =
  | { type: 'connect'; epoch: number }
  | { type: 'disconnect'; code: number }
  | { type: 'send'; op: string; d: object; tag?: RequestTag }
  | { type: 'setTimer'; name: string; ms: number }
  | { type: 'clearTimer'; name: string }
  | { type: 'settleLogin'; error: ErrorInfo | null }
  | { type: 'pusherCall'; method: 'stop' | 'switchCamera' }
  | { type: 'log'; level: 'debug' | 'info' | 'warn'; message: string }
  | Emit

/** An `emit` effect, typed from the event map. */
function emit<K extends keyof EngineEvents>(name: K, ...args: Parameters<EngineEvents[K]>): Effect {
  return { type: 'emit', name, args } as Effect
}

export interface TransitionEnv {
  now: number
  reconnectPolicy: ReconnectPolicy
}

/** Engine-level restarts after the native layer gives up (-1307 / -2301), before reporting failure. */
export const MAX_MEDIA_RESTARTS = 3
const RESTART_DELAY_MS = 1000
/** A delivered play URL must outlive the player's connect (a render, a TCP and HTTP handshake). */
const URL_MARGIN_MS = 5000
/** Close codes that end the session for good (no reconnect), and the error each means. */
const CLOSE_TO_ERROR: Record<number, number> = {
  [CloseCode.KICKED_OUT]: ErrorCode.KICKED_OUT,
  [CloseCode.ROOM_CLOSED]: ErrorCode.ROOM_CLOSED,
  [CloseCode.REPLACED]: ErrorCode.LOGGED_IN_ELSEWHERE,
  [CloseCode.TOKEN_EXPIRED]: ErrorCode.TOKEN_EXPIRED,
}
/** Server errors after which retrying the same login cannot succeed. */
const FATAL_LOGIN_CODES = (code: number) => (code >= 101000 && code < 104000 && code !== ErrorCode.SESSION_EXPIRED) || code === ErrorCode.MEDIA_UNAVAILABLE

export function transition(state: EngineState, input: Input, env: TransitionEnv): [EngineState, Effect[]] {
  const fx: Effect[] = []
  const next = step(state, input, env, fx)
  if (next === state) return [state, fx]
  return [next, diffEvents(state, next, fx)]
}

function step(s: EngineState, input: Input, env: TransitionEnv, fx: Effect[]): EngineState {
  switch (input.type) {
    case 'login': {
      if (s.phase !== 'idle') return s
      const epoch = s.socketEpoch + 1
      fx.push({ type: 'connect', epoch })
      return assign({}, initialState(), { pusher: assign({}, s.pusher, { url: '', autopush: false, streamId: '', state: 'NO_PUBLISH' }), socketEpoch: epoch, nextPlayerNo: s.nextPlayerNo, appId: input.appId, roomId: input.roomId, token: input.token, user: input.user, userUpdate: input.userUpdate, autoPlay: input.autoPlay, playerDefaults: assign({}, s.playerDefaults, input.player), roomState: 'CONNECTING', roomReason: 'LOGINING', phase: 'connecting' })
    }
    case 'logout': {
      if (s.phase === 'idle') return s
      if (s.phase === 'connected') fx.push({ type: 'send', op: 'logout', d: {} })
      if (!s.loggedIn) fx.push({ type: 'settleLogin', error: errorInfo(ErrorCode.ABORTED) })
      fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
      return leaveRoom(s, 'LOGOUT', 0, fx)
    }
    case 'renewToken':
      return s.phase === 'idle' ? s : assign({}, s, { token: input.token })
    case 'socketOpen': {
      if (input.epoch !== s.socketEpoch || s.phase !== 'connecting') return s
      if (s.loggedIn && s.sessionId) {
        fx.push({ type: 'send', op: 'resume', d: { sessionId: s.sessionId, lastSeq: s.lastSeq }, tag: { op: 'resume', epoch: s.socketEpoch } })
        return assign({}, s, { phase: 'resuming' })
      }
      sendLogin(s, fx)
      return assign({}, s, { phase: 'loggingIn' })
    }
    case 'socketClose': {
      if (input.epoch !== s.socketEpoch || s.phase === 'idle') return s
      const code = CLOSE_TO_ERROR[input.code]
      if (code) {
        if (!s.loggedIn) {
          fx.push({ type: 'settleLogin', error: errorInfo(code) })
          return leaveRoom(s, 'LOGIN_FAILED', code, fx)
        }
        return leaveRoom(s, 'KICKOUT', code, fx)
      }
      return connectionLost(s, env, fx, 'socket closed (' + input.code + ')')
    }
    case 'timer':
      return onTimer(s, input.name, env, fx)
    case 'network': {
      if (input.online && s.phase === 'waitingRetry') {
        fx.push({ type: 'clearTimer', name: 'retry' })
        return reconnectNow(s, fx)
      }
      if (!input.online && s.phase === 'connected') {
        // WeChat keeps a dead socket "open" for a long time after the network changes: drop it now.
        fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
        return connectionLost(s, env, fx, 'network offline')
      }
      return s
    }
    case 'reply':
      return onReply(s, input, env, fx)
    case 'push':
      if (s.phase === 'idle' || input.msg.seq <= s.lastSeq) return s
      return applyPush(assign({}, s, { lastSeq: input.msg.seq }), input.msg, fx, env.now)
    case 'ownRoomExtraInfo':
      // The server tells everyone else; our own change lands in our snapshot when the server took it.
      return s.phase === 'idle' ? s : assign({}, s, { roomExtraInfo: upsert(s.roomExtraInfo, [input.info], 'key') })
    case 'publish': {
      if (s.pusher.streamId === input.streamId && s.pusher.state !== 'NO_PUBLISH') return s
      const s2: EngineState = assign({}, s, { pusher: assign({}, s.pusher, { streamId: input.streamId, url: '', autopush: false, state: 'PUBLISH_REQUESTING' }), publishExtraInfo: input.extraInfo, mediaConfirmed: false, nativeReconnecting: false, publishRequested: false, pushRestarts: 0, pusherCode: 0, error: null })
      return requestPublish(s2, fx)
    }
    case 'stopPublish': {
      if (s.pusher.state === 'NO_PUBLISH' && !s.pusher.streamId) return s
      if (s.phase === 'connected') fx.push({ type: 'send', op: 'unpublish', d: { streamId: s.pusher.streamId } })
      fx.push({ type: 'pusherCall', method: 'stop' }, { type: 'clearTimer', name: 'pushRestart' })
      return stopPusher(s)
    }
    case 'pusherAttributes': {
      const pusher = assign({}, s.pusher, input.attrs)
      // live-pusher's `muted` is the pre-2.10 spelling of enable-mic; keep both in step.
      if (input.attrs.enableMic !== undefined) pusher.muted = !input.attrs.enableMic
      else if (input.attrs.muted !== undefined) pusher.enableMic = !input.attrs.muted
      return assign({}, s, { pusher })
    }
    case 'switchCamera':
      fx.push({ type: 'pusherCall', method: 'switchCamera' })
      return assign({}, s, { pusher: assign({}, s.pusher, { devicePosition: s.pusher.devicePosition === 'front' ? 'back' : 'front' }) })
    case 'play': {
      const stream = s.streams.find((x) => x.streamId === input.streamId)
      if (!stream) return s
      const existing = s.players[input.streamId]
      if (existing) return input.attrs ? setPlayer(s, input.streamId, input.attrs) : s
      return requestPlay(addPlayer(s, stream, input.attrs), input.streamId, fx)
    }
    case 'stopPlay':
      return removePlayer(s, input.streamId, fx)
    case 'playerAttributes':
      return s.players[input.streamId] ? setPlayer(s, input.streamId, input.attrs) : s
    case 'pusherEvent':
      return onPusherEvent(s, input.kind, input.detail, fx)
    case 'playerEvent':
      return onPlayerEvent(s, input.streamId, input.kind, input.detail, fx)
  }
}

// ---------------------------------------------------------------- connection

function sendLogin(s: EngineState, fx: Effect[]) {
  fx.push({
    type: 'send',
    op: 'login',
    // playUrls: an autoplaying client gets each stream's play URL with the room and its ADDs.
    d: { appId: s.appId, roomId: s.roomId, token: s.token, user: s.user, userUpdate: s.userUpdate, playUrls: s.autoPlay },
    tag: { op: 'login', epoch: s.socketEpoch },
  })
}

function reconnectNow(s: EngineState, fx: Effect[]): EngineState {
  const epoch = s.socketEpoch + 1
  fx.push({ type: 'connect', epoch })
  return assign({}, s, { socketEpoch: epoch, phase: 'connecting', retryCount: s.retryCount + 1 })
}

/** The socket is gone (or we declared it dead): retry per policy, or give up. */
function connectionLost(s: EngineState, env: TransitionEnv, fx: Effect[], why: string): EngineState {
  fx.push({ type: 'clearTimer', name: 'heartbeat' }, { type: 'log', level: 'info', message: 'signaling lost: ' + why })
  // A socket of ours that we gave up on must not report again.
  const base: EngineState = assign({}, s, { socketEpoch: s.socketEpoch + 1, publishRequested: false, playRequested: dict<true>() })
  if (!s.loggedIn) {
    // The first login fails fast: a wrong server URL should not keep the app waiting for a minute.
    const code = ErrorCode.NETWORK_ERROR
    fx.push({ type: 'settleLogin', error: errorInfo(code) })
    return leaveRoom(base, 'LOGIN_FAILED', code, fx)
  }
  const outageStartedAt = s.phase === 'connected' ? env.now : s.outageStartedAt
  const retryCount = s.phase === 'connected' ? 0 : s.retryCount
  const delay = env.reconnectPolicy.nextRetryDelayMs({ retryCount, elapsedMs: env.now - outageStartedAt, reason: why })
  if (delay === null) return leaveRoom(base, 'RECONNECT_FAILED', ErrorCode.RECONNECT_FAILED, fx)
  fx.push({ type: 'setTimer', name: 'retry', ms: delay })
  const reconnecting = s.roomState === 'CONNECTED'
  return assign({}, base, { phase: 'waitingRetry', outageStartedAt, retryCount, roomState: 'CONNECTING', roomReason: reconnecting ? 'RECONNECTING' : s.roomReason, roomErrorCode: reconnecting ? ErrorCode.NETWORK_ERROR : s.roomErrorCode })
}

/** Back to DISCONNECTED: everything room-scoped goes, the pusher's attributes stay. */
function leaveRoom(s: EngineState, reason: RoomStateReason, code: number, fx: Effect[]): EngineState {
  for (const t of ['retry', 'heartbeat', 'pushRestart']) fx.push({ type: 'clearTimer', name: t })
  for (const id of Object.keys(s.playRestarts)) fx.push({ type: 'clearTimer', name: 'playRestart:' + id })
  if (s.pusher.url) fx.push({ type: 'pusherCall', method: 'stop' })
  if (reason !== 'LOGOUT' && reason !== 'LOGIN_FAILED') fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
  const fresh = initialState()
  return assign({}, fresh, { roomId: s.roomId, user: s.user, pusher: assign({}, s.pusher, { url: '', autopush: false, streamId: '', state: 'NO_PUBLISH' }), playerDefaults: s.playerDefaults, socketEpoch: s.socketEpoch + 1, nextPlayerNo: s.nextPlayerNo, roomReason: reason, roomErrorCode: code, error: code ? errorInfo(code) : s.error })
}

function onTimer(s: EngineState, name: string, env: TransitionEnv, fx: Effect[]): EngineState {
  if (name === 'retry') return s.phase === 'waitingRetry' ? reconnectNow(s, fx) : s
  if (name === 'heartbeat') {
    if (s.phase !== 'connected') return s
    fx.push(
      { type: 'send', op: 'ping', d: { ack: s.lastSeq }, tag: { op: 'ping', epoch: s.socketEpoch } },
      { type: 'setTimer', name: 'heartbeat', ms: s.heartbeatMs },
    )
    return s
  }
  if (name === 'pushRestart') return s.pusher.streamId && s.phase === 'connected' ? requestPublish(s, fx) : s
  if (name.indexOf('playRestart:') === 0) {
    const id = name.slice('playRestart:'.length)
    return s.players[id] && s.phase === 'connected' ? requestPlay(s, id, fx) : s
  }
  void env
  return s
}

// ---------------------------------------------------------------- replies

function onReply(s: EngineState, input: Extract<Input, { type: 'reply' }>, env: TransitionEnv, fx: Effect[]): EngineState {
  const tag = input.tag
  if (tag.epoch !== s.socketEpoch) return s
  switch (tag.op) {
    case 'ping':
      if (input.ok) return s
      // No pong in time: the socket is dead even if the platform has not noticed.
      fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
      return connectionLost(s, env, fx, 'heartbeat timeout')
    case 'login':
      if (s.phase !== 'loggingIn') return s
      if (input.ok) return loggedIn(s, input.data as LoginResult, fx, env.now)
      if (!s.loggedIn || FATAL_LOGIN_CODES(input.error.code)) {
        if (!s.loggedIn) fx.push({ type: 'settleLogin', error: input.error })
        fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
        const out = leaveRoom(s, s.loggedIn ? 'RECONNECT_FAILED' : 'LOGIN_FAILED', input.error.code, fx)
        return assign({}, out, { error: input.error })
      }
      fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
      return connectionLost(s, env, fx, 'login failed ' + input.error.code)
    case 'resume':
      if (s.phase !== 'resuming') return s
      if (!input.ok) {
        // Session gone (server restarted or window passed): log in again on the same socket.
        sendLogin(s, fx)
        return assign({}, s, { phase: 'loggingIn', sessionId: '' })
      }
      return resumed(s, (input.data as { missed: ServerPush[] }).missed, fx, env.now)
    case 'publish':
      return onPublishReply(s, tag.streamId, input)
    case 'play':
      return onPlayReply(s, tag.streamId, input, fx)
  }
}

function loggedIn(s: EngineState, r: LoginResult, fx: Effect[], now: number): EngineState {
  const first = !s.loggedIn
  if (first) fx.push({ type: 'settleLogin', error: null })
  fx.push({ type: 'setTimer', name: 'heartbeat', ms: r.heartbeatIntervalMs })
  const streams = r.room.streams.filter((x) => !s.user || x.user.userId !== s.user.userId)
  let next: EngineState = assign({}, s, { phase: 'connected', loggedIn: true, sessionId: r.sessionId, lastSeq: r.seq, heartbeatMs: r.heartbeatIntervalMs, retryCount: 0, roomState: 'CONNECTED', roomReason: first ? 'LOGINED' : 'RECONNECTED', roomErrorCode: 0, users: s.userUpdate ? r.room.users.filter((u) => !s.user || u.userId !== s.user.userId) : [], onlineCount: r.room.onlineCount, streams, roomExtraInfo: r.room.extraInfo, clockSkew: r.serverTime - now, // After a full re-login the server no longer holds our stream: it must be published again.
    mediaConfirmed: s.mediaConfirmed && r.room.ownStreams.indexOf(s.pusher.streamId) >= 0, error: null })
  if (s.pusher.streamId && r.room.ownStreams.indexOf(s.pusher.streamId) < 0 && s.pusher.state === 'PUBLISHING')
    next = assign({}, next, { pusher: assign({}, next.pusher, { state: 'PUBLISH_REQUESTING' }) })
  next = dropPlayersWithoutStream(next, fx)
  if (!first) next = renewPlayers(next, fx, now, r.play)
  next = autoPlayAll(next, fx, now, r.play)
  return reconcileMedia(next, fx, !s.pusher.streamId || r.room.ownStreams.indexOf(s.pusher.streamId) < 0)
}

function resumed(s: EngineState, missed: ServerPush[], fx: Effect[], now: number): EngineState {
  fx.push({ type: 'setTimer', name: 'heartbeat', ms: s.heartbeatMs })
  let next: EngineState = assign({}, s, { phase: 'connected', retryCount: 0, roomState: 'CONNECTED', roomReason: 'RECONNECTED', roomErrorCode: 0 })
  for (const msg of missed) if (msg.seq > next.lastSeq) next = applyPush(assign({}, next, { lastSeq: msg.seq }), msg, fx, now)
  return reconcileMedia(next, fx, false)
}

/** After (re)connecting: re-issue what a dropped socket lost (publish/play requests in flight). */
function reconcileMedia(s: EngineState, fx: Effect[], republish: boolean): EngineState {
  let next = s
  if (next.pusher.streamId && next.pusher.state !== 'NO_PUBLISH' && (republish || !next.pusher.url) && !next.publishRequested)
    next = requestPublish(next, fx)
  for (const id of Object.keys(next.players)) if (!next.players[id]!.src && !next.playRequested[id]) next = requestPlay(next, id, fx)
  return next
}

function onPublishReply(s: EngineState, streamId: string, input: Extract<Input, { type: 'reply' }>): EngineState {
  if (s.pusher.streamId !== streamId || s.pusher.state === 'NO_PUBLISH') return s
  if (!input.ok) {
    return assign({}, stopPusher(s, input.error.code), { error: assign({}, input.error, { streamId }) })
  }
  const r = input.data as PublishResult
  // url + autopush is how the component starts pushing (TRTC does the same); a new signed URL
  // after -1307 makes the native component reconnect.
  return assign({}, s, { publishRequested: false, pusher: assign({}, s.pusher, { url: r.pushUrl, autopush: true }) })
}

function onPlayReply(s: EngineState, streamId: string, input: Extract<Input, { type: 'reply' }>, fx: Effect[]): EngineState {
  const p = s.players[streamId]
  if (!p) return s
  const playRequested = without(s.playRequested, streamId)
  if (!input.ok) {
    const out = removePlayer(assign({}, s, { playRequested }), streamId, fx, input.error.code)
    return assign({}, out, { error: assign({}, input.error, { streamId }) })
  }
  return withUrls(assign({}, s, { playRequested }), streamId, (input.data as PlayResult).urls)
}

function withUrls(s: EngineState, streamId: string, urls: MediaUrls): EngineState {
  // A media node without HTTP-FLV (plain nginx-rtmp) gives an empty flv URL: play RTMP then.
  return setPlayer(s, streamId, { src: urls[s.players[streamId]!.protocol] || urls.rtmp, autoplay: true })
}

// ---------------------------------------------------------------- server pushes

function applyPush(s: EngineState, msg: ServerPush, fx: Effect[], now: number): EngineState {
  const self = s.user ? s.user.userId : ''
  switch (msg.ev) {
    case 'user': {
      if (!s.userUpdate) return s
      const users = msg.d.users.filter((u) => u.userId !== self)
      return assign({}, s, { users: msg.d.type === 'ADD' ? upsert(s.users, users, 'userId') : remove(s.users, users, 'userId') })
    }
    case 'onlineCount':
      return assign({}, s, { onlineCount: msg.d.count })
    case 'stream': {
      const list = msg.d.streams.filter((x) => x.user.userId !== self)
      if (msg.d.type === 'ADD') {
        const next = assign({}, s, { streams: upsert(s.streams, list, 'streamId') })
        return autoPlayAll(next, fx, now, msg.d.play)
      }
      return dropPlayersWithoutStream(assign({}, s, { streams: remove(s.streams, list, 'streamId') }), fx)
    }
    case 'streamExtraInfo': {
      const updated = msg.d.streams.filter((x) => s.streams.some((y) => y.streamId === x.streamId))
      if (!updated.length) return s
      fx.push(emit('streamExtraInfoUpdate', s.roomId, updated))
      const streams = upsert(s.streams, updated, 'streamId')
      let players = s.players
      for (const x of updated) {
        const p = players[x.streamId]
        if (p) players = put(players, x.streamId, assign({}, p, { stream: x }))
      }
      return assign({}, s, { streams, players })
    }
    case 'roomExtraInfo':
      fx.push(emit('roomExtraInfoUpdate', s.roomId, msg.d.extraInfo))
      return assign({}, s, { roomExtraInfo: upsert(s.roomExtraInfo, msg.d.extraInfo, 'key') })
    case 'broadcast':
      fx.push(emit('IMRecvBroadcastMessage', s.roomId, msg.d.messages))
      return s
    case 'customCommand':
      fx.push(emit('IMRecvCustomCommand', s.roomId, msg.d.fromUser, msg.d.command))
      return s
    case 'tokenWillExpire':
      fx.push(emit('tokenWillExpire', s.roomId))
      return s
    case 'publishState': {
      if (msg.d.streamId !== s.pusher.streamId || s.pusher.state === 'NO_PUBLISH') return s
      const confirmed = msg.d.state === 'PUBLISHING'
      return withPusherState(assign({}, s, { mediaConfirmed: confirmed, nativeReconnecting: confirmed ? false : s.nativeReconnecting }), msg.d.code || 0)
    }
    case 'kickout':
      fx.push({ type: 'disconnect', code: CloseCode.NORMAL })
      return leaveRoom(s, 'KICKOUT', msg.d.code, fx)
  }
}

function upsert<T, K extends keyof T>(list: readonly T[], items: readonly T[], key: K): readonly T[] {
  if (!items.length) return list
  const out = list.filter((x) => !items.some((i) => i[key] === x[key]))
  return out.concat(items)
}
function remove<T, K extends keyof T>(list: readonly T[], items: readonly T[], key: K): readonly T[] {
  const out = list.filter((x) => !items.some((i) => i[key] === x[key]))
  return out.length === list.length ? list : out
}

// ---------------------------------------------------------------- publisher

function requestPublish(s: EngineState, fx: Effect[]): EngineState {
  if (s.phase !== 'connected') return s
  fx.push({
    type: 'send',
    op: 'publish',
    d: s.publishExtraInfo ? { streamId: s.pusher.streamId, extraInfo: s.publishExtraInfo } : { streamId: s.pusher.streamId },
    tag: { op: 'publish', epoch: s.socketEpoch, streamId: s.pusher.streamId },
  })
  return assign({}, s, { publishRequested: true })
}

function stopPusher(s: EngineState, errorCode = 0): EngineState {
  return assign({}, s, { pusher: assign({}, s.pusher, { url: '', autopush: false, streamId: '', state: 'NO_PUBLISH' }), mediaConfirmed: false, nativeReconnecting: false, publishRequested: false, pushRestarts: 0, pusherCode: errorCode, error: errorCode ? errorInfo(errorCode, undefined, s.pusher.streamId) : s.error })
}

/**
 * PUBLISHING is derived, never set from one native code: it needs a push URL and the media
 * server's confirmation, and the native layer must not be mid-reconnect. WeChat versions differ in
 * which codes they send (1005 instead of 1002, or none), so the server is the source of truth.
 */
function withPusherState(s: EngineState, code: number): EngineState {
  if (s.pusher.state === 'NO_PUBLISH') return s
  const state = s.pusher.url && s.mediaConfirmed && !s.nativeReconnecting ? 'PUBLISHING' : 'PUBLISH_REQUESTING'
  if (state === s.pusher.state) return s
  return assign({}, s, { pusher: assign({}, s.pusher, { state }), pushRestarts: state === 'PUBLISHING' ? 0 : s.pushRestarts, pusherCode: code })
}

function onPusherEvent(s: EngineState, kind: NativeEventKind, d: NativeEventDetail, fx: Effect[]): EngineState {
  const streamId = s.pusher.streamId
  if (kind === 'netstatus') {
    if (streamId && d.info) fx.push(emit('publishQualityUpdate', streamId, qualityFromInfo(d.info)))
    return s
  }
  if (kind === 'audiovolumenotify') {
    fx.push(emit('capturedSoundLevelUpdate', Number(d.volume) || 0))
    return s
  }
  if (kind === 'error') {
    // binderror 10001/10002: the user denied the camera/microphone permission.
    const errCode = Number(d.errCode)
    if (errCode !== 10001 && errCode !== 10002) return s
    return failPusher(s, pusherErrorCode(errCode), fx)
  }
  if (kind !== 'statechange' || typeof d.code !== 'number') return s
  const code = d.code
  if (!streamId || s.pusher.state === 'NO_PUBLISH') {
    // Camera denial is reported even while only previewing.
    return classifyPusherCode(code) === 'fatal' ? assign({}, s, { error: errorInfo(pusherErrorCode(code)) }) : s
  }
  switch (classifyPusherCode(code)) {
    case 'pushing':
    case 'progress':
      return s.nativeReconnecting ? withPusherState(assign({}, s, { nativeReconnecting: false }), 0) : s
    case 'reconnecting':
      return withPusherState(assign({}, s, { nativeReconnecting: true }), code)
    case 'gaveUp':
    case 'restartRoom':
      return restartPush(s, code, fx)
    case 'fatal':
      return failPusher(s, pusherErrorCode(code), fx)
    case 'info':
      return s
  }
}

function failPusher(s: EngineState, code: number, fx: Effect[]): EngineState {
  if (s.pusher.streamId && s.phase === 'connected') fx.push({ type: 'send', op: 'unpublish', d: { streamId: s.pusher.streamId } })
  fx.push({ type: 'clearTimer', name: 'pushRestart' })
  return stopPusher(s, code)
}

/** The native pusher gave up (-1307): fetch a fresh signed URL and push again, a few times. */
function restartPush(s: EngineState, code: number, fx: Effect[]): EngineState {
  if (s.pushRestarts >= MAX_MEDIA_RESTARTS) return failPusher(s, ErrorCode.PUSH_FAILED, fx)
  fx.push({ type: 'setTimer', name: 'pushRestart', ms: RESTART_DELAY_MS * (s.pushRestarts + 1) })
  return assign({}, s, { pushRestarts: s.pushRestarts + 1, mediaConfirmed: false, pusher: assign({}, s.pusher, { url: '', autopush: false, state: 'PUBLISH_REQUESTING' }), pusherCode: code })
}

// ---------------------------------------------------------------- players

function addPlayer(s: EngineState, stream: StreamInfo, attrs?: Partial<PlayerAttributes>): EngineState {
  const vm: PlayerViewModel = Object.assign({}, s.playerDefaults, attrs, { id: 'minirtc-player-' + s.nextPlayerNo, streamId: stream.streamId, src: '', autoplay: false, state: 'PLAY_REQUESTING' as const, stream })
  return assign({}, s, { nextPlayerNo: s.nextPlayerNo + 1, players: put(s.players, stream.streamId, vm), playerCodes: put(s.playerCodes, stream.streamId, 0) })
}

function requestPlay(s: EngineState, streamId: string, fx: Effect[]): EngineState {
  if (s.phase !== 'connected') return s
  fx.push({ type: 'send', op: 'play', d: { streamId }, tag: { op: 'play', epoch: s.socketEpoch, streamId } })
  return assign({}, s, { playRequested: put(s.playRequested, streamId, true as const) })
}

function setPlayer(s: EngineState, streamId: string, patch: Partial<PlayerViewModel>): EngineState {
  const p = s.players[streamId]!
  return assign({}, s, { players: put(s.players, streamId, assign({}, p, patch)) })
}

function removePlayer(s: EngineState, streamId: string, fx: Effect[], errorCode = 0): EngineState {
  if (!s.players[streamId]) return s
  const players = without(s.players, streamId)
  const playRestarts = without(s.playRestarts, streamId)
  const playRequested = without(s.playRequested, streamId)
  fx.push({ type: 'clearTimer', name: 'playRestart:' + streamId })
  return assign({}, s, { players, playRestarts, playRequested, playerCodes: put(s.playerCodes, streamId, errorCode) })
}

function dropPlayersWithoutStream(s: EngineState, fx: Effect[]): EngineState {
  let next = s
  for (const id of Object.keys(s.players)) if (!s.streams.some((x) => x.streamId === id)) next = removePlayer(next, id, fx)
  return next
}

/** A player for every stream that has none (autoPlay), started as `playWith` says. */
function autoPlayAll(s: EngineState, fx: Effect[], now: number, play?: PlayResult[]): EngineState {
  if (!s.autoPlay) return s
  let next = s
  for (const x of s.streams) {
    if (next.players[x.streamId]) continue
    next = playWith(addPlayer(next, x), x.streamId, fx, now, play)
  }
  return next
}

/**
 * After a full re-login the server has ended the old session and, with it, the media connections
 * its URLs opened; a player left on its old URL would be refused when it reconnects and recover
 * only after giving up (-2301) and a restart. Every player gets the new session's URL instead.
 */
function renewPlayers(s: EngineState, fx: Effect[], now: number, play?: PlayResult[]): EngineState {
  let next = s
  for (const id of Object.keys(s.players)) {
    // A restart that was waiting for its timer happens now.
    fx.push({ type: 'clearTimer', name: 'playRestart:' + id })
    next = playWith(next, id, fx, now, play)
  }
  return next
}

/**
 * Give a player the URL the server delivered for its stream (login reply, stream ADD) while it is
 * still valid on the server's clock, else ask for one (`play`): a replayed ADD (resume) can be
 * older than its URL, and an older server delivers none.
 */
function playWith(s: EngineState, streamId: string, fx: Effect[], now: number, play?: PlayResult[]): EngineState {
  const given = play && play.find((p) => p.streamId === streamId && p.expiresAt - URL_MARGIN_MS > now + s.clockSkew)
  return given ? withUrls(s, streamId, given.urls) : requestPlay(s, streamId, fx)
}

function onPlayerEvent(s: EngineState, streamId: string, kind: NativeEventKind, d: NativeEventDetail, fx: Effect[]): EngineState {
  const p = s.players[streamId]
  if (!p) return s
  if (kind === 'netstatus') {
    if (!d.info) return s
    const stats = qualityFromInfo(d.info)
    fx.push(emit('playQualityUpdate', streamId, stats))
    // RTC-mode players on some WeChat versions never send 2003/2004: media flowing is proof enough.
    if (p.state === 'PLAY_REQUESTING' && p.src && (stats.videoFPS > 0 || stats.videoBitrate > 0 || stats.audioBitrate > 0))
      return playing(s, streamId)
    return s
  }
  if (kind === 'audiovolumenotify') {
    fx.push(emit('soundLevelUpdate', streamId, Number(d.volume) || 0))
    return s
  }
  if (kind === 'metadatachange') {
    const data = typeof d.sei === 'string' ? d.sei : typeof d.message === 'string' ? d.message : ''
    if (data) fx.push(emit('recvSEI', streamId, data))
    return s
  }
  if (kind !== 'statechange' || typeof d.code !== 'number') return s
  switch (classifyPlayerCode(d.code)) {
    case 'playing':
      return p.src ? playing(s, streamId) : s
    case 'reconnecting':
      return p.state === 'PLAYING' ? setPlayerState(s, streamId, 'PLAY_REQUESTING', d.code) : s
    case 'gaveUp': {
      const n = s.playRestarts[streamId] || 0
      if (n >= MAX_MEDIA_RESTARTS) {
        const out = removePlayer(s, streamId, fx, ErrorCode.PLAY_FAILED)
        return assign({}, out, { error: errorInfo(ErrorCode.PLAY_FAILED, undefined, streamId) })
      }
      fx.push({ type: 'setTimer', name: 'playRestart:' + streamId, ms: RESTART_DELAY_MS * (n + 1) })
      const next = setPlayer(s, streamId, { src: '', autoplay: false })
      return setPlayerState(assign({}, next, { playRestarts: put(s.playRestarts, streamId, n + 1) }), streamId, 'PLAY_REQUESTING', d.code)
    }
    case 'sei':
      if (typeof d.message === 'string') fx.push(emit('recvSEI', streamId, d.message))
      return s
    default:
      return s
  }
}

function playing(s: EngineState, streamId: string): EngineState {
  return setPlayerState(assign({}, s, { playRestarts: without(s.playRestarts, streamId) }), streamId, 'PLAYING', 0)
}

function setPlayerState(s: EngineState, streamId: string, state: PlayerViewModel['state'], code: number): EngineState {
  const p = s.players[streamId]!
  if (p.state === state) return s
  return assign({}, setPlayer(s, streamId, { state }), { playerCodes: put(s.playerCodes, streamId, code) })
}

// ---------------------------------------------------------------- quality

/** Normalise `bindnetstatus` info; WeChat sends strings on some Android versions. */
export function qualityFromInfo(info: Record<string, unknown>): QualityStats {
  const n = (k: string) => Number(info[k]) || 0
  const jitter = n('netJitter')
  const given = n('netQualityLevel')
  const bitrate = n('videoBitrate') + n('audioBitrate')
  const quality = given || (bitrate === 0 ? 0 : jitter < 30 ? 1 : jitter < 100 ? 2 : jitter < 200 ? 3 : jitter < 400 ? 4 : 5)
  return {
    videoBitrate: n('videoBitrate'),
    audioBitrate: n('audioBitrate'),
    videoFPS: n('videoFPS'),
    videoWidth: n('videoWidth'),
    videoHeight: n('videoHeight'),
    videoGOP: n('videoGOP'),
    netSpeed: n('netSpeed'),
    netJitter: jitter,
    quality,
  }
}

// ---------------------------------------------------------------- events from state differences

/**
 * A publisher / player state event. The state stores one code per change; MiniRTC's codes are six
 * digits and WeChat's at most five (-2302 … 10004), so the range says which field it belongs in.
 */
function stateInfo<S extends string>(streamId: string, state: S, code: number) {
  const ours = code >= 100000
  return { streamId, state, errorCode: ours ? code : 0, nativeCode: ours ? 0 : code, extendedData: '' }
}

/** Items of `b` whose key is not in `a`. */
function added<T>(a: readonly T[], b: readonly T[], key: keyof T): T[] {
  return b.filter((x) => !a.some((y) => y[key] === x[key]))
}

/**
 * Room, user, stream, publisher and player events, derived from what changed between `prev` and
 * `next`. Explicit effects already in `fx` keep their place; derived events follow in a fixed
 * order (room, users, count, streams, publisher, players).
 */
function diffEvents(prev: EngineState, next: EngineState, fx: Effect[]): Effect[] {
  const roomId = next.roomId
  const out: Effect[] = []
  if (prev.roomState !== next.roomState) {
    out.push(
      emit('roomStateChanged', roomId, next.roomReason, next.roomErrorCode, ''),
      emit('roomStateUpdate', roomId, next.roomState, next.roomErrorCode, ''),
    )
  }
  if (prev.users !== next.users) {
    const del = added(next.users, prev.users, 'userId')
    const add = added(prev.users, next.users, 'userId')
    if (del.length) out.push(emit('roomUserUpdate', roomId, 'DELETE', del))
    if (add.length) out.push(emit('roomUserUpdate', roomId, 'ADD', add))
  }
  if (prev.onlineCount !== next.onlineCount && next.roomState !== 'DISCONNECTED')
    out.push(emit('roomOnlineUserCountUpdate', roomId, next.onlineCount))
  if (prev.streams !== next.streams) {
    const del = added(next.streams, prev.streams, 'streamId')
    const add = added(prev.streams, next.streams, 'streamId')
    if (del.length) out.push(emit('roomStreamUpdate', roomId, 'DELETE', del, ''))
    if (add.length) out.push(emit('roomStreamUpdate', roomId, 'ADD', add, ''))
  }
  const pp = prev.pusher
  const np = next.pusher
  if (pp.state !== np.state || (pp.streamId !== np.streamId && pp.state !== 'NO_PUBLISH')) {
    const code = next.pusherCode
    if (pp.streamId && pp.streamId !== np.streamId && pp.state !== 'NO_PUBLISH')
      out.push(emit('publisherStateUpdate', stateInfo(pp.streamId, 'NO_PUBLISH', code)))
    if (np.streamId) out.push(emit('publisherStateUpdate', stateInfo(np.streamId, np.state, code)))
  }
  if (prev.players !== next.players) {
    const codes = next.playerCodes
    for (const id of Object.keys(prev.players)) {
      if (!next.players[id] && prev.players[id]!.state !== 'NO_PLAY')
        out.push(emit('playerStateUpdate', stateInfo(id, 'NO_PLAY', codes[id] || 0)))
    }
    for (const id of Object.keys(next.players)) {
      const a = prev.players[id]
      const b = next.players[id]!
      if (!a || a.state !== b.state)
        out.push(emit('playerStateUpdate', stateInfo(id, b.state, codes[id] || 0)))
    }
  }
  return fx.concat(out)
}

export { initialPusher }
