// Small helpers shared by the benchmarks: statistics, result files, machine description.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results')

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  const mean = s.reduce((a, b) => a + b, 0) / s.length
  return { n: s.length, mean: round(mean), p50: round(q(0.5)), p90: round(q(0.9)), min: round(s[0]), max: round(s[s.length - 1]) }
}

export const round = (x) => Math.round(x * 10) / 10

export function machine() {
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg().map(round) }
}

/** The commit measured, and which packages had uncommitted changes (the bench runs their dist builds). */
export function sourceInfo() {
  const git = (...a) => spawnSync('git', a, { cwd: benchDir, encoding: 'utf8' }).stdout?.trim() ?? ''
  const dirty = new Set()
  for (const l of git('status', '--porcelain', '--', '../packages').split('\n')) {
    const m = /packages\/([^/]+)\//.exec(l)
    if (m) dirty.add(m[1])
  }
  return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedPackages: [...dirty].sort() }
}

/** Write `results/<name>.json` (unless a smoke run) and return the data. */
export function writeResult(name, data, { smoke = false } = {}) {
  const out = { name, date: new Date().toISOString(), machine: machine(), source: sourceInfo(), smoke, ...data }
  if (!smoke) {
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(out, null, 2) + '\n')
  }
  return out
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---- child processes: servers on core 0, load generators on core 1 -------------------------

import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

export const benchDir = dirname(fileURLToPath(import.meta.url))
/** The app every bench server knows (tokens are minted with it). */
export const APP = { appId: 'bench', secret: 'bench-secret-0123456789abcdef' }
/** Rate limits raised for load generation (the defaults are per-client abuse limits). */
export const BENCH_RATE_LIMIT = { messagesPerSecond: 5000, burst: 5000, maxBadFrames: 100000, connectionsPerMinute: 10_000_000 }

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/**
 * Start `node <script>` pinned to `core` (taskset, which execs, so the pid is node's) with an IPC
 * channel. Resolves with the child once it sent `{ ready: ... }`; `call()` sends a command and
 * awaits the matching reply. The child dies with us.
 */
