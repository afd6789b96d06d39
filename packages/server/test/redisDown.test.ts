import { ErrorCode } from '@minirtc/protocol'
import { expect, it } from 'vitest'
import { Client, adminFetch, joined, sleep, start } from './helpers'
import { startRedis } from './redisServer'

it('a cluster node that loses Redis answers SERVICE_UNAVAILABLE, reports 503 on /healthz and still shuts down', async () => {
  const redis = await startRedis()
  const srv = await start({ redis: redis.url, nodeTtlMs: 2000 })
  try {
    expect((await fetch(`${srv.httpUrl}/healthz`)).status).toBe(200)
    const a = await joined(srv, 'room', 'a')
    await redis.stop()
    await sleep(300)
    // A coded "try again" (the engine's reconnect retries a login refused so), not INTERNAL.
    expect((await a.c.request('publish', { streamId: 'x' })).error?.code).toBe(ErrorCode.SERVICE_UNAVAILABLE)
    expect((await a.c.request('broadcast', { message: 'm' })).error?.code).toBe(ErrorCode.SERVICE_UNAVAILABLE)
    const b = await Client.open(srv.url)
    expect((await b.login('room', 'b')).error?.code).toBe(ErrorCode.SERVICE_UNAVAILABLE)
    b.close()
    const users = await adminFetch(srv, '/admin/rooms/room/users')
    expect([users.status, users.body.error?.code]).toEqual([503, ErrorCode.SERVICE_UNAVAILABLE])
    const h = await fetch(`${srv.httpUrl}/healthz`)
    expect(h.status).toBe(503) // a load balancer stops sending clients here
    expect(await h.json()).toEqual({ ok: false, reason: 'redis unreachable' })
  } finally {
    await srv.close()
    await redis.stop()
  }
})
