import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@minirtc/protocol'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RunningServer } from '../src/index'
import { APP, Client, adminFetch, eventually, joined, sleep, start, token } from './helpers'

/**
 * Our own adversarial pass over every listener: broken encodings on every HTTP path, control
 * characters in every ID field, oversized frames, and players that stop reading on the media
 * push paths. Real server, real sockets, real ffmpeg.
 */
const tmp = mkdtempSync(join(tmpdir(), 'minirtc-adversarial-'))
let srv: RunningServer | undefined
const children: ChildProcess[] = []
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGCONT')
    c.kill('SIGKILL')
  }
  await srv?.close()
  srv = undefined
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function raw(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(base)
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(-1))
    req.end()
  })
}

const BROKEN = ['%', '%%', '%2', '%zz', '%E0%A4%A', '%C0%AF', '%FF%FE', '%u202e', '%ED%A0%80']

describe('every HTTP path with malformed encodings', () => {
  it('signaling port (API, admin, hooks, dev token, ingest/ws upgrades) and HTTP-FLV port answer 4xx and stay up', async () => {
    srv = await start({ dev: { appId: APP.appId } })
    const auth = { authorization: `Bearer ${APP.secret}`, 'x-minirtc-app-id': APP.appId }
    const templates = ['/X', '/admin/X', '/admin/rooms/X/users', '/admin/rooms/X/streams', '/admin/rooms/r/users/X/kick', '/admin/rooms/X/close', '/hooks/nginx/X/publish', '/dev/token?roomId=X&userId=u', '/healthz/X', '/metrics/X']
    for (const t of templates)
      for (const b of BROKEN)
        for (const method of t.endsWith('kick') || t.endsWith('close') ? ['POST'] : ['GET']) {
          const status = await raw(srv.httpUrl, method, t.replace('X', b), auth)
          // Queries decode leniently (`%` stays `%`, a valid ID character); path segments must not.
          expect(status, `${method} ${t.replace('X', b)}`).toBeGreaterThanOrEqual(t.includes('?') ? 200 : 400)
          expect(status, `${method} ${t.replace('X', b)}`).toBeLessThan(500)
        }
    const flv = new URL(srv.flvUrl)
    for (const b of BROKEN) for (const p of [`/live/${b}.flv`, `/${b}`, `/live/${b}`]) {
      const status = await raw(flv.origin, 'GET', p)
      expect(status, 'flv ' + p).toBeGreaterThanOrEqual(400)
    }
    // Upgrades on broken paths are refused, not crashed on.
    for (const b of BROKEN) {
      const ws = new WebSocket(`${srv.url.replace(/\/ws$/, '')}/ingest${b}`)
      const outcome = await new Promise<string>((r) => {
        ws.on('open', () => r('open'))
        ws.on('error', (e) => r(e.message))
      })
      expect(outcome).not.toBe('open')
    }
    expect(await raw(srv.httpUrl, 'GET', '/healthz')).toBe(200)
    const c = await joined(srv, 'still-up', 'u')
    c.c.close()
  })

  it('refuses huge headers and bodies without buffering them', async () => {
    srv = await start()
    // 431, or the connection cut before the client finished sending: never a 2xx, never a crash.
    expect([431, -1]).toContain(await raw(srv.httpUrl, 'GET', '/admin/rooms', { 'x-pad': 'x'.repeat(64 * 1024) }))
    expect(await raw(srv.httpUrl, 'GET', '/healthz')).toBe(200)
  })
})

describe('slow readers on the admin API', () => {
  it('stops reading pipelined requests from a client that does not read the answers', async () => {
    srv = await start()
    const u = new URL(srv.httpUrl)
    const { connect } = await import('node:net')
    const sock = connect(Number(u.port), u.hostname)
    sock.on('error', () => {})
    await new Promise((r) => sock.once('connect', r))
    sock.pause() // never read an answer
    const req = `GET /admin/rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-secret\r\nx-minirtc-app-id: ${APP.appId}\r\n\r\n`
    const total = 100_000
    let written = 0
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (written < total) {
          written++
          if (!sock.write(req)) return void sock.once('drain', pump)
        }
        resolve()
      }
      pump()
      setTimeout(resolve, 3000)
    })
    await sleep(500)
    const text = await (await fetch(srv.httpUrl + '/metrics')).text()
    const handled = [...text.matchAll(/minirtc_auth_failures_total\{reason="(?:ADMIN_AUTH_FAILED|RATE_LIMITED)"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
    console.log(`admin pipelining: ${written} requests written, ${handled} answered while the client read nothing`)
    expect(handled).toBeGreaterThan(0)
    // Answers queue up only to the socket buffers; then the server stops reading this client, so
    // the client's own writes back up before it got all its requests out.
    expect(handled).toBeLessThan(total / 4)
    expect(written).toBeLessThan(total)
    sock.destroy()
  })
})

