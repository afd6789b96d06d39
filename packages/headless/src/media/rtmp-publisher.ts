/**
 * Publishes an FlvSource over RTMP: one connection, no retries (the VirtualPusher adds
 * WeChat's reconnect behaviour on top).
 */
import { EventEmitter } from 'node:events'
import { MediaError } from './errors.js'
import { FlvSource } from './flv-source.js'
import {
  TAG_AUDIO,
  TAG_SCRIPT,
  TAG_VIDEO,
  isAacSequenceHeader,
  isAvcSequenceHeader,
  isKeyframe,
  isVideoFrame,
  type FlvTag,
} from './flv.js'

/** Bytes queued in the socket beyond which video is dropped until the next keyframe. */
const CONGESTION_BYTES = 1024 * 1024
import { RtmpClient, type RtmpStatus } from './rtmp-client.js'
import { StreamStats, type StreamCounters, type StreamRates } from './stream-stats.js'

export interface RtmpPublisherOptions {
  /** `rtmp://host:port/app/stream?query` */
  url: string
  /** A running-order FLV source, or a path to an FLV file (looped). */
  source: FlvSource | string
  /** Send audio tags (default true). Like live-pusher `enable-mic`. */
  audio?: boolean
  /** Send video tags (default true). Like live-pusher `enable-camera`. */
  video?: boolean
  /** Stamp wall-clock time into each video frame (only when `source` is a path). */
  stampWallClock?: boolean
  connectTimeoutMs?: number
}

type PublisherPhase = 'idle' | 'starting' | 'publishing' | 'closed'

export interface RtmpPublisherEvents {
  /** TCP + handshake + `NetConnection.Connect.Success` (WeChat 1001). */
  connected: []
  /** `NetStream.Publish.Start` (WeChat 1002). */
  publishing: []
  status: [status: RtmpStatus]
  /** A tag handed to the socket. */
  tag: [tag: FlvTag]
  /** The connection ended; `error` is undefined after `stop()`. */
  close: [error: MediaError | undefined]
}

/**
 * @example
 * const pub = new RtmpPublisher({ url: 'rtmp://127.0.0.1:1935/live/s1', source: FIXTURES.camera640x360 })
 * await pub.start()          // NetStream.Publish.Start
 * pub.counters.videoFrames   // what was actually sent
 * await pub.stop()
 */
export class RtmpPublisher extends EventEmitter<RtmpPublisherEvents> {
  readonly url: string
  readonly source: FlvSource
  readonly stats = new StreamStats()
  private client: RtmpClient | null = null
  private streamId = 0
  private audio: boolean
  private video: boolean
  private readonly connectTimeoutMs: number
  private state: PublisherPhase = 'idle'
  /** The latest headers, resent when video/audio is re-enabled. */
  private lastHeaders = new Map<string, FlvTag>()
  private dropping = false
  private waitKeyframe = false
  /** Video frames dropped because the socket could not drain. */
  droppedFrames = 0

  constructor(opts: RtmpPublisherOptions) {
    super()
    this.url = opts.url
    this.source =
      typeof opts.source === 'string' ? new FlvSource(opts.source, { stampWallClock: opts.stampWallClock ?? false }) : opts.source
    this.audio = opts.audio ?? true
    this.video = opts.video ?? true
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000
  }

  get counters(): StreamCounters {
    return this.stats.counters
  }
  get publishing(): boolean {
    return this.state === 'publishing'
  }

  /** Rates since the previous call, from what was actually sent. */
  rates(): StreamRates {
    return this.stats.rates()
  }

