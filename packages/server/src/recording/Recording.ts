import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Logger } from 'pino'
import type { StoredStream } from '../store/RoomStore'
import { type GridInput, type GridSize, gridComposerArgs, gridWriterArgs, separateArgs, trackProbeArgs } from './ffmpegArgs'
import type { RecordingFile, RecordingInfo, RecordingLayout, RecordingStopReason } from './types'

export interface RecordingDeps {
  recordingId: string
  appId: string
  roomId: string
  layout: RecordingLayout
  streams: string[] | null
  auto: boolean
  /** `recording.dir`; file paths are reported relative to it. */
  root: string
  /** This recording's own directory (exists). */
  dir: string
  grid: GridSize
  ffmpegPath: string
  /** Finds the tracks of a `grid` stream before it gets a cell. */
  ffprobePath: string
  /** A signed play URL for the stream, issued to this recording. */
  playUrl(st: StoredStream): string
  log: Logger
  /** An ffmpeg process ended that nobody asked to stop. */
  onFailure(): void
}

/** A running ffmpeg and the file it writes. */
interface Proc {
  child: ChildProcess
  file?: RecordingFile
  /** Set once we asked it to stop: its exit is then no failure. */
  stopping: boolean
  exited: Promise<void>
}

/** Wait this long after a failed ffmpeg before starting the next one for the same stream. */
const RETRY_MS = 1000
/** ffmpeg gets this long to finish its file after SIGINT, then SIGKILL (the file stays readable). */
const STOP_GRACE_MS = 5000

/**
 * One recording of one room: `separate` runs an ffmpeg per live stream (copying it into its own
 * fragmented MP4, a new file when its publisher comes back), `grid` one composer over all live
 * streams (restarted with a new layout when they change) feeding one writer (one file).
 * `update` is called with the room's live streams; it starts and stops processes to match.
 */
export class Recording {
  readonly startedAt = Date.now()
  state: RecordingInfo['state'] = 'recording'
  stoppedAt?: number
  stopReason?: RecordingStopReason
  readonly files: RecordingFile[] = []
  /** Streams being recorded now (`separate`): streamId → process, keyed to its publisher. */
  private readonly perStream = new Map<string, Proc & { publisher: string }>()
  private readonly retryAt = new Map<string, number>()
  private writer: Proc | undefined
  private composer: (Proc & { key: string }) | undefined
  /** Grid cell order: streams keep their cell while others come and go. */
  private order: string[] = []
  /** Tracks of each grid stream, by its publisher's media connection ('probing' meanwhile). */
  private readonly tracks = new Map<string, { video: boolean; audio: boolean } | 'probing'>()
  private fileSeq = 0
  private lastBytes = 0

  constructor(private readonly d: RecordingDeps) {}

  get id(): string {
    return this.d.recordingId
  }

  get appId(): string {
    return this.d.appId
  }

  get roomId(): string {
    return this.d.roomId
  }

  get auto(): boolean {
    return this.d.auto
  }

  info(): RecordingInfo {
    return {
      recordingId: this.d.recordingId,
      roomId: this.d.roomId,
      layout: this.d.layout,
      streams: this.d.streams ? [...this.d.streams] : null,
      auto: this.d.auto,
      state: this.state,
      startedAt: this.startedAt,
      ...(this.stoppedAt !== undefined ? { stoppedAt: this.stoppedAt } : {}),
      ...(this.stopReason ? { stopReason: this.stopReason } : {}),
      files: this.files.map((f) => ({ ...f })),
    }
  }

  /** Match the processes to the room's streams that have a publisher right now. */
  update(live: StoredStream[]): void {
    if (this.state !== 'recording') return
    const wanted = live.filter((st) => st.state === 'live' && st.mediaSessionId && (!this.d.streams || this.d.streams.includes(st.streamId)))
    if (this.d.layout === 'separate') this.updateSeparate(wanted)
    else this.updateGrid(wanted)
  }

  private updateSeparate(wanted: StoredStream[]): void {
    const now = Date.now()
    const byId = new Map(wanted.map((st) => [st.streamId, st]))
    for (const [streamId, p] of this.perStream) {
      // Gone, or published anew (a new publisher gets a new file).
      if (byId.get(streamId)?.mediaSessionId !== p.publisher) this.stopProc(p)
    }
    for (const st of wanted) {
      if (this.perStream.has(st.streamId) || (this.retryAt.get(st.streamId) ?? 0) > now) continue
      const file = this.newFile(`${st.streamId.replace(/[^A-Za-z0-9_-]/g, '_')}.mp4`, st.streamId)
      const p = this.run(separateArgs(this.d.playUrl(st), join(this.d.root, file.file)), file, 'ignore')
      const entry = Object.assign(p, { publisher: st.mediaSessionId! })
      this.perStream.set(st.streamId, entry)
      void entry.exited.then(() => {
        if (this.perStream.get(st.streamId) === entry) this.perStream.delete(st.streamId)
        if (!entry.stopping) this.retryAt.set(st.streamId, Date.now() + RETRY_MS)
      })
    }
  }

