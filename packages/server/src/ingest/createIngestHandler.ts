import { spawn, type ChildProcess } from 'node:child_process'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { ErrorCode, errorReason } from '@minirtc/protocol'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { errorBody } from '../errors'
import { ffmpegAvailable, ffmpegIngestArgs } from './ffmpeg'
import type { PushUrlCheck } from './pushUrl'

/** The path browsers open: `ws(s)://<server>/ingest?url=<encodeURIComponent(pushUrl)>`. */
export const INGEST_PATH = '/ingest'

/**
 * WebSocket close code of a refused or failed ingest. The MiniRTC error code (MEDIA_UNAVAILABLE, MEDIA_URL_INVALID, RATE_LIMITED…)
 * does not fit a close code, so it is the first word of the close reason, and the server sends it
 * as a text frame `{ "type": "error", "error": { code, reason, message } }` before closing.
 */
export const INGEST_CLOSE_REFUSED = 4403

/** Messages the server sends as text frames. Binary frames only go the other way. */
export type IngestServerMessage =
  | { type: 'ready' }
  | { type: 'error'; error: { code: number; reason: string; message: string } }
  | { type: 'ended'; exitCode: number | null }

export interface IngestLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface IngestOptions {
  /** Where ffmpeg pushes, the media server's RTMP base as this process reaches it (`rtmp://127.0.0.1:1935/live`). */
  rtmpBase: string | ((mediaName: string) => string)
  /** Checks a push URL before anything is spawned; see `createPushUrlVerifier`. */
  verifyPushUrl(url: string): PushUrlCheck
  log?: IngestLogger
  /** Concurrent browser publishers (one ffmpeg each). Default 8. */
  maxIngests?: number
  /** Default `ffmpeg` from PATH. */
  ffmpegPath?: string
  /** After the browser goes away, ffmpeg gets stdin EOF and this long to flush before SIGKILL. Default 3000. */
  killAfterMs?: number
  /** Largest binary message (one MediaRecorder slice). Default 4 MiB. */
  maxMessageBytes?: number
  /**
   * A publisher that sends no media for this long (from the start, or between slices) is closed
   * with MEDIA_IDLE and its ffmpeg stopped: a silent socket must not hold an ingest slot. Default 15000.
   */
  idleTimeoutMs?: number
  /**
   * Whether the session the URL was signed for still holds the stream; a URL outlives a logout.
   * Checked before anything is spawned. Default: always.
   */
  streamHeld?(mediaName: string, ref: string): boolean
}

export interface IngestHandler {
  /** Take an HTTP upgrade for `INGEST_PATH` (call it from the server's `upgrade` listener). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Serve an already accepted WebSocket (`url` is the request URL with the `?url=` query). */
  handleConnection(ws: WebSocket, url: string): void
  /** Close the browser publisher of `mediaName`, if any (its stream was unpublished or its session ended). */
  drop(mediaName: string): void
  /** Ingests running now. */
  readonly active: number
  /** Close every ingest socket and kill every ffmpeg. */
  close(): Promise<void>
}

const quiet: IngestLogger = { info() {}, warn() {} }
/** ffmpeg's stdin backlog at which a publisher is cut off (the media path cannot keep up). */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024

/**
 * Browser publishing: each WebSocket carries one MediaRecorder stream (webm, H.264 + Opus) that
 * ffmpeg turns into an RTMP push to the signed URL the browser got from `publish`. The push then
 * goes through the media gate like any other, so a browser publisher is authorized and tracked
 * exactly like a phone. The URL's signature is checked here first so nothing is spawned for
 * strangers.
 *
 * @example
 * const ingest = createIngestHandler({ rtmpBase: 'rtmp://127.0.0.1:1935/live', verifyPushUrl })
 * http.on('upgrade', (req, socket, head) => {
 *   if (req.url?.split('?')[0] === INGEST_PATH) ingest.handleUpgrade(req, socket, head)
 * })
 */
