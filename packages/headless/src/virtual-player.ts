/**
 * A Node stand-in for WeChat's native `<live-player>`: pulls HTTP-FLV or RTMP for real and
 * reports through the component's events and status codes (bindstatechange / bindnetstatus /
 * bindaudiovolumenotify / bindmetadatachange).
 */
import type { ContextCallOptions, LivePlayerContextLike, NativeEventDetail, NativeEventKind, PlayerViewModel } from '@minirtc/core'
import { MediaError } from './media/errors.js'
import { isAudioFrame, isVideoFrame, type FlvTag } from './media/flv.js'
import { LatencyStats, type LatencySummary } from './media/latency.js'
import { MediaReader } from './media/media-reader.js'
import { StreamStats, type StreamCounters } from './media/stream-stats.js'
import { GenerationTimers } from './generation-timers.js'
import { RetryBudget } from './retry-budget.js'
import { settle, type NativeEventCallback } from './wx-callback.js'

export interface VirtualPlayerOptions {
  onEvent: NativeEventCallback
  /** Reconnect attempts per outage before -2301 (the native player retries 3 times, 3 s apart). */
  retries?: number
  retryDelayMs?: number
  netstatusIntervalMs?: number
  audioVolumeIntervalMs?: number
  /**
   * Treat this long without data as a broken connection (3005 then 2103). NMS keeps a player's
   * connection open, silent, when the publisher goes away, so silence is the only signal.
   * Default 6000.
   */
  stallTimeoutMs?: number
  connectTimeoutMs?: number
}

export type VirtualPlayerAttributes = Partial<PlayerViewModel>


type Phase = 'idle' | 'connecting' | 'playing' | 'retrying' | 'failed'

/** Counters for tests and benchmarks (all connections of this player). */
export interface VirtualPlayerCounters extends StreamCounters {
  /** Video frames received. */
  framesReceived: number
  /** Milliseconds from play to the first keyframe of the first connection, null before. */
  firstKeyframeMs: number | null
  /** Latency of the last wall-clock-stamped frame (FlvSource `stampWallClock`), null if none. */
  lastLatencyMs: number | null
  latency: LatencySummary | null
  /** Connections that reached 2004. */
  playCount: number
}

/**
 * @example
 * const player = new VirtualPlayer({ onEvent: (kind, detail) => console.log(kind, detail) })
 * player.update({ src: 'http://127.0.0.1:8000/live/s1.flv', autoplay: true })
 * // statechange 2001, 2002, 2008, 2003, 2004; netstatus every 2 s
 * player.counters.framesReceived
 */
export class VirtualPlayer {
  readonly context: Required<LivePlayerContextLike>
  readonly stats = new StreamStats()
  private readonly latencyStats = new LatencyStats()
  private readonly opts: Required<VirtualPlayerOptions>
  private vm: VirtualPlayerAttributes = { src: '', autoplay: false, muteAudio: false, muteVideo: false, muted: false }
  private phase: Phase = 'idle'
  private reader: MediaReader | null = null
  private bytesBefore = 0
  /** When the current connection reached 2004 (0 when not playing). */
  /** Timers of the current connection attempt (`timers.gen` identifies it). */
  private readonly timers = new GenerationTimers()
  private readonly retry: RetryBudget
  private destroyed = false
  private playStartedAt = 0
  private firstKeyframeMs: number | null = null
  private playCount = 0
  private maxAudioFrameAvg = 1
  private lastAudio = { bytes: 0, frames: 0 }

  /** Paused through the context (`pause()`), until `resume()`. */
  paused = false
  /** Full screen through the context, with the direction asked for; null when not. */
  fullScreen: { direction: number } | null = null

