/**
 * A Node stand-in for WeChat's native `<live-pusher>`: it "captures" an FLV fixture, pushes it
 * over real RTMP, and reports through the same events and status codes the component does
 * (bindstatechange / bindnetstatus / binderror / bindaudiovolumenotify).
 */
import type { ContextCallOptions, LivePusherContextLike, NativeEventDetail, NativeEventKind, PusherViewModel } from '@minirtc/core'
import { FIXTURES } from './media/fixtures.js'
import { FlvSource } from './media/flv-source.js'
import { MediaError } from './media/errors.js'
import { RtmpPublisher } from './media/rtmp-publisher.js'
import { StreamStats, type StreamCounters } from './media/stream-stats.js'
import type { FlvTag } from './media/flv.js'
import { GenerationTimers } from './generation-timers.js'
import { RetryBudget } from './retry-budget.js'
import { settle, type NativeEventCallback } from './wx-callback.js'

export interface VirtualPusherOptions {
  onEvent: NativeEventCallback
  /** FLV file the "camera" produces (looped). Default `FIXTURES.camera640x360`. */
  source?: string
  /** Stamp the wall-clock time into every video frame (SEI) for latency benchmarks. */
  stampWallClock?: boolean
  /**
   * Reconnect attempts per outage before -1307. The native pusher (TXLivePusher underneath)
   * retries 3 times, 3 s apart, by default.
   */
  retries?: number
  retryDelayMs?: number
  /** WeChat fires bindnetstatus about every 2 s. */
  netstatusIntervalMs?: number
  /** Interval of bindaudiovolumenotify while the mic is on. Default 300 ms. */
  audioVolumeIntervalMs?: number
  /** Simulate the user refusing the permission: binderror 10001/10002 and -1301/-1302, no push. */
  deny?: 'camera' | 'microphone'
  connectTimeoutMs?: number
}

/** The attributes the virtual pusher reads; anything else in the view model is ignored. */
export type VirtualPusherAttributes = Partial<PusherViewModel>


type Phase = 'idle' | 'starting' | 'pushing' | 'retrying' | 'failed'

/**
 * @example
 * const pusher = new VirtualPusher({ onEvent: (kind, detail) => engine.handle(kind, detail) })
 * pusher.update({ url: 'rtmp://127.0.0.1:1935/live/s1', autopush: true, enableCamera: true, enableMic: true })
 * // statechange 1003, 1007, 1008, 1001, 1002; netstatus every 2 s
 * pusher.context.sendMessage({ msg: 'hi', success() {} })
 * pusher.destroy()
 */
export class VirtualPusher {
  /** The context `wx.createLivePusherContext()` would return. */
  readonly context: Required<LivePusherContextLike>
  /** Everything actually sent, across reconnects. */
  readonly stats = new StreamStats()
  /** Successful publishes (1002) so far. */
  publishCount = 0
  private readonly opts: Required<Omit<VirtualPusherOptions, 'deny'>> & Pick<VirtualPusherOptions, 'deny'>
  private vm: VirtualPusherAttributes = { url: '', autopush: false, enableCamera: true, enableMic: true, muted: false }
  private phase: Phase = 'idle'
  /** The app is in the background (`setBackground`). */
  private background = false
  private source: FlvSource
  private publisher: RtmpPublisher | null = null
  private bytesBefore = 0
  /** When the current connection reached 1002 (0 when not pushing). */
  /** Timers of the current connection attempt (`timers.gen` identifies it). */
  private readonly timers = new GenerationTimers()
  private readonly retry: RetryBudget
  private destroyed = false
  private maxAudioFrameAvg = 1
  private lastAudio = { bytes: 0, frames: 0 }

