import { ErrorCode, errorReason } from '@minirtc/protocol'
import type { Logger } from 'pino'
import type { ClusterLink } from '../cluster/ClusterLink'
import type { Metrics } from '../metrics'
import type { Session } from '../Session'
import type { SessionRegistry } from '../SessionRegistry'
import type { RoomStore, StoredStream } from '../store/RoomStore'
import type { Cancel } from '../timers'
import type { MediaDecision, MediaGate, MediaRequest } from './MediaBackend'
import type { MediaKind, MediaSigner } from './mediaSigner'

/** Synchronous mirror of this node's streams: media servers need answers without awaiting. */
export interface LocalStream {
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

/** What the room logic does when the media layer changes a stream's state. */
export interface MediaEvents {
  /** The media server made `mediaSessionId` the publisher of `ls` (owner on this node). */
  publishStarted(ls: LocalStream, owner: Session, mediaSessionId: string): void
  /** The publisher connection of `ls` dropped without an unpublish. */
  publisherLost(ls: LocalStream, owner: Session | undefined, mediaSessionId: string): void
}

export interface MediaAuthorityDeps {
  sessions: SessionRegistry
  store: RoomStore
  /** In a cluster the key comes from Redis, so a URL signed by one node verifies on every node. */
  signer: MediaSigner
  /** RTMP application every URL must name (`live`). */
  mediaApp: string
  /** Drop a media connection at the media server. */
  closeConnection(mediaSessionId: string): void
  /** One of this node's streams is gone (its browser publisher, if any, goes too). */
  onStreamGone?(mediaName: string): void
  log: Logger
  metrics: Metrics
  cluster?: ClusterLink | undefined
}

/**
 * Media authorization: which media connection may publish or play which stream, decided from
 * the signed URL and this node's streams and sessions, synchronously for NMS. It tracks every
 * connection it admitted so they can be dropped when their session or stream goes away.
 */
export class MediaAuthority implements MediaGate {
  private readonly streams = new Map<string, LocalStream>()
  private readonly conns = new Map<string, MediaConn>()
  /** Players on this node of streams another node holds: mediaName → media connection ids. */
  private readonly remotePlayers = new Map<string, Set<string>>()
  /** Server-side players (recorders, relays): ref → the room whose streams it may play. */
  private readonly viewers = new Map<string, { appId: string; roomId: string }>()
  private events: MediaEvents | undefined

  constructor(private readonly d: MediaAuthorityDeps) {}

  /** The room logic registers here (once) for stream state changes. */
  listen(events: MediaEvents): void {
    this.events = events
  }

  get signer(): MediaSigner {
    return this.d.signer
  }

  // ---- this node's streams ----------------------------------------------------------------

  addStream(ls: LocalStream): void {
    this.streams.set(ls.mediaName, ls)
  }

  /** Forget a stream and drop its publisher and players. */
  removeStream(ownerSessionId: string, streamId: string): LocalStream | undefined {
    let ls: LocalStream | undefined
    for (const x of this.streams.values()) if (x.ownerSessionId === ownerSessionId && x.streamId === streamId) ls = x
    if (!ls) return undefined
    this.streams.delete(ls.mediaName)
    this.d.onStreamGone?.(ls.mediaName)
    ls.grace?.()
    delete ls.grace
    if (ls.publisher) this.closeMedia(ls.publisher)
    for (const p of ls.players) this.closeMedia(p)
    return ls
  }

  liveStreams(): number {
    let live = 0
    for (const st of this.streams.values()) if (st.publisher) live++
    return live
  }

  /**
   * Whether the session `ref` still holds the stream `mediaName` (a signed push URL outlives a
   * logout; the browser ingest asks before spawning anything). Streams of sessions on other
   * nodes are not known here; their signature has to do.
   */
  streamHeld(mediaName: string, ref: string): boolean {
    const ls = this.streams.get(mediaName)
    const s = this.d.sessions.byRef(ref)
    if (!ls) return this.d.cluster !== undefined && !s
    return s !== undefined && s.state !== 'ended' && ls.ownerSessionId === s.id
  }

  closeMedia(id: string): void {
    this.conns.delete(id)
    this.d.closeConnection(id)
  }

  /** Cluster: a session on another node ended; drop the players it opened here. */
  refEnded(ref: string): void {
    for (const [id, c] of Array.from(this.conns)) if (c.ref === ref) this.closeMedia(id)
  }

  /** Let URLs signed for `ref` play the streams of one room (a recorder or relay of this server). */
  addViewer(ref: string, appId: string, roomId: string): void {
    this.viewers.set(ref, { appId, roomId })
  }

  /** The server-side player is done: its connections are dropped, its URLs refused. */
  removeViewer(ref: string): void {
    this.viewers.delete(ref)
    this.refEnded(ref)
  }

