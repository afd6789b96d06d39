/**
 * A browser stand-in for WeChat's `<live-pusher>`: when the engine renders a signed push `url`
 * with `autopush`, it opens the camera and microphone, records them with MediaRecorder (WebM,
 * H.264 + Opus, a keyframe every second, 100 ms slices) and streams the slices over a WebSocket
 * to the server's ingest (`/ingest?url=<pushUrl>`), where ffmpeg pushes them to the media server
 * under the same signed URL a phone would use.
 *
 * Status codes as on a phone: 1003/1007/1008 camera, first frame, encoder; 1001 connected;
 * 1002 push started; -1301/-1302 camera/microphone denied; 1102 + retries on a dropped ingest;
 * -1307 when the push gives up (also when the server refuses it: see `lastError`).
 */
import type { LivePusherContextLike, PusherViewModel } from '@minirtc/core'
import type { NativeEventCallback } from './nativeEvents'

export const RECORDER_MIME = 'video/webm;codecs=h264,opus'
const RETRIES = 3
const RETRY_DELAY_MS = 3000
const NETSTATUS_MS = 2000

export interface BrowserPusherOptions {
  onEvent: NativeEventCallback
  /** The ingest WebSocket URL for a push URL (`ws://host/ingest?url=…`). */
  ingestUrl(pushUrl: string): string
  /**
   * The server refused the push for good (no ffmpeg, bad URL, too many publishers). The pusher
   * still reports -1307 as a phone's would (the engine then retries with fresh URLs); an app that
   * knows retrying cannot help stops publishing here.
   */
  onRefused?(err: IngestError): void
  /** Camera constraints (default 640x360 at 15 fps). */
  video?: MediaTrackConstraints
}

/** Why the server refused or ended an ingest, as it said in its `error` frame. */
export interface IngestError {
  code: number
  reason: string
  message: string
}

export interface BrowserPusherMetrics {
  /** Milliseconds from the push start to the server's `ready`, null before. */
  readyMs: number | null
  /** Milliseconds from the push start to the first slice sent, null before. */
  firstSliceMs: number | null
  bytesSent: number
  /**
   * `Date.now()` when the recorder started: the stream's media timestamps count from here, so a
   * receiver can tell how old a frame is (capture to arrival).
   */
  recorderStartedAt: number | null
}

export class BrowserPusher {
  /** The local preview (muted). */
  readonly video: HTMLVideoElement
  readonly context: Required<LivePusherContextLike>
  readonly metrics: BrowserPusherMetrics = { readyMs: null, firstSliceMs: null, bytesSent: 0, recorderStartedAt: null }
  /** The server's last refusal (MEDIA_UNAVAILABLE when it has no ffmpeg, …), shown by the UI. */
  lastError: IngestError | null = null
  private vm: Partial<PusherViewModel> = {}
  private stream: MediaStream | null = null
  private recorder: MediaRecorder | null = null
  private ws: WebSocket | null = null
  private gen = 0
  private retriesLeft = RETRIES
  private timers = new Set<number>()
  private destroyed = false
  private lastBytes = { bytes: 0, at: 0 }

