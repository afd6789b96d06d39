#!/usr/bin/env node
// Interleaved A/B of two builds of the MiniRTC server, with the raw `ws` relay as the yardstick: is
// a change cheaper per delivered message, beyond this machine's noise? One sample of one server
// moves by ±15 % on a shared VM, more than most changes save, so a single `fanout.mjs` run cannot
// tell. Here the base build, the current build and the raw relay are up at once (each with its own
// generator, same clients and rooms) and sampled in turn, round after round, in alternating order;
// it prints every round and the medians. Writes nothing.
//
//   node bench/ab.mjs --base=packages/server/dist-base [--config=2000x10] [--rates=13500,40500] [--rounds=10] [--measure-ms=4000]
//
// --base: a built @minirtc/server `dist` of the version to compare with, inside packages/server so
// that it resolves the same dependencies (`dist-base` is git-ignored):
//   git stash && pnpm --filter @minirtc/server build && cp -r packages/server/dist packages/server/dist-base
//   git stash pop && pnpm --filter @minirtc/server build
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuMeter, round, spawnWorker, withPairs } from './lib.mjs'

const ratio = (a, b) => (a / b).toFixed(2)

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    config: { type: 'string', default: '2000x10' },
    rates: { type: 'string', default: '13500,40500' },
    rounds: { type: 'string', default: '10' },
    'measure-ms': { type: 'string', default: '4000' },
  },
})
if (!values.base) throw new Error('--base=<dir of a built @minirtc/server dist> is required (see the header of bench/ab.mjs)')
const [n, k] = values.config.split('x').map(Number)
const rates = values.rates.split(',').map(Number)
const rounds = Number(values.rounds)
const measureMs = Number(values['measure-ms'])
const baseModule = resolve(values.base, 'index.js')

const KINDS = ['raw', 'base', 'current']

async function start(kind) {
  // servers/minirtc.mjs imports MINIRTC_BENCH_SERVER instead of @minirtc/server when it is set.
  process.env.MINIRTC_BENCH_SERVER = kind === 'base' ? baseModule : ''
  const server = await spawnWorker(kind === 'raw' ? 'servers/raw-ws.mjs' : 'servers/minirtc.mjs', { core: 0, name: `${kind} server` })
  const gen = await spawnWorker('gen/signaling.mjs', { core: 1, name: `generator (${kind})` })
  await gen.call('connect', { url: server.info.url, n, k, login: true })
  return { kind, server, gen, us: new Map(rates.map((d) => [d, []])) }
}

/** µs of server CPU per delivered message over one measured window at `deliveries`/s. */
async function sample(p, deliveries) {
  const run = p.gen.call('run', { rate: Math.round(deliveries / (k - 1)), warmupMs: 1000, measureMs, payloadBytes: 64 })
  await new Promise((r) => setTimeout(r, 1000))
  const meter = cpuMeter([p.server.pid])
  const r = await run
  const cpu = meter()
  if (r.loss > 0 || !r.deliveredPerSec) throw new Error(`${p.kind}: ${r.loss}% lost at ${deliveries}/s; lower --rates`)
  return ((cpu.cpuPct / 100) * 1e6) / r.deliveredPerSec
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]

await withPairs(
  (kind) => start(kind),
  async (pairs) => {
    for (const d of rates) for (const p of pairs) await p.gen.call('run', { rate: Math.round(d / (k - 1)), warmupMs: 500, measureMs: 1000, payloadBytes: 64 })
    for (let i = 0; i < rounds; i++)
      for (const d of rates) {
        for (const p of i % 2 ? pairs.toReversed() : pairs) p.us.get(d).push(await sample(p, d))
        const [raw, base, current] = pairs.map((p) => p.us.get(d).at(-1))
        console.log(`round ${i + 1} ${d}/s: µs per delivery raw ${round(raw)} base ${round(base)} current ${round(current)}  current/base ${ratio(current, base)}`)
      }
    console.log(`\nmedians over ${rounds} rounds, ${n} clients in rooms of ${k}:`)
    for (const d of rates) {
      const [raw, base, current] = pairs.map((p) => median(p.us.get(d)))
      const cheaper = pairs[2].us.get(d).filter((x, i) => x < pairs[1].us.get(d)[i]).length
      console.log(
        `  ${d}/s: raw ${round(raw)}, base ${round(base)}, current ${round(current)} µs; base/raw ${ratio(base, raw)}, current/raw ${ratio(current, raw)}, current/base ${ratio(current, base)} (current cheaper in ${cheaper} of ${rounds} rounds)`,
      )
    }
  },
  KINDS,
)
