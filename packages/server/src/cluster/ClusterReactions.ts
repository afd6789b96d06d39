import type { PushEvent, Pushes, StreamInfo } from '@minirtc/protocol'
import type { MediaAuthority } from '../media/MediaAuthority'
import type { EndReason, Session } from '../Session'
import type { SessionRegistry } from '../SessionRegistry'
import type { NodeHoldings } from '../store/RedisRoomStore'
import type { RoomStore, StoredStream, StoredUser } from '../store/RoomStore'
import type { ClusterEvent, ClusterLink, FanoutFilter, PlaySource } from './ClusterLink'

/** The room operations the cluster reactions need (the room logic provides them). */
export interface RoomOps {
  store: RoomStore
  sessions: SessionRegistry
  authority: MediaAuthority
  deliver<E extends PushEvent>(appId: string, roomId: string, ev: E, d: Pushes[E], f: FanoutFilter, play?: PlaySource[]): number
  fanout<E extends PushEvent>(appId: string, roomId: string, ev: E, d: Pushes[E], f?: FanoutFilter): void
  end(s: Session, reason: EndReason): Promise<void>
  /** End every local session of the room (under its lock). */
  closeLocal(appId: string, roomId: string): Promise<void>
  streamInfo(s: StoredStream): StreamInfo
  background(p: Promise<unknown>, what: string): void
}

/**
 * How one node reacts to the others: their pushes and session ends, dead nodes' leftovers, and
 * the takeover of a user whose previous session lives on another node.
 */
export class ClusterReactions {
  constructor(
    private readonly cluster: ClusterLink,
    private readonly rooms: RoomOps,
  ) {}

  /** An event another node published. */
  onEvent(e: ClusterEvent): void {
    const { rooms } = this
    switch (e.t) {
      case 'push':
        // A numbered broadcast was serialized before Redis gave it its messageId.
        if (e.n && e.ev === 'broadcast') for (const m of (e.d as Pushes['broadcast']).messages) m.messageId = e.n
        rooms.deliver(e.a, e.r, e.ev, e.d as never, e, e.p)
        return
      case 'end': {
        const s = rooms.sessions.get(e.sid)
        if (s) rooms.background(rooms.end(s, e.reason), 'remote end')
        return
      }
      case 'closeRoom':
        rooms.background(rooms.closeLocal(e.a, e.r), 'remote room close')
        return
      case 'mediaEnded':
        rooms.authority.remoteMediaEnded(e.id)
        return
      case 'refEnded':
        rooms.authority.refEnded(e.ref)
        return
      case 'streamGone':
        rooms.authority.remoteStreamGone(e.m)
        return
    }
  }

  /**
   * A dead node's users and streams (found by the reaper): remove them from the shared store and
   * tell the rooms, as if each of those sessions had expired.
   */
  async reapNode(h: NodeHoldings): Promise<void> {
    const { store } = this.rooms
    for (const x of h.streams) {
      const st = await store.deleteStream(x.appId, x.streamId, x.ownerSessionId)
      if (!st) continue
      this.cluster.publish({ t: 'streamGone', m: st.mediaName })
      if (st.state === 'live') this.rooms.fanout(st.appId, st.roomId, 'stream', { type: 'DELETE', streams: [this.rooms.streamInfo(st)] })
    }
    for (const u of h.users) {
      const entry = await store.getUser(u.appId, u.roomId, u.userId)
      if (!entry || entry.sessionId !== u.sessionId) continue
      if (!(await store.removeUser(u.appId, u.roomId, u.userId, u.sessionId))) continue
      const count = await store.countUsers(u.appId, u.roomId)
      if (count === 0) {
        await store.deleteRoom(u.appId, u.roomId)
        continue
      }
      this.rooms.fanout(u.appId, u.roomId, 'user', { type: 'DELETE', users: [{ ...entry.user }] }, { uu: true })
      this.rooms.fanout(u.appId, u.roomId, 'onlineCount', { count })
    }
  }

  /**
   * The user's previous session lives on another node (or on a dead one): remove its streams
   * here, so the new session can publish the same streamIds at once, and tell its node to close it.
   */
  async replaceRemote(s: Session, prev: StoredUser): Promise<void> {
    const { store } = this.rooms
    for (const st of await store.listStreams(s.appId, s.roomId)) {
      if (st.ownerSessionId !== prev.sessionId) continue
      const del = await store.deleteStream(s.appId, st.streamId, prev.sessionId)
      if (!del) continue
      this.cluster.publish({ t: 'streamGone', m: del.mediaName })
      if (del.state === 'live') this.rooms.fanout(s.appId, s.roomId, 'stream', { type: 'DELETE', streams: [this.rooms.streamInfo(del)] }, { xu: s.user.userId })
    }
    this.cluster.publish({ t: 'end', sid: prev.sessionId, reason: 'replaced' })
  }
}
