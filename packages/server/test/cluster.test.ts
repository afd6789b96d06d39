import { randomBytes } from 'node:crypto'
import { ErrorCode } from '@minirtc/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, adminFetch, eventually, type ServerPush } from './helpers'
import { buildNodeRunner, nodeOptions, requireNginx, startNginx, startNode, type NginxProc, type NodeProc, joinNode } from './clusterNodes'
import { push, Viewer } from './mediaHelpers'
import { freePort, startRedis, type TestRedis } from './redisServer'

/*
 * Three server nodes (separate processes) on one real redis-server, two nginx-rtmp media nodes.
 * nginx "a" calls its hooks on node 1 and nginx "b" on node 2, so most hooks land on a node that
 * does not hold the session and must be forwarded. "a" is also an origin: it relays its streams
 * to the edge "e" (hooks on node 3), where its players go.
 */

requireNginx()
const NODE_TTL_MS = 2000
const hookSecret = randomBytes(18).toString('base64url')
let redis: TestRedis
let runner: { runner: string; cleanup(): void }
const nodes: NodeProc[] = []
const nginx: NginxProc[] = []
const clients: Client[] = []
/** Publish port of a media node → the port its players get (origin "a" → edge "e"). */
const playPortOf = new Map<string, string>()

beforeAll(async () => {
  ;[redis, runner] = await Promise.all([startRedis(), buildNodeRunner()])
  const media = await Promise.all(
    ['a', 'b', 'e'].map(async (name) => ({ name, rtmpPort: await freePort(), controlPort: await freePort() })),
  )
  const [ma, mb, me] = media as [(typeof media)[0], (typeof media)[0], (typeof media)[0]]
  const edgeRtmp = `rtmp://127.0.0.1:${me.rtmpPort}/live`
  const mediaNodes = [ma, mb].map((m) => ({
    name: m.name,
    rtmpUrl: `rtmp://127.0.0.1:${m.rtmpPort}/live`,
    controlUrl: `http://127.0.0.1:${m.controlPort}/control`,
    ...(m === ma ? { playRtmpUrl: edgeRtmp } : {}),
  }))
  playPortOf.set(String(ma.rtmpPort), String(me.rtmpPort))
  playPortOf.set(String(mb.rtmpPort), String(mb.rtmpPort))
  const started = await Promise.all(
    [1, 2, 3].map(async () =>
      startNode(
        runner.runner,
        await nodeOptions(redis.url, NODE_TTL_MS, {
          media: { kind: 'nginx', hookSecret, nodes: mediaNodes, edges: [{ name: 'e', rtmpUrl: edgeRtmp, controlUrl: `http://127.0.0.1:${me.controlPort}/control` }] },
        }),
      ),
    ),
  )
  nodes.push(...started)
  nginx.push(
    ...(await Promise.all([
      startNginx({ ...ma, hookSecret, hookBaseUrl: nodes[0]!.httpUrl, pushTo: [edgeRtmp] }),
      startNginx({ ...mb, hookSecret, hookBaseUrl: nodes[1]!.httpUrl }),
      startNginx({ ...me, hookSecret, hookBaseUrl: nodes[2]!.httpUrl, edgeOf: { allowPublishFrom: ['127.0.0.1'] } }),
    ])),
  )
}, 90_000)

afterAll(async () => {
  for (const c of clients) c.close()
  await Promise.all(nginx.map((n) => n.stop()))
  await Promise.all(nodes.map((n) => n.kill('SIGTERM')))
  await redis?.stop()
  runner?.cleanup()
})

const join = (node: NodeProc, roomId: string, userId: string) => joinNode(clients, node, roomId, userId)

const isStream = (type: 'ADD' | 'DELETE', streamId: string) => (p: ServerPush) =>
  p.ev === 'stream' && p.d.type === type && p.d.streams.some((s: { streamId: string }) => s.streamId === streamId)
const isUser = (type: 'ADD' | 'DELETE', userId: string) => (p: ServerPush) =>
  p.ev === 'user' && p.d.type === type && p.d.users.some((u: { userId: string }) => u.userId === userId)

