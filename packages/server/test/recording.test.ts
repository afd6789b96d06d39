import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { type IncomingMessage, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@minirtc/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppCredentials, type RunningServer, WEBHOOK_SIGNATURE_HEADER, verifyWebhook } from '../src/index'
import type { RecordingInfo } from '../src/recording/types'
import { APP, adminFetch, eventually, joined, sleep, start } from './helpers'
import { FIXTURES, publishing } from './mediaHelpers'

/** What ffprobe reads from a file: codecs, frame size and duration. */
function probe(file: string): Promise<{ codecs: string[]; width?: number; height?: number; duration: number }> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height:format=duration', '-of', 'json', file], (err, out) => {
      if (err) return reject(err)
      const j = JSON.parse(out) as { streams: { codec_name: string; width?: number; height?: number }[]; format: { duration: string } }
      const v = j.streams.find((s) => s.width)
      resolve({ codecs: j.streams.map((s) => s.codec_name).sort(), width: v?.width, height: v?.height, duration: Number(j.format.duration) })
    })
  })
}

/** Mean luma (16 = black) of a region of the file's last half second. */
function lumaAtEnd(file: string, crop: string): number {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-sseof', '-0.5', '-i', file, '-vf', `crop=${crop},signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-`, '-an', '-f', 'null', '-'])
  const values = [...out.toString().matchAll(/YAVG=([\d.]+)/g)].map((m) => Number(m[1]))
  if (values.length === 0) throw new Error(`no frames read from the end of ${file}`)
  return Math.max(...values)
}