  constructor(private readonly opts: BrowserPusherOptions) {
    this.video = document.createElement('video')
    this.video.muted = true
    this.video.playsInline = true
    this.video.autoplay = true
    const ok = (o: { success?(r: unknown): void; complete?(r: unknown): void } | undefined, res: object = {}) => {
      o?.success?.(res)
      o?.complete?.(res)
    }
    this.context = {
      start: (o) => {
        if (this.vm.url) this.start()
        ok(o)
      },
      stop: (o) => {
        this.stop()
        ok(o)
      },
      switchCamera: (o) => ok(o),
      toggleTorch: (o) => ok(o),
      sendMessage: (o) => o?.fail?.({ errMsg: 'sendMessage:fail SEI is not available from a browser' }),
      // The browser always previews while the camera is on; background music and volumes have no browser counterpart here.
      startPreview: (o) => ok(o),
      stopPreview: (o) => ok(o),
      playBGM: (o) => o?.fail?.({ errMsg: 'playBGM:fail not available in the browser console' }),
      pauseBGM: (o) => o?.fail?.({ errMsg: 'pauseBGM:fail not available in the browser console' }),
      resumeBGM: (o) => o?.fail?.({ errMsg: 'resumeBGM:fail not available in the browser console' }),
      stopBGM: (o) => o?.fail?.({ errMsg: 'stopBGM:fail not available in the browser console' }),
      setBGMVolume: (o) => o?.fail?.({ errMsg: 'setBGMVolume:fail not available in the browser console' }),
      setMICVolume: (o) => o?.fail?.({ errMsg: 'setMICVolume:fail not available in the browser console' }),
      snapshot: (o) => {
        const c = document.createElement('canvas')
        c.width = this.video.videoWidth
        c.height = this.video.videoHeight
        c.getContext('2d')?.drawImage(this.video, 0, 0)
        ok(o, { tempImagePath: c.toDataURL('image/jpeg'), width: c.width, height: c.height })
      },
    }
  }

  /** Apply re-rendered attributes (url + autopush start, '' stops, enable-camera/mic mute tracks). */
  update(vm: PusherViewModel): void {
    if (this.destroyed) return
    const prev = this.vm
    this.vm = vm
    this.applyMute()
    if (vm.url !== prev.url) {
      this.stop()
      if (vm.url && vm.autopush) this.start()
    } else if (vm.autopush && !prev.autopush && vm.url && !this.recorder) {
      this.start()
    }
  }

  destroy(): void {
    this.stop()
    this.releaseDevices()
    this.destroyed = true
    this.video.remove()
  }

  private emit(code: number, message: string): void {
    if (!this.destroyed) this.opts.onEvent('statechange', { code, message })
  }

  private applyMute(): void {
    if (!this.stream) return
    for (const t of this.stream.getVideoTracks()) t.enabled = this.vm.enableCamera !== false
    for (const t of this.stream.getAudioTracks()) t.enabled = this.vm.enableMic !== false && this.vm.muted !== true
  }

  private start(): void {
    this.stop()
    this.retriesLeft = RETRIES
    this.lastError = null
    void this.attempt()
  }