  constructor(options: VirtualPusherOptions) {
    this.opts = {
      onEvent: options.onEvent,
      source: options.source ?? FIXTURES.camera640x360,
      stampWallClock: options.stampWallClock ?? false,
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 3000,
      netstatusIntervalMs: options.netstatusIntervalMs ?? 2000,
      audioVolumeIntervalMs: options.audioVolumeIntervalMs ?? 300,
      deny: options.deny,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    }
    this.retry = new RetryBudget(this.opts.retries)
    this.source = new FlvSource(this.opts.source, { stampWallClock: this.opts.stampWallClock })
    this.context = {
      start: (o?: ContextCallOptions) => {
        if (!this.vm.url) return settle(o, 'start', { ok: false, reason: 'no url' })
        this.startPush()
        settle(o, 'start', { ok: true })
      },
      stop: (o?: ContextCallOptions) => {
        this.stopPush()
        settle(o, 'stop', { ok: true })
      },
      switchCamera: (o?: ContextCallOptions) => {
        this.vm = { ...this.vm, devicePosition: this.vm.devicePosition === 'back' ? 'front' : 'back' }
        settle(o, 'switchCamera', { ok: true })
      },
      snapshot: (o?: ContextCallOptions) => {
        if (this.vm.enableCamera === false) return settle(o, 'snapshot', { ok: false, reason: 'camera is off' })
        // No pixels here: report the frame size the camera produces, with a placeholder path.
        settle(o, 'snapshot', {
          ok: true,
          res: { tempImagePath: `headless://snapshot/${Date.now()}.jpg`, width: this.source.width, height: this.source.height },
        })
      },
      sendMessage: (o: ContextCallOptions & { msg: string }) => {
        if (this.phase !== 'pushing' || !this.publisher) return settle(o, 'sendMessage', { ok: false, reason: 'not pushing' })
        if (typeof o?.msg !== 'string') return settle(o, 'sendMessage', { ok: false, reason: 'msg must be a string' })
        this.publisher.sendMessage(o.msg)
        settle(o, 'sendMessage', { ok: true })
      },
      toggleTorch: (o?: ContextCallOptions) => {
        if (this.vm.devicePosition === 'front') return settle(o, 'toggleTorch', { ok: false, reason: 'the front camera has no torch' })
        this.device.torch = !this.device.torch
        settle(o, 'toggleTorch', { ok: true })
      },
      startPreview: (o?: ContextCallOptions) => {
        this.device.previewing = true
        settle(o, 'startPreview', { ok: true })
      },
      stopPreview: (o?: ContextCallOptions) => {
        this.device.previewing = false
        settle(o, 'stopPreview', { ok: true })
      },
      playBGM: (o: ContextCallOptions & { url: string }) => {
        if (!o || typeof o.url !== 'string' || !o.url) return settle(o, 'playBGM', { ok: false, reason: 'url is required' })
        this.device.bgm = { url: o.url, state: 'playing' }
        settle(o, 'playBGM', { ok: true })
      },
      pauseBGM: (o?: ContextCallOptions) => this.bgmState(o, 'pauseBGM', 'playing', 'paused'),
      resumeBGM: (o?: ContextCallOptions) => this.bgmState(o, 'resumeBGM', 'paused', 'playing'),
      stopBGM: (o?: ContextCallOptions) => {
        this.device.bgm = null
        settle(o, 'stopBGM', { ok: true })
      },
      setBGMVolume: (o: ContextCallOptions & { volume: number }) => this.volume(o, 'setBGMVolume', 'bgmVolume'),
      setMICVolume: (o: ContextCallOptions & { volume: number }) => this.volume(o, 'setMICVolume', 'micVolume'),
    }
  }

  /** What the context methods set on the device: torch, preview, background music, volumes. */
  readonly device: { torch: boolean; previewing: boolean; bgm: { url: string; state: 'playing' | 'paused' } | null; bgmVolume: number; micVolume: number } = {
    torch: false,
    previewing: false,
    bgm: null,
    bgmVolume: 1,
    micVolume: 1,
  }

  private bgmState(o: ContextCallOptions | undefined, method: string, from: 'playing' | 'paused', to: 'playing' | 'paused') {
    if (!this.device.bgm || this.device.bgm.state !== from) return settle(o, method, { ok: false, reason: 'background music is not ' + from })
    this.device.bgm = { url: this.device.bgm.url, state: to }
    settle(o, method, { ok: true })
  }

