import { CloseCode, ErrorCode, errorMessages, errorReason, parseClientMessage, type ClientRequest } from '@minirtc/protocol'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocket } from 'ws'
import { ServerError, errorBody, unexpectedFailure } from './errors'
import type { Metrics } from './metrics'
import type { RateLimitOptions } from './options'
import { TokenBucket, WindowCounter } from './rateLimiter'
import type { RelayManager } from './relay/RelayManager'
import type { Rooms } from './Rooms'
import type { Session, SessionSink } from './Session'
import { verifyToken } from './token'
import { pushFrame, textFrame } from './wsFrame'

export interface ConnectionDeps {
  rooms: Rooms
  /** Relays to a CDN (`addPublishCdnUrl` / `removePublishCdnUrl`). */
  relays: RelayManager
  secretFor: (appId: string) => string | undefined
  log: Logger
  metrics: Metrics
  rateLimit: RateLimitOptions
  heartbeatTimeoutMs: number
  loginTimeoutMs: number
  /** Unsent bytes a connection may queue before it is closed with 4009 (see `slowConsumer`). */
  maxSendBufferBytes: number
  /** The timers of every connection. */
  sweep: ConnectionSweep
  /** Cluster: false while this node cannot reach Redis (a request that fails then gets SERVICE_UNAVAILABLE). */
  healthy?: () => boolean
}

/**
 * The login and heartbeat timeouts and the liveness pings of every connection, in one interval
 * (raw `ws` servers do the same): a Timeout and a setInterval per socket, with their closures,
 * were ~1 KB of each idle connection. Deadlines count in sweeps (small integers, no boxed
 * doubles per connection). A timeout fires no earlier than configured and at most one sweep
 * period later; the period is 1 s, shorter when a timeout is under 8 s.
 */
export class ConnectionSweep {
  readonly periodMs: number
  /** Sweeps run so far. */
  tick = 0
  private readonly conns = new Set<Connection>()
  private readonly timer: NodeJS.Timeout

  constructor(timeoutsMs: number[]) {
    this.periodMs = Math.max(50, Math.min(1000, Math.floor(Math.min(...timeoutsMs) / 8)))
    this.timer = setInterval(() => {
      const tick = ++this.tick
      for (const c of this.conns) c.onSweep(tick)
    }, this.periodMs)
    this.timer.unref()
  }

  /** The sweep at which `ms` from now has surely passed. */
  after(ms: number): number {
    // +1: the current period is partly gone already.
    return this.tick + Math.ceil(ms / this.periodMs) + 1
  }

  add(c: Connection): void {
    this.conns.add(c)
  }

  delete(c: Connection): void {
    this.conns.delete(c)
  }

  /** Close every connection with `code` (server shutdown); returns their sockets. */
  closeAll(code: number, reason: string): WebSocket[] {
    const sockets: WebSocket[] = []
    for (const c of this.conns) sockets.push(c.shutdown(code, reason))
    return sockets
  }

  close(): void {
    clearInterval(this.timer)
  }
}

/**
 * The signaling server's socket class (WebSocketServer's `WebSocket` option): its events go
 * straight to the Connection that owns it, through this one method on the prototype. Four
 * listeners (message, close, error, pong) put a dictionary of ~350 bytes on every socket; ws
 * itself adds none to the socket object (with `clientTracking: false`).
 */
export class SignalingSocket extends WebSocket {
  /** The connection this socket belongs to, from its accept on. */
  connection: Connection | undefined = undefined

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const c = this.connection
    if (!c) return super.emit(event, ...args)
    switch (event) {
      case 'message':
        c.onFrame(args[0] as Buffer, args[1] as boolean)
        return true
      case 'close':
        c.onClose()
        return true
      case 'pong':
        c.onPong()
        return true
      case 'error':
        c.onSocketError(args[0] as Error)
        return true
    }
    return super.emit(event, ...args)
  }
}

/** Where every connection's frame queue starts: one settled promise shared, not one each. */
const SETTLED: Promise<void> = Promise.resolve()
/** What a handler returns when it sent its reply itself. */
const REPLIED = Symbol('replied')

/**
 * One signaling WebSocket. Frames are handled strictly in arrival order (a queue), so replies
 * and pushes of one connection never overtake each other. Bad input always gets a coded reply;
 * too much of it closes the socket with 4004.
 */
