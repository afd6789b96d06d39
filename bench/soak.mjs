// Soak: N bots (@minirtc/headless engines with virtual media) join, publish, play, lose their
// sockets, abandon sessions and leave in random order against the real server (its own process)
// and a real nginx-rtmp media server, for a configurable time, with a server restart and a
// media-server restart midway. Afterwards it asserts:
//   - every connected bot's view (users, streams, online count, room extra info) equals the server's;
//   - once everybody left: no session, stream, room, media connection, timer or file descriptor
//     left behind in the server;
//   - no memory growth with more work: after one more round of the same churn (a media-server
//     restart in it), the server's RSS after a full GC is within 10 % of what it was before it.
//
//   node bench/soak.mjs                          # the CI version: 16 bots, 60 s (npm test runs it)
//   node bench/soak.mjs --bots=200 --seconds=1800 --record   # the record: results/soak.json + soak-rss.png
//
// Exit code 1 when an assertion fails (the reason is printed); the figures are printed either way.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { RtcEngine } from '@minirtc/core'
import { HeadlessRenderer, createNodePlatform } from '@minirtc/headless'
import { createToken, generateNginxConfig } from '@minirtc/server'
import { APP, BENCH_RATE_LIMIT, freePort, procStat, resultsDir, round, sleep, spawnWorker, writeResult } from './lib.mjs'

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '16' },
    rooms: { type: 'string' },
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    record: { type: 'boolean', default: false },
  },
})
const BOTS = Number(values.bots)
const ROOMS = Number(values.rooms ?? Math.max(1, Math.ceil(BOTS / 8)))
const SECONDS = Number(values.seconds)
// Short windows so abandoned sessions and lost publishers expire within the run.
const RESUME_WINDOW_MS = 4000
const MEDIA_GRACE_MS = 2000

// ---- deterministic randomness (a failing run can be replayed with --seed) ----------------
let seed = Number(values.seed) >>> 0 || 1
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32)
const between = (a, b) => a + rand() * (b - a)
const pick = (xs) => xs[Math.floor(rand() * xs.length)]

