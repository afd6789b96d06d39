import { ErrorCode } from '@minirtc/protocol'
import { expect, it } from 'vitest'
import { joined, sleep, start } from './helpers'
import { startRedis } from './redisServer'

it('a cluster node that loses Redis answers coded errors, reports 503 on /healthz and still shuts down', async () => {
  const redis = await startRedis()
  const srv = await start({ redis: redis.url, nodeTtlMs: 2000 })
  try {
    expect((await fetch(`${srv.httpUrl}/healthz`)).status).toBe(200)
    const a = await joined(srv, 'room', 'a')
    await redis.stop()
    await sleep(300)
    expect((await a.c.request('publish', { streamId: 'x' })).error?.code).toBe(ErrorCode.INTERNAL)
    expect((await a.c.request('broadcast', { message: 'm' })).error?.code).toBe(ErrorCode.INTERNAL)
    const h = await fetch(`${srv.httpUrl}/healthz`)
    expect(h.status).toBe(503) // a load balancer stops sending clients here
    expect(await h.json()).toEqual({ ok: false, reason: 'redis unreachable' })
  } finally {
    await srv.close()
    await redis.stop()
  }
})
