/**
 * Test harness: a manual clock, a Platform over it, and a scripted protocol peer that behaves
 * like the MiniRTC server (login/resume with per-session seq and replay, streams, media
 * confirmation). The real server is exercised end to end in the headless and server packages.
 */
import type { LoginResult, PlayResult, ServerPush, StreamInfo, UserInfo, Pushes, PushEvent } from '@minirtc/protocol'
import { ErrorCode, errorMessages, errorReason } from '@minirtc/protocol'
import type { Platform, PlatformSocket, SocketHandlers, LivePusherContextLike } from '../platform'
import { RtcEngine } from '../RtcEngine'
import type { EngineEvents } from '../types'

interface Timer {
  id: number
  at: number
  fn: () => void
}

export class FakeClock {
  now = 1_700_000_000_000
  private timers: Timer[] = []
  private nextId = 1
  setTimeout(fn: () => void, ms: number): number {
    const t = { id: this.nextId++, at: this.now + Math.max(0, ms), fn }
    this.timers.push(t)
    return t.id
  }
  clearTimeout(id: unknown) {
    this.timers = this.timers.filter((t) => t.id !== id)
  }
  /** Run every timer due within `ms` from now, in time order (timers may add timers). */
  advance(ms: number) {
    const end = this.now + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.now = Math.max(this.now, due.at)
      due.fn()
    }
    this.now = end
  }
  flush() {
    this.advance(0)
  }
  pending(): number {
    return this.timers.length
  }
}

interface Session {
  id: string
  user: UserInfo
  userUpdate: boolean
  /** Asked for play URLs with the room's streams (login `playUrls`). */
  playUrls: boolean
  seq: number
  buffer: ServerPush[]
  socket: ServerSocket | null
  ownStreams: Set<string>
}

export class ServerSocket implements PlatformSocket {
  session: Session | null = null
  open = false
  closed = false
  sent: any[] = []
  constructor(
    readonly server: ScriptedServer,
    readonly handlers: SocketHandlers,
  ) {}
  send(data: string) {
    if (this.closed) throw new Error('send on closed socket')
    const msg = JSON.parse(data)
    this.sent.push(msg)
    this.server.handle(this, msg)
  }
  close(code = 1000, reason = '') {
    if (this.closed) return
    this.closed = true
    this.server.socketGone(this)
    // Platforms report close asynchronously.
    this.server.clock.setTimeout(() => this.handlers.onClose(code, reason), 0)
  }
  /** Server side: deliver a frame to the client. */
  deliver(obj: unknown) {
    if (!this.closed && this.open) this.handlers.onMessage(JSON.stringify(obj))
  }
  /** Server side: drop the connection (network failure or server close). */
  drop(code = 1006) {
    if (this.closed) return
    this.closed = true
    this.server.socketGone(this)
    this.handlers.onClose(code, 'dropped')
  }
}

export interface ServerOptions {
  /** Reply to login with this error code instead of success. */
  loginError?: number
  /** Do not answer these ops at all (to test timeouts). */
  silentOps?: string[]
  /** Refuse new connections (server down). */
  down?: boolean
  /** Play URLs without HTTP-FLV (an nginx-rtmp media node without a FLV module). */
  noFlv?: boolean
  /** How long play URLs are valid (default 60 s; negative: expired when issued). */
  playUrlTtlMs?: number
  /** The server's clock runs this far ahead of the client's. */
  clockOffsetMs?: number
}

/** A scripted MiniRTC peer with the protocol's semantics and a controllable room. */
export class ScriptedServer {
  sessions = new Map<string, Session>()
  sockets: ServerSocket[] = []
  remoteUsers: UserInfo[] = []
  streams: StreamInfo[] = []
  /** Streams of local sessions waiting for media confirmation. */
  requested = new Map<string, string>()
  opts: ServerOptions = {}
  private nextSession = 1
  private urlNo = 1
  log: string[] = []

  constructor(readonly clock: FakeClock) {}

  connect(handlers: SocketHandlers): ServerSocket {
    const sock = new ServerSocket(this, handlers)
    this.sockets.push(sock)
    this.clock.setTimeout(() => {
      if (sock.closed) return
      if (this.opts.down) {
        sock.closed = true
        handlers.onClose(1006, 'refused')
        return
      }
      sock.open = true
      handlers.onOpen()
    }, 0)
    return sock
  }

  socketGone(sock: ServerSocket) {
    if (sock.session && sock.session.socket === sock) sock.session.socket = null
  }

  get liveSockets() {
    return this.sockets.filter((s) => !s.closed && s.open)
  }

  private reply(sock: ServerSocket, id: number, d: unknown) {
    sock.deliver({ id, ok: true, d })
  }
  private fail(sock: ServerSocket, id: number, code: number) {
    sock.deliver({ id, ok: false, error: { code, reason: errorReason(code), message: (errorMessages as any)[code] } })
  }

