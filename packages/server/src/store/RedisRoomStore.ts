import type { RoomExtraInfo } from '@minirtc/protocol'
import type { Redis } from 'ioredis'
import type { RoomStore, RoomSummary, StoredStream, StoredUser } from './RoomStore'

/*
 * Layout (every key starts with `prefix`, ids are URI-encoded inside key names):
 *   u:<app>:<room>   hash userId → StoredUser JSON
 *   x:<app>:<room>   hash key → RoomExtraInfo JSON
 *   rooms:<app>      set of roomIds with users
 *   s:<app>          hash streamId → StoredStream JSON (HSETNX: streamIds are unique per app)
 *   sr:<app>:<room>  set of the room's streamIds
 *   m                hash mediaName → app \0 streamId
 *   nu:<node>        set of app \0 room \0 userId \0 sessionId held by a node (for reaping)
 *   ns:<node>        set of app \0 streamId \0 ownerSessionId held by a node
 * Multi-key updates run as Lua scripts, so every node sees them whole.
 */

const PUT_USER = `
local prev = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return prev`

const REMOVE_USER = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local u = cjson.decode(cur)
if u.sessionId ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if type(u.node) == 'string' then redis.call('SREM', ARGV[3] .. 'nu:' .. u.node, ARGV[4]) end
return 1`

const RESERVE_STREAM = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return redis.call('HGET', KEYS[1], ARGV[1]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('SADD', KEYS[4], ARGV[5])
return ARGV[2]`

const UPDATE_STREAM = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return false end
local s = cjson.decode(cur)
local patch = cjson.decode(ARGV[2])
for k, v in pairs(patch) do
  if v == cjson.null then s[k] = nil else s[k] = v end
end
local out = cjson.encode(s)
redis.call('HSET', KEYS[1], ARGV[1], out)
return out`

/* ARGV[4] non-empty: delete only when that session still owns the stream. */
const DELETE_STREAM = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return false end
local s = cjson.decode(cur)
if ARGV[4] ~= '' and s.ownerSessionId ~= ARGV[4] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', ARGV[2] .. 'sr:' .. ARGV[3] .. ':' .. s.roomKey, ARGV[1])
redis.call('HDEL', KEYS[2], s.mediaName)
if type(s.node) == 'string' then redis.call('SREM', ARGV[2] .. 'ns:' .. s.node, ARGV[5] .. '\\0' .. ARGV[1] .. '\\0' .. s.ownerSessionId) end
return cur`

interface Scripts {
  mrtcPutUser(k1: string, k2: string, k3: string, ...argv: string[]): Promise<string | null>
  mrtcRemoveUser(k1: string, ...argv: string[]): Promise<number>
  mrtcReserveStream(k1: string, k2: string, k3: string, k4: string, ...argv: string[]): Promise<string>
  mrtcUpdateStream(k1: string, ...argv: string[]): Promise<string | null>
  mrtcDeleteStream(k1: string, k2: string, ...argv: string[]): Promise<string | null>
}

/** What a node held, as the reaper finds it after the node stopped heartbeating. */
export interface NodeHoldings {
  users: { appId: string; roomId: string; userId: string; sessionId: string }[]
  streams: { appId: string; streamId: string; ownerSessionId: string }[]
}

/**
 * RoomStore on Redis (ioredis), shared by every server node. Entries are stamped with this
 * node's id so the others can remove them when the node dies (see RedisCluster).
 * @example
 * const store = new RedisRoomStore(new Redis('redis://127.0.0.1:6379'), { nodeId: 'n1' })
 */
export class RedisRoomStore implements RoomStore {
  private readonly r: Redis & Scripts
  readonly prefix: string
  readonly nodeId: string

