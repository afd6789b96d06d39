import { TcpProxy } from '@minirtc/headless'
import { Redis } from 'ioredis'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterEvent } from '../src/cluster/ClusterLink'
import { RedisCluster } from '../src/cluster/RedisCluster'
import { startRedis, type TestRedis } from './redisServer'

// The batched hot path of RedisCluster against a real redis-server: events and messageId INCRs
// that wait for the same flush, entries pushed to the other nodes' channels, the subscriber set
// kept in step with the subscriptions, and catching up from the stream.
let redis: TestRedis
const nodes: RedisCluster[] = []
let db = 0

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const n of nodes) await n.close()
  await redis.stop()
})

async function node(batchMs: number, prefix: string, nodeTtlMs = 15_000, url = redis.url): Promise<{ c: RedisCluster; got: ClusterEvent[] }> {
  const c = await RedisCluster.connect({ url, nodeTtlMs, prefix, batchMs, log: pino({ level: 'silent' }) })
  nodes.push(c)
  const got: ClusterEvent[] = []
  c.onEvent((e) => got.push(e))
  return { c, got }
}

const ids = (got: ClusterEvent[]) => got.map((e) => (e.t === 'push' ? (e.d as { i: number }).i : -1))
const push = (i: number): ClusterEvent => ({ t: 'push', a: 'app', r: 'room', ev: 'broadcast', d: { i }, x: 's' + i })
const until = async (ok: () => boolean | Promise<boolean>, ms = 3000) => {
  const t0 = Date.now()
  while (!(await ok()) && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10))
}

describe.each([0, 5, 40])('RedisCluster hot path, batchMs %i', (batchMs) => {
  it('every event of each node reaches the other nodes once, in order, and never its own node', async () => {
    const prefix = `b${++db}:`
    const [a, b, c] = [await node(batchMs, prefix), await node(batchMs, prefix), await node(batchMs, prefix)]
    // Interleaved bursts from two nodes, some within one batch window, some across windows.
    for (let i = 0; i < 60; i++) {
      ;(i % 3 === 0 ? b : a).c.publish(push(i))
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, batchMs + 5))
    }
    const fromA = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 !== 0)
    const fromB = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 === 0)
    await until(() => c.got.length === 60 && a.got.length === fromB.length && b.got.length === fromA.length)
    // c sees each node's events in that node's order (the two nodes' entries interleave by batch).
    expect(ids(c.got).filter((i) => i % 3 !== 0)).toEqual(fromA)
    expect(ids(c.got).filter((i) => i % 3 === 0)).toEqual(fromB)
    expect(ids(a.got)).toEqual(fromB)
    expect(ids(b.got)).toEqual(fromA)
    await new Promise((r) => setTimeout(r, batchMs + 50))
    expect(c.got.length).toBe(60) // nothing twice
  })

  it('broadcasts published at once on several nodes get unique, consecutive messageIds per room, and the others receive them numbered', async () => {
    const prefix = `b${++db}:`
    const [a, b, c] = [await node(batchMs, prefix), await node(batchMs, prefix), await node(batchMs, prefix)]
    const bc = (i: number) => ({ t: 'push' as const, a: 'app', r: i % 4 ? 'r1' : 'r2', ev: 'broadcast' as const, d: { messages: [{ messageId: 0, i }] }, x: 's' })
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => ((i % 2 ? a : b).c.publishNumbered(bc(i)))))
    const inRoom = (room: 'r1' | 'r2') => got.filter((_, i) => (i % 4 ? 'r1' : 'r2') === room).sort((x, y) => x - y)
    expect(inRoom('r1')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(inRoom('r2')).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    // One node's broadcasts are numbered in the order they were made.
    const fromA = got.filter((_, i) => i % 2 && i % 4)
    expect(fromA).toEqual([...fromA].sort((x, y) => x - y))
    // A node that sent none receives each with the number its sender got.
    await until(() => c.got.length === 40)
    const received = new Map(c.got.map((e) => (e.t === 'push' ? [(e.d as { messages: { i: number }[] }).messages[0]!.i, e.n] : [-1, -1])))
    expect(Array.from({ length: 40 }, (_, i) => received.get(i))).toEqual(got)
  })
})

