import {
  CloseCode,
  type PushEvent,
  type Pushes,
  ErrorCode,
  errorReason,
  type BroadcastMessage,
  type LoginResult,
  type OpRequest,
  type PlayResult,
  type PublishResult,
  type ResumeResult,
  type RoomSync,
  type StreamInfo,
  type UserInfo,
} from '@minirtc/protocol'
import type { Logger } from 'pino'
import type { ClusterLink, FanoutFilter, PlaySource } from './cluster/ClusterLink'
import { ClusterReactions } from './cluster/ClusterReactions'
import { ServerError } from './errors'
import type { MediaBackend } from './media/MediaBackend'
import type { LocalStream, MediaAuthority, MediaEvents } from './media/MediaAuthority'
import { newMediaName, type MediaKind } from './media/mediaSigner'
import { Session, endCodes, pushBody, pushBodyJson, type EndReason, type SessionSink } from './Session'
import type { SessionRegistry } from './SessionRegistry'
import type { RoomStore, StoredStream, StoredUser } from './store/RoomStore'
import { at } from './timers'
import type { TokenClaims } from './token'

export type { EndReason } from './Session'

export interface RoomsConfig {
  resumeWindowMs: number
  heartbeatTimeoutMs: number
  tokenWillExpireSeconds: number
  mediaUrlTtlSeconds: number
  maxStreamsPerSession: number
  maxRoomExtraInfoKeys: number
  replayBufferSize: number
  /** How long a stream whose publisher dropped stays in the room before others get DELETE. */
  mediaGraceMs: number
  /** Users per room; one more login is refused with ROOM_FULL. */
  maxUsersPerRoom: number
  /** Live sessions per token; one more login is refused with TOO_MANY_SESSIONS. */
  maxSessionsPerToken: number
}

export interface RoomsDeps {
  store: RoomStore
  cfg: RoomsConfig
  sessions: SessionRegistry
  /** Media authorization; it reports stream state changes back here. */
  authority: MediaAuthority
  /** The media server URLs are issued for. */
  media: MediaBackend
  log: Logger
  cluster?: ClusterLink | undefined
}

/**
 * Room logic: logins, resumes, streams, extra info and messages. Durable state goes through the
 * RoomStore; live sessions and their sockets stay in memory. Every mutation of one room runs
 * under that room's lock so pushes come out in a consistent order. Media authorization lives in
 * MediaAuthority, which tells this class when a stream goes live or loses its publisher.
 */
export class Rooms implements MediaEvents {
  /** This node's sessions of each room (appId + roomId). */
  private readonly local = new Map<string, Set<Session>>()
  private readonly locks = new Map<string, Promise<unknown>>()
  private readonly messageIds = new Map<string, number>()
  private readonly store: RoomStore
  private readonly cfg: RoomsConfig
  private readonly sessions: SessionRegistry
  private readonly authority: MediaAuthority
  private readonly media: MediaBackend
  private readonly log: Logger
  private readonly cluster: ClusterLink | undefined
  private readonly reactions: ClusterReactions | undefined
  private readonly tokenSweep: NodeJS.Timeout

