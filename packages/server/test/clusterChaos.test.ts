import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP, Client, eventually, type ServerPush } from './helpers'
import { buildNodeRunner, startNode, type NodeProc } from './clusterNodes'
import { push, Viewer } from './mediaHelpers'
import { freePort, startRedis, type TestRedis } from './redisServer'

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

const nodeOpts = async () => ({
  host: '127.0.0.1',
  port: await freePort(),
  rtmpPort: 0,
  flvPort: 0,
  apps: [APP],
  redis: redis.url,
  redisPrefix: 'chaos:',
  nodeTtlMs: NODE_TTL_MS,
  mediaGraceMs: 0,
  logger: { level: process.env.MINIRTC_TEST_LOG ?? 'warn' },
})

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

async function join(node: NodeProc, roomId: string, userId: string) {
  const c = await Client.open(node.url)
  clients.push(c)
  const r = await c.login(roomId, userId)
  if (!r.ok) throw new Error(`login failed: ${JSON.stringify(r.error)}`)
  return { c, login: r.d as import('@minirtc/protocol').LoginResult }
}
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