  handle(sock: ServerSocket, msg: { id: number; op: string; d: any }) {
    this.log.push(msg.op)
    if (this.opts.silentOps && this.opts.silentOps.includes(msg.op)) return
    const s = sock.session
    switch (msg.op) {
      case 'login': {
        if (this.opts.loginError) return this.fail(sock, msg.id, this.opts.loginError)
        const session: Session = {
          id: 'sess-' + this.nextSession++,
          user: msg.d.user,
          userUpdate: !!msg.d.userUpdate,
          playUrls: msg.d.playUrls === true,
          seq: 0,
          buffer: [],
          socket: sock,
          ownStreams: new Set(),
        }
        this.sessions.set(session.id, session)
        sock.session = session
        const result: LoginResult = {
          sessionId: session.id,
          room: {
            users: session.userUpdate ? this.remoteUsers.slice() : [],
            streams: this.streams.slice(),
            extraInfo: [],
            onlineCount: this.remoteUsers.length + 1,
            ownStreams: [],
          },
          seq: 0,
          tokenExpiresAt: this.clock.now + 3600_000,
          heartbeatIntervalMs: 10_000,
          resumeWindowMs: 30_000,
          serverTime: this.serverNow,
        }
        if (session.playUrls) result.play = this.streams.map((x) => this.playResult(x.streamId, true))
        return this.reply(sock, msg.id, result)
      }
      case 'resume': {
        const session = this.sessions.get(msg.d.sessionId)
        if (!session) return this.fail(sock, msg.id, ErrorCode.SESSION_EXPIRED)
        session.socket = sock
        sock.session = session
        const missed = session.buffer.filter((p) => p.seq > msg.d.lastSeq)
        return this.reply(sock, msg.id, { missed, tokenExpiresAt: this.clock.now + 3600_000 })
      }
      case 'ping':
        if (s && typeof msg.d.ack === 'number') s.buffer = s.buffer.filter((p) => p.seq > msg.d.ack)
        return this.reply(sock, msg.id, { t: this.clock.now })
      case 'logout':
        if (s) this.sessions.delete(s.id)
        return this.reply(sock, msg.id, {})
      case 'publish': {
        if (!s) return this.fail(sock, msg.id, ErrorCode.NOT_LOGGED_IN)
        const taken = this.streams.some((x) => x.streamId === msg.d.streamId && x.user.userId !== s.user.userId)
        if (taken) return this.fail(sock, msg.id, ErrorCode.STREAM_ID_TAKEN)
        this.requested.set(msg.d.streamId, s.id)
        s.ownStreams.add(msg.d.streamId)
        return this.reply(sock, msg.id, {
          streamId: msg.d.streamId,
          pushUrl: 'rtmp://media.test/live/m' + this.urlNo++ + '?sig=x',
          expiresAt: this.clock.now + 60_000,
        })
      }
      case 'unpublish':
        if (s) s.ownStreams.delete(msg.d.streamId)
        this.requested.delete(msg.d.streamId)
        return this.reply(sock, msg.id, {})
      case 'play': {
        if (!this.streams.some((x) => x.streamId === msg.d.streamId)) return this.fail(sock, msg.id, ErrorCode.STREAM_NOT_FOUND)
        return this.reply(sock, msg.id, this.playResult(msg.d.streamId))
      }
      case 'broadcast':
        return this.reply(sock, msg.id, { messageId: 1 })
      default:
        return this.reply(sock, msg.id, {})
    }
  }

  get serverNow(): number {
    return this.clock.now + (this.opts.clockOffsetMs ?? 0)
  }

  /** A fresh play URL, `delivered` when it came with the login reply or an ADD (the URL says which). */
  playResult(streamId: string, delivered = false): PlayResult {
    const n = this.urlNo++
    const name = (delivered ? 'd' : 'p') + n
    return {
      streamId,
      urls: { rtmp: 'rtmp://media.test/live/' + name + '?sig=y', flv: this.opts.noFlv ? '' : 'http://media.test/live/' + name + '.flv?sig=y' },
      expiresAt: this.serverNow + (this.opts.playUrlTtlMs ?? 60_000),
    }
  }

  /** Push to every session (buffered for replay while its socket is down). */
  push<E extends PushEvent>(ev: E, d: Pushes[E], only?: (s: Session) => boolean) {
    for (const s of this.sessions.values()) {
      if (only && !only(s)) continue
      if (ev === 'user' && !s.userUpdate) continue
      const sd = ev === 'stream' && s.playUrls && (d as Pushes['stream']).type === 'ADD'
        ? { ...d, play: (d as Pushes['stream']).streams.map((x) => this.playResult(x.streamId, true)) }
        : d
      const p = { seq: ++s.seq, ev, d: sd } as ServerPush
      s.buffer.push(p)
      if (s.socket) s.socket.deliver(p)
    }
  }

