// Signaling fan-out: N logged-in clients in rooms of k broadcast through the real MiniRTC server
// (one process, core 0) from a lean generator (another process, core 1); the same generator
// against a raw `ws` relay of the same run is the ceiling. For each, a short bounded search finds
// the highest send rate whose delivery p99 stays under 50 ms with no loss.
import { cpuMeter, round, sleep, spawnWorker, writeResult } from './lib.mjs'

const P99_LIMIT_MS = 50

async function measureServer(kind, cfg, search) {
  const server = await spawnWorker(kind === 'raw' ? 'servers/raw-ws.mjs' : 'servers/minirtc.mjs', { core: 0, name: `${kind} server` })
  const gen = await spawnWorker('gen/signaling.mjs', { core: 1, name: 'fan-out generator' })
  try {
    const conn = await gen.call('connect', { url: server.info.url, n: cfg.n, k: cfg.k, login: true })
    await sleep(500)
    const steps = []
    const sample = async (rate) => {
      const meter = cpuMeter([server.pid])
      const r = await gen.call('run', { rate, warmupMs: search.warmupMs, measureMs: search.measureMs, payloadBytes: 64 })
      const m = meter()
      const ok = r.latency.n > 0 && r.latency.p99 < P99_LIMIT_MS && r.loss === 0 && r.replyErrors === 0
      // Server CPU time per delivered message: less sensitive to other load than the latency tail.
      const usPerDelivery = r.deliveredPerSec ? round((m.cpuPct / 100) * 1e6 / r.deliveredPerSec) : null
      const s = { targetSendsPerSec: rate, ...r, server: { ...m, usPerDelivery }, ok }
      steps.push(s)
      console.log(
        `  fan-out ${cfg.n}×${cfg.k} ${kind.padEnd(7)} ${String(r.sendsPerSec).padStart(6)} sends/s → ${String(r.deliveredPerSec).padStart(6)} delivered/s  p50 ${r.latency.p50} p99 ${r.latency.p99} ms  loss ${r.loss}%  server ${m.cpuPct}% (${usPerDelivery} µs/msg) ${m.rssMB} MB  gen ${r.generatorCpuPct}%  cores ${m.coreBusyPct.join('/')}%  ${ok ? 'ok' : 'MISS'}`,
      )
      // Let an overloaded server drain its backlog before the next step.
      if (!ok) s.drainMs = (await gen.call('quiet', { quietMs: 500, maxMs: 30000 })).waitedMs
      return ok
    }
    // The machine may be shared: a miss is sampled once more before it counts (both recorded).
    const step = async (deliveries) => {
      const rate = Math.max(1, Math.round(deliveries / (cfg.k - 1)))
      return (await sample(rate)) || (search.retry && (await sample(rate)))
    }
    // Grow ×1.5 from the start rate until a miss (bounded), then bisect twice.
    let lo = 0
    let hi = 0
    let d = search.start
    for (let i = 0; i < search.maxGrow; i++) {
      if (await step(d)) lo = d
      else {
        hi = d
        break
      }
      d = Math.round(d * 1.5)
    }
    if (lo === 0 && hi > 0) {
      // Missed at the start rate: go down instead.
      for (let x = hi / 2; x >= search.start / 16 && lo === 0; x /= 2) if (await step(Math.round(x))) lo = Math.round(x)
    } else if (hi > 0) {
      for (let i = 0; i < search.bisect; i++) {
        const mid = Math.round((lo + hi) / 2)
        if (await step(mid)) lo = mid
        else hi = mid
      }
    }
    const best = steps.filter((s) => s.ok).sort((a, b) => b.deliveredPerSec - a.deliveredPerSec)[0] ?? null
    const status = await gen.call('status')
    // Median server CPU cost per delivered message over the steps without loss.
    const costs = steps.filter((s) => s.loss === 0 && s.server.usPerDelivery).map((s) => s.server.usPerDelivery).sort((a, b) => a - b)
    const usPerDelivery = costs.length ? costs[Math.floor(costs.length / 2)] : null
    return { connect: conn, best, usPerDelivery, steps, generatorStatus: status, ceilingReached: hi > 0 }
  } finally {
    await gen.stop()
    await server.stop()
  }
}

export async function fanout({ smoke = false } = {}) {
  const configs = smoke ? [{ n: 40, k: 10 }] : [{ n: 2000, k: 10 }, { n: 10000, k: 100 }]
  const search = smoke
    ? { start: 200, maxGrow: 1, bisect: 0, warmupMs: 300, measureMs: 1000, retry: false }
    : { start: 16000, maxGrow: 6, bisect: 2, warmupMs: 1000, measureMs: 4000, retry: true }
  const rows = []
  for (const cfg of configs) {
    const raw = await measureServer('raw', cfg, search)
    const minirtc = await measureServer('minirtc', cfg, search)
    const ratio = raw.best && minirtc.best ? Math.round((minirtc.best.deliveredPerSec / raw.best.deliveredPerSec) * 100) / 100 : null
    const cpuCostRatio = raw.usPerDelivery && minirtc.usPerDelivery ? Math.round((minirtc.usPerDelivery / raw.usPerDelivery) * 100) / 100 : null
    rows.push({ ...cfg, minirtc, raw, ratio, cpuCostRatio })
    if (smoke) {
      for (const [k, r] of Object.entries({ minirtc, raw }))
        if (!r.steps.some((s) => s.delivered > 0)) throw new Error(`fan-out smoke: nothing delivered through the ${k} server`)
    }
  }
  return writeResult(
    'signaling-fanout',
    {
      goal: 'MiniRTC delivered messages/s at p99 < 50 ms ≥ 0.7× the raw ws relay of the same run',
      method:
        'server process pinned to core 0, generator process to core 1; broadcasts of 64-byte messages, each step 1 s warm-up + 4 s sample; ok = p99 < 50 ms, 0 loss, 0 error replies; the rate grows ×1.5 from 16k deliveries/s until a miss, then two bisection steps; a missed step is sampled once more (the machine may be shared) and both samples are kept; coreBusyPct shows how busy each core was, including other processes',
      rows,
    },
    { smoke },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await fanout({ smoke: process.argv.includes('--smoke') })
  console.log(JSON.stringify(r.rows.map((x) => ({ n: x.n, k: x.k, minirtc: x.minirtc.best?.deliveredPerSec, raw: x.raw.best?.deliveredPerSec, ratio: x.ratio }))))
}
