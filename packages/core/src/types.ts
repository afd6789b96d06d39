import type { RoomExtraInfo, StreamInfo, UserInfo, BroadcastMessage } from '@minirtc/protocol'

export type { RoomExtraInfo, StreamInfo, UserInfo, BroadcastMessage }

export type RoomState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED'
export type RoomStateReason =
  | 'LOGINING'
  | 'LOGINED'
  | 'LOGIN_FAILED'
  | 'RECONNECTING'
  | 'RECONNECTED'
  | 'RECONNECT_FAILED'
  | 'KICKOUT'
  | 'LOGOUT'
export type UpdateType = 'ADD' | 'DELETE'
export type PublisherState = 'NO_PUBLISH' | 'PUBLISH_REQUESTING' | 'PUBLISHING'
export type PlayerState = 'NO_PLAY' | 'PLAY_REQUESTING' | 'PLAYING'

/**
 * Every `<live-pusher>` attribute the engine controls, camelCased (`enableMic` renders as
 * `enable-mic`). Adapters render these verbatim; apps change them with `pusher.setAttributes()`.
 */
export interface PusherAttributes {
  mode: 'SD' | 'HD' | 'FHD' | 'RTC'
  enableCamera: boolean
  enableMic: boolean
  /** Deprecated by WeChat in favour of enable-mic; kept in sync with it for old base libraries. */
  muted: boolean
  autoFocus: boolean
  orientation: 'vertical' | 'horizontal'
  beauty: number
  whiteness: number
  aspect: '9:16' | '3:4'
  minBitrate: number
  maxBitrate: number
  audioQuality: 'high' | 'low'
  waitingImage: string
  waitingImageHash: string
  zoom: boolean
  devicePosition: 'front' | 'back'
  backgroundMute: boolean
  remoteMirror: boolean
  localMirror: 'auto' | 'enable' | 'disable'
  audioReverbType: number
  enableAgc: boolean
  enableAns: boolean
  audioVolumeType: 'auto' | 'media' | 'voicecall'
  videoWidth: number
  videoHeight: number
  beautyStyle: 'smooth' | 'nature'
  filter: string
  fps: number
  enableEarMonitor: boolean
  voiceChangerType: number
  debug: boolean
}

/** What a live-pusher must render: attributes plus the engine-owned url/autopush/id. */
export interface PusherViewModel extends PusherAttributes {
  /** Element id; the platform creates the context from it. */
  id: string
  /** Signed push URL, '' while not publishing. */
  url: string
  autopush: boolean
  streamId: string
  state: PublisherState
}

/** Every `<live-player>` attribute the engine controls, camelCased. */
export interface PlayerAttributes {
  mode: 'live' | 'RTC'
  muted: boolean
  /** Do not pull remote audio (`mute-audio`). */
  muteAudio: boolean
  /** Do not pull remote video (`mute-video`). */
  muteVideo: boolean
  orientation: 'vertical' | 'horizontal'
  objectFit: 'contain' | 'fillCrop'
  minCache: number
  maxCache: number
  soundMode: 'speaker' | 'ear'
  autoPauseIfNavigate: boolean
  autoPauseIfOpenNative: boolean
  enableRecvMessage: boolean
  enableMetadata: boolean
  debug: boolean
  /** Which signed URL to play: HTTP-FLV (default, lower join latency) or RTMP. */
  protocol: 'flv' | 'rtmp'
}

/** What one live-player must render. */
export interface PlayerViewModel extends PlayerAttributes {
  id: string
  streamId: string
  /** Signed play URL, '' until the server granted one. */
  src: string
  autoplay: boolean
  state: PlayerState
  /** The remote stream this player shows (its publisher and extra info). */
  stream: StreamInfo
}

/** An error the app can act on (camera denied, push failed, kicked out...). */
export interface ErrorInfo {
  code: number
  reason: string
  message: string
  streamId?: string
}

/**
 * The one immutable snapshot adapters render. The same reference until something changes.
 */
