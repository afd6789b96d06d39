import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { RedisRoomStore, type NodeHoldings } from '../store/RedisRoomStore'
import type { ClusterEvent, ClusterLink, NumberedPush } from './ClusterLink'
import { sentinelOptions } from './redisUrl'

/*
 * One stream entry for a batch of events, the INCRs of the messageIds its broadcasts need, and the
 * same entry published on the channel of every other subscribed node: each receives it there, in
 * stream order, without a read of its own. Each entry also gets its ordinal (`q`, from a counter),
 * so a node catching up can tell whether entries it never saw were trimmed.
 *
 * Taken once: ioredis sends a command again when the connection dropped before its reply came,
 * though Redis may have run it (the others would get the batch twice, with new numbers). A node has
 * one publish on its way at a time, so the hash KEYS[4] keeps, per node, the sequence number of its
 * last batch and the numbers it got; the same batch again gets those numbers back and nothing else.
 *
 * KEYS[1] the stream, KEYS[2] the ordinal counter, KEYS[3] the set of subscribed nodes, KEYS[4] the
 * hash of last batches, KEYS[5..] the counters of the numbered events in order; ARGV: MINID, node
 * id, the events' JSON, the channel prefix, the batch's sequence number. Returns the numbers. The
 * message is `<entry ID>\n<ordinal>\n<node id>\n<numbers>\n<events' JSON>`.
 */
const PUBLISH = `
local last = redis.call('HGET', KEYS[4], ARGV[2])
if last then
  local sep = string.find(last, ' ', 1, true)
  if string.sub(last, 1, sep - 1) == ARGV[5] then
    local n = {}
    for x in string.gmatch(string.sub(last, sep + 1), '%d+') do n[#n + 1] = tonumber(x) end
    return n
  end
end
local n = {}
for i = 5, #KEYS do n[i - 4] = redis.call('INCR', KEYS[i]) end
local ns = table.concat(n, ',')
redis.call('HSET', KEYS[4], ARGV[2], ARGV[5] .. ' ' .. ns)
local q = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'o', ARGV[2], 'm', ARGV[3], 'n', ns, 'q', q)
local msg = id .. '\\n' .. q .. '\\n' .. ARGV[2] .. '\\n' .. ns .. '\\n' .. ARGV[3]
for _, node in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if node ~= ARGV[2] then redis.call('PUBLISH', ARGV[4] .. node, msg) end
end
return n`

/*
 * A node's heartbeat tick on the event path, in one script (so nothing interleaves):
 * - drop the subscribed nodes whose channel has no subscriber (a node that died, or whose
 *   connection is down: it joins again when it subscribes again, and catches up); a node that
 *   subscribes meanwhile is never dropped after it did;
 * - if this node (ARGV[2]) is still a member, publish the stream's newest entry ID and ordinal on
 *   its own channel as a mark, `<entry ID>\n<ordinal>`: when that arrives, every entry up to it
 *   that was published to this node has arrived before it, so its position may move there (past
 *   its own entries, which are never published to it).
 * KEYS[1] the set, KEYS[2] the stream; ARGV[1] the channel prefix. Returns whether this node is a
 * member (when not, nothing was published to it for a while: it must catch up).
 */
const TICK = `
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('PUBSUB', 'NUMSUB', ARGV[1] .. node)[2] == 0 then redis.call('SREM', KEYS[1], node) end
end
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 0 then return 0 end
local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
if newest then
  local q = '0'
  for i = 1, #newest[2], 2 do if newest[2][i] == 'q' then q = newest[2][i + 1] end end
  redis.call('PUBLISH', ARGV[1] .. ARGV[2], newest[1] .. '\\n' .. q)
end
return 1`

interface ClusterScripts {
  mrtcPublish(numKeys: number, ...keysAndArgs: string[]): Promise<number[]>
  mrtcTick(numKeys: number, set: string, stream: string, channelPrefix: string, nodeId: string): Promise<number>
}

/** Bytes of channel messages held while the node catches up (beyond this, it reads them from the stream). */
const HELD_MAX_BYTES = 16 * 2 ** 20
/** Wait before connecting a connection ioredis gave up on again (see `reopen`). */
const REOPEN_DELAY_MS = 200

