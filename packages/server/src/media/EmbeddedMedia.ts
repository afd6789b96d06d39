import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Server as NetServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@minirtc/protocol'
import type { Logger } from 'pino'
import { limitListener } from '../connectionCaps'
import type { Metrics } from '../metrics'
import { ensureFreePort } from './freePort'
import type { MediaBackend, MediaGate } from './MediaBackend'
import type { MediaKind } from './mediaSigner'

const require = createRequire(import.meta.url)

/* Minimal shapes of node-media-server 4.4.3 internals we rely on (pinned exactly, see package.json). */
interface NmsSession {
  id: string
  protocol: 'rtmp' | 'flv'
  streamApp: string
  streamName: string
  streamPath: string
  streamQuery: Record<string, unknown> | null
  broadcast?: { publisher: unknown; publishGraceMs: number; _publishGraceTimer: unknown }
  socket?: Socket
  rtmp?: { onPacketCallback: (packet: unknown) => void }
  req?: { socket: Socket }
  res?: { terminate?: () => void; once?: (ev: string, fn: () => void) => void; on?: unknown; writableLength?: number; bufferedAmount?: number }
  sendBuffer: (buffer: Buffer) => void
}
interface NmsContext {
  eventEmitter: import('node:events').EventEmitter
  sessions: Map<string, NmsSession>
  broadcasts: Map<string, unknown>
}
interface NmsInstance {
  run(): Promise<void>
  stop(): Promise<void>
  rtmpServer: { tcpServer?: NetServer; handleRequest: (socket: Socket) => void }
  httpServer: { httpServer?: NetServer; wsServer?: { on(ev: string, fn: (...a: unknown[]) => void): void }; handleFlv: (req: unknown, res: unknown) => void }
}

/** The only HTTP paths NMS serves for us: `/<app>/<name>.flv` with NMS's own name rule. */
const FLV_PATH = /^\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\.flv$/

/** NMS keeps its state in module globals (Context), so only one can run per process. */
let running = false

export interface EmbeddedMediaOptions {
  host: string
  rtmpPort: number
  flvPort: number
  publicHost: string
  publicMediaUrls?: { rtmp?: string; flv?: string } | undefined
  app: string
  gate: MediaGate
  log: Logger
  metrics: Metrics
  limits?: Partial<MediaLimits>
}

/** Defences of the embedded RTMP and HTTP-FLV listeners (NMS has none of its own). */
export interface MediaLimits {
  /** Open connections per remote address, on each of the two listeners. */
  maxPerAddress: number
  /** A connection must be authorized (handshake + publish/play) within this time. */
  handshakeTimeoutMs: number
  /** An authorized connection with no traffic either way for this long is dropped. */
  idleTimeoutMs: number
  /**
   * Media bytes queued for a player that does not read. Past it the player is dropped (WeChat's
   * live-player reconnects by itself and starts again at the live edge), instead of the server
   * buffering the stream for it without bound.
   */
  maxPlayerBufferBytes: number
}

const defaultLimits: MediaLimits = { maxPerAddress: 256, handshakeTimeoutMs: 10_000, idleTimeoutMs: 60_000, maxPlayerBufferBytes: 8 * 1024 * 1024 }

/**
 * node-media-server 4.4.3 in this process, authorizing synchronously in prePublish/prePlay.
 *
 * NMS 4.x has no way to reject from an event listener, and a refused publisher keeps feeding its
 * packets into the live stream (overwriting the cached AVC header: viewers then decode garbage).
 * The verified workaround: turn on NMS's own signed-URL check with a random internal secret and,
 * in prePublish/prePlay, write a valid or an invalid `streamQuery.sign` from our own decision;
 * for a refused or duplicate publisher also silence `rtmp.onPacketCallback`.
 */
export class EmbeddedMedia implements MediaBackend {
  private readonly context: NmsContext
  private readonly listeners: [string, (s: NmsSession) => void][] = []
  private readonly tracked = new WeakSet<object>()
  private readonly limits: MediaLimits
  /** Switches an admitted connection's socket from the handshake to the idle timeout. */
  private authorized: Record<'rtmp' | 'flv', (socket: Socket) => void> = { rtmp: () => {}, flv: () => {} }
  private closed = false