  private updateGrid(live: StoredStream[]): void {
    // A stream gets its cell once its tracks are known (a cell without audio or video must not
    // make ffmpeg fail): probe newcomers first, in the background.
    for (const st of live) if (!this.tracks.has(st.mediaSessionId!)) this.probeTracks(st)
    const wanted = live.filter((st) => typeof this.tracks.get(st.mediaSessionId!) === 'object')
    const ids = new Set(wanted.map((st) => st.streamId))
    this.order = this.order.filter((id) => ids.has(id))
    for (const st of wanted) if (!this.order.includes(st.streamId)) this.order.push(st.streamId)
    const byId = new Map(wanted.map((st) => [st.streamId, st]))
    const key = this.order.map((id) => `${id}\n${byId.get(id)!.mediaSessionId}`).join('\n')
    if (this.composer && !this.composer.stopping && this.composer.key === key) return
    if ((this.retryAt.get('') ?? 0) > Date.now()) return
    if (this.composer) this.stopProc(this.composer)
    this.composer = undefined
    if (this.order.length === 0) return
    const writer = this.gridWriter()
    const inputs: GridInput[] = this.order.map((id) => {
      const st = byId.get(id)!
      return { url: this.d.playUrl(st), ...(this.tracks.get(st.mediaSessionId!) as { video: boolean; audio: boolean }) }
    })
    const p = this.run(gridComposerArgs(inputs, this.d.grid, (Date.now() - this.startedAt) / 1000), undefined, 'pipe')
    const composer = Object.assign(p, { key })
    this.composer = composer
    // The writer outlives composers: each one's output is appended, the writer's stdin stays open.
    p.child.stdout!.pipe(writer.child.stdin!, { end: false })
    void composer.exited.then(() => {
      p.child.stdout!.unpipe(writer.child.stdin!)
      if (this.composer === composer) this.composer = undefined
      if (!composer.stopping) this.retryAt.set('', Date.now() + RETRY_MS)
    })
  }

  private probeTracks(st: StoredStream): void {
    const key = st.mediaSessionId!
    this.tracks.set(key, 'probing')
    execFile(this.d.ffprobePath, trackProbeArgs(this.d.playUrl(st)), { timeout: 15_000 }, (err, out) => {
      if (this.state !== 'recording') return
      const types = String(out).split('\n').map((l) => l.trim())
      // Nothing read (publisher gone, or the probe failed): forget it, the next update tries again.
      if (err || !types.some((t) => t === 'video' || t === 'audio')) return void this.tracks.delete(key)
      this.tracks.set(key, { video: types.includes('video'), audio: types.includes('audio') })
    })
  }

  private gridWriter(): Proc {
    if (this.writer) return this.writer
    const file = this.newFile('grid.mp4')
    const w = this.run(gridWriterArgs(join(this.d.root, file.file)), file, 'pipe-in')
    w.child.stdin!.on('error', () => {}) // the writer died: its exit handler restarts it
    this.writer = w
    void w.exited.then(() => {
      if (this.writer === w) this.writer = undefined
      // Without its writer the composer has nowhere to go; the next update starts both again.
      if (!w.stopping && this.composer) this.stopProc(this.composer)
    })
    return w
  }

  private newFile(name: string, streamId?: string): RecordingFile {
    this.fileSeq++
    const file: RecordingFile = {
      file: relative(this.d.root, join(this.d.dir, `${String(this.fileSeq).padStart(2, '0')}-${name}`)),
      ...(streamId !== undefined ? { streamId } : {}),
      startedAt: Date.now(),
      bytes: 0,
    }
    this.files.push(file)
    return file
  }

  private run(args: string[], file: RecordingFile | undefined, io: 'ignore' | 'pipe' | 'pipe-in'): Proc {
    const child = spawn(this.d.ffmpegPath, args, {
      stdio: [io === 'pipe-in' ? 'pipe' : 'ignore', io === 'pipe' ? 'pipe' : 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000)
    })
    const proc: Proc = { child, stopping: false, exited: Promise.resolve(), ...(file ? { file } : {}) }
    proc.exited = new Promise<void>((resolve) => {
      let ended = false
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (ended) return
        ended = true
        if (file) {
          file.endedAt = Date.now()
          file.bytes = sizeOf(join(this.d.root, file.file))
        }
        this.d.log.debug({ recordingId: this.d.recordingId, args, code, signal, stderr: stderr.trim() }, 'recorder ffmpeg exited')
        if (!proc.stopping) {
          this.d.onFailure()
          this.d.log.warn({ recordingId: this.d.recordingId, code, signal, stderr: stderr.trim() }, 'recorder ffmpeg ended')
        }
        resolve()
      }
      // 'close', not 'exit': a composer's last output must have reached the writer first.
      child.once('close', done)
      child.once('error', (e) => {
        stderr += String(e)
        done(null, null)
      })
    })
    return proc
  }

  private stopProc(p: Proc): void {
    if (p.stopping) return
    p.stopping = true
    if (p.child.exitCode !== null || p.child.signalCode !== null) return
    // SIGINT: ffmpeg flushes and finishes the file; a writer is stopped by closing its stdin.
    if (p.child.stdin) p.child.stdin.end()
    else p.child.kill('SIGINT')
    const t = setTimeout(() => p.child.kill('SIGKILL'), STOP_GRACE_MS)
    void p.exited.then(() => clearTimeout(t))
  }

  /** Bytes written since the last call (for the bytes-written counter). */
  sampleBytes(): number {
    let total = 0
    for (const f of this.files) {
      if (f.endedAt === undefined) f.bytes = sizeOf(join(this.d.root, f.file))
      total += f.bytes
    }
    const delta = Math.max(0, total - this.lastBytes)
    this.lastBytes = total
    return delta
  }

  /** Stop every process and wait until their files are finished. */
  async stop(reason: RecordingStopReason): Promise<void> {
    if (this.state !== 'recording') return
    this.state = 'stopping'
    this.stopReason = reason
    const procs: Proc[] = [...this.perStream.values(), ...(this.composer ? [this.composer] : [])]
    for (const p of procs) this.stopProc(p)
    await Promise.all(procs.map((p) => p.exited))
    const w = this.writer
    if (w) {
      this.stopProc(w)
      await w.exited
    }
    this.state = 'stopped'
    this.stoppedAt = Date.now()
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