describe('cluster: 3 server nodes on Redis, 2 nginx-rtmp media nodes', () => {
  it('users on different nodes see each other, their messages, extra info and admin views', async () => {
    const a = await join(nodes[0]!, 'room-x', 'ua')
    const b = await join(nodes[1]!, 'room-x', 'ub')
    expect(b.login.room.users.map((u) => u.userId)).toEqual(['ua'])
    await a.c.waitPush(isUser('ADD', 'ub'))
    const c = await join(nodes[2]!, 'room-x', 'uc')
    expect(c.login.room.onlineCount).toBe(3)
    await a.c.waitPush(isUser('ADD', 'uc'))
    await b.c.waitPush((p) => p.ev === 'onlineCount' && p.d.count === 3)

    // messageIds are numbered per room across nodes.
    expect((await a.c.request('broadcast', { message: 'one' })).d.messageId).toBe(1)
    expect((await c.c.request('broadcast', { message: 'two' })).d.messageId).toBe(2)
    await b.c.waitPush((p) => p.ev === 'broadcast' && p.d.messages[0].message === 'two')
    await c.c.waitPush((p) => p.ev === 'broadcast' && p.d.messages[0].message === 'one')
    // customCommand reaches a user on another node; an absent user is USER_NOT_FOUND.
    expect((await a.c.request('customCommand', { toUserIds: ['uc'], command: 'hi' })).ok).toBe(true)
    await c.c.waitPush((p) => p.ev === 'customCommand' && p.d.command === 'hi')
    expect((await a.c.request('customCommand', { toUserIds: ['nobody'], command: 'x' })).error?.code).toBe(ErrorCode.USER_NOT_FOUND)
    expect((await b.c.request('setRoomExtraInfo', { key: 'topic', value: 'scale' })).ok).toBe(true)
    await a.c.waitPush((p) => p.ev === 'roomExtraInfo' && p.d.extraInfo[0].value === 'scale')

    const users = await adminFetch({ httpUrl: nodes[2]!.httpUrl } as never, '/admin/rooms/room-x/users')
    expect(users.body.users.map((u: { userId: string }) => u.userId).sort()).toEqual(['ua', 'ub', 'uc'])

    // Admin kick on node 1 of a user on node 2.
    expect((await adminFetch({ httpUrl: nodes[0]!.httpUrl } as never, '/admin/rooms/room-x/users/ub/kick', { method: 'POST' })).status).toBe(200)
    expect((await b.c.closed).code).toBe(4001)
    await c.c.waitPush(isUser('DELETE', 'ub'))
    for (const x of [a, c]) x.c.close()
  })

  it('closing a room through any node closes its sessions on every node', async () => {
    const a = await join(nodes[0]!, 'room-c', 'ca')
    const b = await join(nodes[1]!, 'room-c', 'cb')
    const r = await adminFetch({ httpUrl: nodes[2]!.httpUrl } as never, '/admin/rooms/room-c/close', { method: 'POST' })
    expect(r).toMatchObject({ status: 200, body: { closed: 2 } })
    expect((await a.c.closed).code).toBe(4002)
    expect((await b.c.closed).code).toBe(4002)
    await eventually(async () => (await adminFetch({ httpUrl: nodes[0]!.httpUrl } as never, '/admin/rooms')).body.rooms.every((x: { roomId: string }) => x.roomId !== 'room-c'), 5000, 'room gone')
  })

  it('streams go to both media nodes; viewers on other nodes play them (origin a through its edge)', async () => {
    const pubUser = await join(nodes[0]!, 'room-m', 'pub')
    const viewer = await join(nodes[1]!, 'room-m', 'view')
    const third = await join(nodes[2]!, 'room-m', 'third')
    // Publish until both media nodes carry a stream (rendezvous hashing of random media names).
    const byPort = new Map<string, string>()
    for (let i = 0; byPort.size < 2 && i < 40; i++) {
      const id = `cam-${i}`
      const r = await pubUser.c.request('publish', { streamId: id })
      expect(r.ok).toBe(true)
      const port = new URL(r.d.pushUrl.replace(/^rtmp:/, 'http:')).port
      if (byPort.has(port)) expect((await pubUser.c.request('unpublish', { streamId: id })).ok).toBe(true)
      else byPort.set(port, r.d.pushUrl)
    }
    expect(byPort.size).toBe(2)
    const pushers = await Promise.all([...byPort.values()].map((u) => push(u)))
    expect(pushers.every((p) => p.publishing)).toBe(true)
    const ids = pubUser.c.replies.filter((r) => r.d?.pushUrl && [...byPort.values()].includes(r.d.pushUrl)).map((r) => r.d.streamId as string)
    expect(ids).toHaveLength(2)
    for (const id of ids) {
      await viewer.c.waitPush(isStream('ADD', id), 15_000)
      await third.c.waitPush(isStream('ADD', id), 15_000)
    }
    // Play both from node 2 and node 3: the URLs point at the media node that holds each stream,
    // or for origin "a" at its edge "e" (whose play hooks arrive at node 3).
    const viewers: Viewer[] = []
    for (const [who, id] of [
      [viewer, ids[0]!],
      [third, ids[1]!],
    ] as const) {
      const play = await who.c.request('play', { streamId: id })
      expect(play.ok).toBe(true)
      const url = (u: string) => new URL(u.replace(/^rtmp:/, 'http:'))
      const pushUrl = [...byPort.values()].find((u) => url(u).pathname === url(play.d.urls.rtmp).pathname)!
      expect(url(play.d.urls.rtmp).port).toBe(playPortOf.get(url(pushUrl).port))
      const v = new Viewer(play.d.urls.rtmp)
      await v.start()
      viewers.push(v)
    }
    await eventually(() => viewers.every((v) => v.mediaTags > 0), 20_000, 'both viewers receive media').catch((e: Error) => {
      throw new Error(`${e.message}\n${nginx.map((n, i) => `nginx ${i}: ${n.log}`).join('\n')}\n${nodes.map((n) => n.log).join('\n')}`)
    })
    // A forged play URL is refused wherever its hook lands.
    const forged = (await viewer.c.request('play', { streamId: ids[0]! })).d.urls.rtmp.replace(/s=[^&]+/, 's=CCCCCCCCCCCCCCCCCCCCCCCC')
    const intruder = new Viewer(forged)
    await intruder.start()
    await new Promise((r) => setTimeout(r, 1500))
    intruder.stop()
    expect(intruder.mediaTags).toBe(0)

    // Unpublish on node 1: the players on the other nodes are dropped, everyone gets DELETE.
    expect((await pubUser.c.request('unpublish', { streamId: ids[0]! })).ok).toBe(true)
    await third.c.waitPush(isStream('DELETE', ids[0]!))
    await eventually(() => viewers[0]!.ended, 10_000, 'player of the removed stream dropped')
    for (const v of viewers) v.stop()
    for (const p of pushers) await p.stop()
    await viewer.c.waitPush(isStream('DELETE', ids[1]!), 10_000)
    for (const x of [pubUser, viewer, third]) x.c.close()
  })

  it('a streamId has exactly one owner under concurrent publishes on three nodes', async () => {
    const users = await Promise.all(nodes.map((n, i) => join(n, `room-d${i}`, `dup-${i}`)))
    for (let round = 0; round < 15; round++) {
      const streamId = `dup-stream-${round}`
      const replies = await Promise.all(users.map((u) => u.c.request('publish', { streamId })))
      expect(replies.filter((r) => r.ok)).toHaveLength(1)
      expect(replies.filter((r) => !r.ok).map((r) => r.error!.code)).toEqual([ErrorCode.STREAM_ID_TAKEN, ErrorCode.STREAM_ID_TAKEN])
      const winner = users[replies.findIndex((r) => r.ok)]!
      expect((await winner.c.request('unpublish', { streamId })).ok).toBe(true)
    }
    for (const u of users) u.c.close()
  })

  it('resume on another node falls back to login; the new login replaces the old session', async () => {
    const first = await join(nodes[0]!, 'room-r', 'mover')
    const other = await join(nodes[1]!, 'room-r', 'stay')
    const pub = await first.c.request('publish', { streamId: 'mover-cam' })
    expect(pub.ok).toBe(true)
    const c2 = await Client.open(nodes[2]!.url)
    clients.push(c2)
    const resume = await c2.request('resume', { sessionId: first.login.sessionId, lastSeq: 0 })
    expect(resume.error?.code).toBe(ErrorCode.SESSION_EXPIRED)
    const relog = await c2.login('room-r', 'mover')
    expect(relog.ok).toBe(true)
    // The old session on node 1 is told why; its streamId is free again at once.
    expect(await first.c.waitPush((p) => p.ev === 'kickout')).toMatchObject({ d: { code: ErrorCode.LOGGED_IN_ELSEWHERE } })
    expect((await c2.request('publish', { streamId: 'mover-cam' })).ok).toBe(true)
    expect(other.c.pushes.some(isUser('DELETE', 'mover'))).toBe(false)
    other.c.close()
    c2.close()
  })

  it('a killed node is reaped: the others get DELETE for its users and live streams within the TTL', async () => {
    const watcher = await join(nodes[0]!, 'room-k', 'watcher')
    const doomed = await join(nodes[2]!, 'room-k', 'doomed')
    const pub = await doomed.c.request('publish', { streamId: 'doomed-cam' })
    const pusher = await push(pub.d.pushUrl)
    await watcher.c.waitPush(isStream('ADD', 'doomed-cam'), 15_000)
    const t0 = Date.now()
    await nodes[2]!.kill('SIGKILL')
    const [streamGone, userGone] = await Promise.all([
      watcher.c.waitPush(isStream('DELETE', 'doomed-cam'), NODE_TTL_MS * 4).then(() => Date.now() - t0),
      watcher.c.waitPush(isUser('DELETE', 'doomed'), NODE_TTL_MS * 4).then(() => Date.now() - t0),
    ])
    await watcher.c.waitPush((p) => p.ev === 'onlineCount' && p.d.count === 1)
    console.log(`node kill → stream DELETE ${streamGone} ms, user DELETE ${userGone} ms (nodeTtlMs ${NODE_TTL_MS}, sweep every ${NODE_TTL_MS / 3} ms)`)
    // TTL + one sweep period + delivery.
    expect(Math.max(streamGone, userGone)).toBeLessThan(NODE_TTL_MS + NODE_TTL_MS / 3 + 1000)
    // The streamId is free again for a new session on a live node.
    const back = await join(nodes[1]!, 'room-k', 'doomed')
    expect(back.login.room.users.map((u) => u.userId)).toEqual(['watcher'])
    expect((await back.c.request('publish', { streamId: 'doomed-cam' })).ok).toBe(true)
    await pusher.stop()
    watcher.c.close()
    back.c.close()
  })
})

