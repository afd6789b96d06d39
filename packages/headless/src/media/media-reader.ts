/**
 * A player's network + demux half: pulls HTTP(S)-FLV or RTMP, reports the milestones a
 * live-player reports (connected, pulling, decoder config, first keyframe, resolution change),
 * reads SEI messages and wall-clock stamps, and counts what was actually received.
 */
import { EventEmitter } from 'node:events'
import { SEI_UUID_MESSAGE, SEI_UUID_WALLCLOCK, readSeiMessages } from './avc.js'
import { MediaError } from './errors.js'
import {
  TAG_SCRIPT,
  avcPayload,
  isAvc,
  isAvcSequenceHeader,
  isKeyframe,
  isVideoFrame,
  readMetadata,
  readNalLengthSize,
  type FlvTag,
  type StreamMetadata,
} from './flv.js'
import { HttpFlvReader } from './http-flv-reader.js'
import { LatencyStats, type LatencySummary } from './latency.js'
import { RtmpClient } from './rtmp-client.js'
import { StreamStats, type StreamCounters, type StreamRates } from './stream-stats.js'

export interface MediaReaderOptions {
  /** `http(s)://.../app/stream.flv` or `rtmp://host:port/app/stream`. */
  url: string
  /**
   * Fail with STALLED when no byte arrives for this long after pulling started. Needed because
   * NMS answers a stream that is not (or no longer) published with 200 / Play.Start and then
   * sends nothing, and keeps a player's connection open after its publisher left. Default 10000.
   */
  stallTimeoutMs?: number
  connectTimeoutMs?: number
}

export interface KeyframeInfo {
  /** Stream timestamp (ms). */
  timestamp: number
  width: number
  height: number
  /** True for the first keyframe of this reader. */
  first: boolean
}

export interface MediaReaderEvents {
  /** Transport connected (TCP for HTTP, NetConnection for RTMP): WeChat 2001. */
  connected: []
  /** HTTP 200 / NetStream.Play.Start: WeChat 2002. */
  started: []
  tag: [tag: FlvTag]
  metadata: [metadata: StreamMetadata]
  /** An AVC sequence header (decoder configuration) arrived: WeChat 2008 the first time. */
  decoderConfig: [info: { width: number; height: number }]
  /** A video keyframe: WeChat 2003 for the first. */
  keyframe: [info: KeyframeInfo]
  /** The resolution changed after it was first known: WeChat 2009. */
  resolution: [info: { width: number; height: number; previousWidth: number; previousHeight: number }]
  /** A `sendMessage` text from the pusher (SEI): WeChat 2012. */
  message: [text: string]
  /** One wall-clock latency sample (ms), for live frames the publisher stamped (join burst excluded). */
  latency: [ms: number]
  /** Only emitted when someone listens (an unheard 'error' would throw); `close` always carries it. */
  error: [error: MediaError]
  /** Ended; `error` is undefined after `stop()`. */
  close: [error: MediaError | undefined]
}

/**
 * @example
 * const r = new MediaReader({ url: 'http://127.0.0.1:8000/live/s1.flv' })
 * r.on('keyframe', (k) => console.log(k.width, k.height))
 * await r.start()
 * ...
 * r.counters.videoFrames; r.latency?.p95; r.stop()
 */
export class MediaReader extends EventEmitter<MediaReaderEvents> {
  readonly url: string
  readonly stats = new StreamStats()
  /** Wall-clock ms when start() was called / the first keyframe arrived. */
  startedAt = 0
  firstKeyframeAt = 0
  /** Latest onMetaData. */
  metadata: StreamMetadata | null = null
  private readonly latencyStats = new LatencyStats()
  private readonly stallTimeoutMs: number
  private readonly connectTimeoutMs: number
  private http: HttpFlvReader | null = null
  private rtmp: RtmpClient | null = null
  private closed = false
  private stallTimer: NodeJS.Timeout | null = null
  private lastByteAt = 0
  private nalLengthSize = 4
  private sawDecoderConfig = false
  private startWaiter: { resolve: () => void; reject: (e: MediaError) => void } | null = null

  constructor(opts: MediaReaderOptions) {
    super()
    this.url = opts.url
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 10000
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000
  }

