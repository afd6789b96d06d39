import { ROOM_ID_BYTES, STREAM_ID_BYTES, USER_ID_BYTES, USER_NAME_BYTES } from './ids'

/**
 * Size limits shared by client and server; the server enforces them, the client checks early.
 * Plain literals (16384, not 16 * 1024): a bundler keeps an unused object holding an expression.
 */
export const Limits = {
  /** Largest WebSocket frame the server accepts (bytes). Larger frames close with 1009. */
  maxMessageBytes: 16384,
  roomIdBytes: ROOM_ID_BYTES,
  userIdBytes: USER_ID_BYTES,
  userNameBytes: USER_NAME_BYTES,
  streamIdBytes: STREAM_ID_BYTES,
  /** Broadcast message and custom command payloads (bytes of UTF-8). */
  maxImMessageBytes: 1024,
  /** Stream extra info (bytes of UTF-8). */
  maxStreamExtraInfoBytes: 1024,
  roomExtraInfoKeyBytes: 128,
  roomExtraInfoValueBytes: 4096,
  /** Most recipients of one custom command. */
  maxCommandTargets: 64,
} as const
