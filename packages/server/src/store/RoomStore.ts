import type { RoomExtraInfo, UserInfo } from '@minirtc/protocol'

/** A user in a room, as the store keeps it (one entry per userId per room). */
export interface StoredUser {
  user: UserInfo
  /** The signaling session that owns this membership (a re-login replaces it). */
  sessionId: string
  joinedAt: number
  /** Client address (from X-Forwarded-For when trustProxy is on), for the admin API. */
  address: string
  /** Cluster node that holds the session (set by a shared store; a dead node's users are reaped). */
  node?: string
}

/** Stream lifecycle: reserved by `publish`, live once the media server confirms the push. */
export type StreamState = 'pending' | 'live'

export interface StoredStream {
  appId: string
  roomId: string
  streamId: string
  user: UserInfo
  ownerSessionId: string
  /** Opaque `[A-Za-z0-9_-]` name used in media URLs instead of the raw streamId. */
  mediaName: string
  extraInfo: string
  state: StreamState
  /** Media-server connection id of the current publisher, when live. */
  mediaSessionId?: string
  createdAt: number
  /** Unsigned push/play URLs on the media node that carries this stream (chosen at publish). */
  mediaUrls?: { rtmp: string; flv: string; playRtmp?: string }
  /** Cluster node of the owning session (set by a shared store). */
  node?: string
}

export interface RoomSummary {
  roomId: string
  userCount: number
  streamCount: number
}

/**
 * Where room state lives: users, streams and extra info per app + room. Room logic talks only
 * to this interface so a shared store (Redis) can replace the in-memory one without touching it.
 * Every method is async for that reason. `reserveStream` must be atomic across the whole app.
 */
export interface RoomStore {
  /**
   * Add or replace the user's membership. Returns the previous entry, if any. `entry.user` is
   * frozen and may be kept as given.
   */
  putUser(appId: string, roomId: string, entry: StoredUser): Promise<StoredUser | undefined>
  /** Remove the user when `sessionId` still owns the membership; true when removed. */
  removeUser(appId: string, roomId: string, userId: string, sessionId: string): Promise<boolean>
  getUser(appId: string, roomId: string, userId: string): Promise<StoredUser | undefined>
  listUsers(appId: string, roomId: string): Promise<StoredUser[]>
  countUsers(appId: string, roomId: string): Promise<number>
  listRooms(appId: string): Promise<RoomSummary[]>

  /**
   * Atomically claim `stream.streamId` in the app. Returns `stream` when claimed, or the
   * existing entry when another owner already holds it (the caller compares ownerSessionId).
   */
  reserveStream(stream: StoredStream): Promise<StoredStream>
  getStream(appId: string, streamId: string): Promise<StoredStream | undefined>
  getStreamByMediaName(mediaName: string): Promise<StoredStream | undefined>
  /** Apply `patch` when the stream exists; returns the updated entry. */
  updateStream(
    appId: string,
    streamId: string,
    patch: Partial<Pick<StoredStream, 'state' | 'mediaSessionId' | 'extraInfo'>>,
  ): Promise<StoredStream | undefined>
  /**
   * Remove the stream; returns the removed entry. With `ownerSessionId`, only when that session
   * still owns it (a node cleaning up an old session must not remove a re-published stream).
   */
  deleteStream(appId: string, streamId: string, ownerSessionId?: string): Promise<StoredStream | undefined>
  listStreams(appId: string, roomId: string): Promise<StoredStream[]>

  setRoomExtraInfo(appId: string, roomId: string, info: RoomExtraInfo): Promise<number>
  listRoomExtraInfo(appId: string, roomId: string): Promise<RoomExtraInfo[]>

  /** Forget everything about a room (after the last user left or the room was closed). */
  deleteRoom(appId: string, roomId: string): Promise<void>

  /** Server shutdown: persist what must survive a restart, release resources. */
  close?(): Promise<void>
}
