import type { PushEvent } from '@minirtc/protocol'
import type { EndReason } from '../Session'
import type { NodeHoldings } from '../store/RedisRoomStore'
import type { StoredStream } from '../store/RoomStore'

/** Who a room push goes to (applied on every node to its own members of the room). */
export interface FanoutFilter {
  /** Not to this session. */
  x?: string
  /** Not to sessions of this userId. */
  xu?: string
  /** Only to sessions that logged in with userUpdate: true. */
  uu?: boolean
  /** Only to these userIds. */
  to?: string[]
}

/**
 * What a node needs to sign a play URL for a stream it may not hold: the media name and the media
 * node's URLs (a stream's node was chosen by the node that reserved it).
 */
export type PlaySource = Pick<StoredStream, 'streamId' | 'mediaName' | 'mediaUrls'>

/** What nodes tell each other over the cluster channel. */
export type ClusterEvent =
  /**
   * `n`: the number Redis gave a numbered push (publishNumbered); 0 until it did.
   * `p`: streams whose play URLs each node signs for its own recipients that asked for them.
   */
  | ({ t: 'push'; a: string; r: string; ev: PushEvent; d: unknown; n?: number; p?: PlaySource[] } & FanoutFilter)
  /** End a session that lives on whichever node has it. */
  | { t: 'end'; sid: string; reason: EndReason }
  | { t: 'closeRoom'; a: string; r: string }
  /** A media hook reported the end of a connection this node did not authorize. */
  | { t: 'mediaEnded'; id: string }
  /** A session ended: drop media connections opened with its URLs on any node. */
  | { t: 'refEnded'; ref: string }
  /** A stream was removed: drop its players on any node. */
  | { t: 'streamGone'; m: string }

export type NumberedPush = Extract<ClusterEvent, { t: 'push' }> & { ev: 'broadcast' }

/** The part of a cluster that room logic talks to. */
export interface ClusterLink {
  readonly nodeId: string
  /** Send to every other node (this node delivers its own share locally); under load, may wait up to 1.5 × `clusterBatchMs` to go with others. */
  publish(e: ClusterEvent): void
  /**
   * Publish a broadcast that needs its messageId (numbered per room across the cluster): Redis
   * numbers it in the same round trip that publishes it; resolves with the number, and the other
   * nodes receive the push with it in `n`.
   */
  publishNumbered(e: NumberedPush): Promise<number>
  /** Events other nodes published. */
  onEvent(fn: (e: ClusterEvent) => void): void
  /** A dead node's users and streams, found by the reaper (one node handles each). */
  onReap(fn: (h: NodeHoldings) => Promise<void>): void
  /** This node was declared dead (its heartbeat lapsed): its local state is void. */
  onLost(fn: () => void): void
}
