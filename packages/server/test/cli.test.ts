import { spawn, spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@minirtc/protocol'
import { verifyToken } from '../src/index'
import { Client } from './helpers'

const pkg = fileURLToPath(new URL('..', import.meta.url))
// Per process: two test runs at once (CI + a developer) must not share or delete each other's build.
const out = join(pkg, `.test-build-${process.pid}`)
const runner = join(out, 'run.mjs')

// Build the CLI from source into a private directory (not dist/, which `build` owns) and run
// it as a real process, the way bin/minirtc-server.js runs dist/cli.js.
beforeAll(async () => {
  await build({ entry: { cli: join(pkg, 'src/cli.ts') }, outDir: out, format: ['esm'], platform: 'node', target: 'node20', dts: false, clean: true, silent: true, config: false })
  writeFileSync(runner, "import { main } from './cli.js'\nmain()\n")
}, 120_000)
afterAll(() => rmSync(out, { recursive: true, force: true }))

function run(args: string[]) {
  return spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8', timeout: 30_000 })
}

describe('minirtc-server CLI', () => {
  it('mints tokens', async () => {
    const r = run(['token', '--app-id', 'cli-app', '--secret', 'cli-secret-0123456789', '--user', 'u1', '--room', 'r1', '--ttl', '60'])
    expect(r.status).toBe(0)
    const v = await verifyToken(r.stdout.trim(), { secretFor: (id) => (id === 'cli-app' ? 'cli-secret-0123456789' : undefined) })
    expect(v).toMatchObject({ ok: true, claims: { appId: 'cli-app', userId: 'u1', roomId: 'r1', grants: { login: true, publish: true } } })
    expect(run(['token', '--user', 'u1']).status).toBe(2)
  })

  it('writes an nginx config', () => {
    const r = run(['nginx-config', '--hook-secret', 'hook-secret-0123456789', '--hook-base-url', 'http://127.0.0.1:9999'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('on_publish http://127.0.0.1:9999/hooks/nginx/hook-secret-0123456789/publish;')
    expect(r.stdout).toContain('rtmp_control all;')
    // A named media node (several nginx-rtmp nodes) puts its name into the hook paths.
    const named = run(['nginx-config', '--hook-secret', 'hook-secret-0123456789', '--media-node', 'edge-1'])
    expect(named.stdout).toContain('/hooks/nginx/hook-secret-0123456789/edge-1/play;')
    const origin = run(['nginx-config', '--hook-secret', 'hook-secret-0123456789', '--media-node', 'a', '--push-to', 'rtmp://10.0.1.1:1935/live'])
    expect(origin.stdout).toContain('push rtmp://10.0.1.1:1935/live;')
    const edge = run(['nginx-config', '--hook-secret', 'hook-secret-0123456789', '--media-node', 'e1', '--edge-of', '10.0.0.0/24'])
    expect(edge.stdout).toContain('allow publish 10.0.0.0/24;')
    expect(edge.stdout).not.toContain('on_publish')
  })

  it('--redis and MINIRTC_REDIS select the cluster mode (an unreachable Redis fails the start with a clear message)', () => {
    const args = ['--app', 'a1:secret-0123456789abcdef', '--port', '0', '--rtmp-port', '0', '--flv-port', '0', '--log-level', 'silent']
    const flag = run([...args, '--redis', 'redis://127.0.0.1:1'])
    expect(flag.status).toBe(1) // a runtime failure, not a wrong command line
    expect(flag.stderr).toContain('Cannot connect to Redis at redis://127.0.0.1:1')
    const env = spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, MINIRTC_REDIS: 'redis://:pw@127.0.0.1:1' } })
    expect(env.status).toBe(1)
    expect(env.stderr).toContain('Cannot connect to Redis at redis://***@127.0.0.1:1') // password not printed
  })

  it('serves in dev mode: prints URLs and a dev app, serves /dev/token, starts within 10 s, exits on SIGTERM', async () => {
    const t0 = Date.now()
    const p = spawn(process.execPath, [runner, '--dev', '--port', '0', '--rtmp-port', '0', '--flv-port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not ready within 10 s:\n${err}`)), 10_000)
      p.stderr.on('data', () => {
        if (err.includes('dev token')) {
          clearTimeout(t)
          resolve()
        }
      })
    })
    const readyMs = Date.now() - t0
    console.log(`CLI ready after ${readyMs} ms (wall, process spawn included)`)
    const ws = err.match(/signaling +(ws:\/\/\S+)/)![1]!
    expect(err).toMatch(/rtmp +rtmp:\/\/127\.0\.0\.1:\d+\/live/)
    expect(err).toMatch(/http-flv +http:\/\/127\.0\.0\.1:\d+\/live/)
    const tokenUrl = err.match(/dev token +(\S+)/)![1]!
    const tk = (await (await fetch(tokenUrl)).json()) as { appId: string; token: string }
    expect(tk.appId).toBe('dev')
    const c = await Client.open(ws)
    const login = await c.login('room1', 'user1', { token: tk.token, appId: 'dev' })
    expect(login.ok).toBe(true)
    c.close()
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)))
    p.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('reads a JSON config file; flags and environment variables win over it', async () => {
    const cfg = join(out, 'minirtc.json')
    writeFileSync(
      cfg,
      JSON.stringify({
        apps: [{ appId: 'file-app', secret: 'file-secret-0123456789' }],
        port: 1, // overridden by MINIRTC_PORT below
        media: { kind: 'nginx', rtmpUrl: 'rtmp://media.example.com:1935/live', hookSecret: 'file-hook-secret-0123' },
      }),
    )
    const p = spawn(process.execPath, [runner, '--config', cfg, '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MINIRTC_PORT: '0' },
    })
    let err = ''
    await new Promise<void>((resolve) => p.stderr.on('data', (d) => ((err += d), err.includes('http ') && resolve())))
    expect(err).toMatch(/rtmp +rtmp:\/\/media\.example\.com:1935\/live/)
    expect(err).toMatch(/http-flv +\(none\)/)
    const ws = err.match(/signaling +(ws:\/\/\S+)/)![1]!
    expect(ws).not.toContain(':1/')
    const c = await Client.open(ws)
    const tk = run(['token', '--app-id', 'file-app', '--secret', 'file-secret-0123456789', '--user', 'u', '--room', 'r']).stdout.trim()
    expect((await c.login('r', 'u', { token: tk, appId: 'file-app' })).ok).toBe(true)
    c.close()
    const exited = new Promise((r) => p.on('exit', r))
    p.kill('SIGTERM')
    await exited
  })

  it('dev mode from a config file never signs for its production app, says so loudly, answers only local pages', async () => {
    const cfg = join(out, 'dev-and-prod.json')
    const prod = { appId: 'prod-app', secret: 'prod-secret-0123456789abcdef' }
    writeFileSync(cfg, JSON.stringify({ apps: [prod], dev: true, port: 0, rtmpPort: 0, flvPort: 0 }))
    const p = spawn(process.execPath, [runner, '--config', cfg, '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    await new Promise<void>((resolve) => p.stderr.on('data', (d) => ((err += d), err.includes('dev token') && resolve())))
    try {
      expect(err).toContain('DEV MODE')
      const http = err.match(/http +(http:\/\/\S+)/)![1]!
      const ws = err.match(/signaling +(ws:\/\/\S+)/)![1]!
      // Before the fix the endpoint signed for the first configured app: the production one.
      const res = await fetch(`${http}/dev/token?roomId=r&userId=u&appId=prod-app`)
      const tk = (await res.json()) as { appId: string; token: string }
      expect(tk.appId).toBe('dev')
      const claims = await verifyToken(tk.token, { secretFor: (id) => (id === prod.appId ? prod.secret : undefined) })
      expect(claims.ok).toBe(false)
      const c = await Client.open(ws)
      expect((await c.login('r', 'u', { token: tk.token, appId: prod.appId })).error?.code).toBe(ErrorCode.TOKEN_INVALID)
      c.close()
      // A web page elsewhere may not read dev tokens; a local page may, with its own origin echoed.
      const evil = await fetch(`${http}/dev/token?roomId=r&userId=u`, { headers: { origin: 'https://evil.example' } })
      expect(evil.status).toBe(403)
      expect(evil.headers.get('access-control-allow-origin')).toBeNull()
      expect(((await evil.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.ORIGIN_NOT_ALLOWED)
      const local = await fetch(`${http}/dev/token?roomId=r&userId=u`, { headers: { origin: 'http://localhost:5173' } })
      expect(local.status).toBe(200)
      expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    } finally {
      const exited = new Promise((r) => p.on('exit', r))
      p.kill('SIGTERM')
      await exited
    }
  })

  it('refuses to start without apps and keeps /dev/token off outside dev mode', async () => {
    expect(run(['--port', '0']).status).toBe(2)
    const p = spawn(process.execPath, [runner, '--app', 'a1:secret-0123456789abcdef', '--port', '0', '--rtmp-port', '0', '--flv-port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    await new Promise<void>((resolve) => p.stderr.on('data', (d) => ((err += d), err.includes('http ') && resolve())))
    const http = err.match(/http +(http:\/\/\S+)/)![1]!
    expect((await fetch(`${http}/dev/token?roomId=r&userId=u`)).status).toBe(404)
    const exited = new Promise((r) => p.on('exit', r))
    p.kill('SIGTERM')
    await exited
  })

  it('one convention: a wrong command line or config exits 2 with one line saying the fix', () => {
    const app = ['--app', 'a1:secret-0123456789abcdef', '--port', '0', '--rtmp-port', '0', '--flv-port', '0']
    const oneLine = (r: ReturnType<typeof run>) => r.stderr.trim().split('\n')
    const unknown = run([...app, '--prot', '8090'])
    expect([unknown.status, oneLine(unknown)]).toEqual([2, ['minirtc-server: unknown option --prot (see --help)']])
    const level = run([...app, '--log-level', 'loud'])
    expect([level.status, oneLine(level)]).toEqual([2, ['minirtc-server: --log-level must be one of trace, debug, info, warn, error, fatal, silent, got "loud"']])
    const config = join(out, 'typo.json')
    writeFileSync(config, JSON.stringify({ apps: [{ appId: 'a1', secret: 'secret-0123456789abcdef' }], prot: 8090 }))
    const typo = run(['--config', config, '--port', '0', '--rtmp-port', '0', '--flv-port', '0'])
    expect(typo.status).toBe(2)
    expect(oneLine(typo)).toEqual([`minirtc-server: ${config}: unknown key "prot"; the keys are ServerOptions' (docs/server.md)`])
    const version = run(['--version'])
    expect([version.status, version.stdout.trim()]).toEqual([0, expect.stringMatching(/^\d+\.\d+\.\d+/)])
  })

  it('a busy port exits 1 with one line naming the flag to change', async () => {
    const { createServer } = await import('node:net')
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = String((taken.address() as { port: number }).port)
    try {
      const base = ['--app', 'a1:secret-0123456789abcdef', '--log-level', 'silent']
      const http = run([...base, '--port', port, '--rtmp-port', '0', '--flv-port', '0'])
      expect([http.status, http.stderr.trim()]).toEqual([1, `minirtc-server: port ${port} is already in use: pass --port <another port>, or stop what listens there`])
      const rtmp = run([...base, '--port', '0', '--rtmp-port', port, '--flv-port', '0'])
      expect([rtmp.status, rtmp.stderr.trim()]).toEqual([1, `minirtc-server: port ${port} is already in use: pass --rtmp-port <another port>, or stop what listens there`])
    } finally {
      taken.close()
    }
  })
})
