/**
 * A camera stand-in: plays an FLV file's tags in a loop at real-time pace with continuous,
 * monotonically increasing timestamps, as a phone's encoder would produce them.
 */
import { readFileSync } from 'node:fs'
import { encodeAmf0Values, Amf0EcmaArray, type Amf0Value } from './amf0.js'
import { SEI_UUID_MESSAGE, SEI_UUID_WALLCLOCK, buildSeiNal, insertSeiNal } from './avc.js'
import {
  TAG_SCRIPT,
  TAG_VIDEO,
  isAacSequenceHeader,
  isAvcSequenceHeader,
  isVideoFrame,
  parseFlvFile,
  readAvcResolution,
  readMetadata,
  readNalLengthSize,
  type FlvTag,
  type StreamMetadata,
} from './flv.js'

/** A parsed fixture: headers split from the media tags. */
export interface FlvClip {
  file: string
  metadata: StreamMetadata | null
  /** onMetaData as a script tag (re-encoded without the file's duration/filesize). */
  metadataTag: FlvTag | null
  avcHeader: FlvTag | null
  aacHeader: FlvTag | null
  /** Audio/video frames with timestamps rebased to start at 0. */
  frames: FlvTag[]
  /** Length of one loop in ms (the video's span plus one frame interval). */
  durationMs: number
  width: number
  height: number
  nalLengthSize: number
}

const clipCache = new Map<string, FlvClip>()

/** Loads and splits an FLV file (cached per path). */
export function loadFlvClip(file: string): FlvClip {
  const cached = clipCache.get(file)
  if (cached) return cached
  const { tags } = parseFlvFile(readFileSync(file))
  let metadata: StreamMetadata | null = null
  let avcHeader: FlvTag | null = null
  let aacHeader: FlvTag | null = null
  const frames: FlvTag[] = []
  for (const t of tags) {
    if (t.type === TAG_SCRIPT) metadata ??= readMetadata(t)
    else if (isAvcSequenceHeader(t)) avcHeader ??= t
    else if (isAacSequenceHeader(t)) aacHeader ??= t
    else frames.push(t)
  }
  const t0 = frames.length > 0 ? Math.min(...frames.map((f) => f.timestamp)) : 0
  for (const f of frames) f.timestamp -= t0
  const video = frames.filter(isVideoFrame)
  const frameMs = video.length > 1 ? (video[video.length - 1]!.timestamp - video[0]!.timestamp) / (video.length - 1) : 66
  // The loop length follows the video (last frame + one frame interval), so frame spacing stays
  // even across the loop point; audio past it (encoders flush a little extra) is cut so audio
  // timestamps stay increasing too.
  let loopMs = Math.round(frames.reduce((m, f) => Math.max(m, f.timestamp), 0) + frameMs)
  if (video.length > 1) {
    loopMs = Math.round(video[video.length - 1]!.timestamp - video[0]!.timestamp + frameMs)
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.timestamp >= loopMs) frames.splice(i, 1)
  }
  const res = avcHeader ? readAvcResolution(avcHeader) : null
  let metadataTag: FlvTag | null = null
  if (metadata) {
    // A live stream has no duration or file size: drop them like a live encoder would.
    const { duration: _d, filesize: _f, ...live } = metadata
    metadataTag = { type: TAG_SCRIPT, timestamp: 0, data: encodeAmf0Values('onMetaData', new Amf0EcmaArray(live as Record<string, Amf0Value>)) }
  }
  const clip: FlvClip = {
    file,
    metadata,
    metadataTag,
    avcHeader,
    aacHeader,
    frames,
    durationMs: loopMs,
    width: res?.width ?? Number(metadata?.width ?? 0),
    height: res?.height ?? Number(metadata?.height ?? 0),
    nalLengthSize: avcHeader ? readNalLengthSize(avcHeader) : 4,
  }
  clipCache.set(file, clip)
  return clip
}

export interface FlvSourceOptions {
  /** Loop the clip forever (default true); otherwise `end` is emitted after one pass. */
  loop?: boolean
  /**
   * Embed the wall-clock send time (ms since epoch) in every video frame as an H.264 SEI
   * user-data message (UUID `SEI_UUID_WALLCLOCK`), so a player can measure relay latency.
   */
  stampWallClock?: boolean
}

export type FlvSink = (tag: FlvTag) => void

