import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { RedisRoomStore, type NodeHoldings } from '../store/RedisRoomStore'
import type { ClusterEvent, ClusterLink, NumberedPush } from './ClusterLink'
import { sentinelOptions } from './redisUrl'

/*
 * One stream entry for a batch of events, the INCRs of the messageIds its broadcasts need, and a
 * read of what the other nodes added since `ARGV[4]`: publishing and reading in one round trip.
 * KEYS[1] the stream, KEYS[2..] the counters of the numbered events in order; ARGV: MINID, node
 * id, the events' JSON, the last entry the node has seen. Returns the numbers, the ID of the last
 * entry read (this node's own included, so reading moves past it) and the other nodes' entries.
 */
const PUBLISH = `
local n = {}
for i = 2, #KEYS do n[i - 1] = redis.call('INCR', KEYS[i]) end
redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'o', ARGV[2], 'm', ARGV[3], 'n', table.concat(n, ','))
local read = redis.call('XRANGE', KEYS[1], '(' .. ARGV[4], '+', 'COUNT', 1000)
local theirs = {}
for _, e in ipairs(read) do
  if e[2][2] ~= ARGV[2] then theirs[#theirs + 1] = e end
end
local last = read[#read]
return {n, last and last[1] or ARGV[4], theirs}`

interface PublishScript {
  mrtcPublish(numKeys: number, ...keysAndArgs: string[]): Promise<[number[], string, [string, string[]][]]>
}

export interface RedisClusterOptions {
  /** `redis://[:password@]host:port[/db]`, or Sentinel: `redis+sentinel://host:26379[,host:26379]/<master name>` */
  url: string
  /** A node that has not refreshed its heartbeat for this long is dead: its users and streams are removed. */
  nodeTtlMs: number
  /** Key and channel prefix, to share one Redis between deployments. */
  prefix?: string
  /**
   * How long room events wait to go to Redis together, and the least time between two reads of
   * the event stream (ms). 0: no waiting: events go at the end of the turn that published them, or
   * with the next command when one is still on its way; reads follow each other at once.
   */
  batchMs?: number
  log: Logger
}

/**
 * Several server nodes on one Redis: the shared RoomStore, room events on a Redis Stream, node
 * heartbeats, and the reaper that removes a dead node's users and streams.
 *
 * Every node appends the pushes it fans out to one stream (XADD) and reads it from the last entry
 * it has seen (XREAD), delivering each to its own members of that room. The round trips, not
 * Redis's work, are what a cross-node push costs (a write and a read on both ends, for every
 * command, and a wake-up of each process), so the hot path is batched: a node has one publishing
 * command on its way at a time; what it publishes meanwhile goes as one stream entry in the next,
 * with the messageIds of its broadcasts INCRed by the same script, which also returns what the
 * other nodes added since the node's last read; a node with nothing to send reads with a blocking
 * XREAD (`batchMs` adds a wait to both, for fewer round trips at the cost of latency). Unlike pub/sub, a node
 * whose Redis connection drops for a moment catches up on what it missed, each entry exactly
 * once. The stream keeps entries for twice the node TTL: a node away longer is reaped anyway and
 * drops its sessions (and a node that finds its position trimmed away does the same). A node refreshes `node:<id>` (PX = nodeTtlMs) every nodeTtlMs / 3;
 * a node whose key expired is reaped by whichever live node wins `SET reap:<id> NX`.
 */
export class RedisCluster implements ClusterLink {
  readonly nodeId = randomBytes(4).toString('hex')
  readonly store: RedisRoomStore
  private readonly prefix: string
  /** The room-event stream. */
  private readonly events: string
  /** ID of the last event read; reading resumes after it. */
  private lastId = '0-0'
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
  private flushTimer: NodeJS.Timeout | undefined
  /** A flush is due (timer or end of turn). */
  private flushQueued = false
  /** A publishing command is on its way to Redis. */
  private sending = false
  /** The read loop, waiting for the publishing command on its way (which reads for it). */
  private sendWaiters: (() => void)[] = []
  /** A read failed since the last good one (check for a gap; log once per outage). */
  private readFailed = false

