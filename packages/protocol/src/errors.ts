/**
 * Stable numeric error codes shared by the server (coded replies, close reasons) and the
 * client (`RtcError.code`). Codes never change meaning once released; new ones are appended.
 * The table is rendered in docs/errors.md.
 *
 * Six digits, so no MiniRTC code is ever one of WeChat's live-pusher/live-player codes (at most
 * five digits: -2302 … 10004); an event that carries a native WeChat code carries it in its own
 * `nativeCode` field. Ranges: 101xxx validation and protocol, 102xxx auth, 103xxx room,
 * 104xxx stream, 105xxx media, 106xxx rate limit, 107xxx client side (network, device, native
 * component), 109xxx internal.
 */
export const ErrorCode = {
  // 101xxx: validation and protocol
  MALFORMED_MESSAGE: 101001,
  UNKNOWN_OPERATION: 101002,
  INVALID_FIELD: 101003,
  INVALID_ROOM_ID: 101004,
  INVALID_USER_ID: 101005,
  INVALID_USER_NAME: 101006,
  INVALID_STREAM_ID: 101007,
  MESSAGE_TOO_LARGE: 101008,
  UNSUPPORTED_VERSION: 101009,
  NOT_LOGGED_IN: 101010,
  ALREADY_LOGGED_IN: 101011,
  PAYLOAD_TOO_LARGE: 101012,
  // 102xxx: authentication and grants
  TOKEN_MISSING: 102001,
  TOKEN_INVALID: 102002,
  TOKEN_EXPIRED: 102003,
  APP_UNKNOWN: 102004,
  ROOM_NOT_GRANTED: 102005,
  PUBLISH_NOT_GRANTED: 102006,
  USER_MISMATCH: 102007,
  STREAM_PREFIX_NOT_GRANTED: 102008,
  ADMIN_AUTH_FAILED: 102009,
  LOGIN_NOT_GRANTED: 102010,
  ORIGIN_NOT_ALLOWED: 102011,
  RELAY_NOT_GRANTED: 102012,
  // 103xxx: room
  KICKED_OUT: 103001,
  ROOM_CLOSED: 103002,
  ROOM_FULL: 103003,
  LOGGED_IN_ELSEWHERE: 103004,
  SESSION_EXPIRED: 103005,
  USER_NOT_FOUND: 103006,
  HEARTBEAT_TIMEOUT: 103007,
  TOO_MANY_SESSIONS: 103008,
  // 104xxx: stream
  STREAM_ID_TAKEN: 104001,
  STREAM_NOT_FOUND: 104002,
  NOT_STREAM_OWNER: 104003,
  TOO_MANY_STREAMS: 104004,
  // 105xxx: media
  MEDIA_URL_UNSIGNED: 105001,
  MEDIA_URL_EXPIRED: 105002,
  MEDIA_URL_INVALID: 105003,
  MEDIA_NOT_AUTHORIZED: 105004,
  MEDIA_UNAVAILABLE: 105005,
  MEDIA_DUPLICATE_PUBLISH: 105006,
  MEDIA_IDLE: 105007,
  RECORDING_NOT_CONFIGURED: 105008,
  RECORDING_NOT_FOUND: 105009,
  RELAY_NOT_FOUND: 105010,
  // 106xxx: rate limits
  RATE_LIMITED: 106001,
  TOO_MANY_RECORDINGS: 106002,
  DISK_FULL: 106003,
  TOO_MANY_RELAYS: 106004,
  // 107xxx: client side
  NETWORK_ERROR: 107001,
  REQUEST_TIMEOUT: 107002,
  RECONNECT_FAILED: 107003,
  CAMERA_DENIED: 107004,
  MICROPHONE_DENIED: 107005,
  PUSH_FAILED: 107006,
  PLAY_FAILED: 107007,
  ABORTED: 107008,
  INVALID_STATE: 107009,
  DEVICE_ERROR: 107010,
  NOT_SUPPORTED: 107011,
  BASE_LIBRARY_TOO_OLD: 107012,
  LIVE_COMPONENTS_UNAVAILABLE: 107013,
  PRIVACY_DENIED: 107014,
  // 109xxx: internal
  INTERNAL: 109001,
  SERVICE_UNAVAILABLE: 109002,
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
export type ErrorReason = keyof typeof ErrorCode

/**
 * What each code means and what the developer should do about it. Split in two so the
 * mini-program bundle carries only the messages the engine raises without a message of its own;
 * for everything else the server's reply (or the raising call) carries the message.
 */
export const clientErrorMessages: { readonly [code: number]: string } = {
  101010: 'Not logged in; await loginRoom() first.',
  102001: 'No token; mint one with createToken() on your app server.',
  107001: 'Cannot reach the signaling server; check the URL and the network.',
  107002: 'The server did not answer in time.',
  107003: 'Gave up reconnecting; call loginRoom() again.',
  107004: 'Camera denied; let the user allow it (open-type="openSetting"), then publish.',
  107005: 'Microphone denied; let the user allow it (open-type="openSetting"), then publish.',
  107006: 'Push failed after retries; check the network, then publish again.',
  107007: 'Play failed after retries; check the network, then play again.',
  107008: 'Cancelled by logoutRoom().',
  107009: 'Not allowed in the current state.',
  107010: 'The camera, microphone or encoder failed.',
}

/**
 * Codes the room controller (`@minirtc/core/room`) raises: they ship in the room's bundle, not in
 * the engine's.
 */
export const roomErrorMessages: { readonly [code: number]: string } = {
  107012: 'Base library below 2.10.0: the user must update WeChat; raise the minimum in the console.',
  107013: 'No live-pusher / live-player here: enable them in the console (category, interface settings).',
  107014: 'Privacy agreement declined: declare camera and microphone in the console, then ask again.',
}

export const serverErrorMessages: { readonly [code: number]: string } = {
  101004: 'Invalid roomId: 1-128 bytes of letters, digits and ~!@$%^&*()_+=-`;\',.<>/\\.',
  101005: 'Invalid userId: 1-64 bytes of letters, digits and ~!@$%^&*()_+=-`;\',.<>/\\.',
  101006: 'Invalid userName: at most 256 bytes of UTF-8, without control or bidi-override characters.',
  101007: 'Invalid streamId: 1-256 bytes of letters, digits and ~!@$%^&*()_+=-`;\',.<>/\\.',
  // Raised in the client only by @minirtc/zego-compat, always with its own message naming the call.
  107011: 'Not supported by MiniRTC (mixer tasks, cloud proxy...); the error names the call, and docs/migrating-from-zego.md what to use instead.',
  102003: 'The token has expired; fetch a new one and call renewToken() or loginRoom() again.',
  103001: 'Kicked out of the room by the app server.',
  103002: 'The room was closed by the app server.',
  103004: 'The same userId logged in to this room from another connection.',
  104002: 'No such stream in the room.',
  101001: 'The message is not valid protocol JSON; send {v, id, op, d} objects.',
  101002: 'Unknown operation; check that client and server speak the same protocol version.',
  101003: 'A field is missing or has the wrong type; see the protocol reference.',
  101008: 'The frame exceeds the maximum message size; send smaller messages.',
  101009: 'Unsupported protocol version; upgrade the client or the server.',
  101011: 'Already logged in to a room on this connection; call logoutRoom() first.',
  101012: 'A message, command or extra info is larger than its limit.',
  102002: 'The token is malformed or its signature does not match the app secret.',
  102004: 'Unknown appId; check the appId the engine and the token were created with.',
  102005: 'The token does not grant this room.',
  102006: 'The token does not grant publishing.',
  102007: 'The token was minted for another userId.',
  102008: 'The token only grants streamIds with another prefix.',
  102009: 'Admin API: missing or wrong app secret.',
  102010: 'The token does not grant login.',
  102011: 'Dev tokens are only served to pages on this machine or on the server\'s own origin.',
  102012: 'The token does not grant relay; mint it with privileges.relay.',
  103003: 'The room is full.',
  103005: 'The session expired while disconnected; the client logs in again.',
  103006: 'No such user in the room.',
  103007: 'No heartbeat within the timeout; the connection was closed.',
  103008: 'This token already holds as many sessions as the server allows; mint one token per user and device.',
  104001: 'The streamId is already being published in this app; choose another streamId.',
  104003: 'The stream belongs to another user.',
  104004: 'Too many streams for this user.',
  105001: 'The media URL is not signed; use the URL the server returned.',
  105002: 'The media URL has expired; request a new one.',
  105003: 'The media URL signature is invalid.',
  105004: 'Not authorized for this stream.',
  105005: 'This media feature is not available on this server.',
  105006: 'Another publisher is already pushing this stream.',
  105007: 'The media connection sent no data in time and was closed; publish again.',
  105008: 'Recording is off; set recording.dir in the server config.',
  105009: 'No such recording in this room.',
  105010: 'No such relay in this room.',
  106001: 'Too many requests; slow down.',
  106002: 'recording.maxRecorders reached; stop a recording or raise it.',
  106003: 'Free space in recording.dir is below recording.minFreeBytes; free some.',
  106004: 'relay.maxRelays reached; remove a relay or raise it.',
  109001: 'Internal server error.',
  109002: 'The server cannot reach its room store (Redis) right now; try again in a moment.',
}

/** Every code's message (server, docs and tests). */
export const errorMessages = /* @__PURE__ */ Object.assign({}, serverErrorMessages, roomErrorMessages, clientErrorMessages) as { readonly [C in ErrorCode]: string }

const reasons: Record<number, ErrorReason> = {}
for (const k of Object.keys(ErrorCode) as ErrorReason[]) reasons[ErrorCode[k]] = k

/** `ErrorCode` name for a numeric code (`'TOKEN_EXPIRED'` for 102003), or `'INTERNAL'` when unknown. */
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
  /** The client stopped reading its pushes (send buffer over the limit); reconnect and resume. */
  SLOW_CONSUMER: 4009,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]
