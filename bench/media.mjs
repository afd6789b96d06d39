// Media relay: 20 streams to 40 players through the embedded media server (node-media-server in
// the MiniRTC server process: 20 RTMP + 20 HTTP-FLV players) and through nginx +
// libnginx-mod-rtmp (RTMP only: 40 RTMP players) with the MiniRTC server answering its hooks,
// same run. Media server pinned to core 0, pushers and players in one process on core 1.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateNginxConfig } from '@minirtc/server'
import { childPids, cpuMeter, freePort, sleep, spawnWorker, writeResult } from './lib.mjs'

async function drive(server, mediaPids, signalingPid, players, { streams, warmupMs, measureMs }) {
  const gen = await spawnWorker('gen/media.mjs', { core: 1, name: 'media generator' })
  try {
    const started = await gen.call('start', { url: server.info.url, streams, ...players })
    // Warm-up: every player past its second keyframe (live frames only), steady state.
    await sleep(warmupMs)
    const media = cpuMeter(mediaPids())
    const signaling = signalingPid ? cpuMeter([signalingPid]) : null
    const m = await gen.call('measure', { ms: measureMs })
    const r = { ...started, mediaServer: media(), ...(signaling ? { signalingServer: signaling() } : {}), ...m }
    await gen.call('stop')
    return r
  } finally {
    await gen.stop()
  }
}

async function embedded(opts) {
  const server = await spawnWorker('servers/minirtc.mjs', { core: 0, name: 'MiniRTC server (embedded NMS)' })
  try {
    return await drive(server, () => [server.pid], null, { rtmpPlayers: 1, flvPlayers: 1 }, opts)
  } finally {
    await server.stop()
  }
}

async function nginx(opts) {
  if (spawnSync('nginx', ['-v']).status !== 0) throw new Error('nginx is not installed: run scripts/install-nginx.sh (nginx-light libnginx-mod-rtmp)')
  const rtmpPort = await freePort()
  const controlPort = await freePort()
  const hookSecret = randomBytes(18).toString('base64url')
  const media = { kind: 'nginx', rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live`, controlUrl: `http://127.0.0.1:${controlPort}/control`, hookSecret }
  const server = await spawnWorker('servers/minirtc.mjs', { core: 0, args: [JSON.stringify({ media })], name: 'MiniRTC server (nginx hooks)' })
  const prefix = mkdtempSync(join(tmpdir(), 'minirtc-bench-nginx-'))
  let proc
  try {
    mkdirSync(join(prefix, 'tmp'))
    const conf = join(prefix, 'nginx.conf')
    writeFileSync(conf, generateNginxConfig({ hookBaseUrl: server.info.httpUrl, hookSecret, rtmpListen: `127.0.0.1:${rtmpPort}`, controlListen: `127.0.0.1:${controlPort}` }))
    const check = spawnSync('nginx', ['-t', '-c', conf, '-p', prefix + '/'], { encoding: 'utf8' })
    if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`)
    proc = spawn('taskset', ['-c', '0', 'nginx', '-c', conf, '-p', prefix + '/'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    proc.stderr.on('data', (d) => (log += d))
    const deadline = Date.now() + 15000
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${controlPort}/healthz`).then((r) => r.ok, () => false)
      if (ok) break
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`nginx did not come up:\n${log}`)
      await sleep(100)
    }
    // nginx = master + worker (the worker relays); the MiniRTC server answers the hooks.
    return await drive(server, () => [proc.pid, ...childPids(proc.pid)], server.pid, { rtmpPlayers: 2, flvPlayers: 0 }, opts)
  } finally {
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGQUIT')
      await Promise.race([gone, sleep(5000)])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    }
    await server.stop()
    rmSync(prefix, { recursive: true, force: true })
  }
}

function check(name, r, smoke) {
  const problems = []
  if (r.publishers.alive !== r.publishers.count) problems.push(`${r.publishers.count - r.publishers.alive} publishers dropped`)
  for (const [kind, p] of Object.entries(r.players)) {
    if (p.alive !== p.players) problems.push(`${p.players - p.alive} ${kind} players dropped`)
    if (!p.latencyMs.n) problems.push(`no ${kind} latency samples`)
  }
  if (problems.length) {
    const msg = `media relay (${name}): ${problems.join(', ')} ${r.failures.join('; ')}`
    if (smoke) throw new Error(msg)
    console.log('  ' + msg)
  }
  const lat = Object.entries(r.players).map(([k, p]) => `${k} p50 ${p.latencyMs.p50} p99 ${p.latencyMs.p99} ms (${p.medianFps} fps)`)
  console.log(`  media ${name.padEnd(8)} ${r.publishers.count} → ${r.players.rtmp?.players ?? 0} RTMP + ${r.players.flv?.players ?? 0} FLV  media server ${r.mediaServer.cpuPct}% ${r.mediaServer.rssMB} MB  ${lat.join('  ')}`)
}

export async function mediaRelay({ smoke = false } = {}) {
  const opts = smoke ? { streams: 2, warmupMs: 2500, measureMs: 1500 } : { streams: 20, warmupMs: 4000, measureMs: 15000 }
  const emb = await embedded(opts)
  check('embedded', emb, smoke)
  const ngx = await nginx(opts)
  check('nginx', ngx, smoke)
  return writeResult(
    'media-relay',
    {
      goal: '20 streams to 40 players: CPU, RSS and per-frame relay latency, embedded NMS vs nginx-rtmp in the same run',
      method: `camera fixture 640x360 15 fps (GOP 1 s) + AAC pushed over RTMP with a wall-clock SEI stamp per video frame; ${opts.warmupMs / 1000} s warm-up, ${opts.measureMs / 1000} s sample; latency = receive − stamp per live frame (join burst excluded); media server pinned to core 0, pushers/players on core 1`,
      streams: opts.streams,
      embedded: emb,
      nginx: ngx,
    },
    { smoke },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await mediaRelay({ smoke: process.argv.includes('--smoke') })
