// The real MiniRTC server in its own process (the bench pins it to one core). argv[2]: JSON of
// extra startServer options (e.g. `media: { kind: 'nginx', ... }`). Commands: `mem` (after the heap settled),
// `leaks` (what a soak checks is back to idle), `close`.
import { readdirSync } from 'node:fs'
import { APP, BENCH_RATE_LIMIT, profilerHandlers, serveWorker, settledMemory } from '../lib.mjs'

// Soak: count live timers (unref'd ones too, which getActiveResourcesInfo() leaves out), so a
// timer a session forgot to clear shows up. Installed before the server module is loaded.
const liveTimers = new Set()
if (process.env.MINIRTC_BENCH_COUNT_TIMERS === '1') {
  const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci } = globalThis
  globalThis.setTimeout = (fn, ms, ...a) => {
    const t = st((...b) => {
      liveTimers.delete(t)
      fn(...b)
    }, ms, ...a)
    liveTimers.add(t)
    return t
  }
  globalThis.setInterval = (fn, ms, ...a) => {
    const t = si(fn, ms, ...a)
    liveTimers.add(t)
    return t
  }
  globalThis.clearTimeout = (t) => {
    liveTimers.delete(t)
    ct(t)
  }
  globalThis.clearInterval = (t) => {
    liveTimers.delete(t)
    ci(t)
  }
}
// MINIRTC_BENCH_SERVER: another build's dist/index.js (ab.mjs compares two builds).
const { startServer } = await import(process.env.MINIRTC_BENCH_SERVER || '@minirtc/server')

const extra = JSON.parse(process.argv[2] ?? '{}')
const srv = await startServer({
  host: '127.0.0.1',
  port: 0,
  rtmpPort: 0,
  flvPort: 0,
  apps: [APP],
  logger: { level: 'silent' },
  rateLimit: BENCH_RATE_LIMIT,
  // Every benchmark client comes from 127.0.0.1, as a whole NAT or load balancer would: the
  // per-address cap (256 by default) is raised the way such a deployment raises it.
  maxConnectionsPerAddress: 1_000_000,
  ...extra,
})

serveWorker(
  {
    ...profilerHandlers(),
    mem: settledMemory,
    /** File descriptors, live timers and handles by type, and memory once the heap settled. */
    async leaks() {
      const memory = await settledMemory()
      const resources = {}
      for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1
      return { ...memory, fds: readdirSync('/proc/self/fd').length, timers: liveTimers.size, resources }
    },
    /** A heap snapshot to `path` (leak hunting: compare a fresh one with one after a soak). */
    async heapSnapshot({ path }) {
      globalThis.gc?.()
      const { writeHeapSnapshot } = await import('node:v8')
      return writeHeapSnapshot(path)
    },
    async close() {
      await srv.close()
    },
  },
  { url: srv.url, rtmpUrl: srv.rtmpUrl, flvUrl: srv.flvUrl, httpUrl: srv.httpUrl },
)
// A normal exit on SIGTERM (how the bench stops workers), so --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0))
