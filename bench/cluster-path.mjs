#!/usr/bin/env node
// The node's cluster path alone: N processes, each one RedisCluster (packages/server/src, bundled
// here with esbuild) on a real redis-server, publishing numbered broadcasts at a fixed rate and
// receiving the others'. Prints each process's CPU time (process.cpuUsage) per second and per
// event it handles, and the commands Redis ran (INFO commandstats): what a node spends on Redis
// round trips, without WebSockets, rooms or clients. Not part of `npm run bench` (a probe).
// `node bench/cluster-path.mjs [--nodes=2] [--rate=1000] [--seconds=6] [--batch-ms=20]` (rate: events/s per node;
// every process and redis-server pinned to core 0 when taskset exists, as in fanout-cluster.mjs).
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { build } from 'esbuild'
import { benchDir, freePort, sleep } from './lib.mjs'

const arg = (k, d) => Number(process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d)
const nodes = arg('nodes', 2)
const rate = arg('rate', 1000)
const seconds = arg('seconds', 6)
// The server's default clusterBatchMs.
const batchMs = arg('batch-ms', 20)
const server = join(benchDir, '../packages/server')
const out = join(server, 'node_modules/.cache/cluster-path.mjs')
const WORKER = `
import pino from 'pino'
import { RedisCluster } from './src/cluster/RedisCluster'
const [url, rate, seconds, batchMs] = process.argv.slice(2)
const c = await RedisCluster.connect({ url, nodeTtlMs: 15000, batchMs: Number(batchMs), log: pino({ level: 'silent' }) })
let got = 0
c.onEvent(() => got++)
process.send('ready')
await new Promise((r) => process.once('message', r))
// A 64-byte broadcast as Rooms.broadcast publishes it, over 60 rooms.
const d = { messages: [{ messageId: 0, fromUser: { userId: 'u123', userName: 'user 123' }, message: 'x'.repeat(64), sendTime: Date.now() }] }
let sent = 0
const c0 = process.cpuUsage()
const iv = setInterval(() => void c.publishNumbered({ t: 'push', a: 'bench', r: 'room' + (++sent % 60), ev: 'broadcast', d, x: 's1' }), 1000 / Number(rate))
await new Promise((r) => setTimeout(r, Number(seconds) * 1000))
clearInterval(iv)
const u = process.cpuUsage(c0)
const got0 = got
await new Promise((r) => setTimeout(r, 300))
process.send({ sent, got: got0, cpuUs: u.user + u.system })
await c.close()
process.exit(0)
`
await build({ stdin: { contents: WORKER, resolveDir: server, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error' })

const pin = spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? (cmd, a) => ['taskset', ['-c', '0', cmd, ...a]] : (cmd, a) => [cmd, a]
const port = await freePort()
const redis = spawn(...pin('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']), { stdio: 'ignore' })
await sleep(400)
const url = `redis://127.0.0.1:${port}`
const redisCli = (...a) => spawnSync('redis-cli', ['-p', String(port), ...a], { encoding: 'utf8' }).stdout
try {
  const workers = Array.from({ length: nodes }, () => spawn(...pin(process.execPath, [out, url, String(rate), String(seconds), String(batchMs)]), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))))
  redisCli('CONFIG', 'RESETSTAT')
  for (const w of workers) w.send('go')
  const res = await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))))
  const stats = redisCli('INFO', 'commandstats')
  for (const [i, r] of res.entries())
    console.log(`node ${i + 1}: sent ${r.sent}, received ${r.got}; CPU ${(r.cpuUs / 1000 / seconds).toFixed(1)} ms/s, ${(r.cpuUs / (r.sent + r.got)).toFixed(1)} µs per event sent or received`)
  const calls = Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]))
  const events = res.reduce((a, r) => a + r.sent, 0)
  console.log(`redis commands per node per second: ${Object.entries(calls).map(([k, v]) => `${k} ${Math.round(v / nodes / seconds)}`).join(', ')} (${events} events published)`)
} finally {
  redis.kill('SIGKILL')
}
process.exit(0)
