/**
 * How WeChat's live-pusher / live-player status codes move the state machines
 * (reference: docs/wechat-codes.md). Codes not listed are informational and only logged.
 */
import { ErrorCode } from '@minirtc/protocol'

export type PusherCodeClass =
  | 'progress' // 1001, 1003, 1007, 1008: connected / camera / first frame / encoder
  | 'pushing' // 1002, and 1005/1006 which some WeChat versions (>= 7.0.5) send instead of 1002
  | 'reconnecting' // 1102 and RTMP 3001-3005: the native layer is retrying by itself
  | 'gaveUp' // -1307: native retries ran out, the app must restart the push
  | 'fatal' // device or encoder failure: nothing to retry
  | 'restartRoom' // 5001: Android floating window closed, the push was torn down
  | 'info'

export function classifyPusherCode(code: number): PusherCodeClass {
  if (code === 1002 || code === 1005 || code === 1006) return 'pushing'
  if (code === 1001 || code === 1003 || code === 1007 || code === 1008) return 'progress'
  if (code === 1102 || (code >= 3001 && code <= 3005)) return 'reconnecting'
  if (code === -1307) return 'gaveUp'
  if (code === -1301 || code === -1302 || code === -1303 || code === -1304 || code === -1305 || code === -1306)
    return 'fatal'
  if (code === 5001) return 'restartRoom'
  return 'info'
}

/** Engine error code for a fatal pusher code or a `binderror` errCode. */
export function pusherErrorCode(code: number): number {
  if (code === -1301 || code === 10001) return ErrorCode.CAMERA_DENIED
  if (code === -1302 || code === 10002) return ErrorCode.MICROPHONE_DENIED
  if (code === -1307) return ErrorCode.PUSH_FAILED
  return ErrorCode.DEVICE_ERROR
}

export type PlayerCodeClass =
  | 'progress' // 2001, 2002, 2008: connected, pulling, decoder up
  | 'playing' // 2003 first keyframe, 2004 playback started
  | 'reconnecting' // 2103 and RTMP 3001-3005
  | 'gaveUp' // -2301 retries ran out; -2302 no URL; 2006 playback ended
  | 'sei' // 2012: SEI message received (enable-recv-message)
  | 'info'

export function classifyPlayerCode(code: number): PlayerCodeClass {
  if (code === 2003 || code === 2004) return 'playing'
  if (code === 2001 || code === 2002 || code === 2008) return 'progress'
  if (code === 2103 || (code >= 3001 && code <= 3005)) return 'reconnecting'
  if (code === -2301 || code === -2302 || code === 2006) return 'gaveUp'
  if (code === 2012) return 'sei'
  return 'info'
}
