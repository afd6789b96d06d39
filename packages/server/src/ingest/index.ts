/**
 * Browser publishing for the web console: MediaRecorder slices over a WebSocket, into ffmpeg,
 * out as an RTMP push to the stream's signed URL. Mount `createIngestHandler` on the signaling
 * port's `upgrade` event for `INGEST_PATH`.
 */
export { createIngestHandler, INGEST_PATH, INGEST_CLOSE_REFUSED } from './createIngestHandler'
export type { IngestHandler, IngestLogger, IngestOptions, IngestServerMessage } from './createIngestHandler'
export { createPushUrlVerifier, parsePushUrl } from './pushUrl'
export type { MediaUrlVerifier, PushTarget, PushUrlCheck } from './pushUrl'
export { ffmpegAvailable, ffmpegIngestArgs } from './ffmpeg'
