/**
 * A browser stand-in for WeChat's `<live-player>`: plays the signed HTTP-FLV URL in a `<video>`
 * through mpegts.js (MSE) with low-latency live sync, and reports WeChat's status codes so the
 * engine's player states behave as on a phone: 2001/2002 on load, 2008 on media info, 2003 on the
 * first decoded frame, 2004 on `playing`, 2009 on a size change, 2012 for SEI messages (with
 * enable-recv-message), 3005 + 2103 on errors (retried 3 times, 3 s apart, then -2301), netstatus
 * every 2 s. Streams from headless publishers with wall-clock stamps also get a latency figure.
 */
import mpegts from 'mpegts.js'
import type { LivePlayerContextLike, PlayerViewModel } from '@minirtc/core'
import { createTapLoader } from './createTapLoader'
import { FlvSeiScanner, SEI_MESSAGE_UUID, SEI_WALLCLOCK_UUID } from './FlvSeiScanner'
import type { NativeEventCallback } from './nativeEvents'

/** mpegts.js settings: no stash buffer and live sync to ~0.3 s behind the live edge. */
export const PLAYER_CONFIG: mpegts.Config = {
  enableWorker: false,
  enableStashBuffer: false,
  lazyLoad: false,
  liveSync: true,
  liveSyncTargetLatency: 0.3,
  liveSyncMaxLatency: 0.5,
  liveSyncPlaybackRate: 1.5,
}

export interface BrowserPlayerMetrics {
  /** Milliseconds from load() to the first decoded frame of the first connection, null before. */
  firstFrameMs: number | null
  /** Seconds of media buffered ahead of the playhead (what live sync keeps near 0.3). */
  bufferLag: number
  /**
   * Milliseconds from the publisher's wall-clock stamp (headless `stampWallClock`) to the frame's
   * arrival here, last sample; null when the stream carries no stamps. Add `bufferLag` for when it shows.
   */
  arrivalLatencyMs: number | null
  /** Frames the element has decoded. */
  decodedFrames: number
  droppedFrames: number
  width: number
  height: number
  /** What the stream carries, from the FLV headers (mpegts.js MEDIA_INFO); '' before. */
  videoCodec: string
  audioCodec: string
  audioSampleRate: number
  /** Frame rate the stream declares (webm-sourced streams declare a bogus one). */
  declaredFps: number
}

const RETRIES = 3
const RETRY_DELAY_MS = 3000
const NETSTATUS_MS = 2000

export class BrowserPlayer {
  readonly video: HTMLVideoElement
  readonly context: Required<LivePlayerContextLike>
  readonly metrics: BrowserPlayerMetrics = {
    firstFrameMs: null,
    arrivalLatencyMs: null,
    bufferLag: 0,
    decodedFrames: 0,
    droppedFrames: 0,
    width: 0,
    height: 0,
    videoCodec: '',
    audioCodec: '',
    audioSampleRate: 0,
    declaredFps: 0,
  }
  private vm: Partial<PlayerViewModel> = {}
  private player: mpegts.Player | null = null
  private gen = 0
  private retriesLeft = RETRIES
  private timers = new Set<number>()
  private destroyed = false
  private lastFrames = { frames: 0, at: 0 }
  private scanner: FlvSeiScanner | null = null
  private lastBytes = { audio: 0, video: 0 }
  private lastBytesAt = 0

  constructor(private readonly onEvent: NativeEventCallback) {
    this.video = document.createElement('video')
    this.video.muted = true // autoplay without a gesture needs it; the tile has an unmute button
    this.video.playsInline = true
    this.video.autoplay = true
    this.context = {
      play: (o) => {
        if (!this.vm.src) return o?.fail?.({ errMsg: 'play:fail no src' })
        this.start()
        o?.success?.({ errMsg: 'play:ok' })
        o?.complete?.({})
      },
      stop: (o) => {
        this.stop()
        o?.success?.({ errMsg: 'stop:ok' })
        o?.complete?.({})
      },
      pause: (o) => {
        this.video.pause()
        o?.success?.({ errMsg: 'pause:ok' })
      },
      resume: (o) => {
        void this.video.play()
        o?.success?.({ errMsg: 'resume:ok' })
      },
      requestFullScreen: (o) => {
        this.video.requestFullscreen().then(() => o?.success?.({ errMsg: 'requestFullScreen:ok' }), (e: Error) => o?.fail?.({ errMsg: 'requestFullScreen:fail ' + e.message }))
      },
      exitFullScreen: (o) => {
        const done = () => o?.success?.({ errMsg: 'exitFullScreen:ok' })
        if (document.fullscreenElement) void document.exitFullscreen().then(done, done)
        else done()
      },
      snapshot: (o) => {
        if (!this.video.videoWidth) return o?.fail?.({ errMsg: 'snapshot:fail not playing' })
        const c = document.createElement('canvas')
        c.width = this.video.videoWidth
        c.height = this.video.videoHeight
        c.getContext('2d')?.drawImage(this.video, 0, 0)
        o?.success?.({ tempImagePath: c.toDataURL('image/jpeg'), width: c.width, height: c.height })
        o?.complete?.({})
      },
    }
  }