  private async attempt(): Promise<void> {
    const gen = ++this.gen
    const live = () => gen === this.gen && !this.destroyed
    const startedAt = performance.now()
    if (!this.stream) {
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          video: this.opts.video ?? { width: 640, height: 360, frameRate: 15 },
          audio: true,
        })
      } catch (err) {
        if (!live()) return
        const name = (err as DOMException).name
        this.lastError = { code: 0, reason: name, message: `The browser did not give the camera/microphone: ${(err as Error).message}` }
        this.emit(name === 'NotAllowedError' ? -1301 : -1303, this.lastError.message)
        return
      }
      if (!live()) return
      this.video.srcObject = this.stream
      void this.video.play().catch(() => undefined)
      this.applyMute()
      this.emit(1003, 'Camera opened')
      this.emit(1007, 'First frame captured')
    }
    if (!MediaRecorder.isTypeSupported(RECORDER_MIME)) {
      this.lastError = { code: 0, reason: 'UNSUPPORTED', message: `This browser cannot record ${RECORDER_MIME}.` }
      this.emit(-1303, this.lastError.message)
      return
    }
    const ws = new WebSocket(this.opts.ingestUrl(this.vm.url || ''))
    ws.binaryType = 'arraybuffer'
    this.ws = ws
    let pushing = false
    ws.addEventListener('message', (e) => {
      if (!live() || typeof e.data !== 'string') return
      let msg: { type?: string; error?: IngestError }
      try {
        msg = JSON.parse(e.data)
      } catch {
        return
      }
      if (msg.type === 'error' && msg.error) this.lastError = msg.error
      if (msg.type === 'ready' && this.metrics.readyMs === null) this.metrics.readyMs = Math.round(performance.now() - startedAt)
    })
    ws.addEventListener('open', () => {
      if (!live()) return
      this.emit(1001, 'Connected to the push server')
      const rec = new MediaRecorder(this.stream!, {
        mimeType: RECORDER_MIME,
        videoBitsPerSecond: 800_000,
        audioBitsPerSecond: 64_000,
        // Chromium's H.264 default is a keyframe every ~100 frames: viewers would join up to
        // 6.7 s late (the media server starts them at the last keyframe).
        videoKeyFrameIntervalDuration: 1000,
      } as MediaRecorderOptions)
      this.recorder = rec
      this.emit(1008, 'Encoder started')
      rec.addEventListener('dataavailable', (e) => {
        if (!live() || ws.readyState !== WebSocket.OPEN || e.data.size === 0) return
        // Sending the Blob itself keeps the slices in order (no await between them).
        ws.send(e.data)
        this.metrics.bytesSent += e.data.size
        if (this.metrics.firstSliceMs === null) this.metrics.firstSliceMs = Math.round(performance.now() - startedAt)
        if (!pushing) {
          pushing = true
          this.retriesLeft = RETRIES
          this.emit(1002, 'Push started')
        }
      })
      rec.start(100)
      this.metrics.recorderStartedAt = Date.now()
      this.lastBytes = { bytes: this.metrics.bytesSent, at: performance.now() }
      this.later(() => this.report(), NETSTATUS_MS, true)
    })
    ws.addEventListener('close', (e) => {
      if (!live()) return
      this.teardown()
      if (e.code === 4403 || this.lastError) {
        // Refused by the server (bad URL, no ffmpeg, too many): retrying cannot help.
        const err = this.lastError ?? { code: 0, reason: 'REFUSED', message: e.reason }
        this.lastError = err
        this.emit(-1307, `The server refused the browser push: ${err.code ? err.code + ' ' : ''}${err.message}`)
        this.opts.onRefused?.(err)
        return
      }
      this.emit(3004, `The ingest connection closed (${e.code})`)
      if (this.retriesLeft > 0) {
        this.retriesLeft--
        this.emit(1102, `Network disconnected; auto-reconnect started (${RETRIES - this.retriesLeft}/${RETRIES})`)
        this.later(() => void this.attempt(), RETRY_DELAY_MS)
      } else {
        this.emit(-1307, 'Network disconnected and several reconnect attempts failed; restart the push')
      }
    })
  }

  private later(fn: () => void, ms: number, repeat = false): void {
    const gen = this.gen
    const run = () => {
      if (gen === this.gen) fn()
    }
    this.timers.add(repeat ? window.setInterval(run, ms) : window.setTimeout(run, ms))
  }

  /** bindnetstatus figures from what was sent and the camera's settings. */
  private report(): void {
    const now = performance.now()
    const kbps = Math.round(((this.metrics.bytesSent - this.lastBytes.bytes) * 8) / Math.max(1, now - this.lastBytes.at))
    this.lastBytes = { bytes: this.metrics.bytesSent, at: now }
    const s = this.stream?.getVideoTracks()[0]?.getSettings() ?? {}
    const audioKbps = this.vm.enableMic === false ? 0 : 64
    this.opts.onEvent('netstatus', {
      info: {
        videoBitrate: Math.max(0, kbps - audioKbps),
        audioBitrate: Math.min(kbps, audioKbps),
        videoFPS: s.frameRate ?? 0,
        videoWidth: s.width ?? 0,
        videoHeight: s.height ?? 0,
        videoGOP: 1,
        netSpeed: kbps,
        netJitter: 0,
      },
    })
  }

  private teardown(): void {
    this.gen++
    for (const t of this.timers) window.clearTimeout(t)
    this.timers.clear()
    const rec = this.recorder
    this.recorder = null
    if (rec && rec.state !== 'inactive') rec.stop()
    const ws = this.ws
    this.ws = null
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000)
  }

  private stop(): void {
    this.teardown()
  }

  private releaseDevices(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop()
    this.stream = null
    this.video.srcObject = null
  }
}