export interface RedisClusterOptions {
  /** `redis://[:password@]host:port[/db]`, or Sentinel: `redis+sentinel://host:26379[,host:26379]/<master name>` */
  url: string
  /** A node that has not refreshed its heartbeat for this long is dead: its users and streams are removed. */
  nodeTtlMs: number
  /** Key and channel prefix, to share one Redis between deployments. */
  prefix?: string
  /**
   * The least time between two publishing commands (ms): under load, room events gather this long
   * to go to Redis together (an event after a quiet spell goes at once). 0: events go at the end
   * of the turn that published them, or with the next command when one is still on its way.
   */
  batchMs?: number
  log: Logger
}

/**
 * Several server nodes on one Redis: the shared RoomStore, room events on a Redis Stream and a
 * channel, node heartbeats, and the reaper that removes a dead node's users and streams.
 *
 * A node sends the pushes it fans out as stream entries (XADD) and, in the same script, publishes
 * each entry on the channel of every other node (`events:<node id>`; the subscribed nodes are a
 * set): each node receives the others' entries in stream order and delivers them to its own
 * members of the room (its own it delivered locally; they do not wake it). The round trips, not Redis's work, are what a cross-node push costs
 * (each one a write, a read and a wake-up of the processes on both ends; see docs/scaling.md), so
 * the path is built for few of them:
 * - a node has one publishing command on its way at a time; what it publishes meanwhile goes as one
 *   stream entry in the next, with the messageIds of its broadcasts INCRed by the same script;
 * - at most one command per `batchMs`; under load a batch goes out with a later event (the node is
 *   awake for it anyway) rather than on a timer of its own;
 * - receiving costs no command: the channel pushes each entry once to each other node.
 * The stream is what makes the channel safe: a subscriber that was cut off (pub/sub does not
 * queue for it) reads what it missed from the stream after it subscribes again, each entry exactly
 * once, in order. The stream keeps entries for twice the node TTL: a node away longer is reaped
 * anyway and drops its sessions (and a node that finds its position trimmed away does the same).
 * A node refreshes `node:<id>` (PX = nodeTtlMs) every nodeTtlMs / 3; a node whose key expired is
 * reaped by whichever live node wins `SET reap:<id> NX`.
 */
export class RedisCluster implements ClusterLink {
  readonly nodeId = randomBytes(4).toString('hex')
  readonly store: RedisRoomStore
  private readonly prefix: string
  /**
   * The room-event stream and its entry counter; the set of nodes subscribed to their channel; the
   * channels' prefix (`events:<node id>`).
   */
  private readonly events: string
  private readonly eventCount: string
  private readonly subscribers: string
  /** Hash: node id → its last batch's sequence number and numbers (see `PUBLISH`). */
  private readonly published: string
  private readonly channelPrefix: string
  /**
   * ID of the last entry taken: another node's, or a mark (`TICK`) that moves past this node's
   * own entries, which are never published to it. Catching up resumes after it.
   */
  private lastId = '0-0'
  /** The ordinal of that entry (0: unknown). */
  private lastQ = 0
  /**
   * While the node subscribes and catches up from the stream: the channel's messages meanwhile, in
   * order (taken after the catch-up, those it already covered skipped); `overflow` when there were
   * too many to hold (the catch-up then reads the stream again).
   */
  private held: string[] | undefined
  private heldBytes = 0
  private overflow = false
  /** The subscribing and catching up in progress (one at a time), and whether to run it once more. */
  private syncing: Promise<void> | undefined
  private syncAgain = false
  private handler: (e: ClusterEvent) => void = () => {}
  private reaper: (h: NodeHoldings) => Promise<void> = async () => {}
  private lost: () => void = () => {}
  private timer: NodeJS.Timeout | undefined
  private httpUrl = ''
  private closed = false
  /** The cluster's media-URL key as this node uses it (written back if Redis lost it). */
  private key: string | undefined
  private readonly batchMs: number
  /** Events waiting for the next flush, in the order they were published (numbered ones with their counter). */
  private outbox: { e: ClusterEvent; counter?: string; resolve?: (n: number) => void; reject?: (e: Error) => void }[] = []
  /** When the last publishing command was sent (performance.now()). */
  private lastFlushAt = -Infinity
  /** The flush for when no further event comes to send the batch with. */
  private flushTimer: NodeJS.Timeout | undefined
  /** A flush is due at the end of this turn. */
  private flushSoon = false
  /** A publishing command is on its way to Redis. */
  private sending = false
  /** Sequence number of this node's last publishing command. */
  private batchSeq = 0