  get counters(): StreamCounters & { firstKeyframeMs: number | null } {
    return {
      ...this.stats.counters,
      firstKeyframeMs: this.firstKeyframeAt ? this.firstKeyframeAt - this.startedAt : null,
    }
  }

  /**
   * Per-frame relay latency (receive time minus the publisher's wall-clock stamp), when the
   * publisher stamped frames (FlvSource `stampWallClock`). The join burst is excluded.
   */
  get latency(): LatencySummary | null {
    return this.latencyStats.summary()
  }

  /** Rates since the previous call, from what was actually received. */
  rates(): StreamRates {
    this.syncBytes()
    return this.stats.rates()
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Connects and starts pulling. Resolves at HTTP 200 / Play.Start; rejects with a MediaError. */
  start(): Promise<void> {
    if (this.startedAt) throw new Error('MediaReader.start() can be called once; create a new reader to retry')
    this.startedAt = Date.now()
    const started = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject }
    })
    if (/^rtmp:/i.test(this.url)) this.startRtmp()
    else this.startHttp()
    return started
  }

  /** Stops pulling. Idempotent; emits `close` without an error. */
  stop(): void {
    this.finish(undefined)
  }

  private startHttp(): void {
    const h = new HttpFlvReader(this.url)
    this.http = h
    const connectTimer = setTimeout(
      () => this.finish(new MediaError('TIMEOUT', `no HTTP response from ${this.url} within ${this.connectTimeoutMs} ms`)),
      this.connectTimeoutMs,
    )
    h.on('connected', () => this.emit('connected'))
    h.on('started', () => {
      clearTimeout(connectTimer)
      this.onStarted()
    })
    h.on('tag', (t) => this.onTag(t))
    h.on('close', (err) => {
      clearTimeout(connectTimer)
      this.finish(err)
    })
    h.start()
  }

  private startRtmp(): void {
    let c: RtmpClient
    try {
      c = new RtmpClient(this.url, { connectTimeoutMs: this.connectTimeoutMs })
    } catch (err) {
      queueMicrotask(() => this.finish(err as MediaError))
      return
    }
    this.rtmp = c
    c.on('tag', (t) => this.onTag(t))
    // Synchronously on the status message: NMS writes Play.Start and its GOP cache in one burst,
    // so waiting for the play() promise (a microtask later) would report tags before "started".
    c.on('status', (s) => {
      if (s.code === 'NetStream.Play.Start') this.onStarted()
    })
    c.on('close', (err) => this.finish(err))
    // One deadline from TCP connect to Play.Start (RtmpClient's own covers only `connect`).
    const timer = setTimeout(
      () => c.destroy(new MediaError('TIMEOUT', `${this.url} did not answer play within ${this.connectTimeoutMs} ms`)),
      this.connectTimeoutMs,
    )
    void (async () => {
      await c.connect()
      this.emit('connected')
      const sid = await c.createStream()
      await c.play(sid)
      this.onStarted()
    })()
      .catch((err: MediaError) => this.finish(err))
      .finally(() => clearTimeout(timer))
  }

  private onStarted(): void {
    if (this.closed || this.stallTimer) return
    this.lastByteAt = Date.now()
    this.emit('started')
    const w = this.startWaiter
    this.startWaiter = null
    w?.resolve()
    const period = Math.max(50, Math.min(1000, this.stallTimeoutMs / 4))
    this.stallTimer = setInterval(() => {
      const bytes = this.transportBytes()
      if (bytes !== this.stats.counters.bytes) {
        this.stats.counters.bytes = bytes
        this.lastByteAt = Date.now()
      } else if (Date.now() - this.lastByteAt >= this.stallTimeoutMs) {
        this.finish(new MediaError('STALLED', `no data from ${this.url} for ${this.stallTimeoutMs} ms`))
      }
    }, period)
  }

  private transportBytes(): number {
    return this.http?.bytesRead ?? this.rtmp?.bytesRead ?? 0
  }

  private syncBytes(): void {
    this.stats.counters.bytes = this.transportBytes()
  }

  private onTag(tag: FlvTag): void {
    if (this.closed) return
    const now = Date.now()
    this.syncBytes()
    this.lastByteAt = now
    const prevW = this.stats.counters.width
    const prevH = this.stats.counters.height
    const changed = this.stats.record(tag, now)
    this.emit('tag', tag)
    if (tag.type === TAG_SCRIPT) {
      const md = readMetadata(tag)
      if (md) {
        this.metadata = md
        this.emit('metadata', md)
      }
    } else if (isAvcSequenceHeader(tag)) {
      this.nalLengthSize = readNalLengthSize(tag)
      const { width, height } = this.stats.counters
      if (!this.sawDecoderConfig || changed) this.emit('decoderConfig', { width, height })
      this.sawDecoderConfig = true
    } else if (isVideoFrame(tag)) {
      if (isAvc(tag)) this.readSei(tag, now)
      if (isKeyframe(tag)) {
        const first = this.firstKeyframeAt === 0
        if (first) this.firstKeyframeAt = now
        const { width, height } = this.stats.counters
        this.emit('keyframe', { timestamp: tag.timestamp, width, height, first })
      }
    }
    if (changed && prevW !== 0 && !this.closed) {
      this.emit('resolution', { width: changed.width, height: changed.height, previousWidth: prevW, previousHeight: prevH })
    }
  }

  private readSei(tag: FlvTag, now: number): void {
    const payload = avcPayload(tag)
    for (const m of readSeiMessages(payload, this.nalLengthSize)) {
      if (m.uuid === SEI_UUID_WALLCLOCK.toString('hex')) {
        const stamp = Number(m.payload.toString('ascii'))
        // Frames before the second keyframe are the server's GOP cache, sent in a burst at join
        // (NMS keeps everything since the last keyframe): they waited up to a GOP by design,
        // which is join time (see firstKeyframeMs), not relay latency. Count live frames only.
        if (Number.isFinite(stamp) && stamp > 0 && this.stats.counters.keyframes >= 2) {
          this.latencyStats.add(now - stamp)
          this.emit('latency', now - stamp)
        }
      } else if (m.uuid === SEI_UUID_MESSAGE.toString('hex')) {
        this.emit('message', m.payload.toString('utf8'))
      }
    }
  }

  private finish(err: MediaError | undefined): void {
    if (this.closed) return
    this.closed = true
    this.syncBytes()
    if (this.stallTimer) clearInterval(this.stallTimer)
    this.stallTimer = null
    const w = this.startWaiter
    this.startWaiter = null
    this.http?.stop()
    this.rtmp?.close()
    if (w) w.reject(err ?? new MediaError('IO_ERROR', `stopped before ${this.url} started`))
    if (err && this.listenerCount('error') > 0) this.emit('error', err)
    this.emit('close', err)
  }
}