  addUser(user: UserInfo) {
    if (this.remoteUsers.some((u) => u.userId === user.userId)) return
    this.remoteUsers.push(user)
    this.push('user', { type: 'ADD', users: [user] })
    this.push('onlineCount', { count: this.remoteUsers.length + 1 })
  }
  removeUser(userId: string) {
    const u = this.remoteUsers.find((x) => x.userId === userId)
    if (!u) return
    this.remoteUsers = this.remoteUsers.filter((x) => x !== u)
    this.push('user', { type: 'DELETE', users: [u] })
    this.push('onlineCount', { count: this.remoteUsers.length + 1 })
  }
  addStream(stream: StreamInfo) {
    if (this.streams.some((x) => x.streamId === stream.streamId)) return
    this.streams.push(stream)
    this.push('stream', { type: 'ADD', streams: [stream] })
  }
  removeStream(streamId: string) {
    const x = this.streams.find((s) => s.streamId === streamId)
    if (!x) return
    this.streams = this.streams.filter((s) => s !== x)
    this.push('stream', { type: 'DELETE', streams: [x] })
  }
  /** The media server saw the local user's push start. */
  confirmPublish(streamId: string, state: 'PUBLISHING' | 'STOPPED' = 'PUBLISHING') {
    const sid = this.requested.get(streamId)
    const session = sid && this.sessions.get(sid)
    if (!session) return false
    this.push('publishState', { streamId, state }, (s) => s === session)
    return true
  }
  dropAll(code = 1006) {
    for (const s of this.sockets) s.drop(code)
  }
  /** Forget every session (server restart or resume window over). */
  forgetSessions() {
    this.sessions.clear()
    this.requested.clear()
  }
}

export class FakePusherContext implements LivePusherContextLike {
  calls: string[] = []
  start() {
    this.calls.push('start')
  }
  stop() {
    this.calls.push('stop')
  }
  switchCamera() {
    this.calls.push('switchCamera')
  }
  sendMessage(o: { msg: string; success?: (r: unknown) => void }) {
    this.calls.push('sendMessage:' + o.msg)
    if (o.success) o.success({})
  }
  snapshot(o?: { success?: (r: unknown) => void }) {
    this.calls.push('snapshot')
    if (o && o.success) o.success({ tempImagePath: 'wxfile://tmp.jpg', width: 360, height: 640 })
  }
}

export function createTestRig(options: { policy?: import('../types').ReconnectPolicy } = {}) {
  const clock = new FakeClock()
  const server = new ScriptedServer(clock)
  const pusherContext = new FakePusherContext()
  let networkListener: ((online: boolean) => void) | null = null
  const platform: Platform = {
    connect: (_url, handlers) => server.connect(handlers),
    createPusherContext: () => pusherContext,
    createPlayerContext: () => ({}),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (h) => clock.clearTimeout(h),
    now: () => clock.now,
    onNetworkChange: (l) => {
      networkListener = l
      return () => {
        networkListener = null
      }
    },
  }
  const engine = new RtcEngine({
    appId: 'app1',
    server: 'ws://test',
    platform,
    reconnectPolicy: options.policy || { nextRetryDelayMs: (c) => (c.elapsedMs > 60_000 ? null : [0, 300, 1200, 2700][Math.min(c.retryCount, 3)]!) },
  })
  const events: Array<{ name: keyof EngineEvents; args: unknown[] }> = []
  const names: Array<keyof EngineEvents> = [
    'roomStateUpdate',
    'roomStateChanged',
    'roomUserUpdate',
    'roomOnlineUserCountUpdate',
    'roomStreamUpdate',
    'streamExtraInfoUpdate',
    'roomExtraInfoUpdate',
    'publisherStateUpdate',
    'playerStateUpdate',
    'publishQualityUpdate',
    'playQualityUpdate',
    'capturedSoundLevelUpdate',
    'soundLevelUpdate',
    'tokenWillExpire',
    'IMRecvBroadcastMessage',
    'IMRecvCustomCommand',
    'recvSEI',
  ]
  for (const name of names) engine.on(name, ((...args: unknown[]) => events.push({ name, args })) as never)
  const of = (name: keyof EngineEvents) => events.filter((e) => e.name === name).map((e) => e.args)
  const setOnline = (online: boolean) => networkListener && networkListener(online)
  return { clock, server, engine, events, of, pusherContext, platform, setOnline }
}

export const alice: UserInfo = { userId: 'alice', userName: 'Alice' }
export const bob: UserInfo = { userId: 'bob', userName: 'Bob' }
export const carol: UserInfo = { userId: 'carol', userName: 'Carol' }
export const streamOf = (user: UserInfo, streamId = user.userId + '-cam', extraInfo = ''): StreamInfo => ({ streamId, user, extraInfo })

/** Log in `engine` as alice and settle. */
export async function loggedInRig(config: { userUpdate?: boolean; autoPlay?: boolean } = { userUpdate: true, autoPlay: true }) {
  const rig = createTestRig()
  const p = rig.engine.loginRoom('room1', 'token', alice, config)
  rig.clock.flush()
  await p
  return rig
}