export class Connection implements SessionSink {
  private session: Session | undefined
  private queue: Promise<void> = SETTLED
  /** Frames in `queue` not yet handled. */
  private queued = 0
  private readonly bucket: TokenBucket
  /** Bad frames in the last 10 s; made on the first (well-behaved clients never send one). */
  private bad: WindowCounter | undefined
  /** The sweep at which the pending login or heartbeat timeout fires (`deadlineCode`). */
  private deadline = 0
  private deadlineCode: number = CloseCode.LOGIN_TIMEOUT
  /**
   * Server-side liveness: a WebSocket ping at sweep `pingAt`, answered by a pong before the
   * next one is due. Client pings prove the client writes; our pings prove it still reads, and so
   * do its acks of pushes sent since the previous check (`checkedSeq`): a session that acks needs
   * no ping (neither proof holds against a hostile client, which can send both unasked; the
   * send-buffer limit does). Every client stack (WeChat, browsers, ws) answers pings by itself.
   */
  private pingAt: number
  private ponged = true
  /** The session's seq at the previous liveness check. */
  private checkedSeq = 0
  private closed = false
  /** Runs right after the next reply is sent (attaching a session once its resume reply is out). */
  private afterReply: (() => void) | undefined

  /**
   * Take over a freshly upgraded socket; the connection lives as long as the socket does.
   * `socket`: the TCP socket under `ws`, which messages are written to as whole frames (wsFrame.ts).
   */
  static accept(ws: SignalingSocket, socket: Duplex, address: string, deps: ConnectionDeps): Connection {
    return new Connection(ws, socket, address, deps)
  }

  private constructor(
    private readonly ws: SignalingSocket,
    private readonly socket: Duplex,
    readonly address: string,
    private readonly deps: ConnectionDeps,
  ) {
    this.bucket = new TokenBucket(deps.rateLimit.messagesPerSecond, deps.rateLimit.burst)
    deps.metrics.connections.inc()
    ws.connection = this
    this.armTimer(deps.loginTimeoutMs, CloseCode.LOGIN_TIMEOUT)
    this.pingAt = deps.sweep.after(this.pingIntervalMs)
    deps.sweep.add(this)
  }

  /** @internal SignalingSocket's 'error': ws closes the socket next ('close'). */
  onSocketError(err: Error): void {
    this.deps.log.debug({ err: err.message, address: this.address }, 'socket error')
  }

  /** @internal SignalingSocket's 'pong': the client still reads. */
  onPong(): void {
    this.ponged = true
  }

  /** Close for a server shutdown; returns the socket, to cut it if its close does not finish. */
  shutdown(code: number, reason: string): WebSocket {
    this.close(code, reason)
    return this.ws
  }

  private get pingIntervalMs(): number {
    return Math.max(1000, Math.floor(this.deps.heartbeatTimeoutMs / 2))
  }

  /** Called by the sweep: timeouts and liveness pings. */
  onSweep(tick: number): void {
    if (tick >= this.deadline) {
      const reason = this.deadlineCode === CloseCode.LOGIN_TIMEOUT ? 'login timeout' : 'heartbeat timeout'
      this.deps.log.info({ address: this.address, ref: this.session?.ref, code: this.deadlineCode }, reason)
      return this.close(this.deadlineCode, reason)
    }
    if (tick < this.pingAt) return
    this.pingAt = this.deps.sweep.after(this.pingIntervalMs)
    const s = this.session
    const checked = this.checkedSeq
    this.checkedSeq = s?.seq ?? 0
    // It acknowledged a push sent since the last check: it reads (one ping and pong fewer per
    // interval for every busy client: 667 of each per second at 10,000 clients).
    if (s && s.acked > checked) return void (this.ponged = true)
    if (!this.ponged) {
      this.deps.log.info({ address: this.address, ref: s?.ref }, 'no pong: client stopped reading')
      return this.close(CloseCode.HEARTBEAT_TIMEOUT, 'no pong')
    }
    this.ponged = false
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping()
  }

  /** One text message of our own (a reply). */
  private send(text: string): void {
    if (this.writable()) this.socket.write(textFrame(text))
  }

  // SessionSink
  sendPush(seq: number, body: Buffer): void {
    if (this.writable()) this.socket.write(pushFrame(seq, body))
  }

