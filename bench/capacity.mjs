// Connection capacity: idle clients one server process holds, each pinging every
// heartbeatIntervalMs. MiniRTC (logged in, rooms of 10) against a raw `ws` server holding the same
// number of bare connections, same run. The server holds every socket (one process, core 0); the
// generators split them across processes (core 1) because of the 20,000 open-file limit.
import { cpuMeter, round, sleep, spawnWorker, writeResult } from './lib.mjs'

const PER_GENERATOR = 9500

async function hold(kind, n, { holdMs, roomSize, snapshot }) {
  const server = await spawnWorker(kind === 'raw' ? 'servers/raw-ws.mjs' : 'servers/minirtc.mjs', {
    core: 0,
    execArgv: ['--expose-gc'],
    name: `${kind} server`,
  })
  const gens = []
  try {
    await sleep(300)
    const before = await server.call('mem')
    const parts = Math.ceil(n / PER_GENERATOR)
    for (let p = 0; p < parts; p++) gens.push(await spawnWorker('gen/signaling.mjs', { core: 1, name: `capacity generator ${p}` }))
    const t0 = performance.now()
    const per = Math.ceil(n / parts)
    const conns = await Promise.all(
      gens.map((g, p) => g.call('connect', { url: server.info.url, n: Math.min(per, n - p * per), k: roomSize, offset: p * per, login: kind !== 'raw' })),
    )
    const connectSec = (performance.now() - t0) / 1000
    // Hold through at least one full heartbeat round (every client pings once per interval).
    const meter = cpuMeter([server.pid])
    await sleep(holdMs)
    const cpu = meter()
    const after = await server.call('mem')
    if (snapshot) console.log('  heap snapshot', await server.call('heapSnapshot', { path: snapshot.replace(/(\.heapsnapshot)?$/, `-${kind}.heapsnapshot`) }))
    const status = await Promise.all(gens.map((g) => g.call('status')))
    const open = status.reduce((a, s) => a + s.open, 0)
    const closed = status.reduce((a, s) => a + s.closed, 0)
    const pings = status.reduce((a, s) => a + s.pingsSent, 0)
    const pongs = status.reduce((a, s) => a + s.pongs, 0)
    const r = {
      connections: n,
      open,
      closed,
      closeCodes: status.map((s) => s.closeCodes),
      replyErrors: status.reduce((a, s) => a + s.replyErrors, 0),
      pingsSent: pings,
      pongs,
      connectSeconds: round(connectSec),
      connectPerSecond: Math.round(conns.reduce((a, c) => a + c.connected, 0) / connectSec),
      baselineRssMB: round(before.rssMB),
      rssMB: round(after.rssMB),
      heapUsedMB: round(after.heapUsedMB),
      rssPerConnKB: round((after.rssMB * 1024) / n),
      marginalRssPerConnKB: round(((after.rssMB - before.rssMB) * 1024) / n),
      heapPerConnKB: round(((after.heapUsedMB - before.heapUsedMB) * 1024) / n),
      holdCpuPct: cpu.cpuPct,
      gcBeforeMeasure: after.gc,
    }
    console.log(
      `  capacity ${kind.padEnd(7)} ${open}/${n} open, ${closed} closed  RSS ${r.rssMB} MB (${r.rssPerConnKB} KB/conn, marginal ${r.marginalRssPerConnKB}), heap ${r.heapUsedMB}/${round(after.heapTotalMB)} MB, external ${round(after.externalMB)} MB  connect ${r.connectPerSecond}/s  hold CPU ${r.holdCpuPct}%  pongs ${pongs}/${pings}`,
    )
    return r
  } finally {
    await Promise.all(gens.map((g) => g.stop()))
    await server.stop()
  }
}

export async function capacity({ smoke = false, n = smoke ? 200 : 19000, only, snapshot } = {}) {
  const opts = { holdMs: smoke ? 1500 : 12000, roomSize: 10, snapshot }
  // --only=minirtc|raw or --n (iterating): prints the figures, writes nothing.
  if (only) return { [only]: await hold(only, n, opts) }
  const raw = await hold('raw', n, opts)
  const minirtc = await hold('minirtc', n, opts)
  if (minirtc.open !== n || raw.open !== n) {
    const msg = `capacity: MiniRTC held ${minirtc.open}/${n}, raw ${raw.open}/${n}`
    if (smoke) throw new Error(msg)
    console.log('  ' + msg)
  }
  return writeResult(
    'connection-capacity',
    {
      goal: '19,000 logged-in clients with RSS ≤ 1.25× the raw ws server holding the same number of bare connections',
      method: `server pinned to core 0 (RSS after three full GCs 200 ms apart: settledMemory), ${Math.ceil(n / PER_GENERATOR)} generator process(es) on core 1; MiniRTC clients log in (rooms of ${opts.roomSize}); every client pings once per heartbeat interval (10 s) during a ${opts.holdMs / 1000} s hold`,
      minirtc,
      raw,
      rssRatio: Math.round((minirtc.rssMB / raw.rssMB) * 100) / 100,
    },
    { smoke: smoke || n !== 19000 },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (k) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1]
  const r = await capacity({ smoke: process.argv.includes('--smoke'), ...(arg('n') ? { n: Number(arg('n')) } : {}), only: arg('only'), snapshot: arg('snapshot') })
  if (r.rssRatio) console.log('RSS ratio', r.rssRatio)
}
