import { ErrorCode } from './errors'
import { Limits } from './limits'

/**
 * Characters allowed in roomId, userId and streamId besides ASCII letters and digits: the set
 * mini-program developers already use with the vendor SDKs (ZEGO's rules without '#', which
 * would end a URL).
 */
export const ID_PUNCTUATION = "~!@$%^&*()_+=-`;',.<>/\\"

const ID_RE = /^[A-Za-z0-9~!@$%^&*()_+=\-`;',.<>/\\]+$/

/** UTF-8 byte length without TextEncoder (absent on older WeChat base libraries). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

function idOk(v: unknown, max: number): boolean {
  return typeof v === 'string' && v.length > 0 && v.length <= max && ID_RE.test(v)
}

export function isValidRoomId(v: unknown): v is string {
  return idOk(v, Limits.roomIdBytes)
}
export function isValidUserId(v: unknown): v is string {
  return idOk(v, Limits.userIdBytes)
}
export function isValidStreamId(v: unknown): v is string {
  return idOk(v, Limits.streamIdBytes)
}
export function isValidUserName(v: unknown): v is string {
  return typeof v === 'string' && utf8Length(v) <= Limits.userNameBytes
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