  constructor(options: VirtualPlayerOptions) {
    this.opts = {
      onEvent: options.onEvent,
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 3000,
      netstatusIntervalMs: options.netstatusIntervalMs ?? 2000,
      audioVolumeIntervalMs: options.audioVolumeIntervalMs ?? 300,
      stallTimeoutMs: options.stallTimeoutMs ?? 6000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    }
    this.retry = new RetryBudget(this.opts.retries)
    this.context = {
      play: (o?: ContextCallOptions) => {
        if (!this.vm.src) return settle(o, 'play', { ok: false, reason: 'no src' })
        this.startPlay()
        settle(o, 'play', { ok: true })
      },
      stop: (o?: ContextCallOptions) => {
        this.stopPlay()
        settle(o, 'stop', { ok: true })
      },
      // pause keeps the player (and its src) but stops pulling, as WeChat's pause stops playback.
      pause: (o?: ContextCallOptions) => {
        if (this.phase === 'idle') return settle(o, 'pause', { ok: false, reason: 'not playing' })
        this.stopPlay()
        this.paused = true
        settle(o, 'pause', { ok: true })
      },
      resume: (o?: ContextCallOptions) => {
        if (!this.paused) return settle(o, 'resume', { ok: false, reason: 'not paused' })
        this.paused = false
        this.startPlay()
        settle(o, 'resume', { ok: true })
      },
      requestFullScreen: (o?: ContextCallOptions & { direction?: number }) => {
        this.fullScreen = { direction: (o && o.direction) || 0 }
        settle(o, 'requestFullScreen', { ok: true })
      },
      exitFullScreen: (o?: ContextCallOptions) => {
        this.fullScreen = null
        settle(o, 'exitFullScreen', { ok: true })
      },
      snapshot: (o?: ContextCallOptions) => {
        if (this.phase !== 'playing') return settle(o, 'snapshot', { ok: false, reason: 'not playing' })
        settle(o, 'snapshot', {
          ok: true,
          res: { tempImagePath: `headless://snapshot/${Date.now()}.jpg`, width: this.stats.counters.width, height: this.stats.counters.height },
        })
      },
    }
  }

  get state(): Phase {
    return this.phase
  }

  get counters(): VirtualPlayerCounters {
    this.syncBytes()
    const latency = this.latencyStats.summary()
    return {
      ...this.stats.counters,
      framesReceived: this.stats.counters.videoFrames,
      firstKeyframeMs: this.firstKeyframeMs,
      lastLatencyMs: latency ? latency.last : null,
      latency,
      playCount: this.playCount,
    }
  }

  /**
   * Applies re-rendered attributes: `src` with `autoplay` starts, a new `src` restarts,
   * `src: ''` stops. mute-audio / mute-video stop reporting that track (the data still flows:
   * HTTP-FLV cannot drop a track server-side).
   */
  update(vm: VirtualPlayerAttributes): void {
    if (this.destroyed) return
    const prev = this.vm
    this.vm = { ...prev, ...vm }
    const next = this.vm
    if (next.src !== prev.src) {
      if (this.phase !== 'idle') this.stopPlay()
      if (next.src && next.autoplay) this.startPlay()
    } else if (next.autoplay && !prev.autoplay && next.src && this.phase === 'idle') {
      this.startPlay()
    }
  }

  /**
   * Simulate the network failing under the current playback (a read/write error, as when a phone
   * leaves Wi-Fi): the component reports it and reconnects by itself, as WeChat's does.
   */
  interruptNetwork(): void {
    if (this.phase === 'playing') this.onFailure(new MediaError('IO_ERROR', 'network interrupted'))
  }

  destroy(): void {
    this.stopPlay()
    this.destroyed = true
  }

  // ---- internals -----------------------------------------------------------------------

  private emit(kind: NativeEventKind, detail: NativeEventDetail): void {
    if (this.destroyed) return
    this.opts.onEvent(kind, detail)
  }

  private stateChange(code: number, message: string): void {
    this.emit('statechange', { code, message })
  }

  private startPlay(): void {
    if (this.destroyed || this.phase !== 'idle' && this.phase !== 'failed') return
    this.timers.gen++
    this.phase = 'connecting'
    this.retry.reset()
    this.playStartedAt = Date.now()
    // Connect now, as the native component does once it renders with src + autoplay: a timer here
    // added Node's 1 ms minimum to every call setup. Nothing is reported synchronously (the reader
    // reports from socket callbacks), so no event re-enters the render that set the src.
    this.attempt()
  }