export function spawnWorker(script, { core, args = [], execArgv = [], name = script, timeoutMs = 20000 } = {}) {
  const cmd = hasTaskset && core !== undefined ? 'taskset' : process.execPath
  const argv = [...(cmd === 'taskset' ? ['-c', String(core), process.execPath] : []), ...execArgv, join(benchDir, script), ...args]
  const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let seq = 0
  const waiting = new Map()
  let exited = null
  child.on('message', (m) => {
    const w = m && waiting.get(m.id)
    if (!w) return
    waiting.delete(m.id)
    if (m.error) w.reject(new Error(`${name}: ${m.error}`))
    else w.resolve(m.result)
  })
  child.on('exit', (code, signal) => {
    exited = { code, signal }
    for (const w of waiting.values()) w.reject(new Error(`${name} exited (${signal ?? code}) during a command`))
    waiting.clear()
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const worker = {
    child,
    pid: child.pid,
    call(cmd, params = {}, callTimeoutMs = 600_000) {
      if (exited) return Promise.reject(new Error(`${name} already exited (${exited.signal ?? exited.code})`))
      const id = ++seq
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiting.delete(id)
          reject(new Error(`${name}: ${cmd} timed out after ${callTimeoutMs} ms`))
        }, callTimeoutMs)
        waiting.set(id, {
          resolve: (r) => (clearTimeout(t), resolve(r)),
          reject: (e) => (clearTimeout(t), reject(e)),
        })
        child.send({ id, cmd, params })
      })
    },
    async stop() {
      process.off('exit', killOnExit)
      if (exited) return
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await gone
      clearTimeout(t)
    },
  }
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} not ready within ${timeoutMs} ms`)), timeoutMs)
    child.once('exit', (code, signal) => reject(new Error(`${name} exited before ready (${signal ?? code})`)))
    child.once('error', reject)
    child.on('message', function onReady(m) {
      if (!m || !m.ready) return
      child.off('message', onReady)
      clearTimeout(t)
      worker.info = m.ready
      resolve(worker)
    })
  })
}

/**
 * Pin this process (all its threads) to `cores` (`'1'`) while `fn` runs, then restore its
 * affinity; without taskset, just run `fn`.
 */
export async function pinnedSelf(cores, fn) {
  if (!hasTaskset) return fn()
  const before = spawnSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' }).stdout.split(':').pop().trim()
  spawnSync('taskset', ['-a', '-pc', cores, String(process.pid)])
  try {
    return await fn()
  } finally {
    spawnSync('taskset', ['-a', '-pc', before, String(process.pid)])
  }
}

/**
 * A side-by-side comparison's lifecycle: start the raw anchor and MiniRTC (or `kinds`; `start(kind)`
 * gives `{ server, gen, ... }`), let them settle, run `fn(pairs)`, and stop all whatever happens.
 */
export async function withPairs(start, fn, kinds = ['raw', 'minirtc']) {
  const pairs = []
  try {
    for (const kind of kinds) pairs.push(await start(kind))
    await sleep(500)
    await fn(pairs)
  } finally {
    for (const p of pairs) {
      await p.gen.stop()
      await p.server.stop()
    }
  }
  return pairs
}

/**
 * Handlers every bench server answers besides its own: a CPU profile of what follows
 * `profileStart` until `profileStop` writes it to `path` (.cpuprofile); its CPU time (`cpu`).
 */
export function profilerHandlers() {
  let profiler
  return {
    async profileStart() {
      const { Session } = await import('node:inspector/promises')
      profiler = new Session()
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    },
    /** This process's CPU time (µs, user + system) so far: a caller takes the difference. */
    cpu() {
      const c = process.cpuUsage()
      return c.user + c.system
    },
    async profileStop({ path }) {
      const { profile } = await profiler.post('Profiler.stop')
      writeFileSync(path, JSON.stringify(profile))
      profiler.disconnect()
      return path
    },
  }
}

/** In a worker: answer `call()`s with `handlers[cmd](params)`, then announce `ready`. */
export function serveWorker(handlers, ready = {}) {
  process.on('message', async (m) => {
    if (!m || typeof m.id !== 'number') return
    try {
      const h = handlers[m.cmd]
      if (!h) throw new Error(`unknown command ${m.cmd}`)
      process.send({ id: m.id, result: (await h(m.params)) ?? null })
    } catch (e) {
      process.send({ id: m.id, error: e instanceof Error ? e.stack || e.message : String(e) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
  process.send({ ready })
}

/** CPU ticks (user, system) and RSS of a process, from /proc. */
/**
 * A server worker's memory once its heap settled (`mem` of the bench's servers): three full GCs
 * 200 ms apart, as a long-running process's idle GCs would. One forced GC right after a connect
 * storm left the heap committed but unused by a varying amount (MiniRTC at 19,000 clients: 200 to
 * 222 MB RSS over five runs of the same build, heap used 80.5 MB each time).
 */
export async function settledMemory() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await sleep(200)
  }
  const m = process.memoryUsage()
  return { rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20, heapTotalMB: m.heapTotal / 2 ** 20, externalMB: m.external / 2 ** 20, gc: typeof globalThis.gc === 'function' }
}

export function procStat(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { user: Number(f[11]), system: Number(f[12]), rssBytes: Number(f[21]) * 4096 }
}

/** Child pids of a process (nginx master → worker). */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** Busy and total jiffies per core, from /proc/stat. */
export function coreTimes() {
  const out = []
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line)
    if (!m) continue
    const v = m[2].trim().split(/\s+/).map(Number)
    const idle = v[3] + (v[4] ?? 0)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
    out[Number(m[1])] = { busy: total - idle, total }
  }
  return out
}

/** Busy % of each core between two coreTimes() readings. */
export function coreBusy(a, b) {
  return b.map((x, i) => round(((x.busy - a[i].busy) / Math.max(1, x.total - a[i].total)) * 100))
}

/**
 * CPU use of some processes between start() and stop(), as % of one core, their RSS at stop, and
 * how busy each core was meanwhile (whatever else runs on the machine shows up there).
 */
export function cpuMeter(pids) {
  const read = () => pids.map((p) => procStat(p))
  const t0 = performance.now()
  const c0 = coreTimes()
  const a = read()
  return () => {
    const b = read()
    const cores = coreBusy(c0, coreTimes())
    const sec = (performance.now() - t0) / 1000
    let user = 0
    let system = 0
    let rss = 0
    for (let i = 0; i < b.length; i++) {
      user += b[i].user - a[i].user
      system += b[i].system - a[i].system
      rss += b[i].rssBytes
    }
    const pct = (ticks) => round((ticks / CLK_TCK / sec) * 100)
    return { cpuPct: pct(user + system), userPct: pct(user), systemPct: pct(system), rssMB: round(rss / 2 ** 20), coreBusyPct: cores }
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

/** Percentiles of latency samples (ms); sorts in place. */
export function percentiles(samples) {
  if (samples.length === 0) return { n: 0, p50: null, p99: null, max: null }
  samples.sort((a, b) => a - b)
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]
  return { n: samples.length, p50: round(q(0.5)), p90: round(q(0.9)), p99: round(q(0.99)), max: round(samples[samples.length - 1]) }
}

/**
 * The bounded search of the load benchmarks (fan-out, stream storm): the highest rate each server
 * passes at. `pairs` are sampled side by side (each gets `lo`, the best rate passed, and `hi`, the
 * lowest missed; 0 = none yet). Ladder ×1.5 from `search.start`, every server at each rung
 * (alternating who goes first, so slow changes in other load hit both alike) until each has
 * missed; a server that missed the start rate halves down instead (bounded); then
 * `search.bisect` bisection steps each, interleaved. The machine may be shared, so with
 * `search.retry` a missed rate is sampled once more. `sampleAt(pair, rate)` → ok.
 */
export async function searchRates(pairs, search, sampleAt) {
  const step = async (p, x) => {
    const ok = (await sampleAt(p, x)) || (search.retry && (await sampleAt(p, x)))
    if (ok) p.lo = Math.max(p.lo, x)
    else p.hi = p.hi ? Math.min(p.hi, x) : x
  }
  let d = search.start
  for (let i = 0; i < search.maxGrow && pairs.some((p) => !p.hi); i++) {
    for (const p of i % 2 ? [...pairs].reverse() : pairs) if (!p.hi) await step(p, d)
    d = Math.round(d * 1.5)
  }
  for (const p of pairs) for (let x = search.start / 2; p.lo === 0 && p.hi > 0 && x >= search.start / 16; x /= 2) await step(p, Math.round(x))
  for (let i = 0; i < search.bisect; i++)
    for (const p of i % 2 ? [...pairs].reverse() : pairs) if (p.lo > 0 && p.hi > 0) await step(p, Math.round((p.lo + p.hi) / 2))
}
