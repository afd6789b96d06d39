import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { WEBHOOK_SIGNATURE_HEADER, verifyWebhook } from '../src/index'
import type { RecordingInfo } from '../src/recording/types'
import { APP, adminFetch, eventually, joined, sleep, start } from './helpers'
import { push } from './mediaHelpers'

const dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-auto-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('records an auto app room by itself, and finishes the file and sends recording.finished on shutdown', async () => {
  const events: { event: string; data: RecordingInfo; ok: boolean }[] = []
  const hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const j = JSON.parse(body) as { event: string; data: RecordingInfo }
      events.push({ ...j, ok: verifyWebhook(body, req.headers[WEBHOOK_SIGNATURE_HEADER] as string, APP.secret) })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  const srv = await start({
    apps: [{ ...APP, webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, recording: { auto: true } }],
    recording: { dir, pollMs: 300, minFreeBytes: 0 },
  })
  let closed = false
  try {
    const { c } = await joined(srv, 'auto-room', 'a')
    const pub = await c.request('publish', { streamId: 'auto-cam' })
    const pusher = await push(pub.d.pushUrl)
    const list = await eventually(async () => {
      const r = (await adminFetch(srv, '/admin/rooms/auto-room/recordings')).body.recordings as RecordingInfo[]
      return r.length === 1 && r[0]!.files.length === 1 && r[0]!.files[0]!.bytes > 0 ? r : undefined
    }, 10_000, 'automatic recording')
    expect(list![0]).toMatchObject({ auto: true, layout: 'separate', state: 'recording', streams: null })
    await sleep(4000)
    closed = true
    await srv.close()
    await pusher.stop()
  } finally {
    if (!closed) await srv.close()
  }
  // close() returned after the recorders: the file is finished and the webhook was delivered.
  const finished = events.find((e) => e.event === 'recording.finished')!
  expect(finished.ok).toBe(true)
  expect(finished.data.stopReason).toBe('shutdown')
  const file = join(dir, finished.data.files[0]!.file)
  const duration = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString())
  expect(duration).toBeGreaterThanOrEqual(3)
  expect(finished.data.files[0]!.durationMs).toBeGreaterThanOrEqual(3000)
  await new Promise<void>((r) => hook.close(() => r()))
})