  /** Cluster: another node's stream is gone; drop its players on this node. */
  remoteStreamGone(mediaName: string): void {
    for (const id of Array.from(this.remotePlayers.get(mediaName) ?? [])) this.closeMedia(id)
    this.remotePlayers.delete(mediaName)
  }

  /** Cluster: another node reports the end of a connection we admitted. */
  remoteMediaEnded(id: string): void {
    if (this.conns.has(id)) this.mediaEnded(id)
  }

  /** Drop every connection and forget every stream (the node lost the cluster). */
  clear(): void {
    for (const id of Array.from(this.conns.keys())) this.closeMedia(id)
    for (const ls of this.streams.values()) {
      ls.grace?.()
      this.d.onStreamGone?.(ls.mediaName)
    }
    this.streams.clear()
    this.remotePlayers.clear()
  }

  // ---- MediaGate ----------------------------------------------------------------------------

  /**
   * For hook-based media servers (nginx), which can wait: a player of a stream that another node
   * holds is checked against the shared store.
   */
  async authorizeAsync(req: MediaRequest): Promise<MediaDecision> {
    if (!this.d.cluster || req.kind !== 'play' || this.streams.has(req.mediaName)) return this.authorize(req)
    return this.authorize(req, await this.d.store.getStreamByMediaName(req.mediaName))
  }

  authorize(req: MediaRequest, remote?: StoredStream): MediaDecision {
    const d = this.decide(req, remote)
    this.d.metrics.mediaAuth.inc({ kind: req.kind, result: d.ok ? 'allow' : errorReason(d.code) })
    if (!d.ok) this.d.log.info({ kind: req.kind, mediaName: req.mediaName, code: d.code }, 'media refused')
    return d
  }

  private decide(req: MediaRequest, remote?: StoredStream): MediaDecision {
    if (req.app !== this.d.mediaApp) return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
    if (req.kind === 'publish' && req.protocol !== 'rtmp') return { ok: false, code: ErrorCode.MEDIA_UNAVAILABLE }
    const check = this.d.signer.verify(req.kind, req.mediaName, req.query)
    if (!check.ok) return check
    const ref = check.grant.ref
    const s = this.d.sessions.byRef(ref)
    const ls = this.streams.get(req.mediaName)
    const viewer = s ? undefined : this.viewers.get(ref)
    if (viewer) {
      if (req.kind !== 'play' || !ls || ls.appId !== viewer.appId || ls.roomId !== viewer.roomId) return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
      this.conns.set(req.mediaSessionId, { kind: 'play', sessionId: '', ref, mediaName: req.mediaName })
      ls.players.add(req.mediaSessionId)
      return { ok: true }
    }
    if (this.d.cluster && req.kind === 'play' && !s && ls && ls.publisher !== undefined) {
      // Embedded media in a cluster: this node's NMS carries the stream, the player's session is
      // on another node. The cluster-wide signature proves that node checked the room; when the
      // session ends, 'refEnded' drops the player.
      this.conns.set(req.mediaSessionId, { kind: 'play', sessionId: '', ref, mediaName: req.mediaName })
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
      this.conns.set(req.mediaSessionId, { kind: 'play', sessionId: s.id, ref, mediaName: req.mediaName })
      ;(s.mediaSessions ??= new Set()).add(req.mediaSessionId)
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
    this.conns.set(req.mediaSessionId, { kind: req.kind, sessionId: s.id, ref, mediaName: req.mediaName })
    ;(s.mediaSessions ??= new Set()).add(req.mediaSessionId)
    return { ok: true }
  }

  publishStarted(mediaName: string, mediaSessionId: string): void {
    const ls = this.streams.get(mediaName)
    const conn = this.conns.get(mediaSessionId)
    if (!ls || !conn || conn.kind !== 'publish' || ls.publisher !== undefined) return
    ls.publisher = mediaSessionId // synchronously, so a racing duplicate is refused
    const s = this.d.sessions.get(ls.ownerSessionId)
    if (!s) return
    ls.grace?.()
    delete ls.grace
    this.events?.publishStarted(ls, s, mediaSessionId)
  }

  mediaEnded(mediaSessionId: string): void {
    const conn = this.conns.get(mediaSessionId)
    this.conns.delete(mediaSessionId)
    if (!conn) {
      // A hook for a connection that another node authorized (nginx calls any node).
      if (this.d.cluster && mediaSessionId.startsWith('nginx-')) this.d.cluster.publish({ t: 'mediaEnded', id: mediaSessionId })
      return
    }
    this.d.sessions.get(conn.sessionId)?.mediaSessions?.delete(mediaSessionId)
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
    this.events?.publisherLost(ls, this.d.sessions.get(ls.ownerSessionId), mediaSessionId)
  }

  /** Admitted media connections (for leak checks: none may outlive its session or stream). */
  get connections(): number {
    return this.conns.size
  }
}
