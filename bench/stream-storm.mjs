// Stream-event storm: 1,000 logged-in viewers in one room while 100 publishers start and stop
// their streams through the real MiniRTC server (one process, core 0, with its embedded media
// server). A stream goes live the real way (publish → signed push URL → RTMP publish → the media
// server's publish hook → `stream` ADD to the room) and ends with `unpublish` (→ DELETE). The
// generator (core 1) counts each event's deliveries to every viewer and their latency, then,
// after every sample, compares each viewer's stream list with the streams the server says are
// live. Anchor, same run: the same generator against the raw `ws` relay, where `publish` and
// `unpublish` fan out the equivalent ADD/DELETE at once (no media server).
import { APP, cpuMeter, round, searchRates, spawnWorker, withPairs, writeResult } from './lib.mjs'

const P99_LIMIT_MS = 50
const ROOM = 'r0'
/**
 * The goal's storm: every one of the 100 publishers starting or stopping its stream every 5 s on
 * average (a room where everybody's camera flaps), 20,000 deliveries/s to 1,000 viewers; also
 * where the search starts.
 */
const GOAL_EVENTS_PER_SEC = 20

/** The streams the server says are live in the room: MiniRTC's admin API, the raw relay's IPC. */
function liveStreams(p) {
  if (p.kind === 'raw') return p.server.call('streams', { roomId: ROOM })
  const auth = 'Basic ' + Buffer.from(`${APP.appId}:${APP.secret}`).toString('base64')
  return fetch(`${p.server.info.httpUrl}/admin/rooms/${ROOM}/streams`, { headers: { authorization: auth } })
    .then((r) => r.json())
    .then((j) => j.streams.filter((s) => s.state === 'live').map((s) => s.streamId))
}

async function startPair(kind, cfg) {
  // The publishers send no frames (see gen/signaling.mjs's Publisher), so the media idle timeout,
  // which is there for dead connections, would drop a stream left live for a minute.
  const args = kind === 'raw' ? [] : [JSON.stringify({ mediaIdleTimeoutMs: 3_600_000 })]
  const server = await spawnWorker(kind === 'raw' ? 'servers/raw-ws.mjs' : 'servers/minirtc.mjs', { core: 0, args, name: `${kind} server` })
  const gen = await spawnWorker('gen/signaling.mjs', { core: 1, name: `stream-storm generator (${kind})` })
  const connect = await gen.call('connect', { url: server.info.url, n: cfg.viewers, k: cfg.viewers, login: true })
  await gen.call('publishers', { url: server.info.url, n: cfg.publishers, roomId: ROOM, media: kind === 'minirtc' })
  return { kind, server, gen, connect, steps: [], lo: 0, hi: 0 }
}

async function sample(p, cfg, rate, search) {
  const meter = cpuMeter([p.server.pid])
  const r = await p.gen.call('storm', { rate, warmupMs: search.warmupMs, measureMs: search.measureMs })
  const m = meter()
  // Settled (every publisher's step done, pushes drained): every viewer's list must be the server's.
  await p.gen.call('quiet', { quietMs: 300, maxMs: 10000 })
  const expected = await liveStreams(p)
  const lists = await p.gen.call('lists', { expected })
  const ok = r.latency.n > 0 && r.latency.p99 < P99_LIMIT_MS && r.loss === 0 && r.failures === 0 && r.unexpected === 0 && lists.wrong === 0
  const usPerDelivery = r.deliveredPerSec ? round(((m.cpuPct / 100) * 1e6) / r.deliveredPerSec) : null
  const s = { targetEventsPerSec: rate, ...r, live: expected.length, lists, server: { ...m, usPerDelivery }, ok }
  p.steps.push(s)
  console.log(
    `  storm ${p.kind.padEnd(7)} ${String(r.eventsPerSec).padStart(5)} events/s → ${String(r.deliveredPerSec).padStart(6)} delivered/s  p50 ${r.latency.p50} p99 ${r.latency.p99} ms (ADD ${r.latencyByType.ADD.p99}, DELETE ${r.latencyByType.DELETE.p99})  loss ${r.loss}%  lists ${lists.correct}/${lists.viewers} (${expected.length} live)  skipped ${r.skipped}  unexpected ${r.unexpected}  failures ${r.failures}${r.failures ? ` (${r.lastError})` : ''}  server ${m.cpuPct}% (${usPerDelivery} µs/delivery) ${m.rssMB} MB  gen ${r.generatorCpuPct}%  cores ${m.coreBusyPct.join('/')}%  ${ok ? 'ok' : 'MISS'}`,
  )
  return ok
}

