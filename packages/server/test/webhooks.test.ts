import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { expect, it } from 'vitest'
import { Metrics } from '../src/metrics'
import { gridCells } from '../src/recording/ffmpegArgs'
import { WebhookSender, signWebhook, verifyWebhook } from '../src/recording/webhooks'
import { eventually, sleep } from './helpers'

const SECRET = 'hook-secret-0123456789abcdef'

it('verifyWebhook accepts its own signature and refuses another secret, another body, an old or malformed header', () => {
  const body = '{"event":"recording.started"}'
  const now = Date.now()
  const header = signWebhook(SECRET, body, Math.floor(now / 1000))
  expect(verifyWebhook(body, header, SECRET, 300, now)).toBe(true)
  expect(verifyWebhook(body, header, 'other-secret-0123456789', 300, now)).toBe(false)
  expect(verifyWebhook(body + ' ', header, SECRET, 300, now)).toBe(false)
  // A delivery replayed 10 minutes later.
  expect(verifyWebhook(body, header, SECRET, 300, now + 600_000)).toBe(false)
  for (const bad of [undefined, '', 't=abc,v1=00', `t=${Math.floor(now / 1000)},v1=zz`, `t=${Math.floor(now / 1000)}`, header.slice(0, -2)])
    expect(verifyWebhook(body, bad, SECRET, 300, now)).toBe(false)
})

it('a receiver that always fails gets exactly `attempts` deliveries, with growing delays, then the sender gives up', async () => {
  const at: number[] = []
  const http = createServer((_req, res) => {
    at.push(Date.now())
    res.writeHead(500).end()
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const metrics = new Metrics(() => ({ rooms: 0, sessions: 0, streams: 0, mediaConnections: 0 }))
  const sender = new WebhookSender({ log: pino({ level: 'silent' }), metrics, attempts: 3, retryBaseMs: 100 })
  sender.send(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`, SECRET, 'recording.started', { recordingId: 'r' })
  await eventually(() => at.length === 3, 5000, 'three attempts')
  await sleep(600)
  expect(at).toHaveLength(3)
  expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(90)
  expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(190)
  expect(await metrics.registry.getSingleMetricAsString('minirtc_webhook_attempts_total')).toMatch(/result="failed"} 3/)
  await sender.flush()
  await new Promise<void>((r) => http.close(() => r()))
})

it('grid cells: as square as fits, even sizes, row by row inside the canvas', () => {
  const size = { width: 1280, height: 720 }
  expect(gridCells(1, size)).toEqual([{ x: 0, y: 0, w: 1280, h: 720 }])
  expect(gridCells(2, size)).toEqual([{ x: 0, y: 0, w: 640, h: 720 }, { x: 640, y: 0, w: 640, h: 720 }])
  expect(gridCells(3, size).map((c) => [c.x, c.y])).toEqual([[0, 0], [640, 0], [0, 360]])
  const five = gridCells(5, size)
  expect(five.map((c) => [c.w, c.h])).toEqual(Array.from({ length: 5 }, () => [426, 360]))
  for (const c of gridCells(7, { width: 640, height: 360 })) {
    expect(c.w % 2 + (c.h % 2)).toBe(0)
    expect(c.x + c.w).toBeLessThanOrEqual(640)
    expect(c.y + c.h).toBeLessThanOrEqual(360)
  }
})
