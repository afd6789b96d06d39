import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  FIXTURES,
  FlvSource,
  SEI_UUID_MESSAGE,
  SEI_UUID_WALLCLOCK,
  TAG_SCRIPT,
  avcPayload,
  isAacSequenceHeader,
  isAvcSequenceHeader,
  isKeyframe,
  isVideoFrame,
  loadFlvClip,
  readAvcResolution,
  readSeiMessages,
  type FlvTag,
} from '../src/index.js'

// Fake timers and clock: the source paces itself with Date.now() and setTimeout.
beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

function run(source: FlvSource, ms: number): FlvTag[] {
  const out: FlvTag[] = []
  source.start((t) => out.push(t))
  vi.advanceTimersByTime(ms)
  return out
}

describe('FlvSource', () => {
  it('starts with metadata and sequence headers, then a keyframe, at real-time pace', () => {
    const src = new FlvSource(FIXTURES.camera640x360)
    const tags = run(src, 1000)
    src.stop()
    expect(tags[0]!.type).toBe(TAG_SCRIPT)
    expect(isAvcSequenceHeader(tags[1]!)).toBe(true)
    expect(isAacSequenceHeader(tags[2]!)).toBe(true)
    expect(isKeyframe(tags.find(isVideoFrame)!)).toBe(true)
    // 1 s of a 15 fps clip: 15 or 16 frames (the one at t=1000 may be due), never a burst.
    expect(tags.filter(isVideoFrame).length).toBeGreaterThanOrEqual(15)
    expect(tags.filter(isVideoFrame).length).toBeLessThanOrEqual(16)
  })

  it('loops with continuous, increasing timestamps', () => {
    const clip = loadFlvClip(FIXTURES.camera640x360)
    const src = new FlvSource(FIXTURES.camera640x360)
    const tags = run(src, clip.durationMs * 2 + 500)
    src.stop()
    const video = tags.filter(isVideoFrame)
    expect(video.length).toBeGreaterThan(120)
    for (let i = 1; i < video.length; i++) {
      const gap = video[i]!.timestamp - video[i - 1]!.timestamp
      expect(gap).toBeGreaterThan(0)
      expect(gap).toBeLessThan(80) // no jump at the loop point
    }
    const audio = tags.filter((t) => t.type === 8 && !isAacSequenceHeader(t))
    for (let i = 1; i < audio.length; i++) expect(audio[i]!.timestamp).toBeGreaterThan(audio[i - 1]!.timestamp)
    const keys = video.filter(isKeyframe).map((t) => t.timestamp)
    expect(keys.length).toBeGreaterThanOrEqual(8)
  })

  it('stop/start resends the headers and continues the timeline (a reconnecting pusher)', () => {
    const src = new FlvSource(FIXTURES.camera640x360)
    const first = run(src, 1500)
    src.stop()
    vi.advanceTimersByTime(2000)
    const second = run(src, 1000)
    src.stop()
    expect(second[0]!.type).toBe(TAG_SCRIPT)
    expect(isAvcSequenceHeader(second[1]!)).toBe(true)
    expect(second[0]!.timestamp).toBeGreaterThan(Math.max(...first.map((t) => t.timestamp)))
    expect(isKeyframe(second.find(isVideoFrame)!)).toBe(true)
  })

  it('switchClip sends the new headers (new SPS) and continues the timestamps', () => {
    const src = new FlvSource(FIXTURES.camera640x360)
    const tags: FlvTag[] = []
    src.start((t) => tags.push(t))
    vi.advanceTimersByTime(1200)
    const before = Math.max(...tags.map((t) => t.timestamp))
    src.switchClip(FIXTURES.camera320x240)
    vi.advanceTimersByTime(500)
    src.stop()
    const seqs = tags.filter(isAvcSequenceHeader)
    expect(seqs.map((t) => readAvcResolution(t))).toEqual([
      { width: 640, height: 360 },
      { width: 320, height: 240 },
    ])
    expect(seqs[1]!.timestamp).toBeGreaterThan(before)
    expect(src.width).toBe(320)
  })

  it('stamps wall-clock time and injects messages as SEI in video frames', () => {
    const src = new FlvSource(FIXTURES.camera640x360, { stampWallClock: true })
    const tags: FlvTag[] = []
    src.start((t) => tags.push(t))
    vi.advanceTimersByTime(300)
    src.injectMessage('ping')
    vi.advanceTimersByTime(300)
    src.stop()
    const sei = tags.filter(isVideoFrame).map((t) => readSeiMessages(avcPayload(t)))
    const clocks = sei.flat().filter((m) => m.uuid === SEI_UUID_WALLCLOCK.toString('hex'))
    expect(clocks.length).toBe(tags.filter(isVideoFrame).length)
    // Stamped at send time: the first video frame goes out ~23 ms in (audio leads in the clip).
    const stamp = Number(clocks[0]!.payload.toString())
    expect(stamp - 1_700_000_000_000).toBeGreaterThanOrEqual(0)
    expect(stamp - 1_700_000_000_000).toBeLessThan(100)
    const msgs = sei.flat().filter((m) => m.uuid === SEI_UUID_MESSAGE.toString('hex'))
    expect(msgs.map((m) => m.payload.toString())).toEqual(['ping'])
  })
})