  constructor(redis: Redis, o: { nodeId: string; prefix?: string }) {
    this.prefix = o.prefix ?? 'minirtc:'
    this.nodeId = o.nodeId
    redis.defineCommand('mrtcPutUser', { numberOfKeys: 3, lua: PUT_USER })
    redis.defineCommand('mrtcRemoveUser', { numberOfKeys: 1, lua: REMOVE_USER })
    redis.defineCommand('mrtcReserveStream', { numberOfKeys: 4, lua: RESERVE_STREAM })
    redis.defineCommand('mrtcUpdateStream', { numberOfKeys: 1, lua: UPDATE_STREAM })
    redis.defineCommand('mrtcDeleteStream', { numberOfKeys: 2, lua: DELETE_STREAM })
    this.r = redis as Redis & Scripts
  }

  /** Key name from URI-encoded parts (ids may contain ':' or anything else). */
  key(kind: string, ...ids: string[]): string {
    return this.prefix + kind + (ids.length ? ':' + ids.map(encodeURIComponent).join(':') : '')
  }

  async putUser(appId: string, roomId: string, entry: StoredUser): Promise<StoredUser | undefined> {
    const e = { ...entry, node: entry.node ?? this.nodeId }
    const member = [appId, roomId, e.user.userId, e.sessionId].join('\0')
    const prev = await this.r.mrtcPutUser(this.key('u', appId, roomId), this.key('rooms', appId), this.key('nu', e.node), e.user.userId, JSON.stringify(e), roomId, member)
    return prev ? (JSON.parse(prev) as StoredUser) : undefined
  }

  async removeUser(appId: string, roomId: string, userId: string, sessionId: string): Promise<boolean> {
    const member = [appId, roomId, userId, sessionId].join('\0')
    return (await this.r.mrtcRemoveUser(this.key('u', appId, roomId), userId, sessionId, this.prefix, member)) === 1
  }

  async getUser(appId: string, roomId: string, userId: string): Promise<StoredUser | undefined> {
    const v = await this.r.hget(this.key('u', appId, roomId), userId)
    return v ? (JSON.parse(v) as StoredUser) : undefined
  }

  async listUsers(appId: string, roomId: string): Promise<StoredUser[]> {
    const all = await this.r.hvals(this.key('u', appId, roomId))
    return all.map((v) => JSON.parse(v) as StoredUser).sort((a, b) => a.joinedAt - b.joinedAt)
  }

  countUsers(appId: string, roomId: string): Promise<number> {
    return this.r.hlen(this.key('u', appId, roomId))
  }

  async listRooms(appId: string): Promise<RoomSummary[]> {
    const rooms = await this.r.smembers(this.key('rooms', appId))
    const out: RoomSummary[] = []
    for (const roomId of rooms.sort()) {
      const userCount = await this.countUsers(appId, roomId)
      if (userCount === 0) continue
      const streams = await this.listStreams(appId, roomId)
      out.push({ roomId, userCount, streamCount: streams.filter((s) => s.state === 'live').length })
    }
    return out
  }

  async reserveStream(stream: StoredStream): Promise<StoredStream> {
    const s = { ...stream, node: stream.node ?? this.nodeId }
    // roomKey: the encoded room id, so the delete script can find the room's stream set.
    const json = JSON.stringify({ ...s, roomKey: encodeURIComponent(s.roomId) })
    const member = [s.appId, s.streamId, s.ownerSessionId].join('\0')
    const got = await this.r.mrtcReserveStream(
      this.key('s', s.appId),
      this.key('sr', s.appId, s.roomId),
      this.key('m'),
      this.key('ns', s.node),
      s.streamId,
      json,
      s.mediaName,
      s.appId + '\0' + s.streamId,
      member,
    )
    return parseStream(got)
  }

  async getStream(appId: string, streamId: string): Promise<StoredStream | undefined> {
    const v = await this.r.hget(this.key('s', appId), streamId)
    return v ? parseStream(v) : undefined
  }

  async getStreamByMediaName(mediaName: string): Promise<StoredStream | undefined> {
    const ref = await this.r.hget(this.key('m'), mediaName)
    if (!ref) return undefined
    const i = ref.indexOf('\0')
    const s = await this.getStream(ref.slice(0, i), ref.slice(i + 1))
    return s && s.mediaName === mediaName ? s : undefined
  }