  /** Apply re-rendered attributes: `src` with `autoplay` starts, a new `src` restarts, '' stops. */
  update(vm: PlayerViewModel): void {
    if (this.destroyed) return
    const prev = this.vm
    this.vm = vm
    this.video.style.visibility = vm.muteVideo ? 'hidden' : 'visible'
    if (vm.muteAudio || vm.muted) this.video.muted = true
    if (vm.src !== prev.src) {
      this.stop()
      if (vm.src && vm.autoplay) this.start()
    } else if (vm.autoplay && !prev.autoplay && vm.src && !this.player) {
      this.start()
    }
  }

  destroy(): void {
    this.stop()
    this.destroyed = true
    this.video.remove()
  }

  private emit(code: number, message: string): void {
    if (!this.destroyed) this.onEvent('statechange', { code, message })
  }

  private later(fn: () => void, ms: number, repeat = false): void {
    const gen = this.gen
    const run = () => {
      if (gen === this.gen) fn()
    }
    this.timers.add(repeat ? window.setInterval(run, ms) : window.setTimeout(run, ms))
  }

  private start(): void {
    this.stop()
    this.retriesLeft = RETRIES
    this.attempt()
  }

  private attempt(): void {
    const gen = ++this.gen
    const live = () => gen === this.gen
    if (!mpegts.isSupported()) {
      this.emit(-2301, 'This browser has no Media Source Extensions: HTTP-FLV cannot play here')
      return
    }
    const text = new TextDecoder()
    const scanner = new FlvSeiScanner((uuid, payload) => {
      if (!live()) return
      if (uuid === SEI_WALLCLOCK_UUID) {
        const stamp = Number(text.decode(payload))
        if (stamp > 0) this.metrics.arrivalLatencyMs = Date.now() - stamp
      } else if (uuid === SEI_MESSAGE_UUID && this.vm.enableRecvMessage) {
        this.emit(2012, text.decode(payload))
      }
    })
    this.scanner = scanner
    this.lastBytes = { audio: 0, video: 0 }
    const config = { ...PLAYER_CONFIG, customLoader: createTapLoader((chunk) => scanner.push(chunk)) }
    const p = mpegts.createPlayer({ type: 'flv', isLive: true, url: this.vm.src || '' }, config)
    this.player = p
    const startedAt = performance.now()
    let firstFrame = false
    let playing = false
    p.on(mpegts.Events.MEDIA_INFO, (info: mpegts.MSEPlayerMediaInfo) => {
      if (!live()) return
      Object.assign(this.metrics, { videoCodec: info.videoCodec ?? '', audioCodec: info.audioCodec ?? '', audioSampleRate: Number(info.audioSampleRate) || 0, declaredFps: info.fps ?? 0 })
      this.emit(2008, 'Decoder started')
    })
    p.on(mpegts.Events.ERROR, (type: string, detail: string, info: { msg?: string } | undefined) => {
      if (live()) this.fail(`${type}: ${detail}${info && info.msg ? ' ' + info.msg : ''}`)
    })
    // The publisher went away and the server ended the response.
    p.on(mpegts.Events.LOADING_COMPLETE, () => live() && this.fail('The stream ended'))
    const v = this.video
    const onFrame = () => {
      if (!live() || firstFrame) return
      firstFrame = true
      if (this.metrics.firstFrameMs === null) this.metrics.firstFrameMs = Math.round(performance.now() - startedAt)
      this.emit(2003, 'First video frame decoded')
    }
    const onPlaying = () => {
      if (!live() || playing) return
      onFrame()
      playing = true
      this.retriesLeft = RETRIES
      this.emit(2004, 'Playback started')
    }
    const onResize = () => {
      if (!live() || !v.videoWidth) return
      this.metrics.width = v.videoWidth
      this.metrics.height = v.videoHeight
      this.emit(2009, `Video resolution changed to ${v.videoWidth}x${v.videoHeight}`)
    }
    v.addEventListener('playing', onPlaying)
    v.addEventListener('resize', onResize)
    // rVFC is the first frame actually presented; loadeddata is the fallback.
    if (typeof v.requestVideoFrameCallback === 'function') v.requestVideoFrameCallback(() => onFrame())
    v.addEventListener('loadeddata', onFrame, { once: true })
    this.cleanup = () => {
      v.removeEventListener('playing', onPlaying)
      v.removeEventListener('resize', onResize)
    }
    p.attachMediaElement(v)
    p.load()
    this.emit(2001, 'Connected to the server')
    this.emit(2002, 'Connected; pulling started')
    void Promise.resolve(p.play()).catch(() => undefined)
    this.lastFrames = { frames: 0, at: performance.now() }
    this.lastBytesAt = performance.now()
    this.later(() => this.report(), NETSTATUS_MS, true)
  }

