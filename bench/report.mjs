// Renders bench/results/README.md from the results of one run (`node report.mjs` re-renders it
// from the committed JSON files).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resultsDir } from './lib.mjs'

const KB = 1024
const kb = (b) => `${(b / KB).toFixed(1)} KB`
const k = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n))
const yes = (ok) => (ok ? '**met**' : '**missed**')
const ms = (s) => `${s.p50} ms (p90 ${s.p90}, n=${s.n})`

/**
 * MiniRTC's server CPU per delivery relative to the raw relay, paired by rate: both servers are
 * sampled at the same rates, so compare like with like (the cost per message falls as the rate
 * rises); the median of the per-rate ratios over samples without loss.
 */
export function pairedCpuRatio(row, rateKey = 'targetSendsPerSec') {
  const perRate = (x) => {
    const m = new Map()
    for (const s of x.steps) {
      if (s.loss !== 0 || !s.server.usPerDelivery) continue
      const a = m.get(s[rateKey]) ?? []
      a.push(s.server.usPerDelivery)
      m.set(s[rateKey], a)
    }
    return m
  }
  const raw = perRate(row.raw)
  const ours = perRate(row.minirtc)
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length
  const ratios = [...ours].filter(([rate]) => raw.has(rate)).map(([rate, a]) => mean(a) / mean(raw.get(rate))).sort((a, b) => a - b)
  if (!ratios.length) return null
  return { ratio: Math.round(ratios[Math.floor(ratios.length / 2)] * 100) / 100, rates: ratios.length }
}

/** RSS of both servers at the highest rate both passed (their memory under the same load), and its ratio. */
export function pairedRssRatio(row) {
  const ok = (x) => new Map(x.steps.filter((s) => s.ok).map((s) => [s.targetSendsPerSec, s]))
  const raw = ok(row.raw)
  const ours = ok(row.minirtc)
  const rate = Math.max(...[...ours.keys()].filter((r) => raw.has(r)))
  if (!Number.isFinite(rate)) return null
  const [a, b] = [ours.get(rate).server.rssMB, raw.get(rate).server.rssMB]
  return { deliveredPerSec: ours.get(rate).deliveredPerSec, minirtcMB: a, rawMB: b, ratio: Math.round((a / b) * 100) / 100 }
}

function fanoutCell(r) {
  const b = r.best
  if (!b) return 'no rate passed'
  return `${r.ceilingReached ? '' : 'no miss up to the top of the search: ≥ '}${k(b.deliveredPerSec)} delivered/s (${k(b.sendsPerSec)} sends/s), p50 ${b.latency.p50} / p99 ${b.latency.p99} ms, server CPU ${b.server.cpuPct} %, RSS ${b.server.rssMB} MB; ${r.usPerDelivery ?? '—'} µs CPU per delivery`
}

/** The summary row of bench/fanout-cluster.mjs: the 2-node cluster against one node of the same run. */
function clusterRow(c) {
  const goal = 1.3
  const rs = c.ratios.filter((x) => x.ratio !== null)
  const worst = rs.length ? Math.max(...rs.map((x) => x.ratio)) : null
  const two = c.setups.find((s) => s.name === '2 nodes + Redis')
  const cell = (f) => c.ratios.map((x, i) => `${k(x.deliveredPerSec)}/s: ${f(x, i)}`).join('; ')
  return `| Cluster cost: CPU per delivery per node, 2 nodes vs 1 (rooms of ${c.roomSize} spanning both nodes, servers + redis-server) | ${cell((x, i) => `${x.twoNodesUs} µs (Redis ${two.rates[i].redisUsPerDelivery}), p50 ${two.rates[i].p50} ms`)} | 1 node (memory store): ${cell((x) => `${x.oneNodeUs} µs, p50 ${c.setups[0].rates.find((y) => y.sendsPerSec === x.sendsPerSec).p50} ms`)} | ${c.ratios.map((x) => `${x.ratio ?? '—'}×`).join(' / ')} (against 2 separate nodes without Redis, the same split of the load: ${c.ratios.map((x) => `${x.vsSeparate ?? '—'}×`).join(' / ')}) | ≤ ${goal}×: ${yes(worst !== null && worst <= goal)} |`
}