  private constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly o: RedisClusterOptions,
  ) {
    this.prefix = o.prefix ?? 'minirtc:'
    this.events = this.prefix + 'events'
    this.eventCount = this.prefix + 'eventcount'
    this.subscribers = this.prefix + 'subscribers'
    this.published = this.prefix + 'published'
    this.channelPrefix = this.prefix + 'events:'
    this.batchMs = o.batchMs ?? 0
    this.store = new RedisRoomStore(cmd, { nodeId: this.nodeId, prefix: this.prefix })
    cmd.defineCommand('mrtcPublish', { lua: PUBLISH })
    cmd.defineCommand('mrtcTick', { lua: TICK })
    for (const conn of [cmd, sub]) conn.on('end', () => this.reopen(conn))
  }

  /**
   * A connection that ended while the node is open is connected again. ioredis normally retries on
   * its own, but gives a connection up for good ('end') when Sentinel's failover detector closes it
   * while it is asking a sentinel for the master (ioredis 5.11: the connector's connect() throws
   * "Connection is closed." and nothing retries): without this, a failover could leave a node
   * without Redis until it restarts. Only `close()` ends them on purpose.
   */
  private reopen(conn: Redis): void {
    if (this.closed) return
    this.o.log.warn('redis connection ended; connecting again')
    setTimeout(() => {
      if (!this.closed && conn.status === 'end') conn.connect().catch(() => undefined)
    }, REOPEN_DELAY_MS).unref()
  }

  static async connect(o: RedisClusterOptions): Promise<RedisCluster> {
    const opts = { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5000 }
    const sentinel = sentinelOptions(o.url)
    const cmd = sentinel ? new Redis({ ...sentinel, ...opts }) : new Redis(o.url, opts)
    // The subscription is renewed by `subscribe()` on every (re)connect, followed by a catch-up.
    const subOpts = { ...opts, autoResubscribe: false }
    const sub = sentinel ? new Redis({ ...sentinel, ...subOpts }) : new Redis(o.url, subOpts)
    const log = o.log.child({ component: 'redis' })
    for (const c of [cmd, sub]) c.on('error', (e: Error) => log.warn({ err: e.message }, 'redis error'))
    try {
      await Promise.all([cmd.connect(), sub.connect()])
    } catch (e) {
      cmd.disconnect()
      sub.disconnect()
      throw new Error(`Cannot connect to Redis at ${redact(o.url)}: ${(e as Error).message}`, { cause: e })
    }
    const c = new RedisCluster(cmd, sub, o)
    sub.on('message', (_channel: string, message: string) => c.onMessage(message))
    // The subscription connection is back: subscribe again and read what was missed meanwhile.
    sub.on('ready', () => void c.sync())
    try {
      // Start after the newest entry: what happened before this node existed is not its business.
      await c.sync(() => c.toNewest(), false)
    } catch (e) {
      c.closed = true
      cmd.disconnect()
      sub.disconnect()
      throw new Error(`Cannot subscribe to the cluster's events on Redis at ${redact(o.url)}: ${(e as Error).message}`, { cause: e })
    }
    return c
  }

  /**
   * Subscribe and take up the stream (`resume`), one run at a time: a request while one runs makes
   * it run once more (a catch-up) when it ends, so two never share what is held. A failed run is
   * retried (after a reconnect, the commands wait in ioredis's queue) unless `retry` is false.
   */
  private sync(position = () => this.catchUp(), retry = true): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true
      return this.syncing
    }
    const run = async () => {
      try {
        for (let pos = position; ; pos = () => this.catchUp()) {
          this.syncAgain = false
          try {
            await this.resume(pos)
          } catch (e) {
            if (this.closed) return
            if (!retry) throw e
            this.o.log.warn({ err: String(e) }, 'catching up on cluster events failed; retrying')
            this.syncAgain = true
            await new Promise((r) => setTimeout(r, 200))
          }
          if (!this.syncAgain || this.closed) return
        }
      } finally {
        this.syncing = undefined
      }
    }
    return (this.syncing = run())
  }

  /**
   * Subscribe to this node's channel and join the subscribers (so others publish to it), then find
   * where to take up the stream (`position`): what the channel brings meanwhile is held, and taken
   * after it (each entry once, those the position covered skipped). Too many to hold: what was
   * dropped is in the stream, read again. A failure leaves the messages held for the next run.
   */
  private async resume(position: () => Promise<void>): Promise<void> {
    this.held ??= []
    await this.sub.subscribe(this.channelPrefix + this.nodeId)
    if (this.closed) return
    await this.cmd.sadd(this.subscribers, this.nodeId)
    await position()
    while (this.overflow) {
      this.held = []
      this.heldBytes = 0
      this.overflow = false
      await this.catchUp()
    }
    const held = this.held
    this.held = undefined
    this.heldBytes = 0
    for (const m of held) this.onMessage(m)
  }

  /** Take up the stream after its newest entry. */
  private async toNewest(): Promise<void> {
    const newest = (await this.cmd.xrevrange(this.events, '+', '-', 'COUNT', 1))[0]
    if (!newest) return
    this.lastId = newest[0]
    this.lastQ = Number(field(newest[1], 'q')) || 0
  }

  /**
   * Read from the stream what the channel brought while this node was not subscribed. If the
   * first entry after our position is not the next ordinal, entries we never saw were trimmed
   * (the node was away longer than the stream keeps them): our sessions may have missed pushes.
   */
  private async catchUp(): Promise<void> {
    for (let first = true; ; first = false) {
      const entries = await this.cmd.xrange(this.events, '(' + this.lastId, '+', 'COUNT', 1000)
      const q = first && entries[0] ? Number(field(entries[0][1], 'q')) : 0
      if (this.lastQ && q > this.lastQ + 1) {
        this.o.log.error({ node: this.nodeId, missed: q - this.lastQ - 1 }, "missed cluster events were trimmed: dropping this node's sessions (clients log in again)")
        this.lost()
        return this.toNewest()
      }
      for (const [id, f] of entries) this.take(id, Number(field(f, 'q')) || 0, field(f, 'o'), field(f, 'n'), field(f, 'm'))
      if (entries.length < 1000) return
    }
  }

  /** One channel message: `<entry ID>\n<ordinal>\n<node id>\n<numbers>\n<events' JSON>`, or a mark: `<entry ID>\n<ordinal>`. */
  private onMessage(message: string): void {
    if (this.held) {
      if (this.heldBytes + message.length <= HELD_MAX_BYTES) {
        this.held.push(message)
        this.heldBytes += message.length
      } else this.overflow = true
      return
    }
    const a = message.indexOf('\n')
    const b = message.indexOf('\n', a + 1)
    if (a < 0) return
    const id = message.slice(0, a)
    // A mark (TICK): a position only.
    if (b < 0) return void this.advance(id, Number(message.slice(a + 1)) || 0)
    const c = message.indexOf('\n', b + 1)
    const d = message.indexOf('\n', c + 1)
    if (c < 0 || d < 0) return
    this.take(id, Number(message.slice(a + 1, b)) || 0, message.slice(b + 1, c), message.slice(c + 1, d), message.slice(d + 1))
  }

  /** Move the position to entry `id` (ordinal `q`) unless it is there or past it already. */
  private advance(id: string, q: number): boolean {
    if (compareIds(id, this.lastId) <= 0) return false
    this.lastId = id
    this.lastQ = q
    return true
  }

  /** An entry, from the channel or a catch-up: each is taken once, in stream order. */
  private take(id: string, q: number, origin: string, numbers: string, json: string): void {
    if (!this.advance(id, q)) return
    // Our own events were delivered locally already: skip them before parsing.
    if (origin === this.nodeId) return
    let events: unknown
    try {
      events = JSON.parse(json)
    } catch {
      return
    }
    if (!Array.isArray(events)) return
    // The numbers Redis gave the numbered events, in order (their `n` was 0 when serialized).
    const n = numbers.split(',')
    let j = 0
    for (const e of events as ClusterEvent[]) {
      if (e.t === 'push' && e.n === 0) e.n = Number(n[j++])
      try {
        this.handler(e)
      } catch (err) {
        this.o.log.error({ err: String(err) }, 'cluster event failed')
      }
    }
  }

  onEvent(fn: (e: ClusterEvent) => void): void {
    this.handler = fn
  }

  onReap(fn: (h: NodeHoldings) => Promise<void>): void {
    this.reaper = fn
  }

  /**
   * Called when this node finds its own heartbeat expired (it was stalled or cut off from Redis
   * for longer than nodeTtlMs): the others may have reaped its users, so its sessions are stale.
   */
  onLost(fn: () => void): void {
    this.lost = fn
  }

  publish(e: ClusterEvent): void {
    if (this.closed) return
    this.enqueue({ e })
  }

  publishNumbered(e: NumberedPush): Promise<number> {
    if (this.closed) return Promise.reject(new Error('cluster closed'))
    return new Promise((resolve, reject) => this.enqueue({ e: { ...e, n: 0 }, counter: this.store.messageIdKey(e.a, e.r), resolve, reject }))
  }

  private enqueue(x: RedisCluster['outbox'][number]): void {
    this.outbox.push(x)
    this.schedule()
  }

  /**
   * One publishing command at a time: what is published while one is on its way goes with the
   * next, so a slow Redis gets bigger batches, not more commands. And at most one command per
   * `batchMs`: an event after a quiet spell goes at once; under load, events gather until
   * `batchMs` after the last command and then go at the end of the turn of the next event published
   * (the node is awake for it anyway). The timer, half a window later, is only for when no event
   * comes: a timer that fires is a wake-up of an idle process, which costs a node about as much as
   * a round trip (docs/scaling.md).
   */
  private schedule(): void {
    if (this.sending || this.flushSoon) return
    const since = performance.now() - this.lastFlushAt
    if (since >= this.batchMs) {
      // The end of this turn: everything the same client message caused (user ADD + onlineCount) goes together.
      this.flushSoon = true
      queueMicrotask(() => this.flush())
    } else this.flushTimer ??= setTimeout(() => this.flush(), this.batchMs * 1.5 - since)
  }

  /**
   * Send what waits as one stream entry, in one command: a script that INCRs the counters of the
   * events that need messageIds, adds the entry with the numbers (`n`) and publishes it on the
   * event channel.
   */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.flushSoon = false
    const out = this.outbox
    this.outbox = []
    if (!out.length) return
    this.sending = true
    this.lastFlushAt = performance.now()
    const sent = () => {
      this.sending = false
      if (this.outbox.length) this.schedule()
    }
    const numbered = out.filter((x) => x.counter !== undefined)
    const failed = (err: Error) => {
      for (const x of numbered) x.reject!(err)
      this.o.log.warn({ err: err.message }, 'cluster publish failed')
      sent()
    }
    let m: string
    try {
      m = JSON.stringify(out.map((x) => x.e))
    } catch (e) {
      return failed(e as Error)
    }
    // Entries older than twice the node TTL go: a node that was away longer has been reaped.
    const minId = `${Date.now() - 2 * this.o.nodeTtlMs}-0`
    const keys = [this.events, this.eventCount, this.subscribers, this.published, ...numbered.map((x) => x.counter!)]
    ;(this.cmd as Redis & ClusterScripts).mrtcPublish(keys.length, ...keys, minId, this.nodeId, m, this.channelPrefix, String(++this.batchSeq)).then((ns) => {
      numbered.forEach((x, i) => x.resolve!(Number(ns[i])))
      sent()
    }, failed)
  }

  /** Both Redis connections are up (commands and the event subscription), and the node is not catching up. */
  healthy(): boolean {
    return this.cmd.status === 'ready' && this.sub.status === 'ready' && !this.syncing
  }

  /** The HMAC key for media URLs, the same on every node (the first node to start creates it). */
  async mediaKey(): Promise<Buffer> {
    const k = this.prefix + 'mediakey'
    await this.cmd.set(k, randomBytes(32).toString('base64'), 'NX')
    this.key = (await this.cmd.get(k))!
    return Buffer.from(this.key, 'base64')
  }

  /** Internal HTTP base of a live node (for forwarded media hooks), or undefined when it is gone. */
  async nodeUrl(nodeId: string): Promise<string | undefined> {
    return (await this.cmd.get(this.prefix + 'node:' + nodeId)) || undefined
  }

  /** Announce this node (its HTTP base, for forwarded hooks) and start heartbeating and reaping. */
  async start(httpUrl: string): Promise<void> {
    this.httpUrl = httpUrl
    await this.cmd.sadd(this.prefix + 'nodes', this.nodeId)
    await this.beat()
    const every = Math.max(200, Math.floor(this.o.nodeTtlMs / 3))
    this.timer = setInterval(() => {
      void this.tick()
    }, every)
    this.timer.unref()
  }

  private beat(): Promise<string | null> {
    return this.cmd.set(this.prefix + 'node:' + this.nodeId, this.httpUrl, 'PX', this.o.nodeTtlMs, 'GET')
  }

  private async tick(): Promise<void> {
    try {
      if ((await this.beat()) === null && !this.closed) {
        this.o.log.error({ node: this.nodeId }, 'this node missed its heartbeat TTL: dropping its sessions (clients log in again)')
        this.lost()
        // A peer's reap lock on us must not delay noticing our next death.
        await this.cmd.del(this.prefix + 'reap:' + this.nodeId)
      }
      // Back in the node list if a peer reaped us meanwhile, so a later death is noticed too.
      await this.cmd.sadd(this.prefix + 'nodes', this.nodeId)
      // Prune the subscribers, and move this node's position past its own entries (see TICK): after
      // a reconnect it catches up from there, not from the last entry another node sent, which
      // may be trimmed already. Back among the subscribers if a peer dropped it (its subscription
      // was down for a moment) or Redis lost the set: nothing was published to it meanwhile.
      const member = await (this.cmd as Redis & ClusterScripts).mrtcTick(2, this.subscribers, this.events, this.channelPrefix, this.nodeId)
      if (!member && !this.syncing && !this.closed) await this.sync()
      // A Redis restarted without persistence lost the media key: put ours back before a node
      // that starts now invents another (its URLs would not verify on the running nodes).
      if (this.key) await this.cmd.set(this.prefix + 'mediakey', this.key, 'NX')
      const nodes = await this.cmd.smembers(this.prefix + 'nodes')
      for (const n of nodes) {
        if (n === this.nodeId || this.closed) continue
        if (await this.cmd.exists(this.prefix + 'node:' + n)) continue
        // One live node reaps; the lock outlives a slow reap, and expires if the reaper dies too.
        if ((await this.cmd.set(this.prefix + 'reap:' + n, this.nodeId, 'PX', 30_000, 'NX')) !== 'OK') continue
        const h = await this.store.holdings(n)
        this.o.log.warn({ node: n, users: h.users.length, streams: h.streams.length }, 'node expired: removing its users and streams')
        await this.reaper(h)
        await this.store.forgetNode(n)
        await this.cmd.hdel(this.published, n)
        await this.cmd.srem(this.prefix + 'nodes', n)
      }
    } catch (e) {
      this.o.log.warn({ err: String(e) }, 'cluster heartbeat failed')
    }
  }

  /**
   * Leave: stop heartbeating and drop our heartbeat key, so a peer reaps what we still hold at
   * its next tick instead of after the TTL.
   */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.flush()
    await this.cmd.del(this.prefix + 'node:' + this.nodeId).catch(() => {})
    await this.cmd.srem(this.subscribers, this.nodeId).catch(() => {})
    await this.cmd.hdel(this.published, this.nodeId).catch(() => {})
    this.sub.disconnect()
    await this.cmd.quit().catch(() => this.cmd.disconnect())
  }
}

/** A field of a stream entry (`[name, value, name, value, …]`). */
function field(fields: string[], name: string): string {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1] ?? ''
  return ''
}

/** Order of two stream IDs (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am !== bm ? am - bm : as - bs
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
