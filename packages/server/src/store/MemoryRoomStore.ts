import type { RoomExtraInfo } from '@minirtc/protocol'
import type { RoomStore, RoomSummary, StoredStream, StoredUser } from './RoomStore'
import { readRoomState, writeRoomState } from './stateFile'

export interface MemoryRoomStoreOptions {
  /**
   * Keep each room's extra info in this JSON file (written shortly after every change and on
   * close), so a restart does not lose it. Without it everything lives in memory only.
   */
  stateFile?: string
  /** Rooms read back from the file that nobody has joined again within this time are forgotten. Default 60 s. */
  restoreWindowMs?: number
}

interface Room {
  users: Map<string, StoredUser>
  extraInfo: Map<string, RoomExtraInfo>
}

/**
 * Single-process RoomStore (the default). Entries are copied in and out so callers can never mutate the
 * store behind its back (the same contract a Redis store gives for free).
 * @example
 * await startServer({ apps, store: new MemoryRoomStore() })
 */
export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Room>()
  private saveTimer: NodeJS.Timeout | undefined
  private pruneTimer: NodeJS.Timeout | undefined
  /** appId + streamId → stream; streamIds are unique per app, not per room. */
  private readonly streams = new Map<string, StoredStream>()
  private readonly byMediaName = new Map<string, StoredStream>()

  constructor(private readonly opts: MemoryRoomStoreOptions = {}) {
    if (!opts.stateFile) return
    const restored: string[] = []
    for (const r of readRoomState(opts.stateFile).rooms) {
      const room = this.room(r.appId, r.roomId, true)!
      for (const i of r.extraInfo) room.extraInfo.set(i.key, { ...i, updateUser: { ...i.updateUser } })
      restored.push(this.key(r.appId, r.roomId))
    }
    if (restored.length === 0) return
    this.pruneTimer = setTimeout(() => {
      for (const k of restored) if (this.rooms.get(k)?.users.size === 0) this.rooms.delete(k)
      this.changed()
    }, opts.restoreWindowMs ?? 60_000)
    this.pruneTimer.unref()
  }

  /** Room extra info changed: write the state file soon (changes in a burst share one write). */
  private changed(): void {
    if (!this.opts.stateFile || this.saveTimer) return
    this.saveTimer = setTimeout(() => this.flush(), 100)
    this.saveTimer.unref()
  }

  /** Write the state file now. */
  flush(): void {
    clearTimeout(this.saveTimer)
    this.saveTimer = undefined
    if (!this.opts.stateFile) return
    const rooms = []
    for (const [k, r] of this.rooms) {
      if (r.extraInfo.size === 0) continue
      const i = k.indexOf('\u0000')
      rooms.push({ appId: k.slice(0, i), roomId: k.slice(i + 1), extraInfo: [...r.extraInfo.values()] })
    }
    writeRoomState(this.opts.stateFile, { v: 1, rooms })
  }

  async close(): Promise<void> {
    clearTimeout(this.pruneTimer)
    this.flush()
  }

  private key(appId: string, id: string): string {
    return appId + '\u0000' + id
  }

  private room(appId: string, roomId: string, create: boolean): Room | undefined {
    const k = this.key(appId, roomId)
    let r = this.rooms.get(k)
    if (!r && create) {
      r = { users: new Map(), extraInfo: new Map() }
      this.rooms.set(k, r)
    }
    return r
  }

  async putUser(appId: string, roomId: string, entry: StoredUser): Promise<StoredUser | undefined> {
    const users = this.room(appId, roomId, true)!.users
    const prev = users.get(entry.user.userId)
    // The entry is copied; its user object is kept as given (frozen by Rooms, shared with the
    // session): one object per logged-in user, not two.
    users.set(entry.user.userId, { ...entry })
    return prev && copyUser(prev)
  }

  async removeUser(appId: string, roomId: string, userId: string, sessionId: string): Promise<boolean> {
    const users = this.room(appId, roomId, false)?.users
    const cur = users?.get(userId)
    if (!users || !cur || cur.sessionId !== sessionId) return false
    users.delete(userId)
    return true
  }

  async getUser(appId: string, roomId: string, userId: string): Promise<StoredUser | undefined> {
    const u = this.room(appId, roomId, false)?.users.get(userId)
    return u && copyUser(u)
  }

  async listUsers(appId: string, roomId: string): Promise<StoredUser[]> {
    return [...(this.room(appId, roomId, false)?.users.values() ?? [])].map(copyUser)
  }

  async countUsers(appId: string, roomId: string): Promise<number> {
    return this.room(appId, roomId, false)?.users.size ?? 0
  }

  async listRooms(appId: string): Promise<RoomSummary[]> {
    const prefix = appId + '\u0000'
    const out: RoomSummary[] = []
    for (const [k, r] of this.rooms) {
      if (!k.startsWith(prefix)) continue
      const roomId = k.slice(prefix.length)
      let streamCount = 0
      for (const s of this.streams.values()) if (s.appId === appId && s.roomId === roomId && s.state === 'live') streamCount++
      out.push({ roomId, userCount: r.users.size, streamCount })
    }
    return out
  }

  async reserveStream(stream: StoredStream): Promise<StoredStream> {
    const k = this.key(stream.appId, stream.streamId)
    const cur = this.streams.get(k)
    if (cur) return { ...cur }
    const s = { ...stream }
    this.streams.set(k, s)
    this.byMediaName.set(s.mediaName, s)
    return { ...s }
  }

  async getStream(appId: string, streamId: string): Promise<StoredStream | undefined> {
    const s = this.streams.get(this.key(appId, streamId))
    return s && { ...s }
  }

  async getStreamByMediaName(mediaName: string): Promise<StoredStream | undefined> {
    const s = this.byMediaName.get(mediaName)
    return s && { ...s }
  }

  async updateStream(
    appId: string,
    streamId: string,
    patch: Partial<Pick<StoredStream, 'state' | 'mediaSessionId' | 'extraInfo'>>,
  ): Promise<StoredStream | undefined> {
    const s = this.streams.get(this.key(appId, streamId))
    if (!s) return undefined
    Object.assign(s, patch)
    if ('mediaSessionId' in patch && patch.mediaSessionId === undefined) delete s.mediaSessionId
    return { ...s }
  }

  async deleteStream(appId: string, streamId: string, ownerSessionId?: string): Promise<StoredStream | undefined> {
    const k = this.key(appId, streamId)
    const s = this.streams.get(k)
    if (!s || (ownerSessionId !== undefined && s.ownerSessionId !== ownerSessionId)) return undefined
    this.streams.delete(k)
    this.byMediaName.delete(s.mediaName)
    return { ...s }
  }

  async listStreams(appId: string, roomId: string): Promise<StoredStream[]> {
    const out: StoredStream[] = []
    for (const s of this.streams.values()) if (s.appId === appId && s.roomId === roomId) out.push({ ...s })
    return out
  }

  async setRoomExtraInfo(appId: string, roomId: string, info: RoomExtraInfo): Promise<number> {
    const m = this.room(appId, roomId, true)!.extraInfo
    m.set(info.key, { ...info, updateUser: { ...info.updateUser } })
    this.changed()
    return m.size
  }

  async listRoomExtraInfo(appId: string, roomId: string): Promise<RoomExtraInfo[]> {
    return [...(this.room(appId, roomId, false)?.extraInfo.values() ?? [])].map((i) => ({
      ...i,
      updateUser: { ...i.updateUser },
    }))
  }

  async deleteRoom(appId: string, roomId: string): Promise<void> {
    if (this.rooms.get(this.key(appId, roomId))?.extraInfo.size) this.changed()
    this.rooms.delete(this.key(appId, roomId))
    for (const s of Array.from(this.streams.values()))
      if (s.appId === appId && s.roomId === roomId) await this.deleteStream(appId, s.streamId)
  }
}

function copyUser(u: StoredUser): StoredUser {
  return { ...u, user: { ...u.user } }
}
