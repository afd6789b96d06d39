#!/usr/bin/env node
// What a cluster costs: server CPU time per delivered message with 1 node (memory store), 1 node
// on Redis, 2 and 3 nodes on Redis, all at the SAME fixed delivery rates (well below saturation,
// so neither the servers nor the generator limit them). Part of `npm run bench` (`cluster`);
// standalone: `node bench/fanout-cluster.mjs [--smoke] [--cpu-prof=<setup>[,<setup>]] [--only=<setup>[,<setup>]] [--rates=<sends/s>,…] [--batch-ms=<ms>]`
// (--only, --rates, --batch-ms (the nodes' clusterBatchMs instead of the server's default): printed and not written to the results, for a quick comparison).
//
// CPU time, not a throughput ceiling: on a shared 2-core machine the highest rate passing a p99
// limit moves with whatever else runs, while the CPU time a process spends per delivery (from
// /proc, user + system) barely does. Every server process and redis-server run pinned to core 0,
// the generators to core 1. In the cluster setups client i connects to node i % nodes, so every
// room of 10 spans all nodes and a push reaches most of its recipients through Redis (the worst
// case for the cluster); "whole rooms" puts each room on one node, so no push crosses nodes.
// All setups are up at once and sampled round-robin, so slow changes in other load hit all alike.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { benchDir, cpuMeter, freePort, round, sleep, spawnWorker, writeResult } from './lib.mjs'

const SETUPS = [
  { name: '1 node', nodes: 1, redis: false },
  { name: '1 node + Redis', nodes: 1, redis: true },
  // Two independent nodes (memory stores, each room on one of them): what splitting the same load
  // over two processes costs by itself, without Redis.
  { name: '2 separate nodes', nodes: 2, redis: false, wholeRooms: true },
  { name: '2 nodes + Redis', nodes: 2, redis: true },
  // Each room on one node (a load balancer that sends a room to one node): no push crosses nodes.
  { name: '2 nodes + Redis, whole rooms', nodes: 2, redis: true, wholeRooms: true },
  { name: '3 nodes + Redis', nodes: 3, redis: true },
]
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0
const LAG_LIMIT_MS = 100
/** Setup names from `a,b`: a comma followed by a space is part of a name ("2 nodes + Redis, whole rooms"). */
const setupNames = (list) => list?.split(/,(?! )/) ?? []

async function startRedis() {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const proc = hasTaskset ? spawn('taskset', ['-c', '0', 'redis-server', ...args], { stdio: 'ignore' }) : spawn('redis-server', args, { stdio: 'ignore' })
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => (c.end(), r(true)))
      c.once('error', () => r(false))
    })
    // taskset execs redis-server, so this pid is the one whose CPU time we read.
    if (ok) return { url: `redis://127.0.0.1:${port}`, pid: proc.pid, stop: () => proc.kill('SIGKILL') }
    await sleep(25)
  }
  throw new Error('redis-server did not start (install it with scripts/install-redis.sh)')
}

async function startSetup(setup, cfg, cpuProf) {
  const redis = setup.redis ? await startRedis() : undefined
  const extra = redis ? { redis: redis.url, nodeTtlMs: 15000, ...(cfg.batchMs !== undefined ? { clusterBatchMs: cfg.batchMs } : {}) } : {}
  const nodes = []
  for (let i = 0; i < setup.nodes; i++) {
    // --cpu-prof=<setup>[,<setup>]: node 1 of each named setup writes a V8 profile when it exits (where the time goes).
    const prof = setupNames(cpuProf).includes(setup.name) && i === 0 ? ['--cpu-prof', `--cpu-prof-dir=${cfg.profDir}`] : []
    nodes.push(await spawnWorker('servers/minirtc.mjs', { core: 0, args: [JSON.stringify(extra)], execArgv: prof, name: `${setup.name} node ${i + 1}` }))
  }
  const gen = await spawnWorker('gen/signaling.mjs', { core: 1, name: `generator (${setup.name})` })
  const connect = await gen.call('connect', { urls: nodes.map((n) => n.info.url), wholeRooms: !!setup.wholeRooms, n: cfg.n, k: cfg.k, login: true })
  return { ...setup, redisProc: redis, nodeProcs: nodes, gen, connect, samples: [] }
}

