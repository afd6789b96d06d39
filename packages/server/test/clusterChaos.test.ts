import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, eventually, type ServerPush } from './helpers'
import { buildNodeRunner, nodeOptions, startNode, type NodeProc, joinNode } from './clusterNodes'
import { push, Viewer } from './mediaHelpers'
import { startRedis, startSentinelSet, type TestRedis } from './redisServer'
import { TcpProxy } from '@minirtc/headless'
import { sleep } from './helpers'

/*
 * Chaos for the cluster: Redis restarts empty (no persistence) under two nodes with embedded
 * media. The nodes notice their heartbeat is gone, drop their sessions (4008), their clients log
 * in again and the rooms converge; a node started after the restart verifies the media URLs the
 * older nodes sign (the cluster's media key survives the restart).
 */
const NODE_TTL_MS = 2000
let redis: TestRedis
let runner: { runner: string; cleanup(): void }
const nodes: NodeProc[] = []
const clients: Client[] = []

const nodeOpts = () => nodeOptions(redis.url, NODE_TTL_MS, { rtmpPort: 0, flvPort: 0, redisPrefix: 'chaos:' })

beforeAll(async () => {
  ;[redis, runner] = await Promise.all([startRedis(), buildNodeRunner()])
  nodes.push(...(await Promise.all([1, 2].map(async () => startNode(runner.runner, await nodeOpts())))))
}, 60_000)
afterAll(async () => {
  for (const c of clients) c.close()
  await Promise.all(nodes.map((n) => n.kill('SIGTERM')))
  await redis?.stop()
  runner?.cleanup()
})

const join = (node: NodeProc, roomId: string, userId: string) => joinNode(clients, node, roomId, userId)
const isStream = (type: string, id: string) => (p: ServerPush) => p.ev === 'stream' && p.d.type === type && p.d.streams.some((s: { streamId: string }) => s.streamId === id)

describe('cluster chaos: Redis restarts empty', () => {
  it('nodes drop their sessions, clients log in again and converge; a node started afterwards verifies the old nodes’ media URLs', async () => {
    const owner = await join(nodes[0]!, 'room-x', 'owner')
    const viewer = await join(nodes[1]!, 'room-x', 'viewer')
    const t0 = Date.now()
    await redis.restart()
    // Every session is dropped with 4008 once its node sees its heartbeat key gone.
    expect((await owner.c.closed).code).toBe(4008)
    expect((await viewer.c.closed).code).toBe(4008)
    const droppedMs = Date.now() - t0
    // The clients log in again (what the engines do on 4008) and see each other.
    const owner2 = await join(nodes[0]!, 'room-x', 'owner')
    const viewer2 = await join(nodes[1]!, 'room-x', 'viewer')
    expect(viewer2.login.room.users.map((u) => u.userId)).toEqual(['owner'])
    const pub = await owner2.c.request('publish', { streamId: 'chaos-cam' })
    expect(pub.ok).toBe(true)
    const pusher = await push(pub.d.pushUrl)
    await viewer2.c.waitPush(isStream('ADD', 'chaos-cam'), 15_000)
    console.log(`redis restart: sessions dropped after ${droppedMs} ms, room converged after ${Date.now() - t0} ms`)

    // A node that starts after the restart signs with the same key the running nodes verify with.
    const late = await startNode(runner.runner, await nodeOpts())
    nodes.push(late)
    const third = await join(late, 'room-x', 'late-viewer')
    const play = await third.c.request('play', { streamId: 'chaos-cam' })
    expect(play.ok).toBe(true)
    const v = new Viewer(play.d.urls.flv)
    await v.start()
    await eventually(() => v.mediaTags > 0, 15_000, 'a late node’s viewer plays a stream on an old node')
    v.stop()
    await pusher.stop()
  }, 90_000)
})

