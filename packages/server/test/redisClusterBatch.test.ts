import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterEvent } from '../src/cluster/ClusterLink'
import { RedisCluster } from '../src/cluster/RedisCluster'
import { startRedis, type TestRedis } from './redisServer'

// The batched hot path of RedisCluster against a real redis-server: events and messageId INCRs
// that wait for the same flush, reads that take several entries at once, a node's own entries
// skipped unparsed.
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

async function node(batchMs: number, prefix: string): Promise<{ c: RedisCluster; got: ClusterEvent[] }> {
  const c = await RedisCluster.connect({ url: redis.url, nodeTtlMs: 15_000, prefix, batchMs, log: pino({ level: 'silent' }) })
  nodes.push(c)
  const got: ClusterEvent[] = []
  c.onEvent((e) => got.push(e))
  return { c, got }
}

const push = (i: number): ClusterEvent => ({ t: 'push', a: 'app', r: 'room', ev: 'broadcast', d: { i }, x: 's' + i })
const until = async (ok: () => boolean, ms = 3000) => {
  const t0 = Date.now()
  while (!ok() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10))
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
    const ids = (got: ClusterEvent[]) => got.map((e) => (e.t === 'push' ? (e.d as { i: number }).i : -1))
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
