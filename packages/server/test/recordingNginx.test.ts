import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RtmpPublisher } from '@minirtc/headless'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ensureFreePort } from '../src/media/freePort'
import type { RecordingInfo } from '../src/recording/types'
import type { RunningServer } from '../src/index'
import { type NginxProc, requireNginx, startNginx } from './clusterNodes'
import { adminFetch, eventually, joined, sleep, start } from './helpers'
import { push } from './mediaHelpers'

requireNginx()

const dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-nginx-'))
const hookSecret = 'nginx-hook-secret-0123456789'
let srv: RunningServer
const nodes: NginxProc[] = []

beforeAll(async () => {
  const ports = []
  for (const name of ['a', 'b']) ports.push({ name, rtmp: await ensureFreePort('127.0.0.1', 0), control: await ensureFreePort('127.0.0.1', 0) })
  srv = await start({
    media: {
      kind: 'nginx',
      nodes: ports.map((p) => ({ name: p.name, rtmpUrl: `rtmp://127.0.0.1:${p.rtmp}/live`, controlUrl: `http://127.0.0.1:${p.control}/control` })),
      hookSecret,
    },
    recording: { dir, pollMs: 300, minFreeBytes: 0, grid: { width: 640, height: 360, fps: 10 } },
  })
  for (const p of ports) nodes.push(await startNginx({ name: p.name, hookBaseUrl: srv.httpUrl, hookSecret, rtmpPort: p.rtmp, controlPort: p.control }))
})
afterAll(async () => {
  await srv?.close()
  for (const n of nodes) await n.stop()
  rmSync(dir, { recursive: true, force: true })
})

function probe(file: string): Promise<{ codecs: string[]; width?: number; duration: number }> {
  return new Promise((resolve, reject) =>
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width:format=duration', '-of', 'json', file], (err, out) => {
      if (err) return reject(err)
      const j = JSON.parse(out) as { streams: { codec_name: string; width?: number }[]; format: { duration: string } }
      resolve({ codecs: j.streams.map((s) => s.codec_name).sort(), width: j.streams.find((s) => s.width)?.width, duration: Number(j.format.duration) })
    }),
  )
}

it('records streams held by two different nginx media nodes, each pulled from its own node (separate and grid)', async () => {
  // Reserve streams until one lands on each node (media names are hashed onto the nodes).
  const { c } = await joined(srv, 'rec-nginx', 'owner')
  const byPort = new Map<string, { streamId: string; pushUrl: string }>()
  // Media names are random, so each try lands on either node at even odds: 24 tries miss one node with p = 2^-23.
  for (let i = 0; byPort.size < 2 && i < 24; i++) {
    const r = await c.request('publish', { streamId: `ngx-${i}` })
    const port = new URL(r.d.pushUrl).port
    if (!byPort.has(port)) byPort.set(port, { streamId: `ngx-${i}`, pushUrl: r.d.pushUrl })
    else await c.request('unpublish', { streamId: `ngx-${i}` })
  }
  expect(byPort.size).toBe(2)
  const pushers: RtmpPublisher[] = []
  for (const s of byPort.values()) pushers.push(await push(s.pushUrl))
  await eventually(async () => (await adminFetch(srv, '/admin/rooms/rec-nginx/streams')).body.streams.filter((s: { state: string }) => s.state === 'live').length === 2, 10_000, 'both live')

  const sep = await adminFetch(srv, '/admin/rooms/rec-nginx/recordings', { method: 'POST', body: '{}' })
  const grid = await adminFetch(srv, '/admin/rooms/rec-nginx/recordings', { method: 'POST', body: JSON.stringify({ layout: 'grid' }) })
  expect([sep.status, grid.status]).toEqual([201, 201])
  // nginx has no GOP cache: recorders start at the next keyframe.
  await eventually(async () => {
    const all = (await adminFetch(srv, '/admin/rooms/rec-nginx/recordings')).body.recordings as RecordingInfo[]
    return all.every((r) => r.files.length > 0 && r.files.every((f) => f.bytes > 0)) && all[0]!.files.length === 2
  }, 15_000, 'files being written')
  await sleep(5500)
  const done: RecordingInfo[] = []
  for (const r of [sep, grid]) done.push((await adminFetch(srv, `/admin/rooms/rec-nginx/recordings/${r.body.recording.recordingId}`, { method: 'DELETE' })).body.recording)
  for (const p of pushers) await p.stop()

  expect(done[0]!.files.map((f) => f.streamId).sort()).toEqual([...byPort.values()].map((s) => s.streamId).sort())
  for (const f of done[0]!.files) {
    const p = await probe(join(dir, f.file))
    expect(p.codecs).toEqual(['aac', 'h264'])
    expect(p.duration).toBeGreaterThanOrEqual(4)
  }
  expect(done[1]!.files).toHaveLength(1)
  const g = await probe(join(dir, done[1]!.files[0]!.file))
  expect([g.codecs, g.width]).toEqual([['aac', 'h264'], 640])
  expect(g.duration).toBeGreaterThanOrEqual(4)
})
