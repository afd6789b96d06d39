/**
 * Stable numeric error codes shared by the server (coded replies, close reasons) and the
 * client (`RtcError.code`). Codes never change meaning once released; new ones are appended.
 * The table is rendered in docs/errors.md.
 *
 * Ranges: 1xxx validation and protocol, 2xxx auth, 3xxx room, 4xxx stream, 5xxx media,
 * 6xxx rate limit, 7xxx client side (network, device, native component), 9xxx internal.
 */
export const ErrorCode = {
  // 1xxx: validation and protocol
  MALFORMED_MESSAGE: 1001,
  UNKNOWN_OPERATION: 1002,
  INVALID_FIELD: 1003,
  INVALID_ROOM_ID: 1004,
  INVALID_USER_ID: 1005,
  INVALID_USER_NAME: 1006,
  INVALID_STREAM_ID: 1007,
  MESSAGE_TOO_LARGE: 1008,
  UNSUPPORTED_VERSION: 1009,
  NOT_LOGGED_IN: 1010,
  ALREADY_LOGGED_IN: 1011,
  PAYLOAD_TOO_LARGE: 1012,
  // 2xxx: authentication and grants
  TOKEN_MISSING: 2001,
  TOKEN_INVALID: 2002,
  TOKEN_EXPIRED: 2003,
  APP_UNKNOWN: 2004,
  ROOM_NOT_GRANTED: 2005,
  PUBLISH_NOT_GRANTED: 2006,
  USER_MISMATCH: 2007,
  STREAM_PREFIX_NOT_GRANTED: 2008,
  ADMIN_AUTH_FAILED: 2009,
  LOGIN_NOT_GRANTED: 2010,
  // 3xxx: room
  KICKED_OUT: 3001,
  ROOM_CLOSED: 3002,
  ROOM_FULL: 3003,
  LOGGED_IN_ELSEWHERE: 3004,
  SESSION_EXPIRED: 3005,
  USER_NOT_FOUND: 3006,
  HEARTBEAT_TIMEOUT: 3007,
  // 4xxx: stream
  STREAM_ID_TAKEN: 4001,
  STREAM_NOT_FOUND: 4002,
  NOT_STREAM_OWNER: 4003,
  TOO_MANY_STREAMS: 4004,
  // 5xxx: media
  MEDIA_URL_UNSIGNED: 5001,
  MEDIA_URL_EXPIRED: 5002,
  MEDIA_URL_INVALID: 5003,
  MEDIA_NOT_AUTHORIZED: 5004,
  MEDIA_UNAVAILABLE: 5005,
  MEDIA_DUPLICATE_PUBLISH: 5006,
  // 6xxx: rate limits
  RATE_LIMITED: 6001,
  // 7xxx: client side
  NETWORK_ERROR: 7001,
  REQUEST_TIMEOUT: 7002,
  RECONNECT_FAILED: 7003,
  CAMERA_DENIED: 7004,
  MICROPHONE_DENIED: 7005,
  PUSH_FAILED: 7006,
  PLAY_FAILED: 7007,
  ABORTED: 7008,
  INVALID_STATE: 7009,
  DEVICE_ERROR: 7010,
  NOT_SUPPORTED: 7011,
  // 9xxx: internal
  INTERNAL: 9001,
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
export type ErrorReason = keyof typeof ErrorCode

/**
 * What each code means and what the developer should do about it. Split so the
 * mini-program bundle carries only the messages the client can raise itself; for everything
 * else the server's reply carries the message.
 */
export const clientErrorMessages: { readonly [code: number]: string } = {
  1004: 'Invalid roomId: 1-128 bytes of letters, digits and ~!@$%^&*()_+=-`;\',.<>/\\.',
  1005: 'Invalid userId: 1-64 bytes of letters, digits and ~!@$%^&*()_+=-`;\',.<>/\\.',
  1006: 'Invalid userName: at most 256 bytes of UTF-8.',
  1007: 'Invalid streamId: 1-256 bytes of letters, digits and ~!@$%^&*()_+=-`;\',.<>/\\.',
  1010: 'Not logged in; await loginRoom() first.',
  2001: 'No token; mint one with createToken() on your app server.',
  7001: 'Cannot reach the signaling server; check the URL and the network.',
  7002: 'The server did not answer in time.',
  7003: 'Gave up reconnecting; call loginRoom() again.',
  7004: 'Camera denied; let the user allow it (wx.openSetting), then publish again.',
  7005: 'Microphone denied; let the user allow it (wx.openSetting), then publish again.',
  7006: 'Push failed after retries; check the network, then publish again.',
  7007: 'Play failed after retries; check the network, then play again.',
  7008: 'Cancelled by logoutRoom().',
  7009: 'Not allowed in the current state.',
  7010: 'The camera, microphone or encoder failed.',
}

export const serverErrorMessages: { readonly [code: number]: string } = {
  2003: 'The token has expired; fetch a new one and call renewToken() or loginRoom() again.',
  3001: 'Kicked out of the room by the app server.',
  3002: 'The room was closed by the app server.',
  3004: 'The same userId logged in to this room from another connection.',
  4002: 'No such stream in the room.',
  1001: 'The message is not valid protocol JSON; send {v, id, op, d} objects.',
  1002: 'Unknown operation; check that client and server speak the same protocol version.',
  1003: 'A field is missing or has the wrong type; see the protocol reference.',
  1008: 'The frame exceeds the maximum message size; send smaller messages.',
  1009: 'Unsupported protocol version; upgrade the client or the server.',
  1011: 'Already logged in to a room on this connection; call logoutRoom() first.',
  1012: 'A message, command or extra info is larger than its limit.',
  2002: 'The token is malformed or its signature does not match the app secret.',
  2004: 'Unknown appId; check the appId the engine and the token were created with.',
  2005: 'The token does not grant this room.',
  2006: 'The token does not grant publishing.',
  2007: 'The token was minted for another userId.',
  2008: 'The token only grants streamIds with another prefix.',
  2009: 'Admin API: missing or wrong app secret.',
  2010: 'The token does not grant login.',
  3003: 'The room is full.',
  3005: 'The session expired while disconnected; the client logs in again.',
  3006: 'No such user in the room.',
  3007: 'No heartbeat within the timeout; the connection was closed.',
  4001: 'The streamId is already being published in this app; choose another streamId.',
  4003: 'The stream belongs to another user.',
  4004: 'Too many streams for this user.',
  5001: 'The media URL is not signed; use the URL the server returned.',
  5002: 'The media URL has expired; request a new one.',
  5003: 'The media URL signature is invalid.',
  5004: 'Not authorized for this stream.',
  5005: 'This media feature is not available on this server.',
  5006: 'Another publisher is already pushing this stream.',
  6001: 'Too many requests; slow down.',
  9001: 'Internal server error.',
}

/**
 * Codes raised by adapters outside the engine (the vendor-compatible APIs). They always pass a
 * message that names the call, so the engine's bundle does not carry these.
 */
const adapterErrorMessages: { readonly [code: number]: string } = {
  7011: 'Not supported by MiniRTC (mixer, CDN relay, cloud proxy...); the error names the call, and docs/migrating-from-zego.md what to use instead.',
}

/** Every code's message (server, docs and tests). */
export const errorMessages = /* @__PURE__ */ Object.assign({}, serverErrorMessages, adapterErrorMessages, clientErrorMessages) as { readonly [C in ErrorCode]: string }

const reasons: Record<number, ErrorReason> = {}
for (const k of Object.keys(ErrorCode) as ErrorReason[]) reasons[ErrorCode[k]] = k

/** `ErrorCode` name for a numeric code (`'TOKEN_EXPIRED'` for 2003), or `'INTERNAL'` when unknown. */
export function errorReason(code: number): ErrorReason {
  return reasons[code] || 'INTERNAL'
}

/** WebSocket close codes the server uses, so a client can tell why it was dropped. */
export const CloseCode = {
  /** Normal close after logout. */
  NORMAL: 1000,
  /** Frame over the size limit (RFC 6455 "message too big"). */
  MESSAGE_TOO_LARGE: 1009,
  /** Kicked out by the admin API; do not reconnect. */
  KICKED_OUT: 4001,
  /** Room closed by the admin API; do not reconnect. */
  ROOM_CLOSED: 4002,
  /** Same userId logged in from another connection; do not reconnect. */
  REPLACED: 4003,
  /** Too many malformed messages or requests. */
  RATE_LIMITED: 4004,
  /** No login request in time after connecting. */
  LOGIN_TIMEOUT: 4005,
  /** No heartbeat in time. */
  HEARTBEAT_TIMEOUT: 4006,
  /** Token expired while connected. */
  TOKEN_EXPIRED: 4007,
  /** Server shutting down; reconnect later. */
  SERVER_SHUTDOWN: 4008,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]