function clusterSection(c, line) {
  line('## Cluster cost (`bench/fanout-cluster.mjs`)')
  line()
  line(`${c.method}. Per node: the node's own CPU plus an equal share of redis-server's, per delivery to that node's clients. Capacity model from these figures: [docs/scaling.md](../../docs/scaling.md#measured-what-a-cluster-costs).`)
  line()
  line('| setup | deliveries/s | µs CPU / delivery (all) | per node | Redis µs / delivery | Redis µs / event | p50 / p99 | samples |')
  line('|---|---|---|---|---|---|---|---|')
  for (const s of c.setups)
    for (const x of s.rates)
      line(`| ${s.name} | ${x.deliveredPerSec ?? '—'} | ${x.usPerDelivery ?? '—'} | ${x.usPerDeliveryPerNode.join(' / ')} | ${x.redisUsPerDelivery ?? '–'} | ${x.redisUsPerEvent ?? '–'} | ${x.p50} / ${x.p99} ms | ${x.samples} |`)
  line()
  line('Every sample (CPU % of one core per process over the measured window):')
  line()
  line('| setup | sends/s | delivered/s | loss | nodes CPU | redis CPU | µs / delivery | p50 / p99 | cores busy |')
  line('|---|---|---|---|---|---|---|---|---|')
  for (const s of c.setups)
    for (const x of s.samples)
      line(`| ${s.name} | ${x.sendsPerSec} | ${x.deliveredPerSec} | ${x.loss} % | ${x.perNode.map((p) => p.cpuPct + ' %').join(' + ')} | ${x.redis ? x.redis.cpuPct + ' %' : '–'} | ${x.usPerDelivery} | ${x.latency.p50} / ${x.latency.p99} ms | ${x.coreBusyPct.join(' / ')} % |`)
  line()
}

function stormCell(r) {
  const b = r.best
  const lists = `final lists correct after ${r.listsCorrect} of ${r.samples} samples`
  if (!b) return `no rate passed; ${lists}`
  return `${r.ceilingReached ? '' : 'no miss up to the top of the search: ≥ '}${k(b.deliveredPerSec)} delivered/s (${b.eventsPerSec} events/s), p50 ${b.latency.p50} / p99 ${b.latency.p99} ms (ADD ${b.latencyByType.ADD.p99}, DELETE ${b.latencyByType.DELETE.p99}), server CPU ${b.server.cpuPct} %; ${r.usPerDelivery ?? '—'} µs CPU per delivery; ${lists}`
}

function latencyCell(p) {
  return p ? `p50 ${p.latencyMs.p50} / p99 ${p.latencyMs.p99} / max ${p.latencyMs.max} ms (${p.players} players, ${p.alive} alive, median ${p.medianFps} fps)` : '—'
}