export interface ProbeResult {
  /** Milliseconds from the call to the first video keyframe (connect and handshake included). */
  firstKeyframeMs: number
  /** Bytes received until then. */
  bytes: number
  width: number
  height: number
}

/**
 * Connects to an HTTP-FLV or RTMP URL and measures the time to the first video keyframe.
 * Rejects with the MediaError that ended the pull, or TIMEOUT.
 * @example const { firstKeyframeMs } = await probeFirstKeyframe('http://127.0.0.1:8000/live/s1.flv', 5000)
 */
export function probeFirstKeyframe(url: string, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const r = new MediaReader({ url, stallTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs })
    const timer = setTimeout(() => {
      r.stop()
      reject(new MediaError('TIMEOUT', `no keyframe from ${url} within ${timeoutMs} ms`))
    }, timeoutMs)
    r.on('keyframe', (k) => {
      clearTimeout(timer)
      const bytes = r.counters.bytes
      const firstKeyframeMs = r.firstKeyframeAt - r.startedAt
      resolve({ firstKeyframeMs, bytes, width: k.width, height: k.height })
      r.stop()
    })
    r.on('close', (err) => {
      clearTimeout(timer)
      reject(err ?? new MediaError('IO_ERROR', `probe of ${url} ended before a keyframe`))
    })
    r.start().catch(() => {
      /* reported through 'close' */
    })
  })
}