/** A webhook receiver that answers `statuses` in turn (then 200) and keeps what it got. */
async function receiver(statuses: number[] = []) {
  const got: { headers: IncomingMessage['headers']; body: string }[] = []
  const http = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      got.push({ headers: req.headers, body })
      res.writeHead(statuses.shift() ?? 200).end()
    })
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`
  return { url, got, close: () => new Promise<void>((r) => http.close(() => r())) }
}

/** A publishing bot in a room; stop() ends its push. */
async function bot(srv: RunningServer, roomId: string, userId: string, source?: string) {
  const { c } = await joined(srv, roomId, userId)
  const pusher = await publishing(c, `${roomId}-${userId}`, source)
  expect(pusher.publishing).toBe(true)
  return {
    async stop() {
      await pusher.stop()
      c.close()
    },
  }
}

const dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-'))
let srv: RunningServer
let hooks: Awaited<ReturnType<typeof receiver>>
const app: AppCredentials = { ...APP }

beforeAll(async () => {
  // The first two deliveries fail: the sender must retry.
  hooks = await receiver([500, 503])
  app.webhookUrl = hooks.url
  srv = await start({
    apps: [app],
    mediaGraceMs: 500,
    recording: { dir, maxRecorders: 2, pollMs: 300, grid: { width: 640, height: 360, fps: 10 }, webhookRetryBaseMs: 200 },
  })
})
afterAll(async () => {
  await srv?.close()
  await hooks?.close()
  rmSync(dir, { recursive: true, force: true })
})

const rec = (roomId: string, init: RequestInit = {}) => adminFetch(srv, `/admin/rooms/${roomId}/recordings`, init)
/** Wait until the room's recording has `n` files with data in them (ffmpeg probes its inputs first). */
const writing = (roomId: string, n: number) =>
  eventually(async () => {
    const files = ((await rec(roomId)).body.recordings[0] as RecordingInfo).files
    return files.length === n && files.every((f) => f.bytes > 0)
  }, 15_000, `${n} files being written`)
const startRec = (roomId: string, body: unknown) => rec(roomId, { method: 'POST', body: JSON.stringify(body) })
const stopRec = (roomId: string, id: string) => adminFetch(srv, `/admin/rooms/${roomId}/recordings/${id}`, { method: 'DELETE' })

describe('recording', () => {
  it('separate: one MP4 per stream (H.264 + AAC, ≥ 5 s), a stream that joins later is picked up; webhooks signed and retried', async () => {
    const a = await bot(srv, 'rec-sep', 'a')
    const r = await startRec('rec-sep', { layout: 'separate' })
    expect(r.status).toBe(201)
    const id = (r.body.recording as RecordingInfo).recordingId
    const b = await bot(srv, 'rec-sep', 'b')
    await writing('rec-sep', 2)
    await sleep(6000)
    const stopped = await stopRec('rec-sep', id)
    expect(stopped.status).toBe(200)
    const info = stopped.body.recording as RecordingInfo
    expect(info.state).toBe('stopped')
    expect(info.files.map((f) => f.streamId).sort()).toEqual(['rec-sep-a', 'rec-sep-b'])
    for (const f of info.files) {
      const p = await probe(join(dir, f.file))
      expect(p.codecs).toEqual(['aac', 'h264'])
      expect(p.duration).toBeGreaterThanOrEqual(5)
      expect(f.durationMs).toBeGreaterThanOrEqual(5000)
      expect(f.bytes).toBeGreaterThan(100_000)
    }
    await a.stop()
    await b.stop()

    // started (delivered on its third attempt) and finished, all signed with the app secret.
    const finished = (await eventually(() => hooks.got.find((h) => JSON.parse(h.body).event === 'recording.finished'), 10_000, 'finished webhook'))!
    const started = hooks.got.filter((h) => JSON.parse(h.body).event === 'recording.started')
    expect(started).toHaveLength(3)
    expect(new Set(started.map((h) => h.headers['x-minirtc-delivery'])).size).toBe(1)
    for (const h of [...started, finished]) expect(verifyWebhook(h.body, h.headers[WEBHOOK_SIGNATURE_HEADER] as string, app.secret)).toBe(true)
    expect(verifyWebhook(finished.body, finished.headers[WEBHOOK_SIGNATURE_HEADER] as string, 'another-secret-0123456789')).toBe(false)
    expect(verifyWebhook(finished.body.replace('rec-sep', 'rec-xxx'), finished.headers[WEBHOOK_SIGNATURE_HEADER] as string, app.secret)).toBe(false)
    const data = JSON.parse(finished.body).data
    expect(data.recordingId).toBe(id)
    expect(data.files).toHaveLength(2)
    expect(data.files[0].durationMs).toBeGreaterThanOrEqual(5000)

    const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/minirtc_recordings_active 0/)
    expect(Number(/minirtc_recording_bytes_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(200_000)
    expect(metrics).toMatch(/minirtc_webhook_attempts_total\{event="recording.started",result="failed"\} 2/)
  })

  it('grid: a third stream joining midway is composed into the same single MP4 of the grid size (≥ 5 s)', async () => {
    const a = await bot(srv, 'rec-grid', 'a')
    const b = await bot(srv, 'rec-grid', 'b')
    const r = await startRec('rec-grid', { layout: 'grid' })
    expect(r.status).toBe(201)
    const id = (r.body.recording as RecordingInfo).recordingId
    await writing('rec-grid', 1)
    await sleep(2500)
    const c = await bot(srv, 'rec-grid', 'c')
    await sleep(4000)
    const info = (await stopRec('rec-grid', id)).body.recording as RecordingInfo
    expect(info.files).toHaveLength(1)
    const p = await probe(join(dir, info.files[0]!.file))
    expect(p.codecs).toEqual(['aac', 'h264'])
    expect([p.width, p.height]).toEqual([640, 360])
    expect(p.duration).toBeGreaterThanOrEqual(5)
    // The whole file decodes (segments of both layouts); at the end, three cells of a 2x2 grid
    // show a camera and the fourth is black.
    const file = join(dir, info.files[0]!.file)
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'])
    expect(lumaAtEnd(file, '320:180:0:180')).toBeGreaterThan(20)
    expect(lumaAtEnd(file, '320:180:320:180')).toBeLessThan(17)
    await Promise.all([a.stop(), b.stop(), c.stop()])
  })

  it('grid: a stream without audio gets its cell and the mix goes on (its tracks are probed first)', async () => {
    const videoOnly = join(dir, 'video-only.flv')
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', FIXTURES.camera640x360, '-an', '-c', 'copy', videoOnly])
    const a = await bot(srv, 'rec-mute', 'a')
    const b = await bot(srv, 'rec-mute', 'b', videoOnly)
    const r = await startRec('rec-mute', { layout: 'grid' })
    const id = (r.body.recording as RecordingInfo).recordingId
    await writing('rec-mute', 1)
    await sleep(4000)
    const info = (await stopRec('rec-mute', id)).body.recording as RecordingInfo
    const file = join(dir, info.files[0]!.file)
    const p = await probe(file)
    expect([p.codecs, p.width, p.height]).toEqual([['aac', 'h264'], 640, 360])
    expect(p.duration).toBeGreaterThanOrEqual(3)
    // Two cells side by side at the end: both show a camera.
    expect(lumaAtEnd(file, '320:180:0:90')).toBeGreaterThan(20)
    expect(lumaAtEnd(file, '320:180:320:90')).toBeGreaterThan(20)
    await Promise.all([a.stop(), b.stop()])
  })

  it('a recorder killed with SIGKILL leaves a readable file; the stream is picked up again in a new file', async () => {
    const a = await bot(srv, 'rec-kill', 'a')
    const r = await startRec('rec-kill', {})
    const id = (r.body.recording as RecordingInfo).recordingId
    await writing('rec-kill', 1)
    await sleep(3500)
    const pid = Number(execFileSync('pgrep', ['-f', `${id}/01-rec-kill-a.mp4`]).toString().trim().split('\n')[0])
    process.kill(pid, 'SIGKILL')
    const p = await probe(join(dir, id, '01-rec-kill-a.mp4'))
    expect(p.codecs).toEqual(['aac', 'h264'])
    expect(p.duration).toBeGreaterThanOrEqual(2)
    await eventually(async () => (await rec('rec-kill')).body.recordings[0].files.length === 2, 10_000, 'a second file')
    const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text()
    expect(Number(/minirtc_recorder_failures_total\{layout="separate"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1)
    await stopRec('rec-kill', id)
    await a.stop()
  })

  it('refuses with codes: the recorder limit, bad input, unknown recordings and streams', async () => {
    const one = await startRec('rec-lim-1', {})
    const two = await startRec('rec-lim-2', { layout: 'grid' })
    expect([one.status, two.status]).toEqual([201, 201])
    const three = await startRec('rec-lim-3', {})
    expect(three.status).toBe(429)
    expect(three.body.error.code).toBe(ErrorCode.TOO_MANY_RECORDINGS)
    await stopRec('rec-lim-1', one.body.recording.recordingId)
    const three2 = await startRec('rec-lim-3', {})
    expect(three2.status).toBe(201)
    // Another room's recording is not reachable through this room.
    expect((await stopRec('rec-lim-1', two.body.recording.recordingId)).body.error.code).toBe(ErrorCode.RECORDING_NOT_FOUND)
    await stopRec('rec-lim-2', two.body.recording.recordingId)
    await stopRec('rec-lim-3', three2.body.recording.recordingId)


    expect((await startRec('x', { layout: 'mosaic' })).body.error.code).toBe(ErrorCode.INVALID_FIELD)
    expect((await startRec('x', { streams: 'cam' })).body.error.code).toBe(ErrorCode.INVALID_FIELD)
    expect((await rec('x', { method: 'POST', body: '{' })).body.error.code).toBe(ErrorCode.INVALID_FIELD)
    const missing = await startRec('x', { streams: ['nope'] })
    expect([missing.status, missing.body.error.code]).toEqual([404, ErrorCode.STREAM_NOT_FOUND])
    expect((await stopRec('rec-lim-1', 'rec_nope')).body.error.code).toBe(ErrorCode.RECORDING_NOT_FOUND)
    expect((await fetch(`${srv.httpUrl}/admin/rooms/x/recordings`)).status).toBe(401)
  })

  it('refuses with DISK_FULL below minFreeBytes, and RECORDING_NOT_CONFIGURED without a directory', async () => {
    // Only one embedded media server per process: these two use (unstarted) nginx media.
    const media = { kind: 'nginx' as const, rtmpUrl: 'rtmp://127.0.0.1:1/live', hookSecret: 'hook-secret-0123456789' }
    const full = await start({ media, recording: { dir, minFreeBytes: Number.MAX_SAFE_INTEGER } })
    const plain = await start({ media })
    try {
      const r = await adminFetch(full, '/admin/rooms/x/recordings', { method: 'POST', body: '{}' })
      expect([r.status, r.body.error.code]).toEqual([507, ErrorCode.DISK_FULL])
      const n = await adminFetch(plain, '/admin/rooms/x/recordings')
      expect(n.body.error.code).toBe(ErrorCode.RECORDING_NOT_CONFIGURED)
      // Config mistakes are refused at start, saying the fix.
      await expect(start({ media, apps: [{ ...APP, recording: { auto: true } }] })).rejects.toThrow(/set recording.dir/)
      await expect(start({ media, apps: [{ ...APP, recording: { layout: 'mosaic' as 'grid' } }], recording: { dir } })).rejects.toThrow(/'separate' or 'grid'/)
    } finally {
      await full.close()
      await plain.close()
    }
  })
})
