// Recording: CPU and RSS of the server's recorders (its ffmpeg children) for one `grid` recording
// of 4 streams (composed, encoded with x264 ultrafast) and for 10 `separate` recorders (one
// recording of 10 streams, each copied into its own file). The MiniRTC server (embedded NMS) and
// its recorders are pinned to core 0, the publishers to core 1. No anchor: there is nothing to
// compare a recorder with in the same run; the figures are reported.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { APP, childPids, cpuMeter, sleep, spawnWorker, writeResult } from './lib.mjs'

async function admin(server, path, init = {}) {
  const res = await fetch(server.info.httpUrl + path, {
    ...init,
    headers: { authorization: `Bearer ${APP.secret}`, 'x-minirtc-app-id': APP.appId },
  })
  const body = await res.json()
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`)
  return body
}

/** Publish `streams` into one room, record it with `layout`, measure the recorders. */
async function scenario(server, dir, { room, layout, streams, warmupMs, measureMs }) {
  const gen = await spawnWorker('gen/media.mjs', { core: 1, name: 'publishers' })
  try {
    await gen.call('start', { url: server.info.url, streams, rtmpPlayers: 0, flvPlayers: 0, room })
    const { recording } = await admin(server, `/admin/rooms/${room}/recordings`, { method: 'POST', body: JSON.stringify({ layout }) })
    // The recorders start once the streams are live, and a grid restarts its ffmpeg as streams
    // join: sample only after the set of recorder processes held still for a second (a run of
    // record once sampled the grid between two of its ffmpeg and reported 0 processes).
    const settled = Date.now()
    for (let last = '', since = Date.now(); ; await sleep(250)) {
      const now = childPids(server.pid).join(',')
      if (now !== last) [last, since] = [now, Date.now()]
      else if (now && Date.now() - since >= 1000) break
      if (Date.now() - settled > 30_000) throw new Error(`recording ${layout}: its ffmpeg processes did not settle (${now || 'none'})`)
    }
    await sleep(warmupMs)
    const pids = childPids(server.pid)
    if (!pids.length) throw new Error(`recording ${layout}: no ffmpeg running after the warm-up`)
    const recorders = cpuMeter(pids)
    const serverMeter = cpuMeter([server.pid])
    await sleep(measureMs)
    const r = { processes: pids.length, recorders: recorders(), server: serverMeter() }
    const done = await admin(server, `/admin/rooms/${room}/recordings/${recording.recordingId}`, { method: 'DELETE' })
    await gen.call('stop')
    r.files = done.recording.files.map((f) => ({ durationMs: f.durationMs, bytes: f.bytes }))
    if (layout === 'grid') {
      const size = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', join(dir, done.recording.files[0].file)])
      r.frameSize = size.toString().trim().replace(',', 'x')
    }
    return r
  } finally {
    await gen.stop()
  }
}

function show(name, r) {
  console.log(`  recording ${name.padEnd(14)} ${r.processes} ffmpeg: CPU ${r.recorders.cpuPct} %, RSS ${r.recorders.rssMB} MB; server ${r.server.cpuPct} %  (${r.files.length} files, cores busy ${r.recorders.coreBusyPct.join('/')}%)`)
}

export async function recording({ smoke = false } = {}) {
  const opts = smoke ? { warmupMs: 3000, measureMs: 2000 } : { warmupMs: 5000, measureMs: 20000 }
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-bench-rec-'))
  const server = await spawnWorker('servers/minirtc.mjs', {
    core: 0,
    args: [JSON.stringify({ recording: { dir, maxRecorders: 20, minFreeBytes: 0 } })],
    name: 'MiniRTC server (recording)',
  })
  try {
    const grid = await scenario(server, dir, { room: 'bench-grid', layout: 'grid', streams: smoke ? 2 : 4, ...opts })
    show('grid', grid)
    const separate = await scenario(server, dir, { room: 'bench-separate', layout: 'separate', streams: smoke ? 2 : 10, ...opts })
    show('separate', separate)
    for (const [name, r] of Object.entries({ grid, separate }))
      if (smoke && (r.processes === 0 || r.files.some((f) => !f.bytes))) throw new Error(`recording (${name}): no recorder ran or a file is empty`)
    return writeResult(
      'recording',
      {
        goal: 'CPU and RSS of one grid recorder of 4 streams and of 10 separate recorders',
        method: `camera fixture 640x360 15 fps + AAC pushed over RTMP into one room; the server records it (grid: 1280x720 15 fps, x264 ultrafast, AAC mix; separate: stream copy), recorders pull over RTMP from the embedded NMS; ${opts.warmupMs / 1000} s warm-up, ${opts.measureMs / 1000} s sample of the server's ffmpeg children; server and recorders pinned to core 0, publishers to core 1`,
        grid,
        separate,
      },
      { smoke },
    )
  } finally {
    await server.call('close').catch(() => {})
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await recording({ smoke: process.argv.includes('--smoke') })