describe('every ID field with control and bidi characters', () => {
  it('is refused with the field’s code, and nothing is stored', async () => {
    srv = await start()
    const bad = ['a\u0000b', 'a\nb', 'a\u202eb', 'a\u2066b', 'a b', 'a\tb', 'a\u007fb']
    const c = await Client.open(srv.url)
    for (const x of bad) {
      const base = { appId: APP.appId, roomId: 'r', token: await token('u', 'r'), user: { userId: 'u', userName: 'U' }, userUpdate: true }
      expect((await c.request('login', { ...base, roomId: x })).error?.code, 'roomId ' + JSON.stringify(x)).toBe(ErrorCode.INVALID_ROOM_ID)
      expect((await c.request('login', { ...base, user: { userId: x, userName: 'U' } })).error?.code, 'userId').toBe(ErrorCode.INVALID_USER_ID)
    }
    c.close()
    const u = await joined(srv, 'r', 'u')
    for (const x of bad) {
      expect((await u.c.request('publish', { streamId: x })).error?.code, 'streamId ' + JSON.stringify(x)).toBe(ErrorCode.INVALID_STREAM_ID)
      expect((await u.c.request('play', { streamId: x })).error?.code).toBe(ErrorCode.INVALID_STREAM_ID)
      expect((await u.c.request('customCommand', { command: 'c', toUserIds: [x] })).error?.code).toBe(ErrorCode.INVALID_USER_ID)
    }
    for (const x of ['a%00b', 'a%0Ab', 'a%E2%80%AEb']) {
      expect((await adminFetch(srv, `/admin/rooms/${x}/users`)).body.error.code).toBe(ErrorCode.INVALID_ROOM_ID)
      expect((await adminFetch(srv, `/admin/rooms/r/users/${x}/kick`, { method: 'POST' })).body.error.code).toBe(ErrorCode.INVALID_USER_ID)
    }
    expect((await adminFetch(srv, '/admin/rooms')).body.rooms).toEqual([expect.objectContaining({ roomId: 'r', userCount: 1 })])
    u.c.close()
  })
})

describe('oversized frames', () => {
  it('closes signaling with 1009 and ingest at its own limit, and both listeners keep serving', async () => {
    srv = await start()
    const big = new WebSocket(srv.url)
    await new Promise((r) => big.once('open', r))
    big.on('error', () => {})
    const closed = new Promise<number>((r) => big.once('close', (code) => r(code)))
    big.send('x'.repeat(64 * 1024))
    expect(await closed).toBe(1009)
    const u = await joined(srv, 'big', 'u')
    const p = await u.c.request('publish', { streamId: 's' })
    const ing = new WebSocket(`${srv.url.replace(/\/ws$/, '')}/ingest?url=${encodeURIComponent(p.d.pushUrl)}`)
    ing.on('error', () => {})
    await new Promise((r) => ing.once('open', r))
    const ingClosed = new Promise<number>((r) => ing.once('close', (code) => r(code)))
    ing.send(Buffer.alloc(5 * 1024 * 1024))
    expect(await ingClosed).toBe(1009)
    u.c.close()
  })
})

describe('players that stop reading (media push paths)', () => {
  let bigFlv: string
  beforeAll(() => {
    // 10 s of large Sorenson frames (~18 MB, 1.8 MB/s): a stopped player falls behind by megabytes in seconds.
    bigFlv = join(tmp, 'big.flv')
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10', '-c:v', 'flv1', '-q:v', '1', '-f', 'flv', bigFlv])
  })

  it('drops an RTMP and an HTTP-FLV player that stopped reading; a reading player keeps playing', async () => {
    srv = await start({ maxPlayerBufferBytes: 2 * 1024 * 1024 })
    const pub = await joined(srv, 'slowmedia', 'pub')
    const view = await joined(srv, 'slowmedia', 'view')
    const p = await pub.c.request('publish', { streamId: 'big' })
    const pusher = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', bigFlv, '-c', 'copy', '-f', 'flv', p.d.pushUrl], { stdio: 'ignore' })
    children.push(pusher)
    await view.c.waitPush((x) => x.ev === 'stream' && x.d.type === 'ADD', 15_000)
    const play = async () => (await view.c.request('play', { streamId: 'big' })).d.urls as { rtmp: string; flv: string }
    const player = (url: string) => {
      const c = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', url, '-c', 'copy', '-f', 'null', '-'], { stdio: 'ignore' })
      children.push(c)
      return c
    }
    const urls = await play()
    const slowRtmp = player(urls.rtmp)
    const slowFlv = player(urls.flv)
    const healthy = player((await play()).flv)
    await sleep(1500)
    slowRtmp.kill('SIGSTOP')
    slowFlv.kill('SIGSTOP')
    const slow = async (listener: string) => {
      const m = (await (await fetch(srv!.httpUrl + '/metrics')).text()).match(new RegExp(`minirtc_slow_consumers_total\\{listener="${listener}"\\} (\\d+)`))
      return m ? Number(m[1]) : 0
    }
    await eventually(async () => (await slow('rtmp')) >= 1 && (await slow('flv')) >= 1, 30_000, 'both stopped players dropped')
    expect(await slow('flv')).toBe(1) // the reading player was not
    expect(healthy.exitCode).toBeNull()
    pub.c.close()
    view.c.close()
  }, 60_000)
})
