// Signaling fan-out: N logged-in clients in rooms of k broadcast through the real MiniRTC server
// (one process, core 0) from a lean generator (another process, core 1); the same generator
// against a raw `ws` relay of the same run is the ceiling. A short bounded search finds, for each,
// the highest send rate whose delivery p99 stays under 50 ms with no loss. Both servers are up at
// once and sampled back to back at each rate, so slow changes in other load on the machine hit
// both alike.
import { mkdirSync } from 'node:fs'
import { cpuMeter, round, searchRates, spawnWorker, withPairs, writeResult } from './lib.mjs'

const P99_LIMIT_MS = 50

async function startPair(kind, cfg, execArgv = []) {
  const server = await spawnWorker(kind === 'raw' ? 'servers/raw-ws.mjs' : 'servers/minirtc.mjs', { core: 0, execArgv, name: `${kind} server` })
  const gen = await spawnWorker('gen/signaling.mjs', { core: 1, name: `fan-out generator (${kind})` })
  const connect = await gen.call('connect', { url: server.info.url, n: cfg.n, k: cfg.k, login: true })
  return { kind, server, gen, connect, steps: [], lo: 0, hi: 0 }
}

async function sample(p, cfg, rate, search) {
  if (search.profileDir) await p.server.call('profileStart')
  const meter = cpuMeter([p.server.pid])
  const r = await p.gen.call('run', { rate, warmupMs: search.warmupMs, measureMs: search.measureMs, payloadBytes: 64 })
  const m = meter()
  if (search.profileDir) console.log('  profile', await p.server.call('profileStop', { path: `${search.profileDir}/${p.kind}-${cfg.n}x${cfg.k}-${rate}.cpuprofile` }))
  const ok = r.latency.n > 0 && r.latency.p99 < P99_LIMIT_MS && r.loss === 0 && r.replyErrors === 0
  // Server CPU time per delivered message: less sensitive to other load than the latency tail.
  const usPerDelivery = r.deliveredPerSec ? round(((m.cpuPct / 100) * 1e6) / r.deliveredPerSec) : null
  const s = { targetSendsPerSec: rate, ...r, server: { ...m, usPerDelivery }, ok }
  p.steps.push(s)
  console.log(
    `  fan-out ${cfg.n}×${cfg.k} ${p.kind.padEnd(7)} ${String(r.sendsPerSec).padStart(6)} sends/s → ${String(r.deliveredPerSec).padStart(6)} delivered/s  p50 ${r.latency.p50} p99 ${r.latency.p99} ms  loss ${r.loss}%  server ${m.cpuPct}% (${usPerDelivery} µs/msg) ${m.rssMB} MB  gen ${r.generatorCpuPct}%  cores ${m.coreBusyPct.join('/')}%  ${ok ? 'ok' : 'MISS'}`,
  )
  // Let an overloaded server drain its backlog before the next sample.
  if (!ok) s.drainMs = (await p.gen.call('quiet', { quietMs: 500, maxMs: 30000 })).waitedMs
  return ok
}

function summarizePair(p) {
  const best = p.steps.filter((s) => s.ok).sort((a, b) => b.deliveredPerSec - a.deliveredPerSec)[0] ?? null
  // Median server CPU cost per delivered message over the samples without loss.
  const costs = p.steps.filter((s) => s.loss === 0 && s.server.usPerDelivery).map((s) => s.server.usPerDelivery).sort((a, b) => a - b)
  return { connect: p.connect, best, usPerDelivery: costs.length ? costs[Math.floor(costs.length / 2)] : null, steps: p.steps, ceilingReached: p.hi > 0 }
}

/**
 * `configs`, `rates` and `serverArgv` are for iterating on the server (CLI: --config=10000x100,
 * --rates=45000,91000 samples those delivery rates once each instead of searching,
 * --server-argv='--max-semi-space-size=…' for the MiniRTC server, --profile=dir writes a CPU profile of
 * each server per sample); such runs write nothing.
 */
export async function fanout({ smoke = false, configs: only, rates, serverArgv = [], profileDir } = {}) {
  const configs = only ?? (smoke ? [{ n: 40, k: 10 }] : [{ n: 2000, k: 10 }, { n: 10000, k: 100 }])
  const search = smoke
    ? { start: 200, maxGrow: 1, bisect: 0, warmupMs: 300, measureMs: 1000, retry: false }
    : { start: 12000, maxGrow: 6, bisect: 2, warmupMs: 1000, measureMs: 3000, retry: true }
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true })
    search.profileDir = profileDir
  }
  const rows = []
  for (const cfg of configs) {
    const pairs = await withPairs(
      (kind) => startPair(kind, cfg, kind === 'minirtc' ? serverArgv : []),
      async (pairs) => {
        for (const d of rates ?? []) for (const p of pairs) await sample(p, cfg, Math.max(1, Math.round(d / (cfg.k - 1))), search)
        // Searched in deliveries/s; each server's send rate is that over the k − 1 recipients.
        if (!rates) await searchRates(pairs, search, (p, deliveries) => sample(p, cfg, Math.max(1, Math.round(deliveries / (cfg.k - 1))), search))
      },
    )
    const [raw, minirtc] = pairs.map(summarizePair)
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
      method: `server processes pinned to core 0, one generator process per server on core 1, both servers up at once and sampled back to back at each rate; broadcasts of 64-byte messages; each sample ${search.warmupMs / 1000} s warm-up + ${search.measureMs / 1000} s measured; ok = p99 < 50 ms, 0 loss, 0 error replies; the rate grows ×1.5 from ${search.start / 1000}k deliveries/s until a miss, then two bisection steps; a missed rate is sampled once more (the machine may be shared) and both samples are kept; coreBusyPct shows how busy each core was, other processes included`,
      rows,
    },
    { smoke: smoke || only !== undefined || rates !== undefined },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (k) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3)
  const r = await fanout({
    smoke: process.argv.includes('--smoke'),
    ...(arg('config') ? { configs: arg('config').split(',').map((c) => ({ n: Number(c.split('x')[0]), k: Number(c.split('x')[1]) })) } : {}),
    ...(arg('rates') ? { rates: arg('rates').split(',').map(Number) } : {}),
    ...(arg('server-argv') ? { serverArgv: arg('server-argv').split(' ') } : {}),
    profileDir: arg('profile'),
  })
  console.log(JSON.stringify(r.rows.map((x) => ({ n: x.n, k: x.k, minirtc: x.minirtc.best?.deliveredPerSec, raw: x.raw.best?.deliveredPerSec, ratio: x.ratio, cpu: x.cpuCostRatio }))))
}