  constructor(d: RoomsDeps) {
    this.store = d.store
    this.cfg = d.cfg
    this.sessions = d.sessions
    this.authority = d.authority
    this.media = d.media
    this.log = d.log
    this.cluster = d.cluster
    d.authority.listen(this)
    this.tokenSweep = setInterval(() => this.expireTokens(), 1000)
    this.tokenSweep.unref()
    if (d.cluster) {
      const reactions = new ClusterReactions(d.cluster, {
        store: d.store,
        sessions: d.sessions,
        authority: d.authority,
        deliver: (a, r, ev, data, f, play) => this.deliver(a, r, ev, data, f, play),
        fanout: (a, r, ev, data, f) => this.fanout(a, r, ev, data, f),
        end: (s, reason) => this.end(s, reason),
        closeLocal: (a, r) => this.withRoom(a, r, async () => {
          for (const s of Array.from(this.members(a, r))) await this.endLocked(s, 'roomClosed')
        }),
        streamInfo: (st) => this.streamInfo(st),
        background: (p, what) => this.background(p, what),
      })
      this.reactions = reactions
      d.cluster.onEvent((e) => reactions.onEvent(e))
      d.cluster.onReap((h) => reactions.reapNode(h))
      d.cluster.onLost(() => this.dropAll())
    }
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private roomKey(appId: string, roomId: string): string {
    return appId + '\u0000' + roomId
  }

  /** Run `fn` after every earlier operation on the same room has finished. */
  private withRoom<T>(appId: string, roomId: string, fn: () => Promise<T>): Promise<T> {
    const key = this.roomKey(appId, roomId)
    const prev = this.locks.get(key) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.locks.set(key, tail)
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key)
    })
    return run
  }

  /** Work nobody awaits (timers, media events): a failing store must be logged, not crash us. */
  private background(p: Promise<unknown>, what: string): void {
    p.catch((e: unknown) => this.log.error({ err: e instanceof Error ? e.stack : String(e), what }, 'background task failed'))
  }

  private members(appId: string, roomId: string): Set<Session> {
    return this.local.get(this.roomKey(appId, roomId)) ?? new Set()
  }

  /**
   * Push to the room's members on this node and, in a cluster, on every other node. `play`: the
   * payload gets a `play` list for recipients that asked for play URLs (see `deliver`).
   */
  private fanout<E extends PushEvent>(appId: string, roomId: string, ev: E, d: Pushes[E], f: FanoutFilter = {}, play?: PlaySource[]): void {
    this.deliver(appId, roomId, ev, d, f, play)
    this.cluster?.publish({ t: 'push', a: appId, r: roomId, ev, d, ...f, ...(play ? { p: play } : {}) })
  }

  private deliver<E extends PushEvent>(appId: string, roomId: string, ev: E, d: Pushes[E], f: FanoutFilter, play?: PlaySource[]): number {
    let n = 0
    let body: string | undefined
    let bytes: Buffer | undefined
    let dJson: string | undefined
    for (const m of this.members(appId, roomId)) {
      if (m.id === f.x || m.user.userId === f.xu) continue
      if (f.uu && !m.userUpdate) continue
      if (f.to && !f.to.includes(m.user.userId)) continue
      // Play URLs are signed per recipient (media authorization ties a URL to the session it was
      // issued to), so they are spliced into the payload's JSON, and only for sessions that asked.
      // In a cluster each node signs for its own members (the signing key is cluster-wide).
      if (play && m.playUrls) {
        dJson ??= JSON.stringify(d)
        m.pushBody(pushBodyJson(ev, dJson.slice(0, -1) + ',"play":' + JSON.stringify(play.map((st) => this.playResult(st, m))) + '}'))
      }
      // One serialization (and one encoding) per fan-out, shared by every recipient's replay
      // buffer; each adds its seq.
      else {
        body ??= pushBody(ev, d)
        m.pushBody(body, (bytes ??= Buffer.from(body)))
      }
      n++
    }
    return n
  }

  /** Local sessions and rooms, for metrics and the admin API. */
  stats(): { rooms: number; sessions: number; streams: number; mediaConnections: number } {
    return { rooms: this.local.size, sessions: this.sessions.size, streams: this.authority.liveStreams(), mediaConnections: this.authority.connections }
  }

  getSession(id: string): Session | undefined {
    return this.sessions.get(id)
  }

  private streamInfo(s: StoredStream): StreamInfo {
    return { streamId: s.streamId, user: { ...s.user }, extraInfo: s.extraInfo }
  }

  /** The room as `s` sees it, and the stored streams behind `room.streams`. */
  private async buildSync(s: Session): Promise<[RoomSync, StoredStream[]]> {
    const [users, streams, extraInfo] = await Promise.all([
      this.store.listUsers(s.appId, s.roomId),
      this.store.listStreams(s.appId, s.roomId),
      this.store.listRoomExtraInfo(s.appId, s.roomId),
    ])
    const live = streams.filter((st) => st.state === 'live' && st.ownerSessionId !== s.id)
    const room = {
      // Like the vendor SDKs' update callbacks, the lists describe the *other* users.
      users: users.filter((u) => u.user.userId !== s.user.userId).map((u) => ({ ...u.user })),
      streams: live.map((st) => this.streamInfo(st)),
      extraInfo,
      onlineCount: users.length,
      ownStreams: streams.filter((st) => st.ownerSessionId === s.id).map((st) => st.streamId),
    }
    return [room, live]
  }

  // ---- login, resume, logout ---------------------------------------------------------------

  /** Grant checks that need the request as well as the token. */
  checkLoginGrants(claims: TokenClaims, req: OpRequest<'login'>): void {
    if (claims.userId !== req.user.userId) throw new ServerError(ErrorCode.USER_MISMATCH)
    if (!claims.grants.login) throw new ServerError(ErrorCode.LOGIN_NOT_GRANTED)
    if (claims.roomId !== undefined && claims.roomId !== req.roomId) throw new ServerError(ErrorCode.ROOM_NOT_GRANTED)
  }

  /**
   * Log in: `ready` gets the session and the reply inside the room's lock, before the room hears
   * of the newcomer, so the caller can send the reply and attach the socket first (a login is not
   * held up by the room's fan-out, and no push can come between the reply and the attach).
   */
  async login(
    claims: TokenClaims,
    req: OpRequest<'login'>,
    address: string,
    ready: (session: Session, result: LoginResult) => void,
  ): Promise<void> {
    this.checkLoginGrants(claims, req)
    return this.withRoom(req.appId, req.roomId, async () => {
      const s = new Session(
        req.appId,
        req.roomId,
        // Frozen: the room store keeps this very object in the user's entry (not a copy of it).
        Object.freeze({ userId: req.user.userId, userName: req.user.userName }),
        req.userUpdate === true,
        claims.grants,
        claims.streamIdPrefix,
        claims.exp,
        address,
        this.cfg.replayBufferSize,
        this.cluster ? this.cluster.nodeId + '.' : '',
      )
      const prev = await this.store.getUser(s.appId, s.roomId, s.user.userId)
      const old = prev && this.sessions.get(prev.sessionId)
      // A re-login of the same user replaces a session, so it needs no new room or token slot.
      if (!prev && (await this.store.countUsers(s.appId, s.roomId)) >= this.cfg.maxUsersPerRoom) throw new ServerError(ErrorCode.ROOM_FULL)
      if (this.sessions.countForToken(claims.tokenId, old) >= this.cfg.maxSessionsPerToken) throw new ServerError(ErrorCode.TOO_MANY_SESSIONS)
      // Same userId again: the newest login wins, the old connection is told why and closed.
      if (old) await this.endLocked(old, 'replaced')
      else if (prev) await this.reactions?.replaceRemote(s, prev)
      const entry: StoredUser = { user: s.user, sessionId: s.id, joinedAt: Date.now(), address }
      await this.store.putUser(s.appId, s.roomId, entry)
      s.tokenId = claims.tokenId
      // Opt-in: signing costs an HMAC per stream and recipient, wasted on a client that plays
      // only some streams (it asks with `play` when it does).
      s.playUrls = req.playUrls === true
      this.sessions.add(s)
      const key = this.roomKey(s.appId, s.roomId)
      let set = this.local.get(key)
      if (!set) this.local.set(key, (set = new Set()))
      set.add(s)
      // No sink yet: the connection attaches one after sending the reply (see Session.attach).
      const [room, live] = await this.buildSync(s)
      ready(s, {
        sessionId: s.id,
        room,
        seq: s.seq,
        tokenExpiresAt: claims.exp * 1000,
        heartbeatIntervalMs: Math.max(1000, Math.floor(this.cfg.heartbeatTimeoutMs / 3)),
        resumeWindowMs: this.cfg.resumeWindowMs,
        serverTime: Date.now(),
        ...(s.playUrls ? { play: live.map((st) => this.playResult(st, s)) } : {}),
      })
      this.fanout(s.appId, s.roomId, 'user', { type: 'ADD', users: [{ ...s.user }] }, { x: s.id, xu: s.user.userId, uu: true })
      if (!prev) this.fanout(s.appId, s.roomId, 'onlineCount', { count: room.onlineCount }, { x: s.id })
      this.log.info({ appId: s.appId, roomId: s.roomId, userId: s.user.userId, ref: s.ref, address }, 'login')
    })
  }

  /**
   * Take a session over for a new socket and return the pushes it missed. The caller attaches
   * the socket (Session.attach) once the reply is out.
   */
  resume(sessionId: string, lastSeq: number): { session: Session; result: ResumeResult } {
    const s = this.sessions.get(sessionId)
    if (!s || s.state === 'ended' || s.tokenExp * 1000 <= Date.now()) throw new ServerError(ErrorCode.SESSION_EXPIRED)
    const missed = s.missedSince(lastSeq)
    if (missed === null) {
      // Part of what the client missed is gone; it must log in again from scratch.
      this.background(this.end(s, 'resumeExpired'), 'end session')
      throw new ServerError(ErrorCode.SESSION_EXPIRED)
    }
    // A resume can beat the server to noticing the old socket is dead: retire that socket.
    const oldSink = s.sink
    s.sink = undefined
    oldSink?.close(CloseCode.NORMAL, 'resumed elsewhere')
    s.clearTimers()
    s.state = 'active'
    this.log.info({ ref: s.ref, lastSeq, missed: missed.length }, 'resume')
    return { session: s, result: { missed, tokenExpiresAt: s.tokenExp * 1000 } }
  }

  /**
   * The socket of `s` went away without logout: keep the session for the resume window.
   * `sink` undefined: the connection closed before it could attach.
   */
  detach(s: Session, sink: SessionSink | undefined): void {
    if (s.sink !== sink || s.state !== 'active') return
    s.sink = undefined
    s.state = 'detached'
    s.resumeTimer = at(Date.now() + this.cfg.resumeWindowMs, () => this.background(this.end(s, 'resumeExpired'), 'resume window'))
    this.log.info({ ref: s.ref }, 'detached')
  }

  end(s: Session, reason: EndReason): Promise<void> {
    if (s.state === 'ended') return Promise.resolve()
    return this.withRoom(s.appId, s.roomId, () => this.endLocked(s, reason))
  }

  /** End a session: kickout push + close when forced, streams and membership removed. */
  private async endLocked(s: Session, reason: EndReason): Promise<void> {
    if (s.state === 'ended') return
    const { code, close } = endCodes[reason]
    if (code !== undefined) s.push('kickout', { code, reason: errorReason(code) })
    s.state = 'ended'
    s.clearTimers()
    const sink = s.sink
    s.sink = undefined
    if (sink && close !== undefined) sink.close(close, errorReason(code!))
    this.sessions.remove(s)
    const members = this.members(s.appId, s.roomId)
    members.delete(s)
    if (members.size === 0) this.local.delete(this.roomKey(s.appId, s.roomId))
    // Snapshots: removing a stream or a media connection edits these sets.
    for (const streamId of Array.from(s.streams ?? [])) await this.removeStream(s, streamId, false)
    for (const id of Array.from(s.mediaSessions ?? [])) this.authority.closeMedia(id)
    this.cluster?.publish({ t: 'refEnded', ref: s.ref })
    const removed = await this.store.removeUser(s.appId, s.roomId, s.user.userId, s.id)
    this.log.info({ ref: s.ref, userId: s.user.userId, reason }, 'session ended')
    if (!removed || reason === 'replaced') return
    const count = await this.store.countUsers(s.appId, s.roomId)
    if (count === 0) {
      await this.store.deleteRoom(s.appId, s.roomId)
      this.messageIds.delete(this.roomKey(s.appId, s.roomId))
      return
    }
    if (reason === 'roomClosed') return
    this.fanout(s.appId, s.roomId, 'user', { type: 'DELETE', users: [{ ...s.user }] }, { x: s.id, uu: true })
    this.fanout(s.appId, s.roomId, 'onlineCount', { count }, { x: s.id })
  }

  /**
   * Token expiry of every session on this node, once a second (`tokenSweep`): `tokenWillExpire`
   * `tokenWillExpireSeconds` before, the end with 4007 at expiry, each at most a second late.
   * One sweep instead of two timers per session (their closures and Timeouts were ~10 % of an
   * idle session's memory); a pass over 20k sessions takes well under a millisecond.
   */
  expireTokens(now = Date.now()): void {
    const warnMs = this.cfg.tokenWillExpireSeconds * 1000
    for (const s of this.sessions.values()) {
      if (s.state === 'ended') continue
      const expMs = s.tokenExp * 1000
      if (now >= expMs) this.background(this.end(s, 'tokenExpired'), 'token expiry')
      else if (!s.tokenWarned && now >= expMs - warnMs) {
        s.tokenWarned = true
        s.push('tokenWillExpire', { expiresAt: expMs })
      }
    }
  }

  /** Stop the token sweep (server close). */
  close(): void {
    clearInterval(this.tokenSweep)
  }

  /** A fresh token for the same app, user and room extends the session. */
  renewToken(s: Session, claims: TokenClaims): { expiresAt: number } {
    if (claims.appId !== s.appId) throw new ServerError(ErrorCode.TOKEN_INVALID)
    if (claims.userId !== s.user.userId) throw new ServerError(ErrorCode.USER_MISMATCH)
    if (!claims.grants.login) throw new ServerError(ErrorCode.LOGIN_NOT_GRANTED)
    if (claims.roomId !== undefined && claims.roomId !== s.roomId) throw new ServerError(ErrorCode.ROOM_NOT_GRANTED)
    s.tokenExp = claims.exp
    s.grants = claims.grants
    s.streamIdPrefix = claims.streamIdPrefix
    s.tokenWarned = false
    return { expiresAt: claims.exp * 1000 }
  }

  // ---- streams -----------------------------------------------------------------------------

  private mediaUrl(kind: MediaKind, st: Pick<StoredStream, 'mediaName' | 'mediaUrls'>, s: Session): { rtmp: string; flv: string; expiresAt: number } {
    const mediaName = st.mediaName
    const expires = Math.floor(Date.now() / 1000) + this.cfg.mediaUrlTtlSeconds
    const q = this.authority.signer.sign({ kind, mediaName, ref: s.ref, expires })
    // The media node was chosen when the stream was reserved (it may be another node's NMS).
    const base = st.mediaUrls ?? this.media.urls(mediaName)
    const rtmp = kind === 'play' ? (base.playRtmp ?? base.rtmp) : base.rtmp
    return { rtmp: `${rtmp}?${q}`, flv: base.flv ? `${base.flv}?${q}` : '', expiresAt: expires * 1000 }
  }

  async publish(s: Session, req: OpRequest<'publish'>): Promise<PublishResult> {
    if (!s.grants.publish) throw new ServerError(ErrorCode.PUBLISH_NOT_GRANTED)
    if (s.streamIdPrefix !== undefined && !req.streamId.startsWith(s.streamIdPrefix))
      throw new ServerError(ErrorCode.STREAM_PREFIX_NOT_GRANTED)
    const media = this.media
    return this.withRoom(s.appId, s.roomId, async () => {
      if (s.state === 'ended') throw new ServerError(ErrorCode.NOT_LOGGED_IN)
      let st = await this.store.getStream(s.appId, req.streamId)
      if (!st) {
        if ((s.streams?.size ?? 0) >= this.cfg.maxStreamsPerSession) throw new ServerError(ErrorCode.TOO_MANY_STREAMS)
        const mediaName = newMediaName()
        const want: StoredStream = {
          appId: s.appId,
          roomId: s.roomId,
          streamId: req.streamId,
          user: { ...s.user },
          ownerSessionId: s.id,
          mediaName,
          extraInfo: req.extraInfo ?? '',
          state: 'pending',
          createdAt: Date.now(),
          mediaUrls: media.urls(mediaName),
        }
        st = await this.store.reserveStream(want)
        if (st.ownerSessionId === s.id) {
          ;(s.streams ??= new Set()).add(st.streamId)
          this.authority.addStream({
            appId: s.appId,
            roomId: s.roomId,
            streamId: st.streamId,
            mediaName: st.mediaName,
            ownerSessionId: s.id,
            players: new Set(),
          })
        }
      }
      // Another session (any room of this app) holds the streamId; the holder is unaffected.
      if (st.ownerSessionId !== s.id) throw new ServerError(ErrorCode.STREAM_ID_TAKEN)
      // Publishing an own stream again is how a reconnecting pusher gets a fresh URL.
      const url = this.mediaUrl('publish', st, s)
      this.log.info({ ref: s.ref, streamId: st.streamId, mediaName: st.mediaName }, 'publish url issued')
      return { streamId: st.streamId, pushUrl: url.rtmp, expiresAt: url.expiresAt }
    })
  }

  async unpublish(s: Session, streamId: string): Promise<Record<string, never>> {
    return this.withRoom(s.appId, s.roomId, async () => {
      const st = await this.store.getStream(s.appId, streamId)
      if (!st || st.roomId !== s.roomId) throw new ServerError(ErrorCode.STREAM_NOT_FOUND)
      if (st.ownerSessionId !== s.id) throw new ServerError(ErrorCode.NOT_STREAM_OWNER)
      await this.removeStream(s, streamId, true)
      return {}
    })
  }

  /** Drop a stream: media connections closed, DELETE to others, STOPPED to the owner. */
  private async removeStream(s: Session, streamId: string, notifyOwner: boolean): Promise<void> {
    s.streams?.delete(streamId)
    // Only while this session owns it: another node may already have handed the streamId over.
    const st = await this.store.deleteStream(s.appId, streamId, s.id)
    this.authority.removeStream(s.id, streamId)
    if (!st) return
    this.cluster?.publish({ t: 'streamGone', m: st.mediaName })
    if (st.state === 'live') {
      this.fanout(s.appId, s.roomId, 'stream', { type: 'DELETE', streams: [this.streamInfo(st)] }, { x: s.id })
      if (notifyOwner) s.push('publishState', { streamId, state: 'STOPPED' })
    }
  }

  async play(s: Session, streamId: string): Promise<PlayResult> {
    const st = await this.store.getStream(s.appId, streamId)
    // Streams of other rooms are indistinguishable from missing ones.
    if (!st || st.roomId !== s.roomId) throw new ServerError(ErrorCode.STREAM_NOT_FOUND)
    return this.playResult(st, s)
  }

  /** A play URL for `s` alone: the media server admits it for that session (ref) until it expires. */
  private playResult(st: PlaySource, s: Session): PlayResult {
    const url = this.mediaUrl('play', st, s)
    return { streamId: st.streamId, urls: { rtmp: url.rtmp, flv: url.flv }, expiresAt: url.expiresAt }
  }

  async setStreamExtraInfo(s: Session, req: OpRequest<'setStreamExtraInfo'>): Promise<Record<string, never>> {
    return this.withRoom(s.appId, s.roomId, async () => {
      const st = await this.store.getStream(s.appId, req.streamId)
      if (!st || st.roomId !== s.roomId) throw new ServerError(ErrorCode.STREAM_NOT_FOUND)
      if (st.ownerSessionId !== s.id) throw new ServerError(ErrorCode.NOT_STREAM_OWNER)
      const upd = await this.store.updateStream(s.appId, req.streamId, { extraInfo: req.extraInfo })
      if (upd && upd.state === 'live') this.fanout(s.appId, s.roomId, 'streamExtraInfo', { streams: [this.streamInfo(upd)] }, { x: s.id })
      return {}
    })
  }

  // ---- room extra info and messages --------------------------------------------------------

  async setRoomExtraInfo(s: Session, req: OpRequest<'setRoomExtraInfo'>): Promise<Record<string, never>> {
    return this.withRoom(s.appId, s.roomId, async () => {
      const cur = await this.store.listRoomExtraInfo(s.appId, s.roomId)
      if (!cur.some((i) => i.key === req.key) && cur.length >= this.cfg.maxRoomExtraInfoKeys)
        throw new ServerError(ErrorCode.PAYLOAD_TOO_LARGE, `At most ${this.cfg.maxRoomExtraInfoKeys} room extra info keys.`)
      const info = { key: req.key, value: req.value, updateUser: { ...s.user }, updateTime: Date.now() }
      await this.store.setRoomExtraInfo(s.appId, s.roomId, info)
      this.fanout(s.appId, s.roomId, 'roomExtraInfo', { extraInfo: [info] }, { x: s.id })
      return {}
    })
  }

  broadcast(s: Session, message: string): { messageId: number } | Promise<{ messageId: number }> {
    const m: BroadcastMessage = { messageId: 0, fromUser: { ...s.user }, message, sendTime: Date.now() }
    const d = { messages: [m] }
    // In a cluster the per-room numbering lives in Redis: the message is numbered in the round
    // trip that publishes it to the other nodes, and delivered here once it has its number.
    if (this.cluster)
      return this.cluster.publishNumbered({ t: 'push', a: s.appId, r: s.roomId, ev: 'broadcast', d, x: s.id }).then((messageId) => {
        m.messageId = messageId
        this.deliver(s.appId, s.roomId, 'broadcast', d, { x: s.id })
        return { messageId }
      })
    const key = this.roomKey(s.appId, s.roomId)
    m.messageId = (this.messageIds.get(key) ?? 0) + 1
    this.messageIds.set(key, m.messageId)
    this.fanout(s.appId, s.roomId, 'broadcast', d, { x: s.id })
    return { messageId: m.messageId }
  }

  customCommand(s: Session, req: OpRequest<'customCommand'>): Record<string, never> | Promise<Record<string, never>> {
    const d = { fromUser: { ...s.user }, command: req.command }
    const to = req.toUserIds.filter((u) => u !== s.user.userId)
    const sent = this.deliver(s.appId, s.roomId, 'customCommand', d, { x: s.id, to })
    if (!this.cluster) {
      if (sent === 0) throw new ServerError(ErrorCode.USER_NOT_FOUND)
      return {}
    }
    const cluster = this.cluster
    return (async () => {
      // Recipients on other nodes: only those the shared store knows are in the room.
      const remote: string[] = []
      const local = new Set([...this.members(s.appId, s.roomId)].map((m) => m.user.userId))
      for (const u of await this.store.listUsers(s.appId, s.roomId))
        if (to.includes(u.user.userId) && !local.has(u.user.userId)) remote.push(u.user.userId)
      if (remote.length) cluster.publish({ t: 'push', a: s.appId, r: s.roomId, ev: 'customCommand', d, x: s.id, to: remote })
      if (sent + remote.length === 0) throw new ServerError(ErrorCode.USER_NOT_FOUND)
      return {}
    })()
  }

  // ---- admin -------------------------------------------------------------------------------

  listRooms(appId: string) {
    return this.store.listRooms(appId)
  }

  async listUsers(appId: string, roomId: string) {
    const users = await this.store.listUsers(appId, roomId)
    return users.map((u) => ({
      ...u.user,
      joinedAt: u.joinedAt,
      address: u.address,
      // Sessions on other nodes count as connected (their node would have reaped them otherwise).
      connected: this.sessions.get(u.sessionId) ? this.sessions.get(u.sessionId)!.state === 'active' : this.cluster !== undefined,
    }))
  }

  async listStreams(appId: string, roomId: string) {
    const streams = await this.store.listStreams(appId, roomId)
    return streams.map((st) => ({ streamId: st.streamId, user: { ...st.user }, extraInfo: st.extraInfo, state: st.state }))
  }

  async kick(appId: string, roomId: string, userId: string): Promise<boolean> {
    const u = await this.store.getUser(appId, roomId, userId)
    if (!u) return false
    const s = this.sessions.get(u.sessionId)
    if (s) await this.end(s, 'kicked')
    else if (this.cluster) this.cluster.publish({ t: 'end', sid: u.sessionId, reason: 'kicked' })
    else return false
    return true
  }

  async closeRoom(appId: string, roomId: string): Promise<number> {
    return this.withRoom(appId, roomId, async () => {
      const all = [...this.members(appId, roomId)]
      const total = this.cluster ? await this.store.countUsers(appId, roomId) : all.length
      this.cluster?.publish({ t: 'closeRoom', a: appId, r: roomId })
      for (const s of all) await this.endLocked(s, 'roomClosed')
      await this.store.deleteRoom(appId, roomId)
      return Math.max(total, all.length)
    })
  }

  /** Server shutdown: close every socket with 4008 (clients reconnect later). */
  shutdown(): void {
    for (const s of this.sessions.all()) {
      s.clearTimers()
      s.sink?.close(CloseCode.SERVER_SHUTDOWN, 'server shutdown')
      s.sink = undefined
      s.state = 'ended'
    }
    this.sessions.clear()
  }

  /**
   * The cluster declared this node dead (its heartbeat lapsed), so its users may already be gone
   * from the shared store: close every session with 4008 and forget the node's local state. The
   * clients reconnect, find their sessions expired, and log in again.
   */
  dropAll(): void {
    this.shutdown()
    this.authority.clear()
    this.local.clear()
  }

  // ---- media events (from MediaAuthority) --------------------------------------------------

  publishStarted(ls: LocalStream, s: Session, mediaSessionId: string): void {
    this.background(this.withRoom(ls.appId, ls.roomId, async () => {
      if (ls.publisher !== mediaSessionId) return
      const before = await this.store.getStream(ls.appId, ls.streamId)
      const st = await this.store.updateStream(ls.appId, ls.streamId, { state: 'live', mediaSessionId })
      if (!st) return
      // Back within the grace period: the room never saw it go, so it must not see it come again.
      if (!before || before.state !== 'live')
        this.fanout(s.appId, s.roomId, 'stream', { type: 'ADD', streams: [this.streamInfo(st)] }, { x: s.id }, [{ streamId: st.streamId, mediaName: st.mediaName, mediaUrls: st.mediaUrls }])
      s.push('publishState', { streamId: st.streamId, state: 'PUBLISHING' })
      this.log.info({ ref: s.ref, streamId: st.streamId }, 'stream live')
    }), 'publish started')
  }

  publisherLost(ls: LocalStream, owner: Session | undefined, mediaSessionId: string): void {
    this.background(this.withRoom(ls.appId, ls.roomId, async () => {
      const st = await this.store.getStream(ls.appId, ls.streamId)
      if (!st || st.mediaSessionId !== mediaSessionId) return
      await this.store.updateStream(ls.appId, ls.streamId, { mediaSessionId: undefined })
      if (st.state !== 'live' || !owner) return
      // The owner learns at once (its pusher is reconnecting); the room only after a grace
      // period, so a phone switching networks (WeChat's pusher retries by itself for ~9 s)
      // does not make every viewer's player flap through DELETE and ADD.
      owner.push('publishState', { streamId: st.streamId, state: 'STOPPED' })
      ls.grace?.()
      ls.grace = at(Date.now() + this.cfg.mediaGraceMs, () => {
        delete ls.grace
        this.background(this.withRoom(ls.appId, ls.roomId, async () => {
          const cur = await this.store.getStream(ls.appId, ls.streamId)
          if (!cur || cur.state !== 'live' || cur.mediaSessionId || ls.publisher !== undefined) return
          await this.store.updateStream(ls.appId, ls.streamId, { state: 'pending' })
          this.fanout(ls.appId, ls.roomId, 'stream', { type: 'DELETE', streams: [this.streamInfo(cur)] }, { x: owner.id })
          this.log.info({ ref: owner.ref, streamId: cur.streamId }, 'stream stopped')
        }), 'media grace ended')
      })
    }), 'publish ended')
  }

  /** Users of a room known to this node (for tests and the admin API). */
  localUsers(appId: string, roomId: string): UserInfo[] {
    return [...this.members(appId, roomId)].map((s) => ({ ...s.user }))
  }
}