describe('RedisCluster publishing and subscribing', () => {
  let cli: Redis
  beforeAll(() => {
    cli = new Redis(redis.url)
  })
  afterAll(() => cli.disconnect())
  /** Entries trimmed from the event stream so far. */
  const trimmed = async (prefix: string) => {
    const info = (await cli.xinfo('STREAM', prefix + 'events')) as unknown[]
    return Number(info[info.indexOf('entries-added') + 1]) - Number(info[info.indexOf('length') + 1])
  }
  const commands = async (name: string) => Number(/calls=(\d+)/.exec((await cli.info('commandstats')).split('\n').find((l) => l.startsWith(`cmdstat_${name}:`)) ?? '')?.[1] ?? 0)

  it('an event after a quiet spell goes at once; under load, one command per window carries what gathered', async () => {
    const prefix = `b${++db}:`
    const [a, b] = [await node(2000, prefix), await node(2000, prefix)]
    // No node of this file runs heartbeat ticks yet (their scripts would count too).
    await cli.config('RESETSTAT')
    const t0 = Date.now()
    a.c.publish(push(0))
    await until(() => b.got.length === 1)
    // Long before the 2 s window: the first event did not wait for it.
    expect(b.got.length).toBe(1)
    expect(Date.now() - t0).toBeLessThan(1000)
    for (let i = 1; i <= 9; i++) {
      a.c.publish(push(i))
      await new Promise((r) => setTimeout(r, 10))
    }
    // Within the window: nothing else went yet.
    expect(b.got.length).toBe(1)
    await until(() => b.got.length === 10, 5000)
    expect(ids(b.got)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // ioredis sends a script's first call on a connection as EVAL, then EVALSHA.
    expect((await commands('evalsha')) + (await commands('eval'))).toBe(2)
  })

  it('a node joins the subscribers when it subscribes and leaves them when it closes; a stale member is pruned', async () => {
    const prefix = `b${++db}:`
    // Heartbeat ticks (and prunes) every nodeTtlMs / 3.
    const a = await node(0, prefix, 1500)
    const b = await node(0, prefix, 1500)
    const members = () => cli.smembers(prefix + 'subscribers')
    expect((await members()).sort()).toEqual([a.c.nodeId, b.c.nodeId].sort())
    // A node that died without leaving (no subscription): pruned at a live node's next tick.
    await cli.sadd(prefix + 'subscribers', 'ghost')
    await a.c.start('http://127.0.0.1:1')
    await until(async () => !(await members()).includes('ghost'))
    expect((await members()).sort()).toEqual([a.c.nodeId, b.c.nodeId].sort())
    await b.c.close()
    expect(await members()).toEqual([a.c.nodeId])
  })

  it('a node left out of the subscribers (pruned while its connection was down) joins again and catches up on what went past it', async () => {
    const prefix = `b${++db}:`
    const a = await node(0, prefix, 1500)
    const b = await node(0, prefix, 1500)
    await a.c.start('http://127.0.0.1:1')
    b.c.publish(push(1))
    await until(() => a.got.length === 1)
    // As a peer's prune would: nothing is published to a from now on.
    await cli.srem(prefix + 'subscribers', a.c.nodeId)
    for (let i = 2; i <= 5; i++) b.c.publish(push(i))
    await new Promise((r) => setTimeout(r, 50))
    expect(a.got.length).toBe(1)
    // a's next heartbeat tick (every nodeTtlMs / 3) finds it out and reads the stream.
    await until(() => a.got.length === 5)
    b.c.publish(push(6))
    await until(() => a.got.length === 6)
    await new Promise((r) => setTimeout(r, 50))
    expect(ids(a.got)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await cli.sismember(prefix + 'subscribers', a.c.nodeId)).toBe(1)
  })

  it('a connection ioredis gave up on (ended, as its Sentinel failover detector can leave it) is connected again: the node receives and publishes again, missing nothing', async () => {
    const prefix = `b${++db}:`
    const a = await node(0, prefix)
    const b = await node(0, prefix)
    b.c.publish(push(1))
    await until(() => a.got.length === 1)
    // What ioredis does to a connection it will not retry: status 'end', commands refused.
    const conns = a.c as unknown as { cmd: Redis; sub: Redis }
    conns.cmd.disconnect()
    conns.sub.disconnect()
    await until(() => conns.cmd.status === 'end' && conns.sub.status === 'end')
    b.c.publish(push(2)) // while a is away: caught up from the stream
    await until(() => conns.cmd.status === 'ready' && conns.sub.status === 'ready')
    b.c.publish(push(3))
    await until(() => a.got.length === 3)
    expect(ids(a.got)).toEqual([1, 2, 3])
    a.c.publish(push(4))
    await until(() => b.got.length === 1)
    expect(ids(b.got)).toEqual([4])
  })

  it('a publish whose reply was lost in a reconnect is resent by ioredis but taken once: the others get it once, with the number it got first', async () => {
    const prefix = `b${++db}:`
    // a reaches Redis through a proxy that drops Redis's replies, then the connection: Redis ran
    // the command, a never heard back, and ioredis sends it again on the new connection.
    const proxy = await new TcpProxy(Number(new URL(redis.url).port)).listen()
    try {
      const a = await node(0, prefix, 15_000, `redis://127.0.0.1:${proxy.port}`)
      const b = await node(0, prefix)
      const bc = (i: number) => ({ t: 'push' as const, a: 'app', r: 'r', ev: 'broadcast' as const, d: { messages: [{ messageId: 0, i }] }, x: 's' })
      expect(await a.c.publishNumbered(bc(1))).toBe(1)
      await until(() => b.got.length === 1)
      proxy.dropReplies()
      const second = a.c.publishNumbered(bc(2))
      await until(() => b.got.length === 2) // Redis ran it: b has it
      proxy.cut()
      proxy.restore()
      expect(await second).toBe(2)
      expect(await a.c.publishNumbered(bc(3))).toBe(3)
      await until(() => b.got.length >= 3)
      await new Promise((r) => setTimeout(r, 100))
      expect(b.got.map((e) => (e.t === 'push' ? [(e.d as { messages: { i: number }[] }).messages[0]!.i, e.n] : []))).toEqual([[1, 1], [2, 2], [3, 3]])
    } finally {
      await proxy.close()
    }
  })

  it('a node that only publishes keeps its position: after a reconnect past the stream trim it catches up instead of dropping its sessions', async () => {
    const prefix = `b${++db}:`
    // Entries older than 2 × 2.5 s are trimmed; a ticks (and marks its position) every 0.83 s.
    const a = await node(0, prefix, 2500)
    const b = await node(0, prefix, 2500)
    await a.c.start('http://127.0.0.1:1')
    let lost = 0
    a.c.onLost(() => lost++)
    b.c.publish(push(-1))
    await until(() => a.got.length === 1)
    // Then only a publishes, for longer than the stream keeps entries: no entry of another node
    // moves a's position, its own are never published to it.
    for (let i = 0; i < 500; i++) {
      a.c.publish(push(i))
      await new Promise((r) => setTimeout(r, 12))
    }
    await until(() => b.got.length === 500)
    expect(await trimmed(prefix)).toBeGreaterThan(0)
    // Both subscriptions drop; b publishes while a subscribes again.
    await cli.client('KILL', 'TYPE', 'pubsub')
    b.c.publish(push(1000))
    await until(() => a.got.length === 2)
    await new Promise((r) => setTimeout(r, 100))
    expect(ids(a.got)).toEqual([-1, 1000])
    expect(lost).toBe(0)
  }, 25_000)

  it('a node cut off from Redis for longer than the stream keeps entries drops its sessions, then follows the stream again', async () => {
    const prefix = `b${++db}:`
    const proxy = await new TcpProxy(Number(new URL(redis.url).port)).listen()
    try {
      // a (not started: no heartbeat that would expire) reaches Redis through the proxy.
      const a = await node(0, prefix, 1000, `redis://127.0.0.1:${proxy.port}`)
      const b = await node(0, prefix, 1000)
      let lost = 0
      a.c.onLost(() => lost++)
      b.c.publish(push(0))
      await until(() => a.got.length === 1)
      proxy.cut()
      // b publishes for longer than the stream keeps entries (2 × nodeTtlMs): the first are trimmed.
      for (let i = 1; i <= 300; i++) {
        b.c.publish(push(i))
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(await trimmed(prefix)).toBeGreaterThan(0)
      proxy.restore()
      await until(() => lost === 1, 10_000)
      expect(lost).toBe(1)
      // Once through (its position is the newest entry then), a follows again; none of what it
      // missed is delivered late.
      await until(() => a.c.healthy(), 10_000)
      const before = a.got.length
      b.c.publish(push(1000))
      await until(() => a.got.some((e) => e.t === 'push' && (e.d as { i: number }).i === 1000))
      expect(ids(a.got.slice(before))).toEqual([1000])
    } finally {
      await proxy.close()
    }
  }, 20_000)
})
