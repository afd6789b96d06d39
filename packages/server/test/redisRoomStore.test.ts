import { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { RedisRoomStore } from '../src/store/RedisRoomStore'
import { startRedis, type TestRedis } from './redisServer'
import { roomStoreContract } from './roomStore.test'

let redis: TestRedis
const clients: Redis[] = []
let db = 0

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis.stop()
})

// Each case gets its own key prefix on the shared throw-away server.
roomStoreContract('RedisRoomStore', () => {
  const c = new Redis(redis.url, { lazyConnect: false })
  clients.push(c)
  return new RedisRoomStore(c, { nodeId: 'n1', prefix: `t${++db}:` })
})