  /** WeChat takes volumes from 0 to 1. */
  private volume(o: ContextCallOptions & { volume: number }, method: string, key: 'bgmVolume' | 'micVolume') {
    const v = o && o.volume
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return settle(o, method, { ok: false, reason: 'volume must be within 0-1' })
    this.device[key] = v
    settle(o, method, { ok: true })
  }

  /** Current push state, for tests. */
  get state(): Phase {
    return this.phase
  }

  /** Counters of what was actually sent (all connections). */
  get counters(): StreamCounters {
    this.syncBytes()
    return this.stats.counters
  }

  /**
   * Applies re-rendered attributes. Like the component: setting `url` with `autopush` starts
   * pushing, changing `url` restarts, `url: ''` stops; enable-camera / enable-mic (and the
   * deprecated `muted`) switch video / audio sending on the live stream.
   */
  update(vm: VirtualPusherAttributes): void {
    if (this.destroyed) return
    const prev = this.vm
    this.vm = { ...prev, ...vm }
    const next = this.vm
    this.publisher?.setVideo(this.videoOn())
    this.publisher?.setAudio(this.micOn())
    if (next.url !== prev.url) {
      if (this.phase !== 'idle') this.stopPush()
      if (next.url && next.autopush) this.startPush()
    } else if (next.autopush && !prev.autopush && next.url && this.phase === 'idle') {
      this.startPush()
    }
  }

  /**
   * Switches the "camera" to another fixture mid-stream (new SPS and metadata, timestamps
   * continue): a player sees a resolution change.
   */
  switchSource(file: string): void {
    this.source.switchClip(file)
  }

  /**
   * The app goes to the background (`true`) or comes back. WeChat's pusher reports 5000 on the way
   * out; with a `waiting-image` it pushes that picture instead of the camera until the app
   * returns (here the default picture's clip, `FIXTURES.waitingImage360x640`), without one it
   * sends no video and peers keep the last frame, frozen. The push itself goes on either way.
   */
  setBackground(hidden: boolean): void {
    if (this.destroyed || hidden === this.background) return
    this.background = hidden
    if (hidden) this.stateChange(5000, 'Mini-program suspended')
    if (this.vm.waitingImage) this.source.switchClip(hidden ? FIXTURES.waitingImage360x640 : this.opts.source)
    this.publisher?.setVideo(this.videoOn())
  }

  /**
   * Android's floating window (picture-in-picture) is closed by the user: WeChat tears the push
   * down and reports 5001; the app must publish again.
   */
  closeFloatingWindow(): void {
    if (this.phase === 'idle') return
    this.stopPush()
    this.stateChange(5001, 'Floating window closed')
  }

  /**
   * Simulate the network failing under the current push (a read/write error, as when a phone
   * leaves Wi-Fi): the component reports it and reconnects by itself, as WeChat's does.
   */
  interruptNetwork(): void {
    if (this.phase === 'pushing') this.onFailure(new MediaError('IO_ERROR', 'network interrupted'))
  }

  /** Stops everything; the instance cannot be reused (the element was removed). */
  destroy(): void {
    this.stopPush()
    this.destroyed = true
  }

  // ---- internals -----------------------------------------------------------------------

  /** Video goes out unless the camera is off, or the app is in the background without a waiting-image. */
  private videoOn(): boolean {
    return this.vm.enableCamera !== false && !(this.background && !this.vm.waitingImage)
  }

  private micOn(): boolean {
    return this.vm.enableMic !== false && this.vm.muted !== true
  }

  private emit(kind: NativeEventKind, detail: NativeEventDetail): void {
    if (this.destroyed) return
    this.opts.onEvent(kind, detail)
  }

  private stateChange(code: number, message: string): void {
    this.emit('statechange', { code, message })
  }

