import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, statfsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ErrorCode } from '@minirtc/protocol'
import type { Logger } from 'pino'
import { ServerError } from '../errors'
import type { ServerPlayers } from '../media/ServerPlayers'
import type { Metrics } from '../metrics'
import type { RoomStore, StoredStream } from '../store/RoomStore'
import { Recording } from './Recording'
import type { AppRecordingOptions, RecordingInfo, RecordingLayout, RecordingOptions, RecordingStopReason } from './types'
import type { WebhookSender } from './webhooks'

/** What the manager needs to know about each app. */
export interface RecordingApp {
  secret: string
  webhookUrl?: string | undefined
  recording?: AppRecordingOptions | undefined
}

export interface RecordingManagerDeps {
  opts: RecordingOptions
  apps: Map<string, RecordingApp>
  store: RoomStore
  /** Admits recorders as players of the rooms they record. */
  players: ServerPlayers
  ffmpegPath: string
  webhooks: WebhookSender
  log: Logger
  metrics: Metrics
}

export const recordingDefaults = {
  maxRecorders: 10,
  minFreeBytes: 1024 ** 3,
  grid: { width: 1280, height: 720, fps: 15 },
  pollMs: 1000,
  autoStopAfterMs: 10_000,
  webhookAttempts: 6,
  webhookRetryBaseMs: 1000,
} as const

/** Refuse a recording config that would misbehave later (startServer throws, the CLI exits 2). */
export function checkRecordingConfig(recording: RecordingOptions | undefined, apps: { appId: string; recording?: AppRecordingOptions | undefined }[]): void {
  for (const a of apps) {
    const layout = a.recording?.layout
    if (layout !== undefined && layout !== 'separate' && layout !== 'grid')
      throw new Error(`startServer: apps[${a.appId}].recording.layout must be 'separate' or 'grid'`)
    if (a.recording?.auto && !recording?.dir) throw new Error(`startServer: app ${a.appId} records automatically; set recording.dir`)
  }
  const grid = recording?.grid
  for (const k of ['width', 'height', 'fps'] as const) {
    const v = grid?.[k]
    if (v !== undefined && (!Number.isInteger(v) || v < 2 || v > 4096)) throw new Error(`startServer: recording.grid.${k} must be an integer from 2 to 4096`)
  }
}

/** Finished recordings the admin API still lists (the webhook has told the app about them). */
const KEEP_FINISHED = 1000

/**
 * Recordings of this server: started through the admin API or automatically (`recording.auto`
 * per app), limited in number and by free disk space, followed by a poll of each room's live
 * streams, reported by signed webhooks and on /metrics, finished on shutdown.
 */
export class RecordingManager {
  private readonly recordings = new Map<string, Recording>()
  /** Rooms with an automatic recording, and since when they have had no live stream. */
  private readonly idleSince = new Map<Recording, number>()
  private readonly timer: NodeJS.Timeout
  private readonly root: string
  private polling = false
  private closed = false

  constructor(private readonly d: RecordingManagerDeps) {
    this.root = resolve(d.opts.dir)
    mkdirSync(this.root, { recursive: true })
    this.timer = setInterval(() => void this.poll(), d.opts.pollMs ?? recordingDefaults.pollMs)
    this.timer.unref()
  }

  /** Recordings running now (started and not yet finished). */
  get active(): number {
    let n = 0
    for (const r of this.recordings.values()) if (r.state !== 'stopped') n++
    return n
  }

  /**
   * Start recording a room. Refused with TOO_MANY_RECORDINGS at `maxRecorders`, DISK_FULL below
   * `minFreeBytes`, STREAM_NOT_FOUND when a named stream is not in the room.
   */
  async start(appId: string, roomId: string, req: { layout: RecordingLayout; streams: string[] | null }, auto = false): Promise<RecordingInfo> {
    if (this.closed) throw new ServerError(ErrorCode.MEDIA_UNAVAILABLE, 'The server is shutting down.')
    if (this.active >= (this.d.opts.maxRecorders ?? recordingDefaults.maxRecorders)) throw new ServerError(ErrorCode.TOO_MANY_RECORDINGS)
    if (this.freeBytes() < (this.d.opts.minFreeBytes ?? recordingDefaults.minFreeBytes)) throw new ServerError(ErrorCode.DISK_FULL)
    if (req.streams) {
      const have = new Set((await this.d.store.listStreams(appId, roomId)).map((st) => st.streamId))
      const missing = req.streams.find((id) => !have.has(id))
      if (missing !== undefined) throw new ServerError(ErrorCode.STREAM_NOT_FOUND, `No stream ${JSON.stringify(missing)} in the room; list them with GET /admin/rooms/:roomId/streams.`)
    }
    const recordingId = `rec_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`
    const dir = join(this.root, recordingId)
    mkdirSync(dir, { recursive: true })
    const playUrl = this.d.players.open(`rec:${recordingId}`, appId, roomId)
    const grid = { ...recordingDefaults.grid, ...this.d.opts.grid }
    const rec = new Recording({
      recordingId,
      appId,
      roomId,
      layout: req.layout,
      streams: req.streams,
      auto,
      root: this.root,
      dir,
      grid,
      ffmpegPath: this.d.ffmpegPath,
      ffprobePath: this.d.opts.ffprobePath ?? 'ffprobe',
      playUrl,
      log: this.d.log,
      onFailure: () => this.d.metrics.recorderFailures.inc({ layout: req.layout }),
    })
    this.recordings.set(recordingId, rec)
    this.d.metrics.recordingsActive.inc()
    this.d.log.info({ appId, roomId, recordingId, layout: req.layout, auto }, 'recording started')
    this.notify(rec, 'recording.started')
    rec.update(await this.d.store.listStreams(appId, roomId))
    return rec.info()
  }

