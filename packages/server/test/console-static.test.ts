import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ErrorCode } from '@minirtc/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { INGEST_CLOSE_REFUSED } from '../src/ingest'
import { joined, start } from './helpers'

let srv: RunningServer
const dir = mkdtempSync(join(tmpdir(), 'minirtc-console-'))
beforeAll(async () => {
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
  srv = await start({ consoleDir: dir })
})
afterAll(() => srv?.close())

describe('console served by the server', () => {
  it('serves the built files at /console/ and nothing outside them', async () => {
    const r = await fetch(`${srv.httpUrl}/console?room=x`, { redirect: 'manual' })
    expect(r.status).toBe(301)
    expect(r.headers.get('location')).toBe('/console/?room=x')
    const index = await fetch(`${srv.httpUrl}/console/`)
    expect(index.headers.get('content-type')).toMatch(/text\/html/)
    expect(await index.text()).toContain('<title>console</title>')
    const js = await fetch(`${srv.httpUrl}/console/assets/app.js`)
    expect(js.headers.get('content-type')).toMatch(/javascript/)
    for (const bad of ['/console/../package.json', '/console/%2e%2e/%2e%2e/package.json', '/console/..%2fpackage.json', '/console/nope.js'])
      expect((await fetch(srv.httpUrl + bad)).status, bad).toBe(404)
    expect((await fetch(`${srv.httpUrl}/console/`, { method: 'POST' })).status).toBe(405)
    // The API is still there.
    expect((await fetch(`${srv.httpUrl}/healthz`)).status).toBe(200)
  })
})

describe('ingest endpoint wired into the server', () => {
  function refusal(url: string): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${srv.url.replace(/\/ws$/, '')}/ingest?url=${encodeURIComponent(url)}`)
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
      ws.on('error', reject)
    })
  }
  it('refuses forged and foreign push URLs before spawning anything', async () => {
    const forged = await refusal(`${srv.rtmpUrl}/AAAAAAAAAAAAAAAAAAAA?u=x&e=9999999999&s=bad`)
    expect(forged.code).toBe(INGEST_CLOSE_REFUSED)
    // a media URL refusal: unsigned, expired, invalid or not authorized
    const mediaRefusals: number[] = [ErrorCode.MEDIA_URL_UNSIGNED, ErrorCode.MEDIA_URL_EXPIRED, ErrorCode.MEDIA_URL_INVALID, ErrorCode.MEDIA_NOT_AUTHORIZED]
    expect(mediaRefusals).toContain(Number(forged.reason.split(' ')[0]))
    const foreign = await refusal('rtmp://evil.example/live/AAAAAAAAAAAAAAAAAAAA?s=x')
    expect(foreign.code).toBe(INGEST_CLOSE_REFUSED)
  })
  it('accepts a real signed push URL from a publish reply (no MEDIA_URL refusal)', async () => {
    const owner = await joined(srv, 'ing-room', 'owner')
    const pub = await owner.c.request('publish', { streamId: 'browser-cam' })
    expect(pub.ok).toBe(true)
    const ws = new WebSocket(`${srv.url.replace(/\/ws$/, '')}/ingest?url=${encodeURIComponent(pub.d.pushUrl)}`)
    const first = await new Promise<string | { code: number; reason: string }>((resolve) => {
      ws.once('message', (d) => resolve(d.toString()))
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
    // ffmpeg is installed by the test script (scripts/install-chromium.sh): the ingest starts.
    expect(first, 'ffmpeg missing? run scripts/install-chromium.sh').toBeTypeOf('string')
    expect(JSON.parse(first as string)).toMatchObject({ type: 'ready' })
    ws.close()
    owner.c.close()
  })
})