export function createIngestHandler(opts: IngestOptions): IngestHandler {
  const log = opts.log ?? quiet
  const maxIngests = opts.maxIngests ?? 8
  const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg'
  const killAfterMs = opts.killAfterMs ?? 3000
  // With several media nodes the base depends on the stream (the node that holds it).
  const rtmpBase = (mediaName: string) => (typeof opts.rtmpBase === 'function' ? opts.rtmpBase(mediaName) : opts.rtmpBase).replace(/\/+$/, '')
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: opts.maxMessageBytes ?? 4 * 1024 * 1024 })
  const idleTimeoutMs = opts.idleTimeoutMs ?? 15_000
  const children = new Set<ChildProcess>()
  const sockets = new Set<WebSocket>()
  /** mediaName → its publisher socket, so a stream that goes away takes its ingest along. */
  const byMediaName = new Map<string, WebSocket>()
  let active = 0

  const send = (ws: WebSocket, msg: IngestServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg))
  }
  const refuse = (ws: WebSocket, code: ErrorCode, message?: string) => {
    send(ws, { type: 'error', error: errorBody(code, message) })
    ws.close(INGEST_CLOSE_REFUSED, `${code} ${errorReason(code)}`)
    // A socket that does not read would hold its slot through ws's 30 s closing handshake.
    setTimeout(() => ws.terminate(), 1000).unref()
  }

  function handleConnection(ws: WebSocket, reqUrl: string): void {
    sockets.add(ws)
    ws.on('error', () => undefined)
    const pushUrl = new URLSearchParams(reqUrl.split('?')[1] ?? '').get('url') ?? ''
    const check = opts.verifyPushUrl(pushUrl)
    if (!check.ok) {
      log.warn({ code: check.code }, 'ingest refused: bad push URL')
      refuse(ws, check.code)
      sockets.delete(ws)
      return
    }
    if (check.ref !== undefined && opts.streamHeld && !opts.streamHeld(check.mediaName, check.ref)) {
      log.warn({ mediaName: check.mediaName }, 'ingest refused: stream no longer held')
      refuse(ws, ErrorCode.MEDIA_NOT_AUTHORIZED, 'This stream is no longer published by a session in the room; publish again.')
      sockets.delete(ws)
      return
    }
    if (active >= maxIngests) {
      log.warn({ active, maxIngests }, 'ingest refused: too many')
      refuse(ws, ErrorCode.RATE_LIMITED, `This server takes ${maxIngests} browser publishers at once; try again later.`)
      sockets.delete(ws)
      return
    }
    // One browser publisher per stream (the media gate would refuse the second push anyway).
    if (byMediaName.has(check.mediaName)) {
      refuse(ws, ErrorCode.MEDIA_DUPLICATE_PUBLISH)
      sockets.delete(ws)
      return
    }
    active++ // reserved now: the ffmpeg check below is async
    // Slices that arrive before ffmpeg runs (the first one carries the webm header) wait here.
    let early: Buffer[] | null = []
    let child: ChildProcess | null = null
    let closed = false
    byMediaName.set(check.mediaName, ws)
    let idle: NodeJS.Timeout | undefined
    const armIdle = () => {
      clearTimeout(idle)
      idle = setTimeout(() => {
        log.warn({ mediaName: check.mediaName }, 'ingest closed: no media')
        refuse(ws, ErrorCode.MEDIA_IDLE)
      }, idleTimeoutMs)
      idle.unref()
    }
    armIdle()
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) return
      armIdle()
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)
      if (early) early.push(buf)
      else if (child?.stdin?.writable) {
        child.stdin.write(buf)
        if (child.stdin.writableLength > MAX_BACKLOG_BYTES) {
          log.warn({ mediaName: check.mediaName }, 'ingest cut off: ffmpeg is not keeping up')
          refuse(ws, ErrorCode.MEDIA_UNAVAILABLE, 'The media server is not keeping up with this publisher.')
        }
      }
    })
    ws.on('close', () => {
      closed = true
      clearTimeout(idle)
      sockets.delete(ws)
      if (byMediaName.get(check.mediaName) === ws) byMediaName.delete(check.mediaName)
      if (!child) return
      const c = child
      c.stdin?.end()
      // EOF lets ffmpeg flush and leave by itself; a stuck one is killed.
      const t = setTimeout(() => c.kill('SIGKILL'), killAfterMs)
      c.once('exit', () => clearTimeout(t))
    })

    void ffmpegAvailable(ffmpegPath).then((ok) => {
      if (closed) {
        active--
        return
      }
      if (!ok) {
        active--
        log.warn({ ffmpegPath }, 'ingest refused: ffmpeg not found')
        refuse(ws, ErrorCode.MEDIA_UNAVAILABLE, 'Browser publishing needs ffmpeg on the server (install it, or set ffmpegPath).')
        return
      }
      const out = `${rtmpBase(check.mediaName)}/${check.mediaName}?${check.query}`
      const c = spawn(ffmpegPath, ffmpegIngestArgs(out), { stdio: ['pipe', 'ignore', 'pipe'] })
      child = c
      children.add(c)
      let stderr = ''
      c.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000)
      })
      c.stdin?.on('error', () => undefined) // EPIPE when ffmpeg died first; 'exit' reports it
      let finished = false
      const finish = (exitCode: number | null, signal: string | null, err?: Error) => {
        if (finished) return
        finished = true
        children.delete(c)
        active--
        log.info({ mediaName: check.mediaName, exitCode, signal, err: err?.message, stderr: exitCode ? stderr.trim() : undefined }, 'ingest ended')
        send(ws, { type: 'ended', exitCode })
        if (ws.readyState === ws.OPEN) ws.close(exitCode === 0 ? 1000 : 1011, 'ffmpeg exited')
      }
      // A spawn failure may come as 'error' without 'exit'.
      c.once('error', (err) => finish(c.exitCode, c.signalCode, err))
      c.once('exit', (exitCode, signal) => finish(exitCode, signal))
      for (const b of early!) c.stdin?.write(b)
      early = null
      log.info({ mediaName: check.mediaName }, 'ingest started')
      send(ws, { type: 'ready' })
    })
  }

  return {
    handleUpgrade(req, socket, head) {
      const url = req.url ?? '/'
      wss.handleUpgrade(req, socket, head, (ws) => handleConnection(ws, url))
    },
    handleConnection,
    drop(mediaName) {
      const ws = byMediaName.get(mediaName)
      if (!ws) return
      log.info({ mediaName }, 'ingest closed: stream gone')
      refuse(ws, ErrorCode.MEDIA_NOT_AUTHORIZED, 'The stream was unpublished or its session ended.')
    },
    get active() {
      return active
    },
    async close() {
      for (const ws of sockets) ws.terminate()
      const exits = [...children].map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r()))))
      for (const c of children) c.kill('SIGKILL')
      await Promise.all(exits)
      wss.close()
    },
  }
}
