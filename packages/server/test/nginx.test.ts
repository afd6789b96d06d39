import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@minirtc/protocol'
import { probeFirstKeyframe } from '@minirtc/headless'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateNginxConfig, type RunningServer } from '../src/index'
import { adminFetch, eventually, joined, sleep, start } from './helpers'
import { FIXTURES, Viewer, mediaAuthCount, publishing, push, rtmpMediaTags } from './mediaHelpers'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

const hasNginx = spawnSync('nginx', ['-v']).status === 0
if (!hasNginx) {
  // Not skipped silently: the nginx path is part of the contract. Install it first.
  throw new Error('nginx is not installed: run scripts/install-nginx.sh (apt: nginx-light libnginx-mod-rtmp) before the server tests')
}

let srv: RunningServer
let nginx: ChildProcess
let prefix: string
let nginxLog = ''
const hookSecret = randomBytes(18).toString('base64url')

beforeAll(async () => {
  const rtmpPort = await freePort()
  const controlPort = await freePort()
  srv = await start({
    mediaGraceMs: 0, // nginx's on_publish_done path: DELETE at once
    media: {
      kind: 'nginx',
      rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live`,
      controlUrl: `http://127.0.0.1:${controlPort}/control`,
      hookSecret,
    },
  })
  prefix = mkdtempSync(join(tmpdir(), 'minirtc-nginx-'))
  mkdirSync(join(prefix, 'tmp'))
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    generateNginxConfig({ hookBaseUrl: srv.httpUrl, hookSecret, rtmpListen: `127.0.0.1:${rtmpPort}`, controlListen: `127.0.0.1:${controlPort}` }),
  )
  const check = spawnSync('nginx', ['-t', '-c', conf, '-p', prefix + '/'], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`)
  nginx = spawn('nginx', ['-c', conf, '-p', prefix + '/'], { stdio: ['ignore', 'pipe', 'pipe'] })
  nginx.stderr!.on('data', (d) => (nginxLog += d))
  await eventually(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${controlPort}/healthz`)).ok
      } catch {
        return false
      }
    },
    15_000,
    'nginx healthz',
  )
})

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx.once('exit', r))
    nginx.kill('SIGQUIT')
    await Promise.race([exited, sleep(5000)])
    if (nginx.exitCode === null) nginx.kill('SIGKILL')
  }
  await srv?.close()
  if (prefix) rmSync(prefix, { recursive: true, force: true })
})

describe('nginx-rtmp with HTTP hooks', () => {
  it('publishes through a signed URL, refuses intruders, ends at once and drops on kick', async () => {
    const owner = await joined(srv, 'ngx', 'owner')
    const viewer = await joined(srv, 'ngx', 'viewer')
    const pub = await owner.c.request('publish', { streamId: 'ngx-cam' })
    expect(pub.d.pushUrl).toMatch(new RegExp(`^${srv.rtmpUrl}/[A-Za-z0-9_-]{20}\\?`))
    const pusher = await push(pub.d.pushUrl)
    expect(pusher.publishing).toBe(true)
    await owner.c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'PUBLISHING')
    await viewer.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'ADD')
    const play = await viewer.c.request('play', { streamId: 'ngx-cam' })
    expect(play.d.urls.flv).toBe('') // stock nginx-rtmp has no HTTP-FLV
    const probe = await probeFirstKeyframe(play.d.urls.rtmp, 15_000)
    expect([probe.width, probe.height]).toEqual([640, 360])

    // Intruders: unsigned, forged, duplicate (valid URL while live). nginx asks us; we say 403.
    const dupUrl = (await owner.c.request('publish', { streamId: 'ngx-cam' })).d.pushUrl as string
    const cases: [string, string, string][] = [
      ['unsigned', pub.d.pushUrl.split('?')[0], 'MEDIA_URL_UNSIGNED'],
      ['forged', pub.d.pushUrl.replace(/s=[^&]+/, 's=CCCCCCCCCCCCCCCCCCCCCCCC'), 'MEDIA_URL_INVALID'],
      ['duplicate', dupUrl, 'MEDIA_DUPLICATE_PUBLISH'],
    ]
    for (const [name, url, reason] of cases) {
      const before = await mediaAuthCount(srv, 'publish', reason)
      const intruder = await push(url, FIXTURES.camera320x240)
      await eventually(async () => (await mediaAuthCount(srv, 'publish', reason)) === before + 1, 10_000, name)
      await eventually(() => !intruder.publishing, 10_000, `${name} dropped`)
    }
    const forgedPlay = play.d.urls.rtmp.replace(/s=[^&]+/, 's=DDDDDDDDDDDDDDDDDDDDDDDD')
    expect(await rtmpMediaTags(forgedPlay, 2500)).toBe(0)
    expect(await mediaAuthCount(srv, 'play', 'MEDIA_URL_INVALID')).toBe(1)
    // The real stream is untouched.
    const again = await probeFirstKeyframe(play.d.urls.rtmp, 15_000)
    expect([again.width, again.height]).toEqual([640, 360])

    // Kick the viewer: its RTMP play is dropped through nginx's control API.
    const v = new Viewer(play.d.urls.rtmp)
    await v.start()
    await eventually(() => v.mediaTags > 0, 15_000, 'viewer receiving')
    expect((await adminFetch(srv, '/admin/rooms/ngx/users/viewer/kick', { method: 'POST' })).status).toBe(200)
    await eventually(() => v.ended, 10_000, 'kicked viewer dropped by nginx')

    // Publisher leaves: on_publish_done arrives at once → DELETE + STOPPED.
    const watcher = await joined(srv, 'ngx', 'watcher')
    expect(watcher.login.room.streams.map((s) => s.streamId)).toEqual(['ngx-cam'])
    await pusher.stop()
    await watcher.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'DELETE', 5000)
    await owner.c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'STOPPED', 5000)
    owner.c.close()
    watcher.c.close()
  })

  it('answers hooks only on the secret path, 403 with the code on refusal', async () => {
    const form = 'call=publish&app=live&name=abc&clientid=1'
    const wrong = await fetch(`${srv.httpUrl}/hooks/nginx/not-the-secret/publish`, { method: 'POST', body: form })
    expect(wrong.status).toBe(404)
    const refused = await fetch(`${srv.httpUrl}/hooks/nginx/${hookSecret}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    })
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain(String(ErrorCode.MEDIA_URL_UNSIGNED))
  })

  it('unpublish drops the nginx publisher', async () => {
    const o = await joined(srv, 'ngx-2', 'o')
    const pusher = await publishing(o.c, 'ngx-cam-2')
    expect((await o.c.request('unpublish', { streamId: 'ngx-cam-2' })).ok).toBe(true)
    await eventually(() => !pusher.publishing, 10_000, 'publisher dropped')
    o.c.close()
    expect(nginxLog).not.toMatch(/\[emerg\]/)
  })
})
