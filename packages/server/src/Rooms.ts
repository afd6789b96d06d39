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
import type { ClusterEvent, ClusterLink, FanoutFilter } from './cluster/ClusterLink'
import { ServerError } from './errors'
import type { MediaBackend, MediaDecision, MediaGate, MediaRequest } from './media/MediaBackend'
import { MediaSigner, newMediaName, type MediaKind } from './media/mediaSigner'
import type { Metrics } from './metrics'
import { Session, type SessionSink } from './Session'
import type { NodeHoldings } from './store/RedisRoomStore'
import type { RoomStore, StoredStream, StoredUser } from './store/RoomStore'
import { at, type Cancel } from './timers'
import type { TokenClaims } from './token'

export interface RoomsConfig {
  resumeWindowMs: number
  heartbeatTimeoutMs: number
  tokenWillExpireSeconds: number
  mediaUrlTtlSeconds: number
  maxStreamsPerSession: number
  maxRoomExtraInfoKeys: number
  replayBufferSize: number
  mediaApp: string
  /** How long a stream whose publisher dropped stays in the room before others get DELETE. */
  mediaGraceMs: number
  /** Users per room; one more login is refused with ROOM_FULL. */
  maxUsersPerRoom: number
  /** Live sessions per token; one more login is refused with TOO_MANY_SESSIONS. */
  maxSessionsPerToken: number
}

/** Why a session ends; decides the kickout push, the close code and what others see. */
export type EndReason = 'logout' | 'resumeExpired' | 'kicked' | 'roomClosed' | 'replaced' | 'tokenExpired'

const endCodes: Record<EndReason, { code?: ErrorCode; close?: number }> = {
  logout: {},
  resumeExpired: {},
  kicked: { code: ErrorCode.KICKED_OUT, close: CloseCode.KICKED_OUT },
  roomClosed: { code: ErrorCode.ROOM_CLOSED, close: CloseCode.ROOM_CLOSED },
  replaced: { code: ErrorCode.LOGGED_IN_ELSEWHERE, close: CloseCode.REPLACED },
  tokenExpired: { code: ErrorCode.TOKEN_EXPIRED, close: CloseCode.TOKEN_EXPIRED },
}

/** Synchronous mirror of this node's streams: media servers need answers without awaiting. */
interface LocalStream {
  appId: string
  roomId: string
  streamId: string
  mediaName: string
  ownerSessionId: string
  publisher?: string
  players: Set<string>
  /** Pending DELETE after the publisher's media connection dropped (cancelled if it returns). */
  grace?: Cancel
}

interface MediaConn {
  kind: MediaKind
  /** '' for a player whose session lives on another node. */
  sessionId: string
  ref: string
  mediaName: string
}

/**
 * Room logic: logins, resumes, streams, extra info, messages and media authorization.
 * Durable state goes through the RoomStore; live sessions and their sockets stay in memory.
 * Every mutation of one room runs under that room's lock so pushes come out in a consistent order.
 */
export class Rooms implements MediaGate {
  private readonly sessions = new Map<string, Session>()
  private readonly byRef = new Map<string, Session>()
  private readonly local = new Map<string, Set<Session>>()
  private readonly streams = new Map<string, LocalStream>()
  private readonly mediaConns = new Map<string, MediaConn>()
  private readonly locks = new Map<string, Promise<unknown>>()
  private readonly messageIds = new Map<string, number>()
  /** Players on this node of streams another node holds: mediaName → media connection ids. */
  private readonly remotePlayers = new Map<string, Set<string>>()
  /** Live sessions per login token (TokenClaims.tokenId), for the per-token cap. */
  private readonly byToken = new Map<string, Set<Session>>()
  /** Told when one of this node's streams is gone (the ingest drops its browser publisher). */
  onStreamGone: ((mediaName: string) => void) | undefined
  /** In a cluster the key comes from Redis, so a URL signed by one node verifies on every node. */
  signer = new MediaSigner()
  media: MediaBackend | undefined

  constructor(
    private readonly store: RoomStore,
    private readonly cfg: RoomsConfig,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly cluster?: ClusterLink,
  ) {}

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