export interface EngineSnapshot {
  roomId: string
  roomState: RoomState
  user: UserInfo | null
  /** Other users in the room (filled only with `userUpdate: true`, as vendors do). */
  users: readonly UserInfo[]
  onlineCount: number
  /** Remote streams in the room (never our own). */
  streams: readonly StreamInfo[]
  roomExtraInfo: readonly RoomExtraInfo[]
  pusher: PusherViewModel
  players: { readonly [streamId: string]: PlayerViewModel }
  error: ErrorInfo | null
}

/** Quality figures from `bindnetstatus`, normalised. */
export interface QualityStats {
  videoBitrate: number
  audioBitrate: number
  videoFPS: number
  videoWidth: number
  videoHeight: number
  videoGOP: number
  netSpeed: number
  netJitter: number
  /** 0 unknown, 1 excellent … 5 bad (derived from jitter and bitrate when WeChat gives none). */
  quality: number
}

/**
 * `errorCode` is a MiniRTC code (docs/errors.md, six digits) or 0; `nativeCode` is the WeChat
 * live-pusher / live-player code behind the change (1102, -1307, 2103…) or 0. The two ranges never
 * overlap.
 */
export interface PublisherStateInfo {
  streamId: string
  state: PublisherState
  errorCode: number
  nativeCode: number
  extendedData: string
}
/** See `PublisherStateInfo` for the two codes. */
export interface PlayerStateInfo {
  streamId: string
  state: PlayerState
  errorCode: number
  nativeCode: number
  extendedData: string
}

/** The one event map: `on`, `off`, `once` and every payload are typed from it. */
export interface EngineEvents {
  roomStateUpdate(roomId: string, state: RoomState, errorCode: number, extendedData: string): void
  roomStateChanged(roomId: string, reason: RoomStateReason, errorCode: number, extendedData: string): void
  /** Only with `loginRoom(..., { userUpdate: true })`. */
  roomUserUpdate(roomId: string, updateType: UpdateType, users: UserInfo[]): void
  roomOnlineUserCountUpdate(roomId: string, count: number): void
  roomStreamUpdate(roomId: string, updateType: UpdateType, streams: StreamInfo[], extendedData: string): void
  streamExtraInfoUpdate(roomId: string, streams: StreamInfo[]): void
  roomExtraInfoUpdate(roomId: string, info: RoomExtraInfo[]): void
  publisherStateUpdate(info: PublisherStateInfo): void
  playerStateUpdate(info: PlayerStateInfo): void
  publishQualityUpdate(streamId: string, stats: QualityStats): void
  playQualityUpdate(streamId: string, stats: QualityStats): void
  /** Local microphone level 0-100 (`bindaudiovolumenotify` on the pusher). */
  capturedSoundLevelUpdate(level: number): void
  soundLevelUpdate(streamId: string, level: number): void
  tokenWillExpire(roomId: string): void
  IMRecvBroadcastMessage(roomId: string, messages: BroadcastMessage[]): void
  IMRecvCustomCommand(roomId: string, fromUser: UserInfo, command: string): void
  recvSEI(streamId: string, data: string): void
}
export type EngineEventName = keyof EngineEvents

/** Native component events the renderer forwards (`bind<kind>`). */
export type NativeEventKind = 'statechange' | 'netstatus' | 'error' | 'audiovolumenotify' | 'metadatachange'

/** `detail` of a native event, as WeChat delivers it. */
export interface NativeEventDetail {
  code?: number
  message?: string
  info?: Record<string, unknown>
  errCode?: number
  errMsg?: string
  volume?: number
  [key: string]: unknown
}

/** Context passed to a reconnect policy. */
export interface ReconnectContext {
  /** Attempts made so far in this outage (0 before the first). */
  retryCount: number
  /** Milliseconds since the connection was lost. */
  elapsedMs: number
  reason: string
}

/** Decides how long to wait before the next reconnect attempt; `null` gives up. */
export interface ReconnectPolicy {
  nextRetryDelayMs(ctx: ReconnectContext): number | null
}

export interface Logger {
  debug(...args: unknown[]): void
  info(...args: unknown[]): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
}