  private constructor(
    private readonly nms: NmsInstance,
    private readonly opts: EmbeddedMediaOptions,
    private readonly secret: string,
    private readonly dir: string,
    readonly rtmpPort: number,
    readonly flvPort: number,
  ) {
    this.context = require('node-media-server/src/core/context.js') as NmsContext
    this.limits = { ...defaultLimits, ...opts.limits }
  }

  static async start(opts: EmbeddedMediaOptions): Promise<EmbeddedMedia> {
    if (running) throw new Error('An embedded media server is already running in this process; close it first or use media: { kind: "nginx" }.')
    running = true
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await EmbeddedMedia.attempt(opts)
        } catch (e) {
          // Port 0: another process may take the port between our check and NMS's listen. Retry.
          const raced = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && (opts.rtmpPort === 0 || opts.flvPort === 0)
          if (!raced || attempt >= 3) throw e
        }
      }
    } catch (e) {
      running = false
      throw e
    }
  }

  private static async attempt(opts: EmbeddedMediaOptions): Promise<EmbeddedMedia> {
    // NMS exits the process on EADDRINUSE, so make sure the ports are free (and resolve port 0).
    const rtmpPort = await ensureFreePort(opts.host, opts.rtmpPort)
    let flvPort = await ensureFreePort(opts.host, opts.flvPort)
    for (let i = 0; flvPort === rtmpPort && opts.flvPort === 0 && i < 5; i++) flvPort = await ensureFreePort(opts.host, 0)
    if (rtmpPort === flvPort) throw new Error('rtmpPort and flvPort must differ')
    const dir = await mkdtemp(join(tmpdir(), 'minirtc-server-nms-'))
    let media: EmbeddedMedia | undefined
    try {
      const nmsLogger = require('node-media-server/src/core/logger.js') as { log: (m: string, l?: string) => void }
      const log = opts.log.child({ component: 'nms' })
      // NMS logs every connection to stdout at debug level; route it into our logger instead.
      nmsLogger.log = (message: string, level = 'info') => log.debug({ nmsLevel: level }, message)
      const NodeMediaServer = require('node-media-server') as new (cfg: unknown) => NmsInstance
      const secret = randomBytes(24).toString('hex')
      const nms = new NodeMediaServer({
        bind: opts.host,
        rtmp: { port: rtmpPort },
        http: { port: flvPort },
        webadmin: { enable: false },
        store: { path: join(dir, 'store') },
        // no auth.jwt → REST API off; no record.path → recording off; no https/rtmps → no TLS.
        auth: { play: true, publish: true, secret },
      })
      media = new EmbeddedMedia(nms, opts, secret, dir, rtmpPort, flvPort)
      await media.run()
      return media
    } catch (e) {
      if (media) await media.shutdown().catch(() => {})
      await rm(dir, { recursive: true, force: true })
      throw e
    }
  }

  private async run(): Promise<void> {
    const { nms, opts } = this
    const tcp = nms.rtmpServer.tcpServer!
    const http = nms.httpServer.httpServer!
    // Replace NMS's process.exit(1) listen-error handlers with a rejected promise.
    http.removeAllListeners('error')
    nms.httpServer.wsServer?.on('error', () => {})
    const listening = (srv: NetServer) =>
      new Promise<void>((resolve, reject) => {
        srv.once('listening', resolve)
        srv.once('error', reject)
      })
    const httpReady = listening(http)
    // Harden NMS against input that makes its handlers throw (it would crash our process).
    const handleRequest = nms.rtmpServer.handleRequest
    tcp.removeAllListeners('connection')
    tcp.on('connection', (socket: Socket) => {
      socket.on('error', () => {})
      if (socket.destroyed) return // refused by the per-address cap
      handleRequest(socket)
      for (const l of socket.listeners('data') as ((d: Buffer) => void)[]) {
        socket.removeListener('data', l)
        socket.on('data', (d: Buffer) => {
          try {
            l(d)
          } catch (e) {
            opts.log.warn({ err: String(e) }, 'rtmp session failed')
            socket.destroy()
          }
        })
      }
    })
    // NMS 4.4.3 crashes the process when an HTTP-FLV or WS-FLV connection with an unsafe stream
    // name closes (its close handler dereferences a broadcast it never created). Only let
    // well-formed `/<app>/<name>.flv` requests through to it; answer everything else here.
    const flvPathOk = (req: { url?: string; method?: string }) => {
      const path = (req.url ?? '').split('?')[0]!
      return FLV_PATH.test(path) && (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS')
    }
    const onRequest = http.listeners('request') as ((...a: unknown[]) => void)[]
    http.removeAllListeners('request')
    http.on('request', (req: { url?: string; method?: string }, res: { writeHead(n: number): { end(): void } }) => {
      if (!flvPathOk(req)) return res.writeHead(404).end()
      for (const l of onRequest) l.call(http, req, res)
    })
    const onUpgrade = http.listeners('upgrade') as ((...a: unknown[]) => void)[]
    http.removeAllListeners('upgrade')
    http.on('upgrade', (req: { url?: string; method?: string }, socket: Socket, head: Buffer) => {
      if (!flvPathOk(req)) return socket.destroy()
      for (const l of onUpgrade) l.call(http, req, socket, head)
    })
    // Caps and timeouts go first on both listeners, so a refused socket never reaches NMS.
    const onDrop = (listener: string) => (why: 'cap' | 'timeout', address: string) => {
      opts.metrics.limitDrops.inc({ listener, why })
      opts.log.info({ listener, why, address }, 'media connection dropped')
    }
    const rtmpLimits = limitListener(tcp, { ...this.limits, onDrop: onDrop('rtmp') })
    const flvLimits = limitListener(http, { ...this.limits, onDrop: onDrop('flv') })
    this.authorized = { rtmp: rtmpLimits.authorized, flv: flvLimits.authorized }
    const handleFlv = nms.httpServer.handleFlv
    nms.httpServer.handleFlv = (req, res) => {
      try {
        handleFlv(req, res)
      } catch (e) {
        // e.g. an unsafe stream name over WS-FLV: NMS closes the socket, then dereferences undefined.
        opts.log.debug({ err: String(e) }, 'flv session failed')
        const r = res as { terminate?: () => void; destroy?: () => void }
        if (r.terminate) r.terminate()
        else r.destroy?.()
      }
    }
    this.on('prePublish', (s) => this.gate(s, 'publish'))
    this.on('prePlay', (s) => this.gate(s, 'play'))
    this.on('postPublish', (s) => {
      // postPublish also fires for a duplicate that NMS refuses right after; only the session
      // that actually became the publisher (checked once NMS has assigned it) goes live.
      queueMicrotask(() => {
        if (s.broadcast?.publisher === s && !this.closed) opts.gate.publishStarted(s.streamName, s.id)
      })
    })
    const started = nms.run()
    // NMS attached its exit-on-error handler to the RTMP server inside run(); swap it for ours
    // (listen errors are emitted asynchronously, so nothing can have fired yet).
    tcp.removeAllListeners('error')
    await Promise.all([listening(tcp), httpReady])
    tcp.on('error', (e) => opts.log.error({ err: String(e) }, 'rtmp server error'))
    http.on('error', (e) => opts.log.error({ err: String(e) }, 'flv server error'))
    await started
  }

  private on(ev: string, fn: (s: NmsSession) => void): void {
    const safe = (s: NmsSession) => {
      try {
        fn(s)
      } catch (e) {
        this.opts.log.error({ err: String(e), ev }, 'media hook failed')
      }
    }
    this.listeners.push([ev, safe])
    this.context.eventEmitter.on(ev, safe)
  }

  /** Decide, then steer NMS's own sign check to that decision (synchronously, before any data). */
  private gate(s: NmsSession, kind: MediaKind): void {
    const t0 = process.hrtime.bigint()
    let ok = false
    try {
      this.track(s)
      const d = this.opts.gate.authorize({
        kind,
        app: s.streamApp,
        mediaName: s.streamName,
        query: { ...s.streamQuery },
        mediaSessionId: s.id,
        protocol: s.protocol,
      })
      ok = d.ok
      if (ok) this.admitted(s, kind)
      if (ok && kind === 'publish' && s.broadcast) {
        const b = s.broadcast
        // oxlint-disable-next-line no-underscore-dangle -- NMS internal (pinned 4.4.3)
        if (b.publisher !== null && b._publishGraceTimer === null) {
          // NMS would refuse it as a second publisher after letting its packets through.
          ok = false
          this.opts.metrics.mediaAuth.inc({ kind, result: 'MEDIA_DUPLICATE_PUBLISH' })
          this.opts.log.info({ mediaName: s.streamName, code: ErrorCode.MEDIA_DUPLICATE_PUBLISH }, 'media refused')
        } else {
          // Signaling is the source of truth for publish state: no 30 s "resume" grace in NMS.
          b.publishGraceMs = 0
        }
      }
    } finally {
      const exp = Math.floor(Date.now() / 1000) + 60
      const sign = ok ? `${exp}-${createHash('md5').update(`${s.streamPath}-${exp}-${this.secret}`).digest('hex')}` : '0-refused'
      s.streamQuery = { ...s.streamQuery, sign }
      if (!ok && kind === 'publish' && s.rtmp) s.rtmp.onPacketCallback = () => {}
      // A refused HTTP-FLV play would end as an empty 200; make it an honest 403 for players.
      const res = s.res as { status?: (n: number) => unknown; headersSent?: boolean } | undefined
      if (!ok && s.protocol === 'flv' && typeof res?.status === 'function' && !res.headersSent) res.status(403)
      this.opts.metrics.hookLatency.observe({ backend: 'embedded', kind }, Number(process.hrtime.bigint() - t0) / 1e9)
    }
  }

  /**
   * An authorized connection: from now on only the idle timeout applies to its socket, and a
   * player's queue is bounded (NMS writes to players without ever looking at backpressure).
   */
  private admitted(s: NmsSession, kind: MediaKind): void {
    if (s.socket) this.authorized.rtmp(s.socket)
    else if (s.req?.socket) this.authorized.flv(s.req.socket)
    if (kind !== 'play') return
    const send = s.sendBuffer
    const max = this.limits.maxPlayerBufferBytes
    let dropped = false
    s.sendBuffer = (buffer: Buffer) => {
      if (dropped) return
      const queued = s.socket ? s.socket.writableLength : (s.res?.bufferedAmount ?? s.res?.writableLength ?? 0)
      if (queued > max) {
        dropped = true
        this.opts.metrics.slowConsumers.inc({ listener: s.protocol })
        this.opts.log.info({ mediaName: s.streamName, queued, protocol: s.protocol }, 'slow player dropped')
        this.closeSession(s.id)
        return
      }
      send(buffer)
    }
  }

  /** Report the end of a connection the moment its socket closes (NMS reports publish end 30 s late). */
  private track(s: NmsSession): void {
    const ended = () => this.opts.gate.mediaEnded(s.id)
    const target: { once(ev: string, fn: () => void): unknown } | undefined =
      s.socket ?? (typeof s.res?.terminate === 'function' ? (s.res as never) : s.req?.socket)
    // Keyed by session: one RTMP connection may both play and publish (one report is enough),
    // while one keep-alive HTTP socket may carry several FLV sessions (each needs its report).
    if (!target || this.tracked.has(s)) return
    this.tracked.add(s)
    target.once('close', ended)
  }

  urls(mediaName: string): { rtmp: string; flv: string } {
    const h = this.opts.publicHost
    const pub = this.opts.publicMediaUrls
    const rtmp = pub?.rtmp?.replace(/\/+$/, '') ?? `rtmp://${h}:${this.rtmpPort}/${this.opts.app}`
    const flv = pub?.flv?.replace(/\/+$/, '') ?? `http://${h}:${this.flvPort}/${this.opts.app}`
    return { rtmp: `${rtmp}/${mediaName}`, flv: `${flv}/${mediaName}.flv` }
  }

  closeSession(id: string): void {
    const s = this.context.sessions.get(id)
    if (!s) return
    if (s.socket) s.socket.destroy()
    else if (typeof s.res?.terminate === 'function') s.res.terminate()
    else s.req?.socket.destroy()
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.shutdown()
    running = false
  }

  /** Stop NMS and remove its files (also after a failed start). */
  private async shutdown(): Promise<void> {
    this.closed = true
    for (const [ev, fn] of this.listeners) this.context.eventEmitter.off(ev, fn)
    for (const id of Array.from(this.context.sessions.keys())) this.closeSession(id)
    await this.nms.stop()
    this.context.sessions.clear()
    this.context.broadcasts.clear()
    await rm(this.dir, { recursive: true, force: true })
  }
}