  private cleanup: () => void = () => undefined

  private fail(message: string): void {
    this.teardown()
    this.emit(3005, message)
    if (this.retriesLeft > 0) {
      this.retriesLeft--
      this.emit(2103, `Network disconnected; auto-reconnect started (${RETRIES - this.retriesLeft}/${RETRIES})`)
      this.later(() => this.attempt(), RETRY_DELAY_MS)
    } else {
      this.emit(-2301, 'Network disconnected and several reconnect attempts failed; restart playback')
    }
  }

  /** bindnetstatus figures from mpegts statistics and the element's playback quality. */
  private report(): void {
    const p = this.player as (mpegts.MSEPlayer & mpegts.Player) | null
    if (!p) return
    const v = this.video
    const q = v.getVideoPlaybackQuality()
    const now = performance.now()
    const fps = ((q.totalVideoFrames - this.lastFrames.frames) * 1000) / Math.max(1, now - this.lastFrames.at)
    this.lastFrames = { frames: q.totalVideoFrames, at: now }
    const lag = v.buffered.length ? Math.max(0, v.buffered.end(v.buffered.length - 1) - v.currentTime) : 0
    Object.assign(this.metrics, { bufferLag: lag, decodedFrames: q.totalVideoFrames, droppedFrames: q.droppedVideoFrames, width: v.videoWidth, height: v.videoHeight })
    const stats = p.statisticsInfo || ({} as mpegts.MSEPlayerStatisticsInfo)
    const totalKbps = Math.round((stats.speed || 0) * 8)
    // Per kind from the FLV tags read since the last report (bytes per ms × 8 = kbit/s).
    const bytes = this.scanner ? { ...this.scanner.bytes } : this.lastBytes
    const elapsed = Math.max(1, now - this.lastBytesAt)
    const kbps = (n: number) => Math.round((n * 8) / elapsed)
    this.lastBytesAt = now
    const videoKbps = kbps(bytes.video - this.lastBytes.video)
    const audioKbps = kbps(bytes.audio - this.lastBytes.audio)
    this.lastBytes = bytes
    this.onEvent('netstatus', {
      info: {
        videoBitrate: videoKbps,
        audioBitrate: audioKbps,
        videoFPS: Math.round(fps * 10) / 10,
        videoWidth: v.videoWidth,
        videoHeight: v.videoHeight,
        netSpeed: totalKbps,
        netJitter: 0,
        videoCache: Math.round(lag * 1000),
        audioCache: Math.round(lag * 1000),
      },
    })
  }

  private teardown(): void {
    this.gen++
    for (const t of this.timers) window.clearTimeout(t)
    this.timers.clear()
    this.cleanup()
    this.cleanup = () => undefined
    const p = this.player
    this.player = null
    if (p) {
      try {
        p.pause()
        p.unload()
        p.detachMediaElement()
        p.destroy()
      } catch {
        /* already torn down */
      }
    }
  }

  private stop(): void {
    this.teardown()
  }
}