/** One sample: the generator sends at `rate`; CPU time of each process over the measured window only. */
async function sample(s, cfg, rate) {
  const run = s.gen.call('run', { rate, warmupMs: cfg.warmupMs, measureMs: cfg.measureMs, payloadBytes: 64 })
  await sleep(cfg.warmupMs)
  const meters = s.nodeProcs.map((n) => cpuMeter([n.pid]))
  const redisMeter = s.redisProc && cpuMeter([s.redisProc.pid])
  await sleep(cfg.measureMs)
  const nodeCpu = meters.map((m) => m())
  const redisCpu = redisMeter?.()
  const r = await run
  // cpuPct is % of one core over the window: µs of CPU per second; divided by deliveries per second.
  const us = (cpuPct, perSec) => (perSec ? round(((cpuPct / 100) * 1e6) / perSec) : null)
  const nodesPct = nodeCpu.reduce((a, m) => a + m.cpuPct, 0)
  const redisPct = redisCpu?.cpuPct ?? 0
  const sec = cfg.measureMs / 1000
  const x = {
    targetSendsPerSec: rate,
    sendsPerSec: r.sendsPerSec,
    deliveredPerSec: r.deliveredPerSec,
    loss: r.loss,
    replyErrors: r.replyErrors,
    latency: r.latency,
    // Total: every server process plus redis-server, per delivery of the whole setup.
    usPerDelivery: us(nodesPct + redisPct, r.deliveredPerSec),
    // Each node: its own CPU plus an equal share of Redis, per delivery to its own clients.
    perNode: nodeCpu.map((m, i) => ({ cpuPct: m.cpuPct, delivered: r.deliveredByNode[i], usPerDelivery: us(m.cpuPct + redisPct / s.nodes, r.deliveredByNode[i] / sec) })),
    redis: redisCpu ? { cpuPct: redisPct, usPerDelivery: us(redisPct, r.deliveredPerSec), usPerEvent: us(redisPct, r.sendsPerSec) } : null,
    coreBusyPct: nodeCpu[0].coreBusyPct,
    generatorCpuPct: r.generatorCpuPct,
  }
  // A sample counts when its work happened inside the measured window: with a delivery p90 over
  // LAG_LIMIT_MS (a starved core on a shared machine) a noticeable part of it ran after the CPU
  // reading (a few late deliveries shift little of the window).
  x.ok = x.loss === 0 && x.replyErrors === 0 && x.deliveredPerSec > 0 && x.latency.p90 < LAG_LIMIT_MS
  s.samples.push(x)
  const nodes = x.perNode.map((p) => `${p.cpuPct}%`).join('+')
  console.log(
    `  ${s.name.padEnd(28)} ${String(x.sendsPerSec).padStart(5)} sends/s → ${String(x.deliveredPerSec).padStart(6)} delivered/s  p50 ${x.latency.p50} p99 ${x.latency.p99} ms  loss ${x.loss}%  nodes ${nodes}${x.redis ? ` redis ${redisPct}% (${x.redis.usPerEvent} µs/event)` : ''}  → ${x.usPerDelivery} µs/delivery  cores ${x.coreBusyPct.join('/')}%${x.ok ? '' : '  LEFT OUT'}`,
  )
  return x.ok
}

const median = (a) => {
  const s = a.filter((v) => v !== null && v !== undefined).sort((x, y) => x - y)
  return s.length ? s[Math.floor(s.length / 2)] : null
}