  /**
   * Connects and publishes; resolves at `NetStream.Publish.Start`, then streams the source.
   * Rejects with a MediaError (CONNECT_FAILED, HANDSHAKE_FAILED, STATUS_ERROR for
   * `NetStream.Publish.BadName`, SERVER_CLOSED, TIMEOUT).
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error('RtmpPublisher.start() can be called once; create a new publisher to retry')
    this.state = 'starting'
    const client = new RtmpClient(this.url, { connectTimeoutMs: this.connectTimeoutMs })
    this.client = client
    client.on('status', (s) => this.emit('status', s))
    client.on('close', (err) => {
      // While starting, the rejected start() promise is the signal; afterwards, 'close'.
      const wasPublishing = this.state === 'publishing'
      if (wasPublishing) this.source.stop()
      this.state = 'closed'
      this.stats.counters.bytes = client.bytesWritten
      if (wasPublishing) this.emit('close', err)
    })
    // One deadline for the whole sequence: a server that accepts the connection but never
    // answers createStream/publish must not leave the pusher waiting forever.
    const timer = setTimeout(
      () =>
        client.destroy(
          new MediaError('TIMEOUT', `${this.url} did not answer publish within ${this.connectTimeoutMs} ms`),
        ),
      this.connectTimeoutMs,
    )
    try {
      await client.connect()
      this.emit('connected')
      this.streamId = await client.createStream()
      await client.publish(this.streamId)
    } finally {
      clearTimeout(timer)
    }
    if (this.currentState() !== 'starting') throw new MediaError('SERVER_CLOSED', `${this.url} closed right after Publish.Start`)
    this.state = 'publishing'
    this.emit('publishing')
    this.source.start((tag) => this.send(tag))
  }

  /** Enables/disables sending audio (live-pusher `enable-mic`). */
  setAudio(on: boolean): void {
    if (on && !this.audio) this.resendHeader('audio')
    this.audio = on
  }

  /** Enables/disables sending video (live-pusher `enable-camera`). */
  setVideo(on: boolean): void {
    if (on && !this.video) {
      this.resendHeader('video')
      // A camera that comes back starts with a keyframe (the encoder restarts); sending the
      // clip's next P-frame would leave players with undecodable frames until the next GOP.
      this.waitKeyframe = true
    }
    this.video = on
  }

  /** Writes an SEI text message into the next video frame (LivePusherContext.sendMessage). */
  sendMessage(text: string): void {
    this.source.injectMessage(text)
  }

  /** Sends deleteStream and closes. Idempotent. */
  async stop(): Promise<void> {
    // A source outlives its publishers (a reconnecting pusher hands it to the next one): only
    // the publisher currently feeding from it may stop it.
    if (this.state === 'publishing') this.source.stop()
    const c = this.client
    if (this.state === 'closed' || !c) {
      this.state = 'closed'
      return
    }
    this.state = 'closed'
    c.deleteStream(this.streamId)
    c.close()
  }

  private currentState(): PublisherPhase {
    return this.state
  }

  private resendHeader(kind: 'audio' | 'video'): void {
    const h = this.lastHeaders.get(kind)
    if (h && this.client && this.state === 'publishing') this.write({ ...h, timestamp: this.source.lastTimestamp })
  }

  private send(tag: FlvTag): void {
    if (isAvcSequenceHeader(tag)) this.lastHeaders.set('video', tag)
    if (isAacSequenceHeader(tag)) this.lastHeaders.set('audio', tag)
    if (tag.type === TAG_AUDIO && !this.audio) return
    if (tag.type === TAG_VIDEO && !this.video) return
    if (this.waitKeyframe && isVideoFrame(tag)) {
      if (!isKeyframe(tag)) return
      this.waitKeyframe = false
    }
    if (tag.type === TAG_SCRIPT) {
      // RTMP publishers wrap onMetaData in @setDataFrame; servers strip it before relaying.
      tag = { ...tag, data: Buffer.concat([Buffer.from([0x02, 0x00, 0x0d]), Buffer.from('@setDataFrame'), tag.data]) }
    }
    this.write(tag)
  }

  private write(tag: FlvTag): void {
    const c = this.client
    if (!c || this.state !== 'publishing') return
    // Congestion: when the socket cannot drain (slow or frozen server), drop video until the
    // next keyframe instead of queueing without bound, as a live encoder does. Audio, headers
    // and metadata always go through.
    if (isVideoFrame(tag)) {
      if (this.dropping && isKeyframe(tag) && c.writableLength < CONGESTION_BYTES / 2) this.dropping = false
      if (!this.dropping && c.writableLength > CONGESTION_BYTES) this.dropping = true
      if (this.dropping) {
        this.droppedFrames++
        return
      }
    }
    c.writeTag(this.streamId, tag)
    this.stats.counters.bytes = c.bytesWritten
    this.stats.record(tag)
    this.emit('tag', tag)
  }
}
