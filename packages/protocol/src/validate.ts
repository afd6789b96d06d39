import { ErrorCode } from './errors'
import { isValidRoomId, isValidStreamId, isValidUserId, isValidUserName, utf8Length } from './ids'
import { Limits } from './limits'
import { PROTOCOL_VERSION, type ClientRequest, type Op } from './messages'

export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; field?: string; id?: number }

type Check = (v: unknown) => ErrorCode | null
type Shape = Record<string, Check | [Check, 'optional']>

const str = (max: number, code: ErrorCode = ErrorCode.INVALID_FIELD): Check => (v) =>
  typeof v !== 'string' ? ErrorCode.INVALID_FIELD : utf8Length(v) > max ? code : null
const bool: Check = (v) => (typeof v === 'boolean' ? null : ErrorCode.INVALID_FIELD)
const uint: Check = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : ErrorCode.INVALID_FIELD
// Checks are plain functions, not built at load time: a bundler cannot drop an unused
// `id(isValidRoomId, ErrorCode.INVALID_ROOM_ID)` (reading ErrorCode might run a getter), and
// mini-program bundles import this package without the validator.
const id = (v: unknown, ok: (v: unknown) => boolean, code: ErrorCode): ErrorCode | null =>
  typeof v !== 'string' ? ErrorCode.INVALID_FIELD : ok(v) ? null : code
const roomId: Check = (v) => id(v, isValidRoomId, ErrorCode.INVALID_ROOM_ID)
const userId: Check = (v) => id(v, isValidUserId, ErrorCode.INVALID_USER_ID)
const streamId: Check = (v) => id(v, isValidStreamId, ErrorCode.INVALID_STREAM_ID)
const userName: Check = (v) =>
  typeof v !== 'string' ? ErrorCode.INVALID_FIELD : isValidUserName(v) ? null : ErrorCode.INVALID_USER_NAME
const obj = (shape: Shape): Check => (v) => checkShape(v, shape)
const payload = (max: number) => str(max, ErrorCode.PAYLOAD_TOO_LARGE)

function checkShape(v: unknown, shape: Shape): ErrorCode | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return ErrorCode.INVALID_FIELD
  const rec = v as Record<string, unknown>
  for (const key of Object.keys(shape)) {
    const rule = shape[key]!
    const [check, optional] = Array.isArray(rule) ? [rule[0], true] : [rule, false]
    if (rec[key] === undefined) {
      if (optional) continue
      return ErrorCode.INVALID_FIELD
    }
    const err = check(rec[key])
    if (err !== null) return err
  }
  return null
}

const userIds: Check = (v) => {
  if (!Array.isArray(v) || v.length > Limits.maxCommandTargets) return ErrorCode.INVALID_FIELD
  for (const u of v) if (userId(u) !== null) return userId(u)
  return null
}

/**
 * Request payload schema per operation (the server rejects anything else with a coded error).
 * Built on first use: nothing here runs when a mini-program bundle imports the protocol, so its
 * bundler drops the validator.
 */
let built: { [O in Op]: Shape } | null = null
const schemas = (): { [O in Op]: Shape } => (built = built || {
  login: {
    appId: str(128),
    roomId,
    token: str(4096),
    user: obj({ userId, userName }),
    userUpdate: [bool, 'optional'],
    playUrls: [bool, 'optional'],
  },
  resume: { sessionId: str(128), lastSeq: uint },
  logout: {},
  ping: { ack: [uint, 'optional'] },
  renewToken: { token: str(4096) },
  publish: { streamId, extraInfo: [payload(Limits.maxStreamExtraInfoBytes), 'optional'] },
  unpublish: { streamId },
  play: { streamId },
  setStreamExtraInfo: { streamId, extraInfo: payload(Limits.maxStreamExtraInfoBytes) },
  setRoomExtraInfo: {
    key: payload(Limits.roomExtraInfoKeyBytes),
    value: payload(Limits.roomExtraInfoValueBytes),
  },
  broadcast: { message: payload(Limits.maxImMessageBytes) },
  customCommand: { command: payload(Limits.maxImMessageBytes), toUserIds: userIds },
  addPublishCdnUrl: { streamId, url: str(2048) },
  removePublishCdnUrl: { streamId, url: str(2048) },
})

/** True when `op` names a protocol operation (own property only: `__proto__` is not an op). */
export function isOp(op: unknown): op is Op {
  return typeof op === 'string' && Object.prototype.hasOwnProperty.call(schemas(), op)
}

/**
 * Parse and fully validate one client frame. Never throws: every bad input maps to a code,
 * with the request id when one could be read so the error reply can be correlated.
 * @example parseClientMessage('{"v":1,"id":1,"op":"ping","d":{}}') // { ok: true, value: {...} }
 */
export function parseClientMessage(raw: string): ParseResult<ClientRequest> {
  if (utf8Length(raw) > Limits.maxMessageBytes) return { ok: false, code: ErrorCode.MESSAGE_TOO_LARGE }
  let msg: unknown
  try {
    msg = JSON.parse(raw)
  } catch {
    return { ok: false, code: ErrorCode.MALFORMED_MESSAGE }
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    return { ok: false, code: ErrorCode.MALFORMED_MESSAGE }
  const m = msg as Record<string, unknown>
  if (uint(m.id) !== null || (m.id as number) < 1 || (m.id as number) > Number.MAX_SAFE_INTEGER)
    return { ok: false, code: ErrorCode.MALFORMED_MESSAGE, field: 'id' }
  const reqId = m.id as number
  if (m.v !== PROTOCOL_VERSION) return { ok: false, code: ErrorCode.UNSUPPORTED_VERSION, id: reqId }
  if (!isOp(m.op)) return { ok: false, code: ErrorCode.UNKNOWN_OPERATION, id: reqId, field: 'op' }
  if (m.ack !== undefined && (uint(m.ack) !== null || (m.ack as number) > Number.MAX_SAFE_INTEGER))
    return { ok: false, code: ErrorCode.MALFORMED_MESSAGE, id: reqId, field: 'ack' }
  const err = checkShape(m.d, schemas()[m.op])
  if (err !== null) return { ok: false, code: err, id: reqId, field: 'd' }
  return { ok: true, value: msg as ClientRequest }
}