export function renderReadme(r, { idleCheck, seconds } = {}) {
  const m = (r.callSetup ?? r.size ?? r.fanout).machine
  const date = (r.callSetup ?? r.size).date.slice(0, 16).replace('T', ' ')
  const src = (r.fanout ?? r.size).source
  const out = []
  const line = (s = '') => out.push(s)
  line('# Benchmark results')
  line()
  line(`Generated by \`npm run bench\` (bench/run.mjs) on ${date} UTC${seconds ? ` in ${Math.round(seconds / 6) / 10} min` : ''}: ${m.cpus} × ${m.cpu}, ${m.memGiB} GiB, Node ${m.node.replace(/^v/, '')}, Linux; everything on 127.0.0.1. Server processes pinned to core 0, load generators to core 1 (\`taskset\`). Each anchor ran in the same run as the MiniRTC figure it is compared with.${src ? ` Measured at commit ${src.commit}${src.uncommittedPackages.length ? ` plus uncommitted work in ${src.uncommittedPackages.map((p) => `packages/${p}`).join(', ')}` : ''} (builds from \`dist/\`).` : ''}`)
  if (idleCheck) {
    const busy = Math.max(...idleCheck.coreBusyPct) >= 25
    line(
      `\n${busy ? 'The machine was shared with other work when this started' : 'The machine was mostly idle when this started'}: cores ${idleCheck.coreBusyPct.join(' % / ')} % busy over the 2 s before the run (after waiting ${idleCheck.waitedSeconds ?? 0} s for a quiet moment; load average ${idleCheck.loadavg.join(', ')}). Every sample records how busy each core was (\`coreBusyPct\`, other processes included): latency tails of samples with busy cores include other work on the same cores.`,
    )
  }
  if (r.fanout) {
    const all = r.fanout.rows.flatMap((row) => [...row.raw.steps, ...row.minirtc.steps])
    // Other work = core busy minus our own pinned process on it (server on core 0, generator on core 1).
    const other = (s) => {
      const [c0 = 0, c1 = 0] = s.server.coreBusyPct ?? []
      return Math.max(c0 - s.server.cpuPct, c1 - s.generatorCpuPct)
    }
    const hot = all.filter((s) => other(s) >= 30).length
    line(`\n${hot} of the ${all.length} fan-out samples ran while other work took ≥ 30 % of the server's or the generator's core (core busy minus our pinned process).`)
  }
  line()
  line('## Summary')
  line()
  line('| benchmark | MiniRTC | anchor, same run | ratio | goal |')
  line('|---|---|---|---|---|')
  if (r.size) {
    const s = r.size
    const big = s.ours.find((o) => o.bundle === s.largestWithAdapter.bundle)
    const zego = s.vendors.find((v) => v.bundle === 'ZEGO')
    const trtc = s.vendors.find((v) => v.bundle.startsWith('Tencent'))
    line(
      `| Bundle size, min+gz, framework excluded | ${s.largestWithAdapter.bundle}: ${kb(big.gzipped)} | ZEGO ${kb(zego.gzipped)}; trtc-wx-sdk ${kb(trtc.gzipped)} | ZEGO is ${s.zegoRatio}× ours | ≤ ${(s.largestWithAdapter.budget ?? 12 * 1024) / 1024} KB: ${yes(s.largestWithAdapter.goalMet)} |`,
    )
  }
  if (r.fanout)
    for (const row of r.fanout.rows)
      line(
        `| Signaling fan-out, ${k(row.n)} clients in rooms of ${row.k}: delivered msgs/s at p99 < 50 ms | ${fanoutCell(row.minirtc)} | raw \`ws\`: ${fanoutCell(row.raw)} | ${row.ratio ?? '—'}×; server CPU per delivery at equal rates ${pairedCpuRatio(row)?.ratio ?? '—'}× raw (${pairedCpuRatio(row)?.rates ?? 0} rates); RSS at the top rate both passed (${k(pairedRssRatio(row)?.deliveredPerSec ?? 0)}/s) ${pairedRssRatio(row)?.minirtcMB ?? '—'} vs ${pairedRssRatio(row)?.rawMB ?? '—'} MB = ${pairedRssRatio(row)?.ratio ?? '—'}× | ≥ 0.7×: ${yes(row.ratio !== null && row.ratio >= 0.7)}; CPU ≤ 1.1×: ${yes((pairedCpuRatio(row)?.ratio ?? 9) <= 1.1)}; RSS ≤ 1.5×: ${yes((pairedRssRatio(row)?.ratio ?? 9) <= 1.5)} |`,
      )
  if (r.cluster) line(clusterRow(r.cluster))
  if (r.storm) {
    const st = r.storm
    line(
      `| Stream-event storm, ${st.viewers.toLocaleString('en')} viewers in one room, ${st.publishers} publishers starting and stopping streams: \`stream\` events delivered/s at p99 < 50 ms | ${stormCell(st.minirtc)} | raw \`ws\`: ${stormCell(st.raw)} | ${st.ratio ?? '—'}×; server CPU per delivery at equal rates ${pairedCpuRatio(st, 'targetEventsPerSec')?.ratio ?? '—'}× raw | p99 < 50 ms at ${st.goalEventsPerSec} events/s, every list correct: ${yes(st.goalMet)} |`,
    )
  }
  if (r.capacity) {
    const c = r.capacity
    line(
      `| Idle connections held (heartbeats) | ${c.minirtc.open.toLocaleString('en')} / ${c.minirtc.connections.toLocaleString('en')} logged in, RSS ${c.minirtc.rssMB} MB (${c.minirtc.rssPerConnKB} KB/conn, marginal ${c.minirtc.marginalRssPerConnKB}) | raw \`ws\`: ${c.raw.open.toLocaleString('en')} bare, RSS ${c.raw.rssMB} MB (${c.raw.rssPerConnKB} KB/conn, marginal ${c.raw.marginalRssPerConnKB}) | RSS ${c.rssRatio}× | 19,000 with RSS ≤ 1.25×: ${yes(c.minirtc.open >= 19000 && c.rssRatio <= 1.25)} |`,
    )
  }
  if (r.media) {
    const e = r.media.embedded
    const n = r.media.nginx
    line(
      `| Media relay, ${r.media.streams} streams → ${r.media.streams * 2} players | embedded NMS: CPU ${e.mediaServer.cpuPct} %, RSS ${e.mediaServer.rssMB} MB; RTMP ${e.players.rtmp?.latencyMs.p50}/${e.players.rtmp?.latencyMs.p99} ms, FLV ${e.players.flv?.latencyMs.p50}/${e.players.flv?.latencyMs.p99} ms (p50/p99) | nginx-rtmp: CPU ${n.mediaServer.cpuPct} %, RSS ${n.mediaServer.rssMB} MB (+ hooks in MiniRTC ${n.signalingServer.cpuPct} %); RTMP ${n.players.rtmp?.latencyMs.p50}/${n.players.rtmp?.latencyMs.p99} ms | CPU ${n.mediaServer.cpuPct ? Math.round((e.mediaServer.cpuPct / n.mediaServer.cpuPct) * 10) / 10 + '×' : '—'}, RSS ${Math.round((e.mediaServer.rssMB / n.mediaServer.rssMB) * 10) / 10}× | report |`,
    )
  }
  if (r.recording) {
    const cell = (x) => `${x.processes} ffmpeg: CPU ${x.recorders.cpuPct} %, RSS ${x.recorders.rssMB} MB`
    line(`| Recording: one \`grid\` of 4 streams; 10 \`separate\` recorders | grid (${r.recording.grid.frameSize}): ${cell(r.recording.grid)}; separate: ${cell(r.recording.separate)} | – | – | report |`)
  }
  if (r.callSetup) {
    const cs = r.callSetup
    line(`| Call setup: viewer joins a running stream (loginRoom → PLAYING) | ${ms(cs.viewerJoin)} | fair floor (raw client: WebSocket connect, one request/reply with the play URL, HTTP-FLV → first keyframe): ${ms(cs.floor)} | ${cs.joinRatio}× (p90 ${cs.joinRatioP90}×) | ≤ ${cs.goalRatio}×: ${yes(cs.joinRatio <= cs.goalRatio)} |`)
  }
  if (r.networkChange) {
    const nc = r.networkChange
    line(`| Network-type change with a dead socket → RECONNECTED | ${ms(nc.changeToReconnected)} | heartbeat alone: ${nc.heartbeatOnlyMs ?? '—'} ms | ${nc.heartbeatOnlyMs ? Math.round((nc.changeToReconnected.p50 / nc.heartbeatOnlyMs) * 100) / 100 + '×' : '—'} | ≤ 3 s: ${yes(nc.goalMet)} |`)
  }
  line()
  line('How to read the fan-out row: a rate counts only when its p99 < 50 ms with no loss, and other load on a shared machine can only make a rate miss, so each "best" is a lower bound and their ratio moves with the noise (a missed rate is retried once; every sample is listed below with how busy the cores were). The server CPU time per delivered message, compared at the rates both servers were sampled at (median of the per-rate ratios, samples without loss), is steadier: once CPU-bound MiniRTC can reach about 1 / that ratio of the raw relay.')
  if (r.storm)
    line(
      `\nHow to read the stream-storm row: every event goes to all ${r.storm.viewers.toLocaleString('en')} viewers at once, so a sample holds few events and a single event held up by other work on the machine moves its p99; rates are found as in the fan-out rows (lower bounds on a shared machine). ADD latency starts at the publisher's RTMP publish command (it includes the media server's publish hook), DELETE latency at the \`unpublish\` request; the raw relay's at its \`publish\`/\`unpublish\` request. The list check is exact: after every sample each viewer's list (login reply + ADD/DELETE pushes) is compared with the server's live streams.`,
    )
  line()

  if (r.size) {
    line('## Bundle size (`bench/bundle-size.mjs`)')
    line()
    if (r.callSetup && Math.abs(Date.parse(r.size.date) - Date.parse(r.callSetup.date)) > 5 * 60_000) line(`Measured ${r.size.date.slice(0, 16).replace('T', ' ')} UTC at commit ${r.size.source?.commit}.\n`)
    line('Ours: esbuild bundle of each package imported by name, resolved through its `exports` to the built `dist` (minified, es2017, framework imports external) through `scripts/size.mjs`\'s `measure()`, gzip -9. Vendors: the main bundle as shipped in the npm tarball (`npm pack`, cached in bench/.cache), gzip -9. trtc-wx-sdk only builds `room://` URLs for WeChat\'s native TRTC mode (signaling happens inside the closed live-pusher), so it does less than ours; ZEGO does the same job as ours.')
    line()
    line('| bundle | minified / raw | min+gz |')
    line('|---|---|---|')
    for (const o of r.size.ours) {
      line(`| MiniRTC ${o.bundle} | ${kb(o.minified)} | ${kb(o.gzipped)} (${o.gzipped.toLocaleString('en')} B) |`)
      if (o.notInBundle) line(`| not in the row above: ${o.notInBundle.what} | ${kb(o.notInBundle.raw)} | ${kb(o.notInBundle.gzipped)} (${o.notInBundle.gzipped.toLocaleString('en')} B) |`)
    }
    for (const v of r.size.vendors) line(`| ${v.bundle}: ${v.package} \`${v.file}\` | ${kb(v.raw)} | ${kb(v.gzipped)} (${v.gzipped.toLocaleString('en')} B) |`)
    line()
  }

  if (r.fanout) {
    line('## Signaling fan-out (`bench/fanout.mjs`)')
    line()
    line(`${r.fanout.method}. Latency is send → receive in the generator (one clock). The raw \`ws\` relay (bench/servers/raw-ws.mjs) parses, minimally validates, serializes once and sends to the other members, and answers the sender like MiniRTC does; MiniRTC additionally verifies tokens at login, rate-limits, numbers every push per session, buffers it until acknowledged (the \`ack\` every client request carries, as the engine's do, and the heartbeat's) and frames it per recipient around a body serialized once.`)
    for (const row of r.fanout.rows) {
      line()
      line(`### ${row.n.toLocaleString('en')} clients in rooms of ${row.k}`)
      line()
      line('| server | sends/s | delivered/s | p50 | p99 | max | loss | server CPU | µs CPU / delivery | server RSS | generator CPU | cores busy | |')
      line('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
      for (const [name, x] of [['raw ws', row.raw], ['MiniRTC', row.minirtc]])
        for (const s of x.steps)
          line(
            `| ${name} | ${s.sendsPerSec} | ${s.deliveredPerSec} | ${s.latency.p50} ms | ${s.latency.p99} ms | ${s.latency.max} ms | ${s.loss} % | ${s.server.cpuPct} % | ${s.server.usPerDelivery ?? '—'} | ${s.server.rssMB} MB | ${s.generatorCpuPct} % | ${(s.server.coreBusyPct ?? []).join(' / ')} % | ${s.ok ? 'ok' : 'miss'} |`,
          )
    }
    line()
  }

  if (r.cluster) clusterSection(r.cluster, line)
  if (r.storm) {
    const st = r.storm
    line('## Stream-event storm (`bench/stream-storm.mjs`)')
    line()
    line(`${st.method}. MiniRTC's ADD latency includes the media server's publish hook and the stream's store update; MiniRTC also numbers and buffers every push per session and serializes it per recipient, the raw relay serializes each event once.`)
    line()
    line('| server | events/s | delivered/s | p50 | p99 | p99 ADD / DELETE | max | loss | failed steps / events nobody caused | lists correct (live streams) | server CPU | µs CPU / delivery | server RSS | generator CPU | cores busy | |')
    line('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (const [name, x] of [['raw ws', st.raw], ['MiniRTC', st.minirtc]])
      for (const s of x.steps)
        line(
          `| ${name} | ${s.eventsPerSec} | ${s.deliveredPerSec} | ${s.latency.p50} ms | ${s.latency.p99} ms | ${s.latencyByType.ADD.p99} / ${s.latencyByType.DELETE.p99} ms | ${s.latency.max} ms | ${s.loss} % | ${s.failures} / ${s.unexpected} | ${s.lists.correct} / ${s.lists.viewers} (${s.live}) | ${s.server.cpuPct} % | ${s.server.usPerDelivery ?? '—'} | ${s.server.rssMB} MB | ${s.generatorCpuPct} % | ${(s.server.coreBusyPct ?? []).join(' / ')} % | ${s.ok ? 'ok' : 'miss'} |`,
        )
    line()
  }

  if (r.capacity) {
    const c = r.capacity
    line('## Connection capacity (`bench/capacity.mjs`)')
    line()
    line(`${c.method}.`)
    line()
    line('| server | open / target | closed | RSS (after GC) | baseline RSS | RSS per connection (total / marginal) | heap per connection | CPU while holding | connect rate | pongs / pings |')
    line('|---|---|---|---|---|---|---|---|---|---|')
    for (const [name, x] of [['raw ws (bare)', c.raw], ['MiniRTC (logged in)', c.minirtc]])
      line(
        `| ${name} | ${x.open} / ${x.connections} | ${x.closed} | ${x.rssMB} MB | ${x.baselineRssMB} MB | ${x.rssPerConnKB} / ${x.marginalRssPerConnKB} KB | ${x.heapPerConnKB} KB | ${x.holdCpuPct} % | ${x.connectPerSecond}/s | ${x.pongs} / ${x.pingsSent} |`,
      )
    line()
  }

  if (r.media) {
    const md = r.media
    line('## Media relay (`bench/media.mjs`)')
    line()
    line(`${md.method}. Embedded: node-media-server 4.4.3 inside the MiniRTC server process (its CPU and RSS include signaling). nginx: nginx + libnginx-mod-rtmp (master + worker), the MiniRTC server answering its on_publish/on_play hooks in its own process. Stamps are \`Date.now()\` (1 ms resolution).`)
    line()
    line('| media server | CPU | RSS | RTMP players: relay latency | HTTP-FLV players: relay latency | publishers alive | cores busy |')
    line('|---|---|---|---|---|---|---|')
    for (const [name, x] of [['embedded NMS (MiniRTC process)', md.embedded], ['nginx-rtmp', md.nginx]])
      line(
        `| ${name} | ${x.mediaServer.cpuPct} %${x.signalingServer ? ` (+ MiniRTC hooks ${x.signalingServer.cpuPct} %, ${x.signalingServer.rssMB} MB)` : ''} | ${x.mediaServer.rssMB} MB | ${latencyCell(x.players.rtmp)} | ${latencyCell(x.players.flv)} | ${x.publishers.alive} / ${x.publishers.count} | ${(x.mediaServer.coreBusyPct ?? []).join(' / ')} % |`,
      )
    line()
  }

  if (r.recording) {
    const rc = r.recording
    line('## Recording (`bench/recording.mjs`)')
    line()
    line(`${rc.method}. RSS is the sum over the ffmpeg processes (shared libraries counted in each).`)
    line()
    line('| recording | ffmpeg processes | recorders CPU | recorders RSS | server CPU (NMS feeding them, signaling) | files | cores busy |')
    line('|---|---|---|---|---|---|---|')
    for (const [name, x] of [['grid, 4 streams', rc.grid], ['separate, 10 streams', rc.separate]])
      line(`| ${name} | ${x.processes} | ${x.recorders.cpuPct} % | ${x.recorders.rssMB} MB | ${x.server.cpuPct} % | ${x.files.length} | ${x.recorders.coreBusyPct.join(' / ')} % |`)
    line()
  }

  if (r.callSetup) {
    const cs = r.callSetup
    line('## Call setup (`bench/call-setup.mjs`)')
    line()
    line('The MiniRTC server (with its embedded media server), the raw relay and the phone already publishing run in their own processes on core 0; the measured clients in the bench process on core 1, so the server\'s work after its reply and the publisher\'s do not run on the viewer\'s thread. The viewer\'s page is loaded (engine, platform, rendered components) before the clock starts at loginRoom(). The two sides take turns at going first.')
    line()
    line('| measure | MiniRTC | anchor, same run | ratio |')
    line('|---|---|---|---|')
    line(`| (i) viewer joins a running stream: loginRoom() → PLAYING (first keyframe) | ${ms(cs.viewerJoin)} | fair floor: WebSocket connect + one request/reply (the raw \`ws\` relay answers a login-shaped request with a play URL) + HTTP-FLV connect → first keyframe of the same stream: ${ms(cs.floor)} | ${cs.joinRatio}× (p90 ${cs.joinRatioP90}×; goal ≤ ${cs.goalRatio}×) |`)
    line(`| (i) of which signaling: loginRoom() resolved, the player holding its URL | ${ms(cs.viewerLogin)} | WebSocket open + the reply with the URL: ${ms(cs.floorSignaling)} | |`)
    line(`| (i') media alone | | reader connect → first keyframe: ${ms(cs.rawJoin)} | |`)
    line(`| (i) the floor's raw client against the MiniRTC server (MiniRTC minus this: the client's share; this minus the floor: the server's) | | ${ms(cs.rawClientMiniRtcServer)} | |`)
    line(`| (i) CPU time per setup: the client's process plus the servers it used (MiniRTC with its media server; the floor also the raw relay) | ${cs.viewerJoinCpuMs.p50} ms (p90 ${cs.viewerJoinCpuMs.p90}) | floor: ${cs.floorCpuMs.p50} ms (p90 ${cs.floorCpuMs.p90}) | ${Math.round((cs.viewerJoinCpuMs.p50 / cs.floorCpuMs.p50) * 100) / 100}× |`)
    line(
      `| (ii) publisher starts, viewer waiting: start() → viewer's first frame | ${ms(cs.publisherStart)} | publisher connect → waiting reader's keyframe: ${cs.rawStart ? ms(cs.rawStart) : 'n/a'} | ${cs.rawStart ? Math.round((cs.publisherStart.p50 / cs.rawStart.p50) * 100) / 100 + '×' : ''} |`,
    )
    line()
  }

  if (r.networkChange) {
    const nc = r.networkChange
    line('## Network change (`bench/network-change.mjs`)')
    line()
    line(`A logged-in client's signaling socket is stalled by a TCP proxy (open, silent: a phone's socket after Wi-Fi hands over to 4G), then the phone reports the new network type with \`isConnected\` still true. The room pings at once and resumes on a new socket when no pong comes within ${nc.probeMs} ms. Anchor: the same stall without the network-type event, found by the heartbeat alone (one run).`)
    line()
    line('| measure | MiniRTC | heartbeat alone, same run |')
    line('|---|---|---|')
    line(`| network-type change → roomStateChanged RECONNECTED | ${ms(nc.changeToReconnected)} (max ${nc.changeToReconnected.max} ms; goal ≤ 3 s) | ${nc.heartbeatOnlyMs ?? '—'} ms |`)
    line()
  }
  return out.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const read = (f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8'))
  const r = {}
  for (const [key, file] of Object.entries({ size: 'bundle-size.json', callSetup: 'call-setup.json', media: 'media-relay.json', recording: 'recording.json', capacity: 'connection-capacity.json', fanout: 'signaling-fanout.json', cluster: 'fanout-cluster.json', storm: 'stream-storm.json', networkChange: 'network-change.json' })) {
    try {
      r[key] = read(file)
    } catch {
      /* not run yet */
    }
  }
  let run = {}
  try {
    run = read('run.json')
  } catch {
    /* optional */
  }
  writeFileSync(join(resultsDir, 'README.md'), renderReadme(r, run))
  syncRootReadme(renderReadme(r, run))
  console.log('wrote bench/results/README.md and the root README summary')
}

/**
 * Copy the summary table of a rendered results README into the root README's "Performance"
 * section (between the bench-summary markers), so the figures there are the last full run's.
 */
export function syncRootReadme(rendered) {
  const start = rendered.indexOf('## Summary')
  if (start < 0) return
  const rest = rendered.slice(start + '## Summary'.length)
  const next = rest.search(/\n## /)
  const summary = (next < 0 ? rest : rest.slice(0, next)).trim()
  const file = join(resultsDir, '../../README.md')
  const root = readFileSync(file, 'utf8')
  const open = '<!-- bench-summary:start -->'
  const close = '<!-- bench-summary:end -->'
  const a = root.indexOf(open)
  const b = root.indexOf(close)
  if (a < 0 || b < a) return
  writeFileSync(file, root.slice(0, a + open.length) + '\n' + summary + '\n' + root.slice(b))
}