  /** Push to the room's members on this node and, in a cluster, on every other node. */
  private fanout<E extends PushEvent>(appId: string, roomId: string, ev: E, d: Pushes[E], f: FanoutFilter = {}): void {
    this.deliver(appId, roomId, ev, d, f)
    this.cluster?.publish({ t: 'push', a: appId, r: roomId, ev, d, ...f })
  }

  private deliver<E extends PushEvent>(appId: string, roomId: string, ev: E, d: Pushes[E], f: FanoutFilter): number {
    let n = 0
    let dJson: string | undefined
    for (const m of this.members(appId, roomId)) {
      if (m.id === f.x || m.user.userId === f.xu) continue
      if (f.uu && !m.userUpdate) continue
      if (f.to && !f.to.includes(m.user.userId)) continue
      // One serialization of the payload per fan-out; each recipient only adds its seq.
      m.push(ev, d, (dJson ??= JSON.stringify(d)))
      n++
    }
    return n
  }

  /** Local sessions and rooms, for metrics and the admin API. */
  stats(): { rooms: number; sessions: number; streams: number } {
    let live = 0
    for (const st of this.streams.values()) if (st.publisher) live++
    return { rooms: this.local.size, sessions: this.sessions.size, streams: live }
  }

  getSession(id: string): Session | undefined {
    return this.sessions.get(id)
  }

  private streamInfo(s: StoredStream): StreamInfo {
    return { streamId: s.streamId, user: { ...s.user }, extraInfo: s.extraInfo }
  }

  private async buildSync(s: Session): Promise<RoomSync> {
    const [users, streams, extraInfo] = await Promise.all([
      this.store.listUsers(s.appId, s.roomId),
      this.store.listStreams(s.appId, s.roomId),
      this.store.listRoomExtraInfo(s.appId, s.roomId),
    ])
    return {
      // Like the vendor SDKs' update callbacks, the lists describe the *other* users.
      users: users.filter((u) => u.user.userId !== s.user.userId).map((u) => ({ ...u.user })),
      streams: streams.filter((st) => st.state === 'live' && st.ownerSessionId !== s.id).map((st) => this.streamInfo(st)),
      extraInfo,
      onlineCount: users.length,
      ownStreams: streams.filter((st) => st.ownerSessionId === s.id).map((st) => st.streamId),
    }
  }

  // ---- login, resume, logout ---------------------------------------------------------------

  /** Grant checks that need the request as well as the token. */
  checkLoginGrants(claims: TokenClaims, req: OpRequest<'login'>): void {
    if (claims.userId !== req.user.userId) throw new ServerError(ErrorCode.USER_MISMATCH)
    if (!claims.grants.login) throw new ServerError(ErrorCode.LOGIN_NOT_GRANTED)
    if (claims.roomId !== undefined && claims.roomId !== req.roomId) throw new ServerError(ErrorCode.ROOM_NOT_GRANTED)
  }