  private constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly o: RedisClusterOptions,
  ) {
    this.prefix = o.prefix ?? 'minirtc:'
    this.events = this.prefix + 'events'
    this.batchMs = o.batchMs ?? 0
    this.store = new RedisRoomStore(cmd, { nodeId: this.nodeId, prefix: this.prefix })
    cmd.defineCommand('mrtcPublish', { lua: PUBLISH })
  }

  static async connect(o: RedisClusterOptions): Promise<RedisCluster> {
    const opts = { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5000 }
    const sentinel = sentinelOptions(o.url)
    const cmd = sentinel ? new Redis({ ...sentinel, ...opts }) : new Redis(o.url, opts)
    const sub = sentinel ? new Redis({ ...sentinel, ...opts }) : new Redis(o.url, opts)
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
    // Start after the newest entry: what happened before this node existed is not its business.
    const newest = (await cmd.xrevrange(c.events, '+', '-', 'COUNT', 1))[0]
    if (newest) c.lastId = newest[0]
    void c.readLoop()
    return c
  }

  /**
   * Read the event stream from `lastId`, forever. A read cut by a dropped connection is sent
   * again by ioredis after the reconnect (same `lastId`), or fails and is retried here: either
   * way the node catches up from where it was.
   *
   * While this node publishes, its publishing script reads as well, so this loop waits for that
   * instead of making a round trip (and waking the process) of its own: a round trip costs a node
   * far more than the bytes it carries (see docs/scaling.md). The blocking read is for when the
   * node has nothing to send; its own next entry then wakes it once, at worst.
   */
  private async readLoop(): Promise<void> {
    let readAt = 0
    while (!this.closed) {
      try {
        if (this.readFailed && (await this.trimmedPast())) {
          this.o.log.error({ node: this.nodeId }, 'missed cluster events were trimmed: dropping this node\'s sessions (clients log in again)')
          this.lost()
          const newest = (await this.cmd.xrevrange(this.events, '+', '-', 'COUNT', 1))[0]
          if (newest) this.lastId = newest[0]
        }
        if (this.sending || this.flushQueued) {
          await new Promise<void>((r) => this.sendWaiters.push(r))
          readAt = Date.now()
          continue
        }
        // Each read is a round trip on both ends however much it returns: let events accumulate.
        const wait = readAt + this.batchMs - Date.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        if (this.sending || this.flushQueued) continue
        readAt = Date.now()
        const res = await this.sub.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', this.events, this.lastId)
        this.readFailed = false
        for (const [, entries] of res ?? []) for (const [id, fields] of entries) this.take(id, fields)
      } catch (e) {
        if (this.closed) return
        if (!this.readFailed) this.o.log.warn({ err: String(e) }, 'cluster event read failed; retrying')
        this.readFailed = true
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  }

  /** An entry from either read (the blocking one or the publishing script's): each is taken once, in stream order. */
  private take(id: string, fields: string[]): void {
    if (compareIds(id, this.lastId) <= 0) return
    this.lastId = id
    this.receive(fields)
  }

  /** Whether entries after `lastId` were trimmed before we read them (we cannot catch up). */
  private async trimmedPast(): Promise<boolean> {
    let info: unknown[]
    try {
      info = (await this.cmd.xinfo('STREAM', this.events)) as unknown[]
    } catch {
      return false // no stream (yet, or Redis restarted empty): nothing was trimmed
    }
    const i = info.indexOf('max-deleted-entry-id')
    return i >= 0 && compareIds(String(info[i + 1]), this.lastId) > 0
  }

  /** One stream entry: `o` the node that wrote it, `m` the JSON array of its events, `n` their numbers. */
  private receive(fields: string[]): void {
    // Our own events were delivered locally already: skip them before parsing.
    if (fields[0] === 'o' && fields[1] === this.nodeId) return
    const i = fields.indexOf('m')
    let events: unknown
    try {
      events = JSON.parse(fields[i + 1] ?? '')
    } catch {
      return
    }
    if (!Array.isArray(events)) return
    // The numbers Redis gave the numbered events, in order (their `n` was 0 when serialized).
    const n = fields[fields.indexOf('n') + 1]?.split(',') ?? []
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
    this.outbox.push({ e })
    this.schedule()
  }

  publishNumbered(e: NumberedPush): Promise<number> {
    if (this.closed) return Promise.reject(new Error('cluster closed'))
    return new Promise((resolve, reject) => {
      this.outbox.push({ e: { ...e, n: 0 }, counter: this.store.messageIdKey(e.a, e.r), resolve, reject })
      this.schedule()
    })
  }

  /**
   * One publishing command at a time: what is published while one is on its way goes with the
   * next, so a slow Redis gets bigger batches, not more commands. `batchMs` makes each batch wait
   * that long first: at a few events per window that still saves more round trips (measured: see
   * docs/scaling.md) than the timer's wake-up costs.
   */
  private schedule(): void {
    if (this.sending || this.flushQueued) return
    this.flushQueued = true
    // The end of this turn: everything the same client message caused (user ADD + onlineCount) goes together.
    if (this.batchMs === 0) queueMicrotask(() => this.flush())
    else this.flushTimer = setTimeout(() => this.flush(), this.batchMs)
  }

  /**
   * Send what waits as one stream entry, in one command: a script that INCRs the counters of the
   * events that need messageIds, adds the entry with the numbers (`n`), and returns what the other
   * nodes added since our last read.
   */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.flushQueued = false
    const out = this.outbox
    this.outbox = []
    if (!out.length) return this.wakeReader()
    this.sending = true
    const sent = () => {
      this.sending = false
      if (this.outbox.length) this.schedule()
      this.wakeReader()
    }
    // Entries older than twice the node TTL go: a node that was away longer has been reaped.
    const minId = `${Date.now() - 2 * this.o.nodeTtlMs}-0`
    const m = JSON.stringify(out.map((x) => x.e))
    const numbered = out.filter((x) => x.counter !== undefined)
    const from = this.lastId
    ;(this.cmd as Redis & PublishScript).mrtcPublish(1 + numbered.length, this.events, ...numbered.map((x) => x.counter!), minId, this.nodeId, m, from).then(
      ([ns, last, theirs]) => {
        this.readFailed = false
        for (const [id, fields] of theirs) this.take(id, fields)
        if (compareIds(last, this.lastId) > 0) this.lastId = last
        numbered.forEach((x, i) => x.resolve!(Number(ns[i])))
        sent()
      },
      (err: Error) => {
        for (const x of numbered) x.reject!(err)
        this.o.log.warn({ err: err.message }, 'cluster publish failed')
        // Whether the read part was lost too is unknown: the read loop checks for a gap.
        this.readFailed = true
        sent()
      },
    )
  }

  private wakeReader(): void {
    const w = this.sendWaiters
    this.sendWaiters = []
    for (const r of w) r()
  }

  /** Both Redis connections are up (commands and the event subscription). */
  healthy(): boolean {
    return this.cmd.status === 'ready' && this.sub.status === 'ready'
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
    this.wakeReader()
    await this.cmd.del(this.prefix + 'node:' + this.nodeId).catch(() => {})
    this.sub.disconnect()
    await this.cmd.quit().catch(() => this.cmd.disconnect())
  }
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
