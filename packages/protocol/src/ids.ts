import { ErrorCode } from './errors'

/**
 * Characters allowed in roomId, userId and streamId besides ASCII letters and digits: the set
 * mini-program developers already use with the vendor SDKs (ZEGO's rules without '#', which
 * would end a URL).
 */
export const ID_PUNCTUATION = "~!@$%^&*()_+=-`;',.<>/\\"

/** ID byte limits (also in `Limits`); plain constants so a client bundle does not carry the whole table. */
export const ROOM_ID_BYTES = 128
export const USER_ID_BYTES = 64
export const USER_NAME_BYTES = 256
export const STREAM_ID_BYTES = 256

const ID_RE = /^[A-Za-z0-9~!@$%^&*()_+=\-`;',.<>/\\]+$/

/** UTF-8 byte length without TextEncoder (absent on older WeChat base libraries). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4 // a surrogate pair is one 4-byte code point
      i++
    } else n += 3 // BMP, or a lone surrogate (encoded as U+FFFD)
  }
  return n
}

function idOk(v: unknown, max: number): boolean {
  return typeof v === 'string' && v.length > 0 && v.length <= max && ID_RE.test(v)
}

export function isValidRoomId(v: unknown): v is string {
  return idOk(v, ROOM_ID_BYTES)
}
export function isValidUserId(v: unknown): v is string {
  return idOk(v, USER_ID_BYTES)
}
export function isValidStreamId(v: unknown): v is string {
  return idOk(v, STREAM_ID_BYTES)
}
/**
 * Characters a userName may not contain: C0/C1 controls (they break logs and terminals) and the
 * bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9) that make a name render as another one
 * ("Trojan Source"). Other Unicode, emoji and joiners included, stays allowed.
 */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

export function isValidUserName(v: unknown): v is string {
  return typeof v === 'string' && utf8Length(v) <= USER_NAME_BYTES && !NAME_FORBIDDEN.test(v)
}

/**
 * The first ID rule `ids` breaks, as an error code, or null when all are valid.
 * @example checkIds({ roomId: 'room-1', userId: 'u1' }) // null
 */
export function checkIds(ids: {
  roomId?: unknown
  userId?: unknown
  userName?: unknown
  streamId?: unknown
}): ErrorCode | null {
  if ('roomId' in ids && !isValidRoomId(ids.roomId)) return ErrorCode.INVALID_ROOM_ID
  if ('userId' in ids && !isValidUserId(ids.userId)) return ErrorCode.INVALID_USER_ID
  if ('userName' in ids && ids.userName !== undefined && !isValidUserName(ids.userName))
    return ErrorCode.INVALID_USER_NAME
  if ('streamId' in ids && !isValidStreamId(ids.streamId)) return ErrorCode.INVALID_STREAM_ID
  return null
}