  /** Open and reading; a message that finds it otherwise is not sent (a session keeps its pushes for a resume). */
  private writable(): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false
    if (this.socket.writableLength <= this.deps.maxSendBufferBytes) return true
    this.slowConsumer()
    return false
  }

  /**
   * The client stopped reading and its unsent pushes passed the limit. Policy: close with 4009
   * and keep nothing more for this socket. The session stays (detached) for the resume window and
   * keeps numbering its pushes, so the client resumes and is replayed what it missed, or, when
   * too much was missed, logs in again and gets a full room sync. Nothing is lost either way.
   */
  private slowConsumer(): void {
    this.deps.metrics.slowConsumers.inc({ listener: 'signaling' })
    this.deps.log.warn({ address: this.address, ref: this.session?.ref, buffered: this.socket.writableLength }, 'slow consumer closed')
    this.close(CloseCode.SLOW_CONSUMER, 'send buffer full')
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.deps.sweep.delete(this)
    this.ws.close(code, reason)
    // A client that does not read will not read our close frame either: cut it after a moment
    // instead of ws's 30 s closing handshake, so its buffer is freed now.
    setTimeout(() => this.ws.terminate(), 1000).unref()
  }

  /** (Re)start the login or heartbeat timeout (`code`: what the socket is closed with). */
  private armTimer(ms: number, code: typeof CloseCode.LOGIN_TIMEOUT | typeof CloseCode.HEARTBEAT_TIMEOUT): void {
    this.deadline = this.deps.sweep.after(ms)
    this.deadlineCode = code
  }

  private heartbeat(): void {
    this.armTimer(this.deps.heartbeatTimeoutMs, CloseCode.HEARTBEAT_TIMEOUT)
  }

  private reply(id: number, d: unknown): void {
    this.send(JSON.stringify({ id, ok: true, d }))
  }

  private replyError(id: number, code: number, message?: string): void {
    this.deps.metrics.errors.inc({ reason: errorReason(code) })
    this.send(JSON.stringify({ id, ok: false, error: errorBody(code, message) }))
  }

  /** Malformed or rate-limited frame: answer it, and hang up on a client that keeps at it. */
  private badFrame(id: number, code: number): void {
    this.replyError(id, code)
    if ((this.bad ??= new WindowCounter(10_000, this.deps.rateLimit.maxBadFrames + 1)).hit() > this.deps.rateLimit.maxBadFrames) {
      this.deps.log.warn({ address: this.address, ref: this.session?.ref }, 'too many bad frames')
      this.close(CloseCode.RATE_LIMITED, 'too many bad frames')
    }
  }

  /** @internal SignalingSocket's 'message'. */
  onFrame(data: Buffer, isBinary: boolean): void {
    if (this.closed) return
    if (isBinary) {
      this.deps.metrics.countMessage('invalid')
      // id 0: the frame had no readable request id, so the error cannot be correlated.
      return this.badFrame(0, ErrorCode.MALFORMED_MESSAGE)
    }
    const parsed = parseClientMessage(data.toString('utf8'))
    if (!parsed.ok) {
      this.deps.metrics.countMessage('invalid')
      return this.badFrame(parsed.id ?? 0, parsed.code)
    }
    const req = parsed.value
    this.deps.metrics.countMessage(req.op)
    if (!this.bucket.take()) return this.badFrame(req.id, ErrorCode.RATE_LIMITED)
    this.queued++
    this.queue = this.queue
      .then(() => this.dispatch(req))
      .catch((e: unknown) => this.deps.log.error({ err: e instanceof Error ? e.stack : String(e) }, 'dispatch failed'))
  }

  private async dispatch(req: ClientRequest): Promise<void> {
    try {
      if (this.closed) return
      const d = await this.handle(req)
      if (d === REPLIED) return
      this.reply(req.id, d)
      const after = this.afterReply
      this.afterReply = undefined
      after?.()
    } catch (e) {
      this.afterReply = undefined
      if (e instanceof ServerError) {
        // 102xxx = token or grant refused: count them, they are what an attacker produces.
        if (e.code >= 102000 && e.code < 103000) {
          this.deps.metrics.authFailures.inc({ reason: errorReason(e.code) })
          this.deps.log.info({ address: this.address, op: req.op, code: e.code }, 'auth refused')
        }
        return this.replyError(req.id, e.code, e.message)
      }
      this.replyError(req.id, unexpectedFailure(e, this.deps.healthy, this.deps.log, { op: req.op }))
    } finally {
      // Nothing else queued: let the settled chain go (an idle connection kept its last
      // heartbeat's promise for life).
      if (--this.queued === 0) this.queue = SETTLED
    }
  }

  private async handle(req: ClientRequest): Promise<unknown> {
    const { rooms } = this.deps
    if (this.session?.state === 'ended') this.session = undefined
    const s = this.session
    // An acknowledgement riding on any request (ClientRequest.ack): a client that sends often
    // frees its replay buffer without waiting for its heartbeat.
    if (s && req.ack !== undefined) s.ack(req.ack)
    switch (req.op) {
      case 'ping':
        if (s) {
          if (req.d.ack !== undefined) s.ack(req.d.ack)
          this.heartbeat()
        }
        return { t: Date.now() }
      case 'login': {
        if (s) throw new ServerError(ErrorCode.ALREADY_LOGGED_IN)
        const claims = await this.verify(req.d.token, req.d.appId, true)
        let replied = false
        try {
          await rooms.login(claims, req.d, this.address, (session, result) => {
            this.session = session
            this.reply(req.id, result)
            replied = true
            this.bind(session, result.seq)
          })
        } catch (e) {
          if (!replied) throw e
          // What followed the reply (telling the room) failed: the client has its answer already.
          this.deps.log.error({ err: e instanceof Error ? e.stack : String(e) }, 'login failed after its reply')
        }
        return REPLIED
      }
      case 'resume': {
        if (s) throw new ServerError(ErrorCode.ALREADY_LOGGED_IN)
        const { session, result } = rooms.resume(req.d.sessionId, req.d.lastSeq)
        this.session = session
        const last = result.missed[result.missed.length - 1]
        this.afterReply = () => this.bind(session, last ? last.seq : req.d.lastSeq)
        return result
      }
    }
    if (!s) throw new ServerError(ErrorCode.NOT_LOGGED_IN)
    switch (req.op) {
      case 'logout':
        this.session = undefined
        await rooms.end(s, 'logout')
        this.armTimer(this.deps.loginTimeoutMs, CloseCode.LOGIN_TIMEOUT)
        return {}
      case 'renewToken':
        return rooms.renewToken(s, await this.verify(req.d.token, s.appId, false))
      case 'publish':
        return rooms.publish(s, req.d)
      case 'unpublish':
        return rooms.unpublish(s, req.d.streamId)
      case 'play':
        return rooms.play(s, req.d.streamId)
      case 'setStreamExtraInfo':
        return rooms.setStreamExtraInfo(s, req.d)
      case 'setRoomExtraInfo':
        return rooms.setRoomExtraInfo(s, req.d)
      case 'broadcast':
        return rooms.broadcast(s, req.d.message)
      case 'customCommand':
        return rooms.customCommand(s, req.d)
      case 'addPublishCdnUrl':
        return this.deps.relays.addForSession(s, req.d.streamId, req.d.url)
      case 'removePublishCdnUrl':
        return this.deps.relays.removeForSession(s, req.d.streamId, req.d.url)
    }
    throw new ServerError(ErrorCode.UNKNOWN_OPERATION)
  }

  /** Attach the session after its login/resume reply; a socket that closed meanwhile detaches it. */
  private bind(session: Session, afterSeq: number): void {
    if (this.closed) {
      this.deps.rooms.detach(session, undefined)
      return
    }
    session.attach(this, afterSeq)
    // Only acks of what this connection delivers count as proof that its client reads.
    this.checkedSeq = session.seq
    this.heartbeat()
  }

  private async verify(token: string, appId: string, login: boolean) {
    const fail = (code: ErrorCode): never => {
      throw new ServerError(code, login ? undefined : `renewToken: ${errorMessages[code]}`)
    }
    if (this.deps.secretFor(appId) === undefined) fail(ErrorCode.APP_UNKNOWN)
    const r = await verifyToken(token, { secretFor: this.deps.secretFor, appId })
    if (!r.ok) return fail(r.code)
    return r.claims
  }

  /** @internal SignalingSocket's 'close'. */
  onClose(): void {
    this.closed = true
    this.deps.sweep.delete(this)
    this.deps.metrics.connections.dec()
    if (this.session) this.deps.rooms.detach(this.session, this)
  }
}