  async updateStream(
    appId: string,
    streamId: string,
    patch: Partial<Pick<StoredStream, 'state' | 'mediaSessionId' | 'extraInfo'>>,
  ): Promise<StoredStream | undefined> {
    const p: Record<string, unknown> = { ...patch }
    // JSON has no undefined: null tells the script to drop the field.
    if ('mediaSessionId' in patch && patch.mediaSessionId === undefined) p.mediaSessionId = null
    const v = await this.r.mrtcUpdateStream(this.key('s', appId), streamId, JSON.stringify(p))
    return v ? parseStream(v) : undefined
  }

  async deleteStream(appId: string, streamId: string, ownerSessionId = ''): Promise<StoredStream | undefined> {
    const v = await this.r.mrtcDeleteStream(this.key('s', appId), this.key('m'), streamId, this.prefix, encodeURIComponent(appId), ownerSessionId, appId)
    return v ? parseStream(v) : undefined
  }

  async listStreams(appId: string, roomId: string): Promise<StoredStream[]> {
    const ids = await this.r.smembers(this.key('sr', appId, roomId))
    if (ids.length === 0) return []
    const vals = await this.r.hmget(this.key('s', appId), ...ids)
    const out: StoredStream[] = []
    for (const v of vals) if (v) out.push(parseStream(v))
    return out.sort((a, b) => a.createdAt - b.createdAt)
  }

  async setRoomExtraInfo(appId: string, roomId: string, info: RoomExtraInfo): Promise<number> {
    const k = this.key('x', appId, roomId)
    const [, len] = (await this.r.multi().hset(k, info.key, JSON.stringify(info)).hlen(k).exec())!
    return Number(len![1])
  }

  async listRoomExtraInfo(appId: string, roomId: string): Promise<RoomExtraInfo[]> {
    const all = await this.r.hvals(this.key('x', appId, roomId))
    return all.map((v) => JSON.parse(v) as RoomExtraInfo).sort((a, b) => a.updateTime - b.updateTime)
  }

  async deleteRoom(appId: string, roomId: string): Promise<void> {
    for (const st of await this.listStreams(appId, roomId)) await this.deleteStream(appId, st.streamId)
    await this.r
      .multi()
      .del(this.key('u', appId, roomId), this.key('x', appId, roomId), this.key('sr', appId, roomId), this.key('msg', appId, roomId))
      .srem(this.key('rooms', appId), roomId)
      .exec()
  }

  /** A room-wide counter (broadcast messageIds) that every node shares. */
  nextMessageId(appId: string, roomId: string): Promise<number> {
    return this.r.incr(this.messageIdKey(appId, roomId))
  }

  /** The key of that counter (the cluster INCRs it in its batches). */
  messageIdKey(appId: string, roomId: string): string {
    return this.key('msg', appId, roomId)
  }

  /** What `node` holds; used by the reaper once that node stopped heartbeating. */
  async holdings(node: string): Promise<NodeHoldings> {
    const [users, streams] = await Promise.all([this.r.smembers(this.key('nu', node)), this.r.smembers(this.key('ns', node))])
    return {
      users: users.map((m) => {
        const [appId = '', roomId = '', userId = '', sessionId = ''] = m.split('\0')
        return { appId, roomId, userId, sessionId }
      }),
      streams: streams.map((m) => {
        const [appId = '', streamId = '', ownerSessionId = ''] = m.split('\0')
        return { appId, streamId, ownerSessionId }
      }),
    }
  }

  /** Drop a reaped node's indexes. */
  async forgetNode(node: string): Promise<void> {
    await this.r.del(this.key('nu', node), this.key('ns', node))
  }
}

function parseStream(v: string): StoredStream {
  const s = JSON.parse(v) as StoredStream & { roomKey?: string }
  delete s.roomKey
  return s
}