describe('cluster: 2 server nodes with embedded NMS each', () => {
  const emb: NodeProc[] = []
  beforeAll(async () => {
    const started = await Promise.all(
      [1, 2].map(async () =>
        startNode(runner.runner, await nodeOptions(redis.url, NODE_TTL_MS, { rtmpPort: 0, flvPort: 0, redisPrefix: 'emb:' })),
      ),
    )
    emb.push(...started)
  }, 60_000)
  afterAll(async () => {
    await Promise.all(emb.map((n) => (n.proc.kill('SIGCONT'), n.kill('SIGTERM'))))
  })

  it("a stream is published to its owner's NMS; a viewer on the other node plays it until its session ends", async () => {
    const owner = await join(emb[0]!, 'room-e', 'owner')
    const viewer = await join(emb[1]!, 'room-e', 'viewer')
    const pub = await owner.c.request('publish', { streamId: 'emb-cam' })
    const pusher = await push(pub.d.pushUrl)
    await viewer.c.waitPush(isStream('ADD', 'emb-cam'), 15_000)
    const play = await viewer.c.request('play', { streamId: 'emb-cam' })
    // The play URL points at the NMS of the node that carries the stream.
    expect(new URL(play.d.urls.rtmp.replace(/^rtmp:/, 'http:')).port).toBe(new URL(pub.d.pushUrl.replace(/^rtmp:/, 'http:')).port)
    const v = new Viewer(play.d.urls.flv)
    await v.start()
    await eventually(() => v.mediaTags > 0, 15_000, 'remote viewer receives media')
    // The viewer's session ends on node 2: node 1 drops its player.
    expect((await viewer.c.request('logout', {})).ok).toBe(true)
    await eventually(() => v.ended, 10_000, 'player dropped after its session ended on another node')
    v.stop()
    await pusher.stop()
    owner.c.close()
  })

  it("play URLs delivered across nodes: each node signs ADD and login URLs for its own sessions, pointing at the stream's NMS", async () => {
    const owner = await joinNode(clients, emb[0]!, 'room-pu', 'owner')
    const remote = await joinNode(clients, emb[1]!, 'room-pu', 'remote', { playUrls: true })
    const local = await joinNode(clients, emb[0]!, 'room-pu', 'local', { playUrls: true })
    const pub = await owner.c.request('publish', { streamId: 'pu-cam' })
    const pusher = await push(pub.d.pushUrl)
    const port = (u: string) => new URL(u.replace(/^rtmp:/, 'http:')).port
    const refOf = (u: string) => new URL(u).searchParams.get('u')!
    const [addRemote, addLocal] = await Promise.all([remote, local].map((x) => x.c.waitPush(isStream('ADD', 'pu-cam'), 15_000)))
    // Signed by the recipient's node (refs carry their node's id), for the NMS that carries the stream.
    for (const [add, node] of [[addRemote!, emb[1]!], [addLocal!, emb[0]!]] as const) {
      expect(add.d.play.map((p: { streamId: string }) => p.streamId)).toEqual(['pu-cam'])
      expect(port(add.d.play[0].urls.rtmp)).toBe(port(pub.d.pushUrl))
      expect(refOf(add.d.play[0].urls.flv).startsWith(node.nodeId + '.')).toBe(true)
    }
    const v = new Viewer(addRemote!.d.play[0].urls.flv)
    await v.start()
    await eventually(() => v.mediaTags > 0, 15_000, 'remote session plays its delivered URL')
    // A late joiner on the other node gets one with its login reply.
    const late = await joinNode(clients, emb[1]!, 'room-pu', 'late', { playUrls: true })
    expect(late.login.play!.map((p) => p.streamId)).toEqual(['pu-cam'])
    const w = new Viewer(late.login.play![0]!.urls.rtmp)
    await w.start()
    await eventually(() => w.mediaTags > 0, 15_000, 'late joiner plays its login URL')
    // The owner's push is no ADD to itself; nobody that did not ask gets URLs.
    expect(owner.c.pushes.some((p) => p.ev === 'stream')).toBe(false)
    for (const x of [v, w]) x.stop()
    await pusher.stop()
    for (const x of [owner, remote, local, late]) x.c.close()
  })

  it('a node that was stalled past its TTL drops its sessions (4008) when it wakes up', async () => {
    const stay = await join(emb[0]!, 'room-s', 'stay')
    const sleeper = await join(emb[1]!, 'room-s', 'sleeper')
    emb[1]!.proc.kill('SIGSTOP')
    await stay.c.waitPush(isUser('DELETE', 'sleeper'), NODE_TTL_MS * 4)
    emb[1]!.proc.kill('SIGCONT')
    expect((await sleeper.c.closed).code).toBe(4008)
    // Its client logs in again and is back in the room.
    const again = await join(emb[1]!, 'room-s', 'sleeper')
    expect(again.login.room.users.map((u) => u.userId)).toEqual(['stay'])
    await stay.c.waitPush(isUser('ADD', 'sleeper'))
    stay.c.close()
    again.c.close()
  })
})