function summarizePair(p) {
  const best = p.steps.filter((s) => s.ok).sort((a, b) => b.deliveredPerSec - a.deliveredPerSec)[0] ?? null
  const costs = p.steps.filter((s) => s.loss === 0 && s.server.usPerDelivery).map((s) => s.server.usPerDelivery).sort((a, b) => a - b)
  const samples = p.steps.length
  const listsCorrect = p.steps.filter((s) => s.lists.wrong === 0).length
  return { connect: p.connect, best, usPerDelivery: costs.length ? costs[Math.floor(costs.length / 2)] : null, listsCorrect, samples, steps: p.steps, ceilingReached: p.hi > 0 }
}

export async function streamStorm({ smoke = false } = {}) {
  const cfg = smoke ? { viewers: 20, publishers: 5 } : { viewers: 1000, publishers: 100 }
  const search = smoke
    ? { start: 10, maxGrow: 1, bisect: 0, warmupMs: 300, measureMs: 1000, retry: false }
    : { start: GOAL_EVENTS_PER_SEC, maxGrow: 5, bisect: 1, warmupMs: 500, measureMs: 2500, retry: true }
  const pairs = await withPairs(
    (kind) => startPair(kind, cfg),
    (pairs) => searchRates(pairs, search, (p, rate) => sample(p, cfg, rate, search)),
  )
  const [raw, minirtc] = pairs.map(summarizePair)
  const ratio = raw.best && minirtc.best ? Math.round((minirtc.best.deliveredPerSec / raw.best.deliveredPerSec) * 100) / 100 : null
  const goalMet = !smoke && minirtc.steps.some((s) => s.ok && s.targetEventsPerSec >= GOAL_EVENTS_PER_SEC) && minirtc.listsCorrect === minirtc.samples
  if (smoke) {
    for (const [k, r] of Object.entries({ minirtc, raw })) {
      if (!r.steps.some((s) => s.delivered > 0)) throw new Error(`stream-storm smoke: no stream event delivered through the ${k} server`)
      const bad = r.steps.find((s) => s.lists.wrong || s.failures || s.unexpected)
      if (bad) throw new Error(`stream-storm smoke (${k}): ${bad.lists.wrong} wrong stream lists ${JSON.stringify(bad.lists.example)}, ${bad.failures} failed publishes/unpublishes (${bad.lastError}), ${bad.unexpected} events nobody caused`)
    }
  }
  return writeResult(
    'stream-storm',
    {
      goal: `p99 < 50 ms from a stream starting or stopping to every viewer at ${GOAL_EVENTS_PER_SEC} events/s, and after every sample every viewer's stream list equal to the server's live streams`,
      goalEventsPerSec: GOAL_EVENTS_PER_SEC,
      goalMet,
      method: `${cfg.viewers} logged-in viewers and ${cfg.publishers} publishers in one room; server processes pinned to core 0, one generator process per server on core 1 (viewers and publishers, one clock), both servers up at once and sampled back to back at each rate. Half the publishers start a stream before the first sample; then events alternate between a random idle publisher starting a stream (a fresh streamId each time) and a random live one stopping its stream, so about half stay live and every sample has both kinds. MiniRTC: \`publish\` → signed push URL → RTMP connect, createStream, publish to the embedded media server (no frames: its publish hook fires on the publish command) → \`stream\` ADD; \`unpublish\` → DELETE. Latency: viewer's receipt − the RTMP publish command (ADD) or the \`unpublish\` request (DELETE). Raw relay: \`publish\` fans out ADD at once (latency from that request), \`unpublish\` DELETE. Server CPU per delivery includes the server's whole share: RTMP handshakes and publish hooks for MiniRTC. Each sample ${search.warmupMs / 1000} s warm-up + ${search.measureMs / 1000} s measured (events caused then must reach every viewer), then every publisher finishes its step, pushes drain, and each viewer's list (login reply + ADD/DELETE pushes) is compared with the server's live streams (MiniRTC: admin API). ok = p99 < 50 ms, 0 loss, 0 failed steps, no event the generator did not cause and none twice, every list correct; the rate grows ×1.5 from ${search.start} events/s until a miss, then a bisection step; a missed rate is sampled once more`,
      ...cfg,
      minirtc,
      raw,
      ratio,
    },
    { smoke },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await streamStorm({ smoke: process.argv.includes('--smoke') })
  console.log(JSON.stringify({ minirtc: r.minirtc.best?.deliveredPerSec, raw: r.raw.best?.deliveredPerSec, ratio: r.ratio, lists: [r.minirtc.listsCorrect, r.raw.listsCorrect] }))
}
