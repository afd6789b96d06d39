// The real MiniRTC server in its own process (the bench pins it to one core). argv[2]: JSON of
// extra startServer options (e.g. `media: { kind: 'nginx', ... }`). Commands: `mem` (after a GC).
import { startServer } from '@minirtc/server'
import { APP, BENCH_RATE_LIMIT, serveWorker } from '../lib.mjs'

const extra = JSON.parse(process.argv[2] ?? '{}')
const srv = await startServer({
  host: '127.0.0.1',
  port: 0,
  rtmpPort: 0,
  flvPort: 0,
  apps: [APP],
  logger: { level: 'silent' },
  rateLimit: BENCH_RATE_LIMIT,
  ...extra,
})

serveWorker(
  {
    mem() {
      globalThis.gc?.()
      const m = process.memoryUsage()
      return { rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20, gc: typeof globalThis.gc === 'function' }
    },
    async close() {
      await srv.close()
    },
  },
  { url: srv.url, rtmpUrl: srv.rtmpUrl, flvUrl: srv.flvUrl, httpUrl: srv.httpUrl },
)
