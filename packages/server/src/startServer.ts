import { createServer, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { CloseCode, Limits } from '@minirtc/protocol'
import { WebSocketServer } from 'ws'
import { AdminThrottle } from './adminThrottle'
import { clientAddress } from './clientAddress'
import { AddressCounter, limitListener } from './connectionCaps'
import { Connection, ConnectionSweep, SignalingSocket, type ConnectionDeps } from './Connection'
import { createConsoleHandler } from './consoleStatic'
import { resolveDevApp } from './devToken'
import { createHttpHandler } from './httpApi'
import { INGEST_PATH, createIngestHandler, createPushUrlVerifier, type IngestHandler } from './ingest'
import { createLogger } from './logger'
import { EmbeddedMedia } from './media/EmbeddedMedia'
import { MediaAuthority } from './media/MediaAuthority'
import type { MediaBackend } from './media/MediaBackend'
import { MediaSigner } from './media/mediaSigner'
import { ServerPlayers } from './media/ServerPlayers'
import { NginxMedia, appFromRtmpUrl } from './media/NginxMedia'
import { Metrics } from './metrics'
import { RecordingManager, checkRecordingConfig, recordingDefaults } from './recording/RecordingManager'
import { RelayManager } from './relay/RelayManager'
import { WebhookSender } from './recording/webhooks'
import { defaults } from './defaults'
import type { ServerOptions } from './options'
import { WindowCounter } from './rateLimiter'
import { Rooms } from './Rooms'
import { SessionRegistry } from './SessionRegistry'
import { MemoryRoomStore } from './store/MemoryRoomStore'
import type { RoomStore } from './store/RoomStore'

export interface RunningServer {
  /** Signaling WebSocket URL, e.g. `ws://127.0.0.1:8090/ws`. */
  url: string
  /** RTMP base (`rtmp://host:port/live`); media names and signed queries are appended per stream. */
  rtmpUrl: string
  /** HTTP-FLV base (`http://host:port/live`), or '' when the media server has none. */
  flvUrl: string
  /** Admin API, metrics, health and hooks, e.g. `http://127.0.0.1:8090`. */
  httpUrl: string
  /** This node's id in a Redis cluster (`redis` option); undefined for a single server. */
  nodeId?: string
  /** The app `/dev/token` signs for (dev mode only). */
  devApp?: { appId: string; secret: string }
  /** Stop accepting, close every socket (clients see 4008) and the media server. */
  close(): Promise<void>
}

/**
 * A socket's error during its upgrade (a reset mid-handshake): it closes either way. One function
 * for every socket: a closure made in the upgrade handler would keep that handler's scope alive
 * as long as the socket.
 */
function ignoreError(): void {}

/**
 * Start the signaling server and, by default, an embedded media server.
 * @example
 * const srv = await startServer({ port: 0, rtmpPort: 0, flvPort: 0,
 *   apps: [{ appId: 'demo', secret: process.env.MINIRTC_SECRET! }] })
 * console.log(srv.url) // ws://127.0.0.1:54321/ws
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  if (!opts.apps?.length) throw new Error('startServer: configure at least one app ({ appId, secret })')
  const apps = new Map<string, string>()
  for (const a of opts.apps) {
    if (!a.appId || !a.secret) throw new Error('startServer: every app needs an appId and a secret')
    if (a.secret.length < 16) throw new Error(`startServer: the secret of app ${a.appId} is too short (16+ characters)`)
    apps.set(a.appId, a.secret)
  }
  const devApp = resolveDevApp(opts.dev, opts.apps)
  checkRecordingConfig(opts.recording, opts.apps)
  const host = opts.host ?? defaults.host
  const publicHost = opts.publicHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
  const log = createLogger(opts.logger)
  const rateLimit = { ...defaults.rateLimit, ...opts.rateLimit }
  const trustProxy = opts.trustProxy === true
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? defaults.heartbeatTimeoutMs
  const mediaOpts = opts.media ?? { kind: 'embedded' as const }
  const maxPerAddress = opts.maxConnectionsPerAddress ?? defaults.maxConnectionsPerAddress
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? defaults.handshakeTimeoutMs
  const mediaApp = 'live'

  // Cluster mode: the shared store, room events and node heartbeats live in Redis.
  const redisUrl = opts.redis
  // Loaded only for a cluster: ioredis alone is ~10 MB of a single server's RSS.
  const cluster = redisUrl
    ? await (await import('./cluster/RedisCluster')).RedisCluster.connect({ url: redisUrl, nodeTtlMs: opts.nodeTtlMs ?? defaults.nodeTtlMs, batchMs: opts.clusterBatchMs ?? defaults.clusterBatchMs, prefix: opts.redisPrefix, log })
    : undefined

  const resumeWindowMs = opts.resumeWindowMs ?? defaults.resumeWindowMs
  let store: RoomStore
  try {
    // Rooms read back from the state file wait a while for their users to log in again.
    store = cluster?.store ?? opts.store ?? new MemoryRoomStore({ ...(opts.stateFile ? { stateFile: opts.stateFile } : {}), restoreWindowMs: 2 * resumeWindowMs })
  } catch (e) {
    await cluster?.close()
    throw e
  }
  // Assembly, in dependency order. Two links point forward and are closures over the parts made
  // later: the media authority drops connections at the media server and browser publishers at
  // the ingest, both of which need the authority first.
  let media: MediaBackend | undefined
  let ingest: IngestHandler | undefined
  let rooms: Rooms | undefined
  const metrics = new Metrics(() => rooms?.stats() ?? { rooms: 0, sessions: 0, streams: 0, mediaConnections: 0 })
  const sessions = new SessionRegistry()
  const authority = new MediaAuthority({
    sessions,
    store,
    // One media-URL key for the whole cluster: a URL signed by one node verifies on any node.
    signer: cluster ? new MediaSigner(await cluster.mediaKey()) : new MediaSigner(),
    mediaApp: mediaOpts.kind === 'nginx' ? appFromRtmpUrl(mediaOpts.rtmpUrl ?? mediaOpts.nodes?.[0]?.rtmpUrl ?? 'rtmp://x/live') : mediaApp,
    closeConnection: (id) => media?.closeSession(id),
    // A stream that goes away (unpublish, logout, kick, expiry) takes its browser publisher along.
    onStreamGone: (mediaName) => ingest?.drop(mediaName),
    log,
    metrics,
    cluster,
  })

  // Recorders pull like any player, through URLs signed for them, from the stream's media server.
  const webhooks = new WebhookSender({
    log,
    metrics,
    attempts: opts.recording?.webhookAttempts ?? recordingDefaults.webhookAttempts,
    retryBaseMs: opts.recording?.webhookRetryBaseMs ?? recordingDefaults.webhookRetryBaseMs,
  })
  const players = new ServerPlayers(authority, (mediaName) => localRtmpBase(mediaName))
  let recordings: RecordingManager | undefined
  try {
    recordings = opts.recording?.dir
      ? new RecordingManager({
          opts: opts.recording,
          apps: new Map(opts.apps.map((a) => [a.appId, a])),
          store,
          players,
          ffmpegPath: opts.ffmpegPath ?? 'ffmpeg',
          webhooks,
          log,
          metrics,
        })
      : undefined
  } catch (e) {
    await cluster?.close()
    throw e
  }

  const relays = new RelayManager({ opts: opts.relay ?? {}, store, players, ffmpegPath: opts.ffmpegPath ?? 'ffmpeg', log, metrics })

  let nginx: NginxMedia | undefined
  if (mediaOpts.kind === 'nginx') {
    const routeRef = cluster
      ? async (ref: string) => {
          const node = ref.slice(0, Math.max(0, ref.indexOf('.')))
          return node && node !== cluster.nodeId ? cluster.nodeUrl(node) : undefined
        }
      : undefined
    media = nginx = new NginxMedia({ ...mediaOpts, gate: authority, log, metrics, ...(routeRef ? { routeRef } : {}) })
  } else {
    media = await EmbeddedMedia.start({
      host,
      rtmpPort: opts.rtmpPort ?? defaults.rtmpPort,
      flvPort: opts.flvPort ?? defaults.flvPort,
      publicHost,
      publicMediaUrls: opts.publicMediaUrls,
      app: mediaApp,
      gate: authority,
      log,
      metrics,
      limits: {
        maxPerAddress,
        handshakeTimeoutMs,
        idleTimeoutMs: opts.mediaIdleTimeoutMs ?? defaults.mediaIdleTimeoutMs,
        maxPlayerBufferBytes: opts.maxPlayerBufferBytes ?? defaults.maxPlayerBufferBytes,
      },
    }).catch(async (e: unknown) => {
      await recordings?.close()
      await relays.close()
      await cluster?.close()
      throw e
    })
  }
  const mediaBackend: MediaBackend = media

  // Where ffmpeg in this process reaches a stream (browser ingest, recorders): for the embedded
  // server RTMP on loopback, not the public name; with nginx media nodes, the stream's own node
  // (its push URL without the media name).
  const localRtmpBase = (mediaName: string) =>
    mediaBackend instanceof EmbeddedMedia
      ? `rtmp://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${mediaBackend.rtmpPort}/${mediaApp}`
      : mediaBackend.urls(mediaName).rtmp.replace(/\/[^/]*$/, '')
  // Browser publishers (the debug console): MediaRecorder over a WebSocket → ffmpeg → our own
  // RTMP, under the same signed push URL as any publisher, checked before anything is spawned.
  const ingestApp = localRtmpBase('x').slice(localRtmpBase('x').lastIndexOf('/') + 1)
  ingest = createIngestHandler({
    rtmpBase: localRtmpBase,
    verifyPushUrl: createPushUrlVerifier({ signer: authority.signer, app: ingestApp }),
    log,
    ffmpegPath: opts.ffmpegPath,
    idleTimeoutMs: opts.ingestIdleTimeoutMs ?? defaults.ingestIdleTimeoutMs,
    // Signed is not enough: the stream must still be held by a live session (not logged out).
    streamHeld: (mediaName, ref) => authority.streamHeld(mediaName, ref),
  })
  const ingestHandler = ingest

  const roomLogic = new Rooms({
    store,
    sessions,
    authority,
    media: mediaBackend,
    log,
    cluster,
    cfg: {
      resumeWindowMs,
      heartbeatTimeoutMs,
      tokenWillExpireSeconds: opts.tokenWillExpireSeconds ?? defaults.tokenWillExpireSeconds,
      mediaUrlTtlSeconds: opts.mediaUrlTtlSeconds ?? defaults.mediaUrlTtlSeconds,
      maxStreamsPerSession: opts.maxStreamsPerSession ?? defaults.maxStreamsPerSession,
      maxRoomExtraInfoKeys: opts.maxRoomExtraInfoKeys ?? defaults.maxRoomExtraInfoKeys,
      replayBufferSize: opts.replayBufferSize ?? defaults.replayBufferSize,
      mediaGraceMs: opts.mediaGraceMs ?? defaults.mediaGraceMs,
      maxUsersPerRoom: opts.maxUsersPerRoom ?? defaults.maxUsersPerRoom,
      maxSessionsPerToken: opts.maxSessionsPerToken ?? defaults.maxSessionsPerToken,
    },
  })
  rooms = roomLogic

  const address = (req: IncomingMessage) => clientAddress(req, trustProxy)
  const adminThrottle = new AdminThrottle(opts.adminFailuresPerMinute ?? defaults.adminFailuresPerMinute)
  const api = createHttpHandler({ rooms: roomLogic, apps, metrics, log, nginx, devApp, adminThrottle, address, recordings, relays, ...(cluster ? { healthy: () => cluster.healthy() } : {}) })
  const serveConsole = opts.consoleDir ? createConsoleHandler(opts.consoleDir) : null
  const http = createServer((req, res) => {
    // A whole request arrived: from now on the socket is only dropped when idle (keep-alive).
    httpLimits.authorized(req.socket)
    // Nothing a request carries may take the process down: a throw here would be uncaught.
    try {
      if (serveConsole && serveConsole(req, res)) return
    } catch (e) {
      log.error({ err: e instanceof Error ? e.stack : String(e), url: req.url }, 'console handler failed')
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
      return
    }
    return api(req, res)
  })
  // Silent or half-sent requests are dropped (Node's own headersTimeout spares silent sockets).
  // Behind a trusted proxy every connection comes from the proxy: cap per address only at the
  // WebSocket level, where the client address is known.
  const httpLimits = limitListener(http, {
    maxPerAddress: trustProxy ? Number.POSITIVE_INFINITY : maxPerAddress,
    handshakeTimeoutMs,
    idleTimeoutMs: handshakeTimeoutMs,
    onDrop: (why) => metrics.limitDrops.inc({ listener: 'http', why }),
  })
  // perMessageDeflate off: compressing small signaling frames costs far more than it saves.
  // Connections are tracked by their sweep (clientTracking would add a listener to every socket).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: Limits.maxMessageBytes, clientTracking: false, WebSocket: SignalingSocket })
  const perAddress = new Map<string, WindowCounter>()
  const openSockets = new AddressCounter(maxPerAddress)
  const sweep = setInterval(() => {
    for (const [k, c] of perAddress) if (c.empty) perAddress.delete(k)
    adminThrottle.sweep()
  }, 60_000)
  sweep.unref()

  /** Rate and open-socket limits of one client address; false when it was refused (429). */
  const admit = (addr: string, socket: Duplex): boolean => {
    let c = perAddress.get(addr)
    if (!c) perAddress.set(addr, (c = new WindowCounter(60_000, rateLimit.connectionsPerMinute + 1)))
    // Without a trusted proxy the listener already caps open sockets per address (same limit).
    if (c.hit() > rateLimit.connectionsPerMinute || (trustProxy && !openSockets.tryOpen(addr))) {
      log.warn({ address: addr }, 'connection rate limited')
      metrics.limitDrops.inc({ listener: 'ws', why: 'cap' })
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n')
      return false
    }
    // `on`, not `once`: a socket closes once, and once() adds a wrapper object per socket.
    if (trustProxy) socket.on('close', () => openSockets.release(addr))
    return true
  }

  // One deps object (and one sweep for their timers) shared by every signaling connection.
  const loginTimeoutMs = opts.loginTimeoutMs ?? defaults.loginTimeoutMs
  const connectionDeps: ConnectionDeps = {
    rooms: roomLogic,
    relays,
    secretFor: (id) => apps.get(id),
    log,
    metrics,
    rateLimit,
    heartbeatTimeoutMs,
    loginTimeoutMs,
    maxSendBufferBytes: opts.maxSendBufferBytes ?? defaults.maxSendBufferBytes,
    sweep: new ConnectionSweep([heartbeatTimeoutMs, loginTimeoutMs]),
    ...(cluster ? { healthy: () => cluster.healthy() } : {}),
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignoreError)
    const path = (req.url ?? '/').split('?')[0]
    if (path === INGEST_PATH) {
      if (!admit(address(req), socket)) return
      return ingest.handleUpgrade(req, socket, head)
    }
    if (path !== '/ws' && path !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    const addr = address(req)
    if (!admit(addr, socket)) return
    wss.handleUpgrade(req, socket, head, (ws) => {
      // ws handles the socket's errors from here on; a listener kept for life would be an array
      // of two in every socket's _events.
      socket.off('error', ignoreError)
      httpLimits.released(socket as Socket)
      Connection.accept(ws as SignalingSocket, socket, addr, connectionDeps)
    })
  })
  http.on('clientError', (_err, socket) => socket.destroy())

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(opts.port ?? defaults.port, host, () => {
        http.off('error', reject)
        resolve()
      })
    })
  } catch (e) {
    connectionDeps.sweep.close()
    roomLogic.close()
    await recordings?.close()
    await relays.close()
    await ingestHandler.close()
    await mediaBackend.close()
    await cluster?.close()
    throw e
  }
  const addr = http.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  const hostForUrl = publicHost.includes(':') ? `[${publicHost}]` : publicHost
  const base = mediaBackend.urls('')
  const server: RunningServer = {
    url: `ws://${hostForUrl}:${port}/ws`,
    httpUrl: `http://${hostForUrl}:${port}`,
    rtmpUrl: base.rtmp.replace(/\/$/, ''),
    flvUrl: base.flv.replace(/\/\.flv$/, ''),
    ...(cluster ? { nodeId: cluster.nodeId } : {}),
    ...(devApp ? { devApp: { ...devApp } } : {}),
    async close() {
      clearInterval(sweep)
      connectionDeps.sweep.close()
      roomLogic.close()
      // Stop listening first: clients told 4008 reconnect at once, and must not land on this
      // dying server (their resume would fail and a re-publish would meet our stale streams).
      const stopped = new Promise<void>((r) => http.close(() => r()))
      roomLogic.shutdown()
      const sockets = connectionDeps.sweep.closeAll(CloseCode.SERVER_SHUTDOWN, 'server shutdown')
      // Give close frames a moment to go out, then cut whatever is left.
      const deadline = Date.now() + 1000
      while (sockets.some((ws) => ws.readyState !== ws.CLOSED) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      for (const ws of sockets) ws.terminate()
      wss.close()
      http.closeAllConnections()
      await stopped
      // Recorders first, while the media server still feeds them: their files are finished.
      await recordings?.close()
      await relays.close()
      await webhooks.flush()
      await ingestHandler.close()
      await mediaBackend.close()
      await store.close?.()
      await cluster?.close()
      log.info('server closed')
    },
  }
  await cluster?.start(opts.internalUrl ?? server.httpUrl)
  if (devApp) log.warn({ appId: devApp.appId }, 'DEV MODE: GET /dev/token signs tokens for this app; never run dev mode in production')
  log.info({ url: server.url, rtmpUrl: server.rtmpUrl, flvUrl: server.flvUrl, httpUrl: server.httpUrl, nodeId: server.nodeId }, 'server started')
  return server
}
