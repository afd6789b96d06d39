import type { GridSize } from './ffmpegArgs'

export type RecordingLayout = 'separate' | 'grid'

/** Why a recording stopped. */
export type RecordingStopReason = 'requested' | 'roomIdle' | 'diskFull' | 'shutdown'

/** One MP4 a recording wrote (several per stream when its publisher came back). */
export interface RecordingFile {
  /** Path relative to `recording.dir`. */
  file: string
  /** The stream it holds (`separate`); absent for the composed `grid` file. */
  streamId?: string
  startedAt: number
  endedAt?: number
  bytes: number
  /** Read back with ffprobe when the file is finished. */
  durationMs?: number
}

/** What the admin API lists and the webhooks carry. */
export interface RecordingInfo {
  recordingId: string
  roomId: string
  layout: RecordingLayout
  /** The streamIds asked for; null = every stream of the room, including those that join later. */
  streams: string[] | null
  /** Started by `recording.auto` rather than the admin API. */
  auto: boolean
  state: 'recording' | 'stopping' | 'stopped'
  startedAt: number
  stoppedAt?: number
  stopReason?: RecordingStopReason
  files: RecordingFile[]
}

/** Server-wide recording settings (`recording` in ServerOptions). */
export interface RecordingOptions {
  /** Directory the MP4 files go to (one subdirectory per recording). Recording is off without it. */
  dir: string
  /** Recordings running at once on this server; one more is refused with TOO_MANY_RECORDINGS. */
  maxRecorders?: number
  /** Free bytes `dir` must keep: a start below it is refused with DISK_FULL, running ones stop. */
  minFreeBytes?: number
  /** Canvas of `grid` recordings. */
  grid?: Partial<GridSize>
  /** ffprobe, for the durations reported when a file is finished (ffmpeg is ServerOptions.ffmpegPath). */
  ffprobePath?: string
  /** How often recordings look for streams that came or went. */
  pollMs?: number
  /** An automatic recording stops after its room has had no live stream for this long. */
  autoStopAfterMs?: number
  /** Webhook attempts per event (first one included) and the delay before the first retry (doubling). */
  webhookAttempts?: number
  webhookRetryBaseMs?: number
}

/** Per-app recording settings (`recording` in AppCredentials). */
export interface AppRecordingOptions {
  /** Record every room of the app while it has live streams. */
  auto?: boolean
  /** Layout of automatic recordings (default `separate`). */
  layout?: RecordingLayout
}