/**
 * Emits an FLV clip at real-time pace. The first tags are metadata, AVC and AAC sequence
 * headers; timestamps start at 0 and keep increasing across loops and clip switches.
 * @example
 * const src = new FlvSource(FIXTURES.camera640x360, { stampWallClock: true })
 * src.start((tag) => rtmp.writeTag(sid, tag))
 * src.switchClip(FIXTURES.camera320x240) // resolution change at the next tick
 */
export class FlvSource {
  private clip: FlvClip
  private readonly opts: Required<FlvSourceOptions>
  private sink: FlvSink | null = null
  private timer: NodeJS.Timeout | null = null
  private index = 0
  /** Output timestamp where the current pass of the clip starts. */
  private passOffset = 0
  private startWall = 0
  private sendHeaders = true
  private readonly pendingMessages: Buffer[] = []
  /** Output timestamp of the last emitted tag. */
  lastTimestamp = 0

  constructor(file: string, opts: FlvSourceOptions = {}) {
    this.clip = loadFlvClip(file)
    this.opts = { loop: opts.loop ?? true, stampWallClock: opts.stampWallClock ?? false }
  }

  get width(): number {
    return this.clip.width
  }
  get height(): number {
    return this.clip.height
  }
  get file(): string {
    return this.clip.file
  }
  get running(): boolean {
    return this.sink !== null
  }

  /**
   * Starts emitting to `sink`. Starting again after `stop()` resends the headers and continues
   * the timestamps (a reconnecting pusher re-sends its sequence headers on the new connection).
   */
  start(sink: FlvSink): void {
    this.stop()
    this.sink = sink
    this.sendHeaders = true
    // Continue the timeline where it stopped, restarting the clip at its first keyframe.
    this.passOffset = this.lastTimestamp === 0 ? 0 : this.lastTimestamp + 1
    this.index = 0
    this.startWall = Date.now() - this.passOffset
    this.tick()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.sink = null
  }

  /**
   * Switches to another clip at the next tick: new metadata and sequence headers, then that
   * clip from its first keyframe, with timestamps continuing. This is how the pusher's
   * resolution changes mid-stream.
   */
  switchClip(file: string): void {
    this.clip = loadFlvClip(file)
    this.index = 0
    this.passOffset = this.lastTimestamp + 1
    this.sendHeaders = true
  }

  /** Queues a text message, written as SEI into the next video frame (`sendMessage`). */
  injectMessage(text: string): void {
    this.pendingMessages.push(Buffer.from(text, 'utf8'))
  }

  private emit(tag: FlvTag): void {
    this.lastTimestamp = Math.max(this.lastTimestamp, tag.timestamp)
    this.sink?.(tag)
  }

  private tick = (): void => {
    this.timer = null
    if (!this.sink) return
    const now = Date.now() - this.startWall
    if (this.sendHeaders) {
      this.sendHeaders = false
      const ts = this.passOffset
      const c = this.clip
      if (c.metadataTag) this.emit({ ...c.metadataTag, timestamp: ts })
      if (c.avcHeader) this.emit({ ...c.avcHeader, timestamp: ts })
      if (c.aacHeader) this.emit({ ...c.aacHeader, timestamp: ts })
    }
    for (;;) {
      if (!this.sink) return
      if (this.index >= this.clip.frames.length) {
        if (!this.opts.loop) {
          this.stop()
          return
        }
        this.passOffset += this.clip.durationMs
        this.index = 0
      }
      const f = this.clip.frames[this.index]!
      const ts = this.passOffset + f.timestamp
      if (ts > now) {
        this.timer = setTimeout(this.tick, Math.max(1, ts - now))
        return
      }
      this.index++
      this.emit({ type: f.type, timestamp: ts, data: this.decorate(f) })
    }
  }

  /** Adds SEI NAL units (queued messages, wall-clock stamp) to a video frame. */
  private decorate(f: FlvTag): Buffer {
    if (f.type !== TAG_VIDEO || !isVideoFrame(f)) return f.data
    if (!this.opts.stampWallClock && this.pendingMessages.length === 0) return f.data
    let payload = f.data.subarray(5)
    const ls = this.clip.nalLengthSize
    for (const m of this.pendingMessages.splice(0)) payload = insertSeiNal(payload, buildSeiNal(SEI_UUID_MESSAGE, m), ls)
    if (this.opts.stampWallClock) {
      payload = insertSeiNal(payload, buildSeiNal(SEI_UUID_WALLCLOCK, Buffer.from(String(Date.now()), 'ascii')), ls)
    }
    return Buffer.concat([f.data.subarray(0, 5), payload])
  }
}