  list(appId: string, roomId: string): RecordingInfo[] {
    return [...this.recordings.values()].filter((r) => r.appId === appId && r.roomId === roomId).map((r) => r.info())
  }

  get(appId: string, roomId: string, recordingId: string): RecordingInfo | undefined {
    const r = this.recordings.get(recordingId)
    return r && r.appId === appId && r.roomId === roomId ? r.info() : undefined
  }

  /** Stop a recording and wait for its files; undefined when the room has no such recording. */
  async stop(appId: string, roomId: string, recordingId: string, reason: RecordingStopReason = 'requested'): Promise<RecordingInfo | undefined> {
    const r = this.recordings.get(recordingId)
    if (!r || r.appId !== appId || r.roomId !== roomId) return undefined
    await this.finish(r, reason)
    return r.info()
  }

  /** Shutdown: finish every recording (files finalized, `recording.finished` sent). */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await Promise.all([...this.recordings.values()].map((r) => this.finish(r, 'shutdown')))
  }

  private async finish(r: Recording, reason: RecordingStopReason): Promise<void> {
    if (r.state !== 'recording') {
      while (r.state === 'stopping') await new Promise((res) => setTimeout(res, 50))
      return
    }
    await r.stop(reason)
    this.d.players.close(`rec:${r.id}`)
    this.idleSince.delete(r)
    this.d.metrics.recordingsActive.dec()
    this.d.metrics.recordingBytes.inc(r.sampleBytes())
    await Promise.all(r.files.map(async (f) => {
      const ms = await this.durationMs(join(this.root, f.file))
      if (ms !== undefined) f.durationMs = ms
    }))
    this.d.log.info({ appId: r.appId, roomId: r.roomId, recordingId: r.id, reason, files: r.files.length }, 'recording finished')
    this.notify(r, 'recording.finished')
    this.prune()
  }

  /** Forget the oldest finished recordings beyond KEEP_FINISHED (their files stay on disk). */
  private prune(): void {
    let finished = 0
    for (const r of this.recordings.values()) if (r.state === 'stopped') finished++
    for (const [id, r] of this.recordings) {
      if (finished <= KEEP_FINISHED) break
      if (r.state !== 'stopped') continue
      this.recordings.delete(id)
      finished--
    }
  }

  private notify(r: Recording, event: 'recording.started' | 'recording.finished'): void {
    const app = this.d.apps.get(r.appId)
    if (!app?.webhookUrl) return
    this.d.webhooks.send(app.webhookUrl, app.secret, event, { appId: r.appId, ...r.info() })
  }

  private freeBytes(): number {
    try {
      const s = statfsSync(this.root)
      return s.bavail * s.bsize
    } catch {
      return 0
    }
  }

  private durationMs(path: string): Promise<number | undefined> {
    return new Promise((res) => {
      execFile(this.d.opts.ffprobePath ?? 'ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { timeout: 10_000 }, (err, out) => {
        const s = Number(String(out).trim())
        res(err || !Number.isFinite(s) ? undefined : Math.round(s * 1000))
      })
    })
  }

  /** Follow each room's streams; start and stop automatic recordings; watch the disk. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return
    this.polling = true
    try {
      const lowDisk = this.freeBytes() < (this.d.opts.minFreeBytes ?? recordingDefaults.minFreeBytes)
      for (const r of this.recordings.values()) {
        if (r.state !== 'recording') continue
        if (lowDisk) {
          this.d.log.error({ recordingId: r.id }, 'free disk space below recording.minFreeBytes: recording stopped')
          void this.finish(r, 'diskFull')
          continue
        }
        const streams = await this.d.store.listStreams(r.appId, r.roomId)
        r.update(streams)
        this.d.metrics.recordingBytes.inc(r.sampleBytes())
        if (r.auto) this.autoIdle(r, streams)
      }
      if (!lowDisk) await this.autoStart()
    } catch (e) {
      this.d.log.error({ err: e instanceof Error ? e.stack : String(e) }, 'recording poll failed')
    } finally {
      this.polling = false
    }
  }

  private autoIdle(r: Recording, streams: StoredStream[]): void {
    if (streams.some((st) => st.state === 'live')) return void this.idleSince.delete(r)
    const since = this.idleSince.get(r) ?? Date.now()
    this.idleSince.set(r, since)
    if (Date.now() - since >= (this.d.opts.autoStopAfterMs ?? recordingDefaults.autoStopAfterMs)) void this.finish(r, 'roomIdle')
  }

  private async autoStart(): Promise<void> {
    for (const [appId, app] of this.d.apps) {
      if (!app.recording?.auto) continue
      for (const room of await this.d.store.listRooms(appId)) {
        if (room.streamCount === 0) continue
        const has = [...this.recordings.values()].some((r) => r.auto && r.appId === appId && r.roomId === room.roomId && r.state === 'recording')
        if (has) continue
        await this.start(appId, room.roomId, { layout: app.recording.layout ?? 'separate', streams: null }, true).catch((e: unknown) => {
          this.d.log.warn({ appId, roomId: room.roomId, code: e instanceof ServerError ? e.code : undefined }, 'automatic recording refused')
        })
      }
    }
  }
}