  async login(
    claims: TokenClaims,
    req: OpRequest<'login'>,
    address: string,
  ): Promise<{ session: Session; result: LoginResult }> {
    this.checkLoginGrants(claims, req)
    return this.withRoom(req.appId, req.roomId, async () => {
      const s = new Session(
        req.appId,
        req.roomId,
        { userId: req.user.userId, userName: req.user.userName },
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
      const sameToken = this.byToken.get(claims.tokenId)
      if (sameToken && sameToken.size - (old && sameToken.has(old) ? 1 : 0) >= this.cfg.maxSessionsPerToken)
        throw new ServerError(ErrorCode.TOO_MANY_SESSIONS)
      // Same userId again: the newest login wins, the old connection is told why and closed.
      if (old) await this.endLocked(old, 'replaced')
      else if (prev) await this.replaceRemote(s, prev)
      const entry: StoredUser = { user: { ...s.user }, sessionId: s.id, joinedAt: Date.now(), address }
      await this.store.putUser(s.appId, s.roomId, entry)
      this.sessions.set(s.id, s)
      this.byRef.set(s.ref, s)
      s.tokenId = claims.tokenId
      let tokenSet = this.byToken.get(claims.tokenId)
      if (!tokenSet) this.byToken.set(claims.tokenId, (tokenSet = new Set()))
      tokenSet.add(s)
      const key = this.roomKey(s.appId, s.roomId)
      let set = this.local.get(key)
      if (!set) this.local.set(key, (set = new Set()))
      set.add(s)
      // No sink yet: the connection attaches one after sending the reply (see Session.attach).
      this.armTokenTimers(s)
      const room = await this.buildSync(s)
      this.fanout(s.appId, s.roomId, 'user', { type: 'ADD', users: [{ ...s.user }] }, { x: s.id, xu: s.user.userId, uu: true })
      if (!prev) this.fanout(s.appId, s.roomId, 'onlineCount', { count: room.onlineCount }, { x: s.id })
      this.log.info({ appId: s.appId, roomId: s.roomId, userId: s.user.userId, ref: s.ref, address }, 'login')
      return {
        session: s,
        result: {
          sessionId: s.id,
          room,
          seq: s.seq,
          tokenExpiresAt: claims.exp * 1000,
          heartbeatIntervalMs: Math.max(1000, Math.floor(this.cfg.heartbeatTimeoutMs / 3)),
          resumeWindowMs: this.cfg.resumeWindowMs,
          serverTime: Date.now(),
        },
      }
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
    s.timers.resume?.()
    delete s.timers.resume
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
    s.timers.resume = at(Date.now() + this.cfg.resumeWindowMs, () => this.background(this.end(s, 'resumeExpired'), 'resume window'))
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
    this.sessions.delete(s.id)
    this.byRef.delete(s.ref)
    this.forgetToken(s)
    const members = this.members(s.appId, s.roomId)
    members.delete(s)
    if (members.size === 0) this.local.delete(this.roomKey(s.appId, s.roomId))
    // Snapshots: removing a stream or a media connection edits these sets.
    for (const streamId of Array.from(s.streams)) await this.removeStream(s, streamId, false)
    for (const id of Array.from(s.mediaSessions)) this.media?.closeSession(id)
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

  private forgetToken(s: Session): void {
    const set = this.byToken.get(s.tokenId)
    if (set?.delete(s) && set.size === 0) this.byToken.delete(s.tokenId)
  }

  /**
   * The user's previous session lives on another node (or on a dead one): remove its streams
   * here, so the new session can publish the same streamIds at once, and tell its node to close it.
   */
  private async replaceRemote(s: Session, prev: StoredUser): Promise<void> {
    if (!this.cluster) return
    for (const st of await this.store.listStreams(s.appId, s.roomId)) {
      if (st.ownerSessionId !== prev.sessionId) continue
      const del = await this.store.deleteStream(s.appId, st.streamId, prev.sessionId)
      if (!del) continue
      this.cluster.publish({ t: 'streamGone', m: del.mediaName })
      if (del.state === 'live') this.fanout(s.appId, s.roomId, 'stream', { type: 'DELETE', streams: [this.streamInfo(del)] }, { xu: s.user.userId })
    }
    this.cluster.publish({ t: 'end', sid: prev.sessionId, reason: 'replaced' })
  }

  private armTokenTimers(s: Session): void {
    s.timers.willExpire?.()
    s.timers.expire?.()
    const expMs = s.tokenExp * 1000
    s.timers.willExpire = at(expMs - this.cfg.tokenWillExpireSeconds * 1000, () =>
      s.push('tokenWillExpire', { expiresAt: expMs }),
    )
    s.timers.expire = at(expMs, () => this.background(this.end(s, 'tokenExpired'), 'token expiry'))
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
    this.armTokenTimers(s)
    return { expiresAt: claims.exp * 1000 }
  }

  // ---- streams -----------------------------------------------------------------------------

  private mediaUrl(kind: MediaKind, st: StoredStream, s: Session): { rtmp: string; flv: string; expiresAt: number } {
    if (!this.media) throw new ServerError(ErrorCode.MEDIA_UNAVAILABLE)
    const mediaName = st.mediaName
    const expires = Math.floor(Date.now() / 1000) + this.cfg.mediaUrlTtlSeconds
    const q = this.signer.sign({ kind, mediaName, ref: s.ref, expires })
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
    if (!media) throw new ServerError(ErrorCode.MEDIA_UNAVAILABLE)
    return this.withRoom(s.appId, s.roomId, async () => {
      if (s.state === 'ended') throw new ServerError(ErrorCode.NOT_LOGGED_IN)
      let st = await this.store.getStream(s.appId, req.streamId)
      if (!st) {
        if (s.streams.size >= this.cfg.maxStreamsPerSession) throw new ServerError(ErrorCode.TOO_MANY_STREAMS)
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
          s.streams.add(st.streamId)
          this.streams.set(st.mediaName, {
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
    s.streams.delete(streamId)
    // Only while this session owns it: another node may already have handed the streamId over.
    const st = await this.store.deleteStream(s.appId, streamId, s.id)
    let ls: LocalStream | undefined
    for (const x of this.streams.values()) if (x.ownerSessionId === s.id && x.streamId === streamId) ls = x
    if (ls) {
      this.streams.delete(ls.mediaName)
      this.onStreamGone?.(ls.mediaName)
      ls.grace?.()
      delete ls.grace
      if (ls.publisher) this.closeMedia(ls.publisher)
      for (const p of ls.players) this.closeMedia(p)
    }
    if (!st) return
    this.cluster?.publish({ t: 'streamGone', m: st.mediaName })
    if (st.state === 'live') {
      this.fanout(s.appId, s.roomId, 'stream', { type: 'DELETE', streams: [this.streamInfo(st)] }, { x: s.id })
      if (notifyOwner) s.push('publishState', { streamId, state: 'STOPPED' })
    }
  }

  private closeMedia(id: string): void {
    this.mediaConns.delete(id)
    this.media?.closeSession(id)
  }

  async play(s: Session, streamId: string): Promise<PlayResult> {
    const st = await this.store.getStream(s.appId, streamId)
    // Streams of other rooms are indistinguishable from missing ones.
    if (!st || st.roomId !== s.roomId) throw new ServerError(ErrorCode.STREAM_NOT_FOUND)
    const url = this.mediaUrl('play', st, s)
    return { streamId, urls: { rtmp: url.rtmp, flv: url.flv }, expiresAt: url.expiresAt }
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
    const send = (messageId: number) => {
      const m: BroadcastMessage = { messageId, fromUser: { ...s.user }, message, sendTime: Date.now() }
      this.fanout(s.appId, s.roomId, 'broadcast', { messages: [m] }, { x: s.id })
      return { messageId }
    }
    // In a cluster the per-room numbering lives in Redis (one INCR per message).
    if (this.cluster) return this.cluster.nextMessageId(s.appId, s.roomId).then(send)
    const key = this.roomKey(s.appId, s.roomId)
    const messageId = (this.messageIds.get(key) ?? 0) + 1
    this.messageIds.set(key, messageId)
    return send(messageId)
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
      connected: this.sessions.has(u.sessionId) ? this.sessions.get(u.sessionId)!.state === 'active' : this.cluster !== undefined,
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

  // ---- cluster -----------------------------------------------------------------------------

  /** An event another node published. */
  onClusterEvent(e: ClusterEvent): void {
    switch (e.t) {
      case 'push':
        this.deliver(e.a, e.r, e.ev, e.d as never, e)
        return
      case 'end': {
        const s = this.sessions.get(e.sid)
        if (s) this.background(this.end(s, e.reason), 'remote end')
        return
      }
      case 'closeRoom':
        this.background(
          this.withRoom(e.a, e.r, async () => {
            for (const s of Array.from(this.members(e.a, e.r))) await this.endLocked(s, 'roomClosed')
          }),
          'remote room close',
        )
        return
      case 'mediaEnded':
        if (this.mediaConns.has(e.id)) this.mediaEnded(e.id)
        return
      case 'refEnded':
        for (const [id, c] of Array.from(this.mediaConns)) if (c.ref === e.ref) this.closeMedia(id)
        return
      case 'streamGone':
        for (const id of Array.from(this.remotePlayers.get(e.m) ?? [])) this.closeMedia(id)
        this.remotePlayers.delete(e.m)
        return
    }
  }

  /**
   * A dead node's users and streams (found by the reaper): remove them from the shared store and
   * tell the rooms, as if each of those sessions had expired.
   */
  async reapNode(h: NodeHoldings): Promise<void> {
    for (const x of h.streams) {
      const st = await this.store.deleteStream(x.appId, x.streamId, x.ownerSessionId)
      if (!st) continue
      this.cluster?.publish({ t: 'streamGone', m: st.mediaName })
      if (st.state === 'live') this.fanout(st.appId, st.roomId, 'stream', { type: 'DELETE', streams: [this.streamInfo(st)] })
    }
    for (const u of h.users) {
      const entry = await this.store.getUser(u.appId, u.roomId, u.userId)
      if (!entry || entry.sessionId !== u.sessionId) continue
      if (!(await this.store.removeUser(u.appId, u.roomId, u.userId, u.sessionId))) continue
      const count = await this.store.countUsers(u.appId, u.roomId)
      if (count === 0) {
        await this.store.deleteRoom(u.appId, u.roomId)
        continue
      }
      this.fanout(u.appId, u.roomId, 'user', { type: 'DELETE', users: [{ ...entry.user }] }, { uu: true })
      this.fanout(u.appId, u.roomId, 'onlineCount', { count })
    }
  }

  /** Server shutdown: close every socket with 4008 (clients reconnect later). */
  shutdown(): void {
    for (const s of Array.from(this.sessions.values())) {
      s.clearTimers()
      s.sink?.close(CloseCode.SERVER_SHUTDOWN, 'server shutdown')
      s.sink = undefined
      s.state = 'ended'
    }
    this.sessions.clear()
    this.byToken.clear()
  }

  /**
   * The cluster declared this node dead (its heartbeat lapsed), so its users may already be gone
   * from the shared store: close every session with 4008 and forget the node's local state. The
   * clients reconnect, find their sessions expired, and log in again.
   */
  dropAll(): void {
    this.shutdown()
    for (const id of Array.from(this.mediaConns.keys())) this.closeMedia(id)
    for (const ls of this.streams.values()) {
      ls.grace?.()
      this.onStreamGone?.(ls.mediaName)
    }
    this.streams.clear()
    this.local.clear()
    this.byRef.clear()
    this.remotePlayers.clear()
  }

  // ---- media gate --------------------------------------------------------------------------

  /**
   * For hook-based media servers (nginx), which can wait: a player of a stream that another node
   * holds is checked against the shared store.
   */
  async authorizeAsync(req: MediaRequest): Promise<MediaDecision> {
    if (!this.cluster || req.kind !== 'play' || this.streams.has(req.mediaName)) return this.authorize(req)
    return this.authorize(req, await this.store.getStreamByMediaName(req.mediaName))
  }

  authorize(req: MediaRequest, remote?: StoredStream): MediaDecision {
    const d = this.decide(req, remote)
    this.metrics.mediaAuth.inc({ kind: req.kind, result: d.ok ? 'allow' : errorReason(d.code) })
    if (!d.ok) this.log.info({ kind: req.kind, mediaName: req.mediaName, code: d.code }, 'media refused')
    return d
  }

  private decide(req: MediaRequest, remote?: StoredStream): MediaDecision {
    if (req.app !== this.cfg.mediaApp) return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
    if (req.kind === 'publish' && req.protocol !== 'rtmp') return { ok: false, code: ErrorCode.MEDIA_UNAVAILABLE }
    const check = this.signer.verify(req.kind, req.mediaName, req.query)
    if (!check.ok) return check
    const s = this.byRef.get(check.grant.ref)
    const ls = this.streams.get(req.mediaName)
    const ref = check.grant.ref
    if (this.cluster && req.kind === 'play' && !s && ls && ls.publisher !== undefined) {
      // Embedded media in a cluster: this node's NMS carries the stream, the player's session is
      // on another node. The cluster-wide signature proves that node checked the room; when the
      // session ends, 'refEnded' drops the player.
      this.mediaConns.set(req.mediaSessionId, { kind: 'play', sessionId: '', ref, mediaName: req.mediaName })
      ls.players.add(req.mediaSessionId)
      return { ok: true }
    }
    if (s && s.state !== 'ended' && !ls && remote && req.kind === 'play') {
      // A stream another node holds, played through a hook that reached the player's node.
      if (remote.appId !== s.appId || remote.roomId !== s.roomId || remote.mediaName !== req.mediaName)
        return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
      let set = this.remotePlayers.get(req.mediaName)
      if (!set) this.remotePlayers.set(req.mediaName, (set = new Set()))
      set.add(req.mediaSessionId)
      this.mediaConns.set(req.mediaSessionId, { kind: 'play', sessionId: s.id, ref, mediaName: req.mediaName })
      s.mediaSessions.add(req.mediaSessionId)
      return { ok: true }
    }
    if (!s || s.state === 'ended' || !ls || ls.roomId !== s.roomId || ls.appId !== s.appId)
      return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
    if (req.kind === 'publish') {
      if (ls.ownerSessionId !== s.id) return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
      if (ls.publisher !== undefined) return { ok: false, code: ErrorCode.MEDIA_DUPLICATE_PUBLISH }
    } else {
      ls.players.add(req.mediaSessionId)
    }
    this.mediaConns.set(req.mediaSessionId, { kind: req.kind, sessionId: s.id, ref, mediaName: req.mediaName })
    s.mediaSessions.add(req.mediaSessionId)
    return { ok: true }
  }

  /**
   * Whether the session `ref` still holds the stream `mediaName` (a signed push URL outlives a
   * logout; the browser ingest asks before spawning anything). Streams of sessions on other
   * nodes are not known here; their signature has to do.
   */
  streamHeld(mediaName: string, ref: string): boolean {
    const ls = this.streams.get(mediaName)
    const s = this.byRef.get(ref)
    if (!ls) return this.cluster !== undefined && !s
    return s !== undefined && s.state !== 'ended' && ls.ownerSessionId === s.id
  }

  publishStarted(mediaName: string, mediaSessionId: string): void {
    const ls = this.streams.get(mediaName)
    const conn = this.mediaConns.get(mediaSessionId)
    if (!ls || !conn || conn.kind !== 'publish' || ls.publisher !== undefined) return
    ls.publisher = mediaSessionId // synchronously, so a racing duplicate is refused
    const s = this.sessions.get(ls.ownerSessionId)
    if (!s) return
    ls.grace?.()
    delete ls.grace
    this.background(this.withRoom(ls.appId, ls.roomId, async () => {
      if (ls.publisher !== mediaSessionId) return
      const before = await this.store.getStream(ls.appId, ls.streamId)
      const st = await this.store.updateStream(ls.appId, ls.streamId, { state: 'live', mediaSessionId })
      if (!st) return
      // Back within the grace period: the room never saw it go, so it must not see it come again.
      if (!before || before.state !== 'live') this.fanout(s.appId, s.roomId, 'stream', { type: 'ADD', streams: [this.streamInfo(st)] }, { x: s.id })
      s.push('publishState', { streamId: st.streamId, state: 'PUBLISHING' })
      this.log.info({ ref: s.ref, streamId: st.streamId }, 'stream live')
    }), 'publish started')
  }

  mediaEnded(mediaSessionId: string): void {
    const conn = this.mediaConns.get(mediaSessionId)
    this.mediaConns.delete(mediaSessionId)
    if (!conn) {
      // A hook for a connection that another node authorized (nginx calls any node).
      if (this.cluster && mediaSessionId.startsWith('nginx-')) this.cluster.publish({ t: 'mediaEnded', id: mediaSessionId })
      return
    }
    const s = this.sessions.get(conn.sessionId)
    s?.mediaSessions.delete(mediaSessionId)
    const rp = this.remotePlayers.get(conn.mediaName)
    if (rp?.delete(mediaSessionId) && rp.size === 0) this.remotePlayers.delete(conn.mediaName)
    const ls = this.streams.get(conn.mediaName)
    if (!ls) return
    if (conn.kind === 'play') {
      ls.players.delete(mediaSessionId)
      return
    }
    if (ls.publisher !== mediaSessionId) return
    ls.publisher = undefined
    const owner = this.sessions.get(ls.ownerSessionId)
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
