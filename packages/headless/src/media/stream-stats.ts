/**
 * Counters of what actually went over the wire (sent by a publisher or received by a reader),
 * and the per-interval rates WeChat reports in `bindnetstatus`.
 */
import {
  TAG_AUDIO,
  TAG_VIDEO,
  isAudioFrame,
  isKeyframe,
  isVideoFrame,
  readAvcResolution,
  readMetadata,
  type FlvTag,
} from './flv.js'

export interface StreamCounters {
  /** Socket bytes (protocol overhead included). */
  bytes: number
  videoFrames: number
  audioFrames: number
  keyframes: number
  /** Tag body bytes. */
  videoBytes: number
  audioBytes: number
  /** Current resolution (from the SPS, else onMetaData), 0 when unknown. */
  width: number
  height: number
  /** Milliseconds between the last two keyframes (stream timestamps), 0 when unknown. */
  gopMs: number
}

/** Rates over the last interval, in WeChat's `netstatus` units. */
export interface StreamRates {
  /** kbit/s of video tag bodies. */
  videoBitrate: number
  /** kbit/s of audio tag bodies. */
  audioBitrate: number
  videoFPS: number
  /** kbit/s on the socket. */
  netSpeed: number
  /** Mean deviation (ms) of the gaps between video frames from their mean: 0 = perfectly even. */
  netJitter: number
  /** Seconds between keyframes. */
  videoGOP: number
  videoWidth: number
  videoHeight: number
}

export class StreamStats {
  readonly counters: StreamCounters = {
    bytes: 0,
    videoFrames: 0,
    audioFrames: 0,
    keyframes: 0,
    videoBytes: 0,
    audioBytes: 0,
    width: 0,
    height: 0,
    gopMs: 0,
  }
  private lastKeyTs: number | null = null
  private last = { at: Date.now(), bytes: 0, videoFrames: 0, videoBytes: 0, audioBytes: 0 }
  private frameArrivals: number[] = []

  /** Counts one tag; returns the new resolution when this tag changed it. */
  record(tag: FlvTag, now = Date.now()): { width: number; height: number } | null {
    const c = this.counters
    let changed: { width: number; height: number } | null = null
    if (tag.type === TAG_VIDEO) {
      c.videoBytes += tag.data.length
      const res = readAvcResolution(tag)
      if (res) changed = this.setResolution(res.width, res.height)
      if (isVideoFrame(tag)) {
        c.videoFrames++
        this.frameArrivals.push(now)
        if (this.frameArrivals.length > 600) this.frameArrivals.splice(0, 300)
        if (isKeyframe(tag)) {
          c.keyframes++
          if (this.lastKeyTs !== null && tag.timestamp > this.lastKeyTs) c.gopMs = tag.timestamp - this.lastKeyTs
          this.lastKeyTs = tag.timestamp
        }
      }
    } else if (tag.type === TAG_AUDIO) {
      c.audioBytes += tag.data.length
      if (isAudioFrame(tag)) c.audioFrames++
    } else {
      // onMetaData only fills in a resolution the SPS has not given yet.
      const md = readMetadata(tag)
      if (md && c.width === 0 && typeof md.width === 'number' && typeof md.height === 'number') {
        changed = this.setResolution(md.width, md.height)
      }
    }
    return changed
  }

  private setResolution(width: number, height: number): { width: number; height: number } | null {
    if (width === this.counters.width && height === this.counters.height) return null
    this.counters.width = width
    this.counters.height = height
    return { width, height }
  }

  /** Rates since the previous call (or since construction). */
  rates(now = Date.now()): StreamRates {
    const c = this.counters
    const secs = Math.max(0.001, (now - this.last.at) / 1000)
    const arrivals = this.frameArrivals.filter((t) => t > this.last.at && t <= now)
    let jitter = 0
    if (arrivals.length > 2) {
      const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!)
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
      jitter = gaps.reduce((a, g) => a + Math.abs(g - mean), 0) / gaps.length
    }
    const r: StreamRates = {
      videoBitrate: Math.round(((c.videoBytes - this.last.videoBytes) * 8) / 1000 / secs),
      audioBitrate: Math.round(((c.audioBytes - this.last.audioBytes) * 8) / 1000 / secs),
      videoFPS: Math.round(((c.videoFrames - this.last.videoFrames) / secs) * 10) / 10,
      netSpeed: Math.round(((c.bytes - this.last.bytes) * 8) / 1000 / secs),
      netJitter: Math.round(jitter),
      videoGOP: Math.round(c.gopMs / 100) / 10,
      videoWidth: c.width,
      videoHeight: c.height,
    }
    this.last = { at: now, bytes: c.bytes, videoFrames: c.videoFrames, videoBytes: c.videoBytes, audioBytes: c.audioBytes }
    this.frameArrivals = this.frameArrivals.filter((t) => t > now - 1000)
    return r
  }
}