describe('cluster chaos: Sentinel failover', () => {
  it('the master dies; sentinel promotes the replica; nodes follow it and cross-node events flow again without dropping anyone', async () => {
    const set = await startSentinelSet()
    const pair: NodeProc[] = []
    try {
      for (let i = 0; i < 2; i++) pair.push(await startNode(runner.runner, { ...(await nodeOpts()), redis: set.url, redisPrefix: 'sentinel:', nodeTtlMs: 8000 }))
      const a = await join(pair[0]!, 'room-f', 'a')
      const b = await join(pair[1]!, 'room-f', 'b')
      expect(b.login.room.users.map((u) => u.userId)).toEqual(['a'])
      const t0 = Date.now()
      set.killMaster()
      await eventually(async () => (await set.currentMasterPort()) === set.replicaPort, 20_000, 'sentinel promoted the replica')
      const promotedMs = Date.now() - t0
      // A login on node 2 after the failover reaches the user on node 1 (shared store and events
      // on the new master); a broadcast from node 1 reaches node 2.
      // Each failed attempt closes its socket: kept open, a slow failover's retries reached the
      // per-address cap (256) and the next connection was reset.
      let lastRefusal = ''
      const c = await eventually(async () => {
        const x = await Client.open(pair[1]!.url)
        const r = await x.login('room-f', 'c')
        if (r.ok) {
          clients.push(x)
          return x
        }
        lastRefusal = JSON.stringify(r.error)
        x.close()
        await sleep(100)
        return undefined
      }, 20_000, 'login after the failover').catch((e: Error) => {
        // What the node answered and logged, to tell a slow failover from a stuck node.
        throw new Error(`${e.message}; last refusal ${lastRefusal}; node 2 log:\n${pair[1]!.log.slice(-3000)}`)
      })
      await a.c.waitPush((p) => p.ev === 'user' && p.d.type === 'ADD' && p.d.users.some((u: { userId: string }) => u.userId === 'c'), 20_000)
      const sent = await a.c.request('broadcast', { message: 'after failover' })
      expect(sent.ok).toBe(true)
      await b.c.waitPush((p) => p.ev === 'broadcast' && p.d.messages[0].message === 'after failover', 10_000)
      await c!.waitPush((p) => p.ev === 'broadcast' && p.d.messages[0].message === 'after failover', 10_000)
      console.log(`sentinel failover: replica promoted after ${promotedMs} ms, events flowing across nodes after ${Date.now() - t0} ms`)
      // Nobody was dropped: the nodes' heartbeats survived on the replica.
      expect(a.c.ws.readyState).toBe(a.c.ws.OPEN)
      expect(b.c.ws.readyState).toBe(b.c.ws.OPEN)
    } finally {
      await Promise.all(pair.map((n) => n.kill('SIGTERM')))
      await set.stop()
    }
  }, 90_000)
})

describe('cluster chaos: a node loses Redis for a moment', () => {
  it('catches up on the room events it missed: every broadcast arrives exactly once, in order', async () => {
    const proxy = await new TcpProxy(Number(new URL(redis.url).port)).listen()
    const pair: NodeProc[] = []
    try {
      const o = { redisPrefix: 'gap:', nodeTtlMs: 8000, rateLimit: { messagesPerSecond: 1000, burst: 1000 } }
      pair.push(await startNode(runner.runner, { ...(await nodeOpts()), ...o }))
      pair.push(await startNode(runner.runner, { ...(await nodeOpts()), ...o, redis: `redis://127.0.0.1:${proxy.port}` }))
      const a = await join(pair[0]!, 'room-g', 'a')
      const b = await join(pair[1]!, 'room-g', 'b')
      const n = 300
      const sends: Promise<unknown>[] = []
      for (let i = 0; i < n; i++) {
        if (i === 60) proxy.cut() // node 2 loses Redis while a keeps talking
        if (i === 200) proxy.restore()
        sends.push(a.c.request('broadcast', { message: 'm' + i }))
        await sleep(5)
      }
      await Promise.all(sends)
      const got = () => b.c.pushes.filter((p) => p.ev === 'broadcast').map((p) => p.d.messages[0].message as string)
      await eventually(() => got().length >= n, 20_000, `all ${n} broadcasts on the other node (got ${got().length})`)
      await sleep(300) // a duplicate would arrive now
      expect(got()).toEqual(Array.from({ length: n }, (_, i) => 'm' + i))
      // b was not dropped: its node caught up instead of losing track.
      expect(b.c.ws.readyState).toBe(b.c.ws.OPEN)
    } finally {
      await Promise.all(pair.map((x) => x.kill('SIGTERM')))
      await proxy.close()
    }
  }, 90_000)
})