/** Median over the rounds, per setup and rate (samples left out: loss, errors, or work lagging the window). */
function summarize(s, rates) {
  return rates.map((rate) => {
    const xs = s.samples.filter((x) => x.targetSendsPerSec === rate && x.ok)
    return {
      sendsPerSec: rate,
      samples: xs.length,
      deliveredPerSec: median(xs.map((x) => x.deliveredPerSec)),
      usPerDelivery: median(xs.map((x) => x.usPerDelivery)),
      usPerDeliveryPerNode: Array.from({ length: s.nodes }, (_, i) => median(xs.map((x) => x.perNode[i].usPerDelivery))),
      redisUsPerDelivery: s.redis ? median(xs.map((x) => x.redis.usPerDelivery)) : null,
      redisUsPerEvent: s.redis ? median(xs.map((x) => x.redis.usPerEvent)) : null,
      p50: median(xs.map((x) => x.latency.p50)),
      p99: median(xs.map((x) => x.latency.p99)),
    }
  })
}

export async function fanoutCluster({ smoke = false, cpuProf, only, rates, batchMs } = {}) {
  const cfg = smoke
    ? { n: 60, k: 10, rates: [100], rounds: 1, warmupMs: 300, measureMs: 1000 }
    : // 4000/s: the nodes busier (the fixed cost of a node's Redis round trips spread over more
      // deliveries); 3 nodes + Redis at 6000/s would take all of core 0. 5 rounds: one setup's
      // samples at one rate move by ±20 % between rounds on this VM; the median of 3 could move
      // a verdict.
      { n: 600, k: 10, rates: [500, 2000, 4000], rounds: 5, warmupMs: 800, measureMs: 2500 }
  if (rates) cfg.rates = rates
  cfg.batchMs = batchMs
  cfg.profDir = join(benchDir, '.cache', 'cpu-prof')
  if (cpuProf) mkdirSync(cfg.profDir, { recursive: true })
  // Each of the 17 workers (11 servers, 6 generators) hooks process exit to die with us.
  process.setMaxListeners(Math.max(process.getMaxListeners(), 30))
  const setups = []
  try {
    for (const setup of SETUPS) if (!only || setupNames(only).includes(setup.name)) setups.push(await startSetup(setup, cfg, cpuProf))
    await sleep(500)
    // Warm up (JIT in the servers and generators) before anything is recorded.
    for (const s of setups) await s.gen.call('run', { rate: cfg.rates.at(-1), warmupMs: smoke ? 300 : 1500, measureMs: 200, payloadBytes: 64 })
    // Round-robin: every setup at every rate once per round, the order rotating between rounds.
    for (let round = 0; round < cfg.rounds; round++)
      for (const rate of cfg.rates)
        for (let i = 0; i < setups.length; i++) {
          const s = setups[(i + round) % setups.length]
          // The machine may be shared: a sample left out is taken once more (both are kept).
          if (!(await sample(s, cfg, rate)) && !smoke) await sample(s, cfg, rate)
        }
  } finally {
    for (const s of setups) {
      await s.gen.stop()
      for (const n of s.nodeProcs) await n.stop()
      s.redisProc?.stop()
    }
  }
  const out = setups.map((s) => ({ name: s.name, nodes: s.nodes, redis: s.redis, wholeRooms: !!s.wholeRooms, connect: s.connect, rates: summarize(s, cfg.rates), samples: s.samples }))
  // The goal compares the 2-node cluster with one node (memory store) at each rate.
  const byName = Object.fromEntries(out.map((s) => [s.name, s]))
  const ratios = cfg.rates.flatMap((rate, i) => {
    if (!byName['1 node'] || !byName['2 nodes + Redis']) return []
    const one = byName['1 node'].rates[i].usPerDelivery
    const two = byName['2 nodes + Redis'].rates[i]
    // The same two processes without Redis: what splitting the load costs by itself on one core.
    const separate = byName['2 separate nodes']?.rates[i].usPerDelivery
    return {
      sendsPerSec: rate,
      deliveredPerSec: rate * (cfg.k - 1),
      oneNodeUs: one,
      twoNodesUs: two.usPerDelivery,
      ratio: one && two.usPerDelivery ? Math.round((two.usPerDelivery / one) * 100) / 100 : null,
      separateUs: separate ?? null,
      vsSeparate: separate && two.usPerDelivery ? Math.round((two.usPerDelivery / separate) * 100) / 100 : null,
      worstNodeRatio: one && two.usPerDeliveryPerNode.every(Boolean) ? Math.round((Math.max(...two.usPerDeliveryPerNode) / one) * 100) / 100 : null,
    }
  })
  if (smoke && !out.every((s) => s.samples.some((x) => x.deliveredPerSec > 0))) throw new Error('fan-out cluster smoke: a setup delivered nothing')
  return writeResult(
    'fanout-cluster',
    {
      goal: 'CPU time per delivered message, 2 nodes on Redis (both nodes + redis-server) ≤ 1.3× one node (memory store), at the same delivered rate',
      method: `${cfg.n} clients in rooms of ${cfg.k}, client i on node i % nodes (every room spans the nodes); a random client broadcasts 64-byte messages at fixed rates (${cfg.rates.join(', ')} sends/s = ${cfg.rates.map((r) => r * (cfg.k - 1)).join(', ')} deliveries/s), the same for every setup; servers and redis-server pinned to core 0, one generator per setup on core 1; all setups up at once, sampled round-robin, ${cfg.rounds} rounds of ${cfg.warmupMs / 1000} s warm-up + ${cfg.measureMs / 1000} s measured; CPU = user + system time of each process over the measured window (/proc), divided by the deliveries of the window; medians over the rounds of the samples without loss whose delivery p90 < ${LAG_LIMIT_MS} ms (else part of the work ran outside the window; such a sample is taken once more)`,
      clients: cfg.n,
      roomSize: cfg.k,
      pinned: hasTaskset,
      ratios,
      setups: out,
    },
    // A subset (of setups or rates) is a probe, not the result of record.
    { smoke: smoke || !!only || !!rates || batchMs !== undefined },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cpuProf = process.argv.find((a) => a.startsWith('--cpu-prof='))?.slice(11)
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7)
  const rates = process.argv.find((a) => a.startsWith('--rates='))?.slice(8).split(',').map(Number)
  const batchMs = process.argv.find((a) => a.startsWith('--batch-ms='))?.slice(11)
  const r = await fanoutCluster({ smoke: process.argv.includes('--smoke'), cpuProf, only, rates, batchMs: batchMs === undefined ? undefined : Number(batchMs) })
  console.log('\nCPU µs per delivery (all server processes + redis-server; per node: its own + its share of Redis), medians:')
  for (const s of r.setups)
    for (const x of s.rates)
      console.log(
        `  ${s.name.padEnd(28)} ${String(x.sendsPerSec * r.roomSize - x.sendsPerSec).padStart(6)}/s  ${x.usPerDelivery} µs  per node ${x.usPerDeliveryPerNode.join(' / ')}${s.redis ? `  redis ${x.redisUsPerDelivery} µs/delivery, ${x.redisUsPerEvent} µs/event` : ''}  p50/p99 ${x.p50}/${x.p99} ms  (${x.samples} samples)`,
      )
  for (const x of r.ratios) console.log(`2 nodes vs 1 at ${x.deliveredPerSec}/s: ${x.twoNodesUs} vs ${x.oneNodeUs} µs = ${x.ratio}× (worst node ${x.worstNodeRatio}×; goal ≤ 1.3×); vs 2 separate nodes ${x.vsSeparate ?? '—'}×`)
  if (cpuProf) console.log(`profile of "${cpuProf}" node 1: ${join(benchDir, '.cache', 'cpu-prof')}`)
  process.exit(0)
}