const log = (...a) => console.log(`[soak ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a)
const t0 = Date.now()
const failures = []
const check = (ok, what) => {
  if (!ok) failures.push(what)
  log(ok ? 'ok  ' : 'FAIL', what)
}

// ---- media server: nginx-rtmp, restartable ----------------------------------------------
if (spawnSync('nginx', ['-v']).status !== 0) throw new Error('nginx is not installed: run scripts/install-nginx.sh')
const rtmpPort = await freePort()
const controlPort = await freePort()
const httpPort = await freePort()
const hookSecret = randomBytes(18).toString('base64url')
const prefix = mkdtempSync(join(tmpdir(), 'minirtc-soak-'))
mkdirSync(join(prefix, 'tmp'))
const conf = join(prefix, 'nginx.conf')
writeFileSync(conf, generateNginxConfig({ hookBaseUrl: `http://127.0.0.1:${httpPort}`, hookSecret, rtmpListen: `127.0.0.1:${rtmpPort}`, controlListen: `127.0.0.1:${controlPort}` }))
let nginx
async function startNginx() {
  // Its own process group: a crash is simulated by SIGKILL to master and worker alike (a worker
  // whose master was killed alone would live on, holding the ports).
  nginx = spawn('nginx', ['-c', conf, '-p', prefix + '/'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  let err = ''
  nginx.stderr.on('data', (d) => (err += d))
  const deadline = Date.now() + 15000
  while (!(await fetch(`http://127.0.0.1:${controlPort}/healthz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || nginx.exitCode !== null) throw new Error(`nginx did not come up:\n${err}`)
    await sleep(100)
  }
}
/** A media-server crash midway: nginx SIGKILLed with its workers, then started again. */
async function restartMedia() {
  log('restarting the media server (nginx-rtmp, SIGKILL)')
  await stopNginx('SIGKILL')
  await startNginx()
}
async function stopNginx(signal = 'SIGQUIT') {
  if (!nginx || nginx.exitCode !== null) return
  const gone = new Promise((r) => nginx.once('exit', r))
  const group = (sig) => {
    try {
      process.kill(-nginx.pid, sig)
    } catch {
      /* already gone */
    }
  }
  group(signal)
  await Promise.race([gone, sleep(5000)])
  if (nginx.exitCode === null) group('SIGKILL')
  // The workers of a SIGKILLed master are gone with the group; wait for them to let go of the ports.
  if (signal === 'SIGKILL') await sleep(200)
}

// ---- signaling server: its own process on a fixed port, restartable -----------------------
const media = { kind: 'nginx', rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live`, controlUrl: `http://127.0.0.1:${controlPort}/control`, hookSecret }
const stateFile = join(prefix, 'rooms.json')
const serverOpts = { port: httpPort, media, stateFile, resumeWindowMs: RESUME_WINDOW_MS, mediaGraceMs: MEDIA_GRACE_MS, rateLimit: BENCH_RATE_LIMIT, maxConnectionsPerAddress: 100_000 }
let server
process.env.MINIRTC_BENCH_COUNT_TIMERS = '1'
const startServer = async () => (server = await spawnWorker('servers/minirtc.mjs', { args: [JSON.stringify(serverOpts)], execArgv: ['--expose-gc'], name: 'MiniRTC server' }))
const url = `ws://127.0.0.1:${httpPort}/ws`
const httpUrl = `http://127.0.0.1:${httpPort}`
const admin = async (path) => {
  const r = await fetch(httpUrl + path, { headers: { authorization: `Bearer ${APP.secret}`, 'x-minirtc-app-id': APP.appId } })
  return r.json()
}
async function gauges() {
  const text = await (await fetch(httpUrl + '/metrics')).text()
  const g = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
  return { users: g('minirtc_users'), rooms: g('minirtc_rooms'), streams: g('minirtc_streams'), mediaConnections: g('minirtc_media_connections') }
}

// ---- bots ----------------------------------------------------------------------------------
/** A bot whose sockets the soak can cut (a real drop: RST, no close frame). */
async function joinBot(slot, roomId = `soak-${slot % ROOMS}`) {
  const userId = `bot${slot}`
  const sockets = new Set()
  const renderer = new HeadlessRenderer()
  const platform = createNodePlatform({
    contexts: renderer,
    wsOptions: {
      createConnection: (o) => {
        const s = connect(o.port, o.host)
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        return s
      },
    },
  })
  const engine = new RtcEngine({ appId: APP.appId, server: url, platform })
  renderer.attach(engine)
  engine.on('playerStateUpdate', (info) => info.state === 'PLAYING' && stats.playing++)
  const token = () => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
  await engine.loginRoom(roomId, await token(), { userId, userName: `Bot ${slot}` }, { autoPlay: false, userUpdate: true })
  return {
    slot,
    roomId,
    userId,
    engine,
    renderer,
    /** Cut the signaling socket: the engine reconnects and resumes by itself. */
    drop: () => {
      for (const s of sockets) s.destroy()
    },
    /** Vanish without logout (the server keeps the session for the resume window). */
    abandon() {
      for (const s of sockets) s.destroy()
      renderer.detach()
      engine.destroy()
    },
    leave() {
      engine.logoutRoom()
      renderer.detach()
      engine.destroy()
    },
  }
}

const stats = { joins: 0, joinErrors: 0, publishes: 0, publishErrors: 0, plays: 0, playErrors: 0, playing: 0, drops: 0, abandons: 0, logouts: 0, extraInfo: 0 }
const alive = new Map() // slot → bot
let churning = true
/** Read through a function: the run's main flow ends the churn while the lives await. */
const stillChurning = () => churning

async function life(slot) {
  // Staggered start: not every bot at the same millisecond.
  await sleep(between(0, 2000))
  while (stillChurning()) {
    let bot = alive.get(slot)
    if (!bot) {
      try {
        bot = await joinBot(slot)
        alive.set(slot, bot)
        stats.joins++
      } catch {
        stats.joinErrors++
        await sleep(between(500, 1500))
        continue
      }
      // A quarter publish (at most one stream per engine), the others play someone.
      if (slot % 4 === 0) {
        bot.engine
          .createPusher()
          .start(`cam-${slot}`)
          .then(() => stats.publishes++, () => stats.publishErrors++)
      }
    }
    const live = bot.engine.getSnapshot().streams
    if (slot % 4 !== 0 && live.length && rand() < 0.5) {
      const streamId = pick(live).streamId
      // nginx-rtmp serves RTMP only (its play URLs carry no FLV).
      bot.engine.getPlayerInstance(streamId).play({ protocol: 'rtmp' }).then(() => stats.plays++, () => stats.playErrors++)
    }
    if (rand() < 0.15) {
      bot.engine.setRoomExtraInfo(bot.roomId, `k${slot % 3}`, `v${slot}-${Date.now()}`).then(() => stats.extraInfo++, () => undefined)
    }
    await sleep(between(1000, 5000))
    if (!stillChurning()) break
    const r = rand()
    if (r < 0.25) {
      stats.drops++
      bot.drop()
    } else if (r < 0.4) {
      stats.abandons++
      alive.delete(slot)
      bot.abandon()
      await sleep(between(200, 2000))
    } else if (r < 0.7) {
      stats.logouts++
      alive.delete(slot)
      bot.leave()
      await sleep(between(200, 2000))
    }
  }
}

/** Churn for `ms`, running `midway` actions at even intervals meanwhile; every life has ended when it resolves. */
async function churn(ms, midway = []) {
  churning = true
  const lives = Array.from({ length: BOTS }, (_, i) => life(i))
  const step = ms / (midway.length + 1)
  for (const action of midway) {
    await sleep(step)
    await action()
  }
  await sleep(step)
  churning = false
  await Promise.all(lives)
}

/** Everybody in a room leaves; wait until the server holds nothing (abandoned sessions expire). */
async function drain() {
  for (const bot of alive.values()) bot.leave()
  alive.clear()
  const start = Date.now()
  for (;;) {
    const g = await gauges()
    const rooms = (await admin('/admin/rooms')).rooms
    if ((g.users === 0 && g.streams === 0 && g.mediaConnections === 0 && rooms.length === 0) || Date.now() - start > RESUME_WINDOW_MS + MEDIA_GRACE_MS + 20_000) return g
    await sleep(250)
  }
}

// ---- run -------------------------------------------------------------------------------------
const rss = [] // { t, mb, phase }
let sampler
let exitCode = 0
try {
  await startNginx()
  await startServer()
  await sleep(1000)
  const fresh = await server.call('leaks')
  if (process.env.SOAK_HEAP_DIR) await server.call('heapSnapshot', { path: join(process.env.SOAK_HEAP_DIR, 'fresh.heapsnapshot') })
  log(`fresh server: RSS ${round(fresh.rssMB)} MB, ${fresh.fds} fds, ${fresh.timers} timers`)
  sampler = setInterval(() => {
    try {
      rss.push({ t: round((Date.now() - t0) / 1000), mb: round(procStat(server.pid).rssBytes / 2 ** 20) })
    } catch {
      /* between a restart's stop and start */
    }
  }, 1000)

  const churnMs = SECONDS * 1000
  await churn(churnMs, [
    // A server restart a third of the way in, a media-server restart at two thirds.
    async () => {
      log('restarting the signaling server')
      await server.call('close').catch(() => undefined)
      await server.stop()
      await startServer()
    },
    restartMedia,
  ])
  log(`churn over: ${JSON.stringify(stats)}; ${alive.size} bots in rooms`)

  // ---- every connected bot sees what the server holds ----
  const settleStart = Date.now()
  let mismatches = []
  for (;;) {
    mismatches = []
    for (const bot of alive.values()) {
      const snap = bot.engine.getSnapshot()
      const users = ((await admin(`/admin/rooms/${bot.roomId}/users`)).users ?? []).map((u) => u.userId).sort()
      const streams = ((await admin(`/admin/rooms/${bot.roomId}/streams`)).streams ?? []).filter((s) => s.state === 'live' && s.user.userId !== bot.userId).map((s) => s.streamId).sort()
      const mine = { state: snap.roomState, users: [bot.userId, ...snap.users.map((u) => u.userId)].sort(), streams: snap.streams.map((s) => s.streamId).sort(), count: snap.onlineCount }
      const want = { state: 'CONNECTED', users, streams, count: users.length }
      if (JSON.stringify(mine) !== JSON.stringify(want)) mismatches.push({ bot: bot.userId, mine, want })
    }
    // Room extra info: every bot of a room holds the server's values.
    if (Date.now() - settleStart > 30_000 || mismatches.length === 0) break
    await sleep(500)
  }
  const convergeMs = Date.now() - settleStart
  if (mismatches.length) log('views that differ:', JSON.stringify(mismatches.slice(0, 5)))
  check(mismatches.length === 0, `every bot's final view (users, streams, count) equals the server's (${alive.size} bots, converged in ${convergeMs} ms)`)
  // Room extra info: a fresh login's sync is the server's truth (it survived the restart through
  // the state file); every bot of the room must hold exactly that, except for keys it set last
  // itself: the server does not echo a bot's own update (vendor semantics) and the engine does
  // not apply it locally (a core gap, reported in issue 17's notes).
  const extraOf = (snap, skipUser) => JSON.stringify(snap.roomExtraInfo.filter((i) => i.updateUser.userId !== skipUser).map((i) => [i.key, i.value]).sort())
  let extraDiffs = 0
  for (let r = 0; r < ROOMS; r++) {
    const members = [...alive.values()].filter((b) => b.roomId === `soak-${r}`)
    if (!members.length) continue
    const probe = await joinBot(BOTS + r, `soak-${r}`)
    const truth = probe.engine.getSnapshot()
    for (const b of members) {
      const own = new Set(truth.roomExtraInfo.filter((i) => i.updateUser.userId === b.userId).map((i) => i.key))
      const mine = { roomExtraInfo: b.engine.getSnapshot().roomExtraInfo.filter((i) => !own.has(i.key)) }
      const want = { roomExtraInfo: truth.roomExtraInfo.filter((i) => !own.has(i.key)) }
      if (extraOf(mine) !== extraOf(want)) {
        extraDiffs++
        log(`extra info of ${b.userId}: ${extraOf(mine)}, server: ${extraOf(want)}`)
      }
    }
    probe.leave()
  }
  check(extraDiffs === 0, `every bot's room extra info equals the server's (${extraDiffs} differ)`)

  // ---- everybody leaves; nothing may stay behind ----
  const g = await drain()
  const rooms = (await admin('/admin/rooms')).rooms
  check(g.users === 0, `no session left (${g.users})`)
  check(g.streams === 0 && rooms.length === 0, `no stream or room left (${g.streams} streams, ${rooms.length} rooms)`)
  check(g.mediaConnections === 0, `no media connection left (${g.mediaConnections})`)
  // Sockets closing; HTTP keep-alive connections (ours, nginx's hooks) time out after 5 s.
  await sleep(6000)
  const soaked = await server.call('leaks')
  log(`after the soak: RSS ${round(soaked.rssMB)} MB, ${soaked.fds} fds, resources ${JSON.stringify(soaked.resources)} (fresh: ${JSON.stringify(fresh.resources)})`)
  check(soaked.timers <= fresh.timers, `no timer left (${soaked.timers} vs ${fresh.timers} fresh)`)
  check(soaked.fds <= fresh.fds, `no file descriptor left (${soaked.fds} vs ${fresh.fds} fresh)`)

  // ---- no growth with more work ----
  // A leak grows with the work done; a server's working size (JIT-compiled code, allocator
  // arenas of V8's compiler and GC threads) does not, but differs between processes: compared
  // with another process (a fresh or warmed-up server before the restart), RSS was bimodal here
  // (64 or 73 MB after the same 10 s warm-up) and the check failed on noise. So the same process
  // does one more round of the churn, and its RSS must come back within 10 % (measured here:
  // ±0.4 % between rounds).
  const roundMs = Math.max(10_000, (SECONDS * 1000) / 3)
  await churn(roundMs, [restartMedia])
  log(`another ${roundMs / 1000} s of churn: ${JSON.stringify(stats)}; everybody leaves`)
  await drain()
  await sleep(6000)
  // V8 gives heap back only once it sees the allocation rate stay low: allow it up to 60 s.
  let end = await server.call('leaks')
  const quiet = Date.now()
  while (end.rssMB > soaked.rssMB * 1.1 && Date.now() - quiet < 60_000) {
    await sleep(3000)
    end = await server.call('leaks')
  }
  log(`RSS settled ${Math.round((Date.now() - quiet) / 1000)} s after the drain`)
  if (process.env.SOAK_HEAP_DIR) await server.call('heapSnapshot', { path: join(process.env.SOAK_HEAP_DIR, 'end.heapsnapshot') })
  log(`heap used/total: fresh ${round(fresh.heapUsedMB)}/${round(fresh.heapTotalMB)} MB, after the soak ${round(soaked.heapUsedMB)}/${round(soaked.heapTotalMB)}, after another round ${round(end.heapUsedMB)}/${round(end.heapTotalMB)}`)
  check(end.timers <= fresh.timers && end.fds <= fresh.fds, `still no timer or file descriptor left (${end.timers} timers, ${end.fds} fds)`)
  check(end.rssMB <= soaked.rssMB * 1.1, `RSS after another round within 10 % of the soaked server's (${round(end.rssMB)} vs ${round(soaked.rssMB)} MB; fresh ${round(fresh.rssMB)} MB)`)
  // The finer test at this size: live JS objects after a full GC (±1 % between rounds here). The
  // CI run's round moves ~50 logins; a 50 KB leak per login would hide in RSS but not here.
  check(end.heapUsedMB <= soaked.heapUsedMB * 1.1, `live heap after another round within 10 % of the soaked server's (${round(end.heapUsedMB)} vs ${round(soaked.heapUsedMB)} MB)`)

  const peak = rss.reduce((m, s) => Math.max(m, s.mb), 0)
  const result = { bots: BOTS, rooms: ROOMS, seconds: SECONDS, seed: Number(values.seed), stats, convergeMs, fresh: { rssMB: round(fresh.rssMB), fds: fresh.fds, timers: fresh.timers }, soaked: { rssMB: round(soaked.rssMB), heapUsedMB: round(soaked.heapUsedMB), fds: soaked.fds, timers: soaked.timers }, roundSeconds: roundMs / 1000, after: { rssMB: round(end.rssMB), heapUsedMB: round(end.heapUsedMB), fds: end.fds, timers: end.timers }, peakRssMB: peak, failures, rss }
  if (values.record) {
    writeResult('soak', result)
    const svg = join(resultsDir, 'soak-rss.svg')
    writeFileSync(svg, rssSvg(rss, result))
    svgToPng(svg, join(resultsDir, 'soak-rss.png'))
    log('wrote results/soak.json, results/soak-rss.svg and .png')
  }
  log(`peak RSS ${peak} MB; ${failures.length ? failures.length + ' failure(s)' : 'all checks passed'}`)
  exitCode = failures.length ? 1 : 0
} catch (e) {
  console.error(e)
  exitCode = 1
} finally {
  churning = false
  clearInterval(sampler)
  for (const bot of alive.values()) bot.abandon()
  await server?.stop().catch(() => undefined)
  await stopNginx()
  rmSync(prefix, { recursive: true, force: true })
}
process.exit(exitCode)

/** Render the SVG to a PNG with Debian's Chromium (scripts/install-chromium.sh), when present. */
export function svgToPng(svg, png) {
  const r = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${png}`, '--window-size=900,420', 'file://' + svg], { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) log('no PNG (chromium failed):', (r.stderr ?? '').slice(0, 300))
}

/** The RSS curve as an SVG. */
function rssSvg(samples, r) {
  const W = 900
  const H = 420
  const pad = 50
  const tMax = Math.max(1, ...samples.map((s) => s.t))
  const mMax = Math.max(1, ...samples.map((s) => s.mb)) * 1.1
  const x = (t) => pad + ((W - 2 * pad) * t) / tMax
  const y = (m) => H - pad - ((H - 2 * pad) * m) / mMax
  const path = samples.map((s, i) => `${i ? 'L' : 'M'}${x(s.t).toFixed(1)},${y(s.mb).toFixed(1)}`).join(' ')
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${pad - 6}" y="${y(mMax * f) + 4}" text-anchor="end">${Math.round(mMax * f)}</text><line x1="${pad}" x2="${W - pad}" y1="${y(mMax * f)}" y2="${y(mMax * f)}" stroke="#eee"/>`).join('')
  const tt = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(tMax * f)}" y="${H - pad + 18}" text-anchor="middle">${Math.round(tMax * f)} s</text>`).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">MiniRTC server RSS during the soak: ${r.bots} bots, ${r.rooms} rooms, ${r.seconds} s (server restart at 1/3, media restart at 2/3), then another round</text>
${ticks}${tt}<line x1="${pad}" x2="${pad}" y1="${pad}" y2="${H - pad}" stroke="#333"/><line x1="${pad}" x2="${W - pad}" y1="${H - pad}" y2="${H - pad}" stroke="#333"/>
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">RSS (MB)</text>
<path d="${path}" fill="none" stroke="#1f6feb" stroke-width="1.5"/></svg>\n`
}