  private attempt(): void {
    const gen = this.timers.gen
    const r = new MediaReader({
      url: this.vm.src ?? '',
      stallTimeoutMs: this.opts.stallTimeoutMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
    })
    this.reader = r
    let decoderStarted = false
    let playing = false
    const live = () => gen === this.timers.gen
    const videoOn = () => this.vm.muteVideo !== true
    const markPlaying = () => {
      if (playing) return
      playing = true
      this.phase = 'playing'
      this.playCount++
      this.retry.up()
      this.stateChange(2004, 'Playback started')
      this.startReporting()
    }
    r.on('connected', () => live() && this.stateChange(2001, 'Connected to the server'))
    r.on('started', () => live() && this.stateChange(2002, 'Connected; pulling started'))
    r.on('tag', (tag) => {
      if (!live()) return
      this.onTag(tag)
      // With video muted, audio alone starts playback.
      if (!videoOn() && isAudioFrame(tag)) markPlaying()
    })
    r.on('decoderConfig', () => {
      if (!live() || !videoOn() || decoderStarted) return
      decoderStarted = true
      this.stateChange(2008, 'Decoder started')
    })
    r.on('keyframe', (k) => {
      if (!live() || !videoOn() || playing) return
      if (this.firstKeyframeMs === null) this.firstKeyframeMs = Date.now() - this.playStartedAt
      this.stateChange(2003, 'First video packet (IDR) received')
      markPlaying()
      void k
    })
    r.on('resolution', (c) => {
      if (!live() || !videoOn()) return
      this.stateChange(2009, `Video resolution changed to ${c.width}x${c.height}`)
    })
    r.on('message', (text) => {
      // enable-recv-message defaults to false on the component: SEI messages are only delivered
      // (as statechange 2012) when the page asked for them.
      if (live() && this.vm.enableRecvMessage === true) this.stateChange(2012, text)
    })
    r.on('metadata', (md) => {
      if (live() && this.vm.enableMetadata === true) this.emit('metadatachange', { info: md })
    })
    r.on('latency', (ms) => live() && this.latencyStats.add(ms))
    r.on('close', (err) => {
      if (!live()) return
      this.onFailure(err ?? new MediaError('SERVER_CLOSED', 'play connection closed'))
    })
    r.start().catch(() => {
      /* reported through 'close' */
    })
  }

  private onFailure(err: MediaError): void {
    // Invalidate the connection's callbacks first: stopping it below emits its own 'close'.
    this.timers.gen++
    this.retireReader()
    this.timers.clear()
    // The player has no 3004: a server-side close or a stall is a read failure (3005) for it.
    const code = err.reason === 'CONNECT_FAILED' || err.reason === 'DNS_FAILED' || err.reason === 'HANDSHAKE_FAILED' ? err.wechatCode : 3005
    this.stateChange(code, err.message)
    const retry = this.retry.take()
    if (retry > 0) {
      this.phase = 'retrying'
      this.stateChange(2103, `Network disconnected; auto-reconnect started (${retry}/${this.retry.retries})`)
      this.timers.later(() => this.attempt(), this.opts.retryDelayMs)
    } else {
      this.phase = 'failed'
      this.stateChange(-2301, 'Network disconnected and several reconnect attempts failed; restart playback')
    }
  }

  private retireReader(): void {
    const r = this.reader
    this.reader = null
    if (r) {
      this.bytesBefore += r.counters.bytes
      r.stop()
    }
  }

  private stopPlay(): void {
    this.timers.gen++
    this.timers.clear()
    this.retireReader()
    this.phase = 'idle'
  }

  private syncBytes(): void {
    this.stats.counters.bytes = this.bytesBefore + (this.reader?.counters.bytes ?? 0)
  }

  private onTag(tag: FlvTag): void {
    if (this.vm.muteVideo === true && isVideoFrame(tag)) return
    this.stats.record(tag)
  }

  private startReporting(): void {
    this.syncBytes()
    this.stats.rates()
    this.timers.every(() => {
      this.syncBytes()
      const r = this.stats.rates()
      this.emit('netstatus', {
        info: {
          videoBitrate: r.videoBitrate,
          audioBitrate: r.audioBitrate,
          videoFPS: r.videoFPS,
          videoGOP: r.videoGOP,
          netSpeed: r.netSpeed,
          netJitter: r.netJitter,
          videoWidth: r.videoWidth,
          videoHeight: r.videoHeight,
          // A headless player renders as it receives: nothing is buffered.
          videoCache: 0,
          audioCache: 0,
        },
      })
    }, this.opts.netstatusIntervalMs)
    this.lastAudio = { bytes: this.stats.counters.audioBytes, frames: this.stats.counters.audioFrames }
    this.timers.every(() => {
      if (this.vm.muteAudio === true || this.vm.muted === true) return
      // Level estimated from AAC frame sizes (no audio decode here), 0-100.
      const c = this.stats.counters
      const frames = c.audioFrames - this.lastAudio.frames
      const bytes = c.audioBytes - this.lastAudio.bytes
      this.lastAudio = { bytes: c.audioBytes, frames: c.audioFrames }
      const avg = frames > 0 ? bytes / frames : 0
      this.maxAudioFrameAvg = Math.max(this.maxAudioFrameAvg, avg)
      this.emit('audiovolumenotify', { volume: Math.round((100 * avg) / this.maxAudioFrameAvg) })
    }, this.opts.audioVolumeIntervalMs)
  }
}