  private startPush(): void {
    if (this.destroyed || this.phase === 'starting' || this.phase === 'pushing' || this.phase === 'retrying') return
    this.timers.gen++
    this.phase = 'starting'
    // Device permission comes first: the native component reports binderror and the fatal
    // statechange and never connects.
    if (this.opts.deny === 'camera' && this.vm.enableCamera !== false) {
      this.timers.later(() => {
        this.emit('error', { errCode: 10001, errMsg: 'user denied the camera (authorize scope.camera)' })
        this.stateChange(-1301, 'Failed to open the camera')
        this.phase = 'failed'
      }, 0)
      return
    }
    if (this.opts.deny === 'microphone' && this.micOn()) {
      this.timers.later(() => {
        this.emit('error', { errCode: 10002, errMsg: 'user denied the microphone (authorize scope.record)' })
        this.stateChange(-1302, 'Failed to open the microphone')
        this.phase = 'failed'
      }, 0)
      return
    }
    this.retry.reset()
    this.timers.later(() => {
      if (this.vm.enableCamera !== false) {
        this.stateChange(1003, 'Camera opened')
        this.stateChange(1007, 'First frame captured')
      }
      this.stateChange(1008, 'Encoder started')
      this.attempt()
    }, 0)
  }

  private attempt(): void {
    const gen = this.timers.gen
    const url = this.vm.url ?? ''
    const pub = new RtmpPublisher({
      url,
      source: this.source,
      audio: this.micOn(),
      video: this.videoOn(),
      connectTimeoutMs: this.opts.connectTimeoutMs,
    })
    this.publisher = pub
    pub.on('tag', (tag) => this.onTag(tag))
    pub.on('connected', () => {
      if (gen === this.timers.gen) this.stateChange(1001, 'Connected to the push server')
    })
    pub.on('close', (err) => {
      if (gen !== this.timers.gen) return
      this.onFailure(err ?? new MediaError('SERVER_CLOSED', 'push connection closed'))
    })
    pub.start().then(
      () => {
        if (gen !== this.timers.gen) return void pub.stop()
        this.phase = 'pushing'
        this.publishCount++
        this.retry.up()
        this.stateChange(1002, 'Push started')
        this.startReporting()
      },
      (err: unknown) => {
        if (gen !== this.timers.gen) return
        this.onFailure(err instanceof MediaError ? err : new MediaError('IO_ERROR', String(err), { cause: err }))
      },
    )
  }

  private onFailure(err: MediaError): void {
    // Invalidate the connection's callbacks first: stopping it below emits its own 'close'.
    this.timers.gen++
    this.retirePublisher()
    this.timers.clear() // drop the reporting timers of the lost connection
    // Like TXLivePusher: the 300x warning names the cause, 1102 announces the automatic retry,
    // -1307 says the retries ran out and the app must restart the push itself.
    this.stateChange(err.wechatCode, err.message)
    const retry = this.retry.take()
    if (retry > 0) {
      this.phase = 'retrying'
      this.stateChange(1102, `Network disconnected; auto-reconnect started (${retry}/${this.retry.retries})`)
      this.timers.later(() => this.attempt(), this.opts.retryDelayMs)
    } else {
      this.phase = 'failed'
      this.stateChange(-1307, 'Network disconnected and several reconnect attempts failed; restart the push')
    }
  }

  private retirePublisher(): void {
    const p = this.publisher
    this.publisher = null
    if (p) {
      this.bytesBefore += p.counters.bytes
      void p.stop()
    }
  }

  private stopPush(): void {
    this.timers.gen++
    this.timers.clear()
    this.retirePublisher()
    this.phase = 'idle'
  }

  private syncBytes(): void {
    this.stats.counters.bytes = this.bytesBefore + (this.publisher?.counters.bytes ?? 0)
  }

  private onTag(tag: FlvTag): void {
    this.stats.record(tag)
  }

  private startReporting(): void {
    this.stats.rates() // restart the interval at "push started"
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
        },
      })
    }, this.opts.netstatusIntervalMs)
    this.lastAudio = { bytes: this.stats.counters.audioBytes, frames: this.stats.counters.audioFrames }
    this.timers.every(() => {
      if (!this.micOn()) return
      // No PCM here: the level is estimated from AAC frame sizes over the interval (louder
      // passages cost more bits), scaled to 0-100 against the largest average seen.
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
