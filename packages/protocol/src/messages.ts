/**
 * The MiniRTC signaling protocol, version 1: JSON text frames over one WebSocket.
 *
 * - A request `{ v, id, op, d }` gets exactly one reply `{ id, ok: true, d }` or
 *   `{ id, ok: false, error: { code, reason, message } }`.
 * - A server push `{ seq, ev, d }` carries a per-session sequence number starting at 1. The client
 *   acknowledges the highest seq it has applied (`ping.ack`), and after a drop sends
 *   `resume { sessionId, lastSeq }`: the reply carries every push it missed, in order.
 */
export const PROTOCOL_VERSION = 1

export interface UserInfo {
  userId: string
  userName: string
}

export interface StreamInfo {
  streamId: string
  user: UserInfo
  extraInfo: string
}

export interface RoomExtraInfo {
  key: string
  value: string
  updateUser: UserInfo
  updateTime: number
}

export interface BroadcastMessage {
  messageId: number
  fromUser: UserInfo
  message: string
  sendTime: number
}

/** Everything a freshly logged-in (or re-synced) client needs to render the room. */
export interface RoomSync {
  users: UserInfo[]
  streams: StreamInfo[]
  extraInfo: RoomExtraInfo[]
  onlineCount: number
  /** Streams of this session that the server still holds (after a re-login these are gone). */
  ownStreams: string[]
}

export interface MediaUrls {
  rtmp: string
  flv: string
}

export interface ErrorBody {
  code: number
  reason: string
  message: string
}

// ---- requests: op → [request payload, reply payload] ----
export interface Ops {
  login: [
    {
      appId: string
      roomId: string
      token: string
      user: UserInfo
      /** Receive `user` pushes (vendor `userUpdate: true`); the online count always arrives. */
      userUpdate?: boolean
      /**
       * Deliver signed play URLs with the room's live streams (`LoginResult.play`, `stream` ADD's
       * `play`), so a client that plays every stream (autoPlay) needs no `play` request per stream.
       */
      playUrls?: boolean
    },
    LoginResult,
  ]
  resume: [{ sessionId: string; lastSeq: number }, ResumeResult]
  logout: [Record<string, never>, Record<string, never>]
  ping: [{ ack?: number }, { t: number }]
  renewToken: [{ token: string }, { expiresAt: number }]
  publish: [{ streamId: string; extraInfo?: string }, PublishResult]
  unpublish: [{ streamId: string }, Record<string, never>]
  play: [{ streamId: string }, PlayResult]
  setStreamExtraInfo: [{ streamId: string; extraInfo: string }, Record<string, never>]
  setRoomExtraInfo: [{ key: string; value: string }, Record<string, never>]
  broadcast: [{ message: string }, { messageId: number }]
  customCommand: [{ command: string; toUserIds: string[] }, Record<string, never>]
  /** Relay an own stream to an RTMP URL (a CDN); needs the token's `relay` grant. */
  addPublishCdnUrl: [{ streamId: string; url: string }, { relayId: string }]
  /** Stop the relays of an own stream to that URL. */
  removePublishCdnUrl: [{ streamId: string; url: string }, Record<string, never>]
}
export type Op = keyof Ops
export type OpRequest<O extends Op> = Ops[O][0]
export type OpResult<O extends Op> = Ops[O][1]

export interface LoginResult {
  sessionId: string
  room: RoomSync
  /** The seq of the last push already reflected in `room` (pushes after it follow). */
  seq: number
  tokenExpiresAt: number
  heartbeatIntervalMs: number
  resumeWindowMs: number
  serverTime: number
  /** With `playUrls`: a play URL, signed for this session, per stream in `room.streams`. */
  play?: PlayResult[]
}

export interface ResumeResult {
  /** Pushes the client missed, in order (seq > lastSeq). */
  missed: ServerPush[]
  tokenExpiresAt: number
}

export interface PublishResult {
  streamId: string
  /** Signed RTMP push URL, valid until `expiresAt`; the media server checks it at connect time. */
  pushUrl: string
  expiresAt: number
}

export interface PlayResult {
  streamId: string
  urls: MediaUrls
  expiresAt: number
}

/**
 * A request. `ack` (optional, on any request after login): the client applied every push up to
 * this seq, so the server can forget them; a client that sends anyway acknowledges for free
 * instead of holding the server's replay buffer until its next heartbeat (`ping { ack }`).
 */
export type ClientRequest = { [O in Op]: { v: number; id: number; op: O; ack?: number; d: OpRequest<O> } }[Op]

export type ServerReply =
  | { id: number; ok: true; d: unknown }
  | { id: number; ok: false; error: ErrorBody }

// ---- pushes: ev → payload ----
export interface Pushes {
  user: { type: 'ADD' | 'DELETE'; users: UserInfo[] }
  onlineCount: { count: number }
  /** ADD to a session that logged in with `playUrls` carries a play URL per stream, signed for it. */
  stream: { type: 'ADD' | 'DELETE'; streams: StreamInfo[]; play?: PlayResult[] }
  streamExtraInfo: { streams: StreamInfo[] }
  roomExtraInfo: { extraInfo: RoomExtraInfo[] }
  broadcast: { messages: BroadcastMessage[] }
  customCommand: { fromUser: UserInfo; command: string }
  /** The media server confirmed (PUBLISHING) or lost (STOPPED) this session's stream. */
  publishState: { streamId: string; state: 'PUBLISHING' | 'STOPPED'; code?: number }
  tokenWillExpire: { expiresAt: number }
  /** The server ends the session: kicked, room closed, replaced, token expired. */
  kickout: { code: number; reason: string }
}
export type PushEvent = keyof Pushes
export type ServerPush = { [E in PushEvent]: { seq: number; ev: E; d: Pushes[E] } }[PushEvent]

export type ServerMessage = ServerReply | ServerPush
