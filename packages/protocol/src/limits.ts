/** Size limits shared by client and server; the server enforces them, the client checks early. */
export const Limits = {
  /** Largest WebSocket frame the server accepts (bytes). Larger frames close with 1009. */
  maxMessageBytes: 16 * 1024,
  roomIdBytes: 128,
  userIdBytes: 64,
  userNameBytes: 256,
  streamIdBytes: 256,
  /** Broadcast message and custom command payloads (bytes of UTF-8). */
  maxImMessageBytes: 1024,
  /** Stream extra info (bytes of UTF-8). */
  maxStreamExtraInfoBytes: 1024,
  roomExtraInfoKeyBytes: 128,
  roomExtraInfoValueBytes: 4096,
  /** Most recipients of one custom command. */
  maxCommandTargets: 64,
} as const
