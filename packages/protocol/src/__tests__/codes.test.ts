/**
 * MiniRTC's error codes and WeChat's live-pusher / live-player codes must never share a number:
 * a developer reading `errorCode` in an event has to know whose code it is without a lookup.
 */
import { describe, expect, it } from 'vitest'
import { ErrorCode, clientErrorMessages, roomErrorMessages, serverErrorMessages } from '../errors'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Every code WeChat documents for live-pusher and live-player (statechange, binderror, RTC room codes). */
const WECHAT_CODES = new Set([
  ...range(-1312, -1301), // live-pusher errors (camera, mic, encoder, -1307 network)
  -2301, -2302, -3301, // live-player gave up / no URL, RTC room error
  ...range(1001, 1008), ...range(1018, 1022), ...range(1031, 1034), ...range(1101, 1106), // push events and warnings
  ...range(2001, 2012), ...range(2101, 2108), // play events and warnings
  ...range(3001, 3008), // RTMP server errors (both components)
  5000, 5001, // pusher: app to the background, Android floating window closed
  ...range(10001, 10004), // binderror: camera / microphone permission and device
])

describe('error code ranges', () => {
  const ours = Object.values(ErrorCode) as number[]

  it('no MiniRTC code is a WeChat live component code', () => {
    expect(ours.filter((c) => WECHAT_CODES.has(c))).toEqual([])
  })

  it('every MiniRTC code has six digits, WeChat codes at most five, so the ranges stay disjoint', () => {
    expect(ours.filter((c) => c < 100000 || c > 999999)).toEqual([])
    expect([...WECHAT_CODES].filter((c) => Math.abs(c) >= 100000)).toEqual([])
  })

  it('codes are unique and every code has a message', () => {
    expect(new Set(ours).size).toBe(ours.length)
    const messages: Record<number, string> = Object.assign({}, serverErrorMessages, roomErrorMessages, clientErrorMessages)
    expect(ours.filter((c) => !messages[c])).toEqual([])
  })
})
