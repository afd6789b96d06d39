import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { generateNginxConfig, type ServerOptions } from '../src/index'
import type { LoginResult } from '@minirtc/protocol'
import { APP, Client, eventually } from './helpers'
import { freePort } from './redisServer'

const pkg = fileURLToPath(new URL('..', import.meta.url))

/**
 * Server nodes as separate processes (node-media-server keeps module-level state, and a real
 * node dies with its process). The server is built from source into a private directory, like
 * the CLI test does, and each node prints its URLs once it listens.
 */
export async function buildNodeRunner(): Promise<{ runner: string; cleanup(): void }> {
  const out = join(pkg, `.test-build-cluster-${process.pid}`)
  await build({ entry: { index: join(pkg, 'src/index.ts') }, outDir: out, format: ['esm'], platform: 'node', target: 'node20', dts: false, clean: true, silent: true, config: false })
  const runner = join(out, 'node.mjs')
  writeFileSync(
    runner,
    `import { startServer } from './index.js'
const srv = await startServer(JSON.parse(process.env.MINIRTC_NODE_OPTS))
process.stdout.write('READY ' + JSON.stringify({ url: srv.url, httpUrl: srv.httpUrl, nodeId: srv.nodeId }) + '\\n')
process.on('SIGTERM', () => srv.close().then(() => process.exit(0)))
`,
  )
  return { runner, cleanup: () => rmSync(out, { recursive: true, force: true }) }
}

export interface NodeProc {
  url: string
  httpUrl: string
  nodeId: string
  proc: ChildProcess
  log: string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** What every test node shares: loopback on a free port, the test app, `redisUrl`, no media grace. */
export async function nodeOptions(redisUrl: string, nodeTtlMs: number, more: Partial<ServerOptions> = {}): Promise<Partial<ServerOptions>> {
  return { host: '127.0.0.1', port: await freePort(), apps: [APP], redis: redisUrl, nodeTtlMs, mediaGraceMs: 0, logger: { level: process.env.MINIRTC_TEST_LOG ?? 'warn' }, ...more }
}

export function startNode(runner: string, opts: Partial<ServerOptions>): Promise<NodeProc> {
  const proc = spawn(process.execPath, [runner], {
    env: { ...process.env, MINIRTC_NODE_OPTS: JSON.stringify(opts) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node did not start:\n${log}`)), 20_000)
    // pino writes to stdout: keep both, so a failing test can show what the node logged.
    proc.stderr!.on('data', (d) => (log += d))
    proc.stdout!.on('data', (d) => (log += d))
    proc.once('exit', (code) => reject(new Error(`node exited with ${code}:\n${log}`)))
    let buf = ''
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d
      const m = buf.match(/READY (\{.*\})\n/)
      if (!m) return
      clearTimeout(t)
      const info = JSON.parse(m[1]!) as { url: string; httpUrl: string; nodeId: string }
      const node: NodeProc = {
        ...info,
        proc,
        get log() {
          return log
        },
        kill: (signal = 'SIGKILL') =>
          new Promise<void>((res) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return res()
            proc.once('exit', () => res())
            proc.kill(signal)
          }),
      }
      resolve(node)
    })
  })
}

export interface NginxProc {
  proc: ChildProcess
  prefix: string
  /** nginx's stderr (warnings and errors). */
  readonly log: string
  stop(): Promise<void>
}

export function requireNginx(): void {
  if (spawnSync('nginx', ['-v']).status !== 0)
    throw new Error('nginx is not installed: run scripts/install-nginx.sh (apt: nginx-light libnginx-mod-rtmp) before the server tests')
}

/** An nginx-rtmp media node from generateNginxConfig, hooks pointing at one server node. */
export async function startNginx(o: {
  name: string
  hookBaseUrl: string
  hookSecret: string
  rtmpPort: number
  controlPort: number
  pushTo?: string[]
  edgeOf?: { allowPublishFrom: string[] }
}): Promise<NginxProc> {
  const prefix = mkdtempSync(join(tmpdir(), `minirtc-nginx-${o.name}-`))
  mkdirSync(join(prefix, 'tmp'))
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    generateNginxConfig({
      hookBaseUrl: o.hookBaseUrl,
      hookSecret: o.hookSecret,
      mediaNode: o.name,
      rtmpListen: `127.0.0.1:${o.rtmpPort}`,
      controlListen: `127.0.0.1:${o.controlPort}`,
      ...(o.pushTo ? { pushTo: o.pushTo } : {}),
      ...(o.edgeOf ? { edgeOf: o.edgeOf } : {}),
    }),
  )
  const check = spawnSync('nginx', ['-t', '-c', conf, '-p', prefix + '/'], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`)
  const proc = spawn('nginx', ['-c', conf, '-p', prefix + '/'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  proc.stderr!.on('data', (d) => (log += d))
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${o.controlPort}/healthz`).catch(() => undefined))?.ok,
    10_000,
    `nginx ${o.name} up`,
  )
  return {
    proc,
    prefix,
    get log() {
      return log
    },
    stop: () =>
      new Promise<void>((res) => {
        const done = () => (rmSync(prefix, { recursive: true, force: true }), res())
        if (proc.exitCode !== null || proc.signalCode !== null) return done()
        proc.once('exit', done)
        proc.kill('SIGQUIT')
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref()
      }),
  }
}

/** Log a client in to `roomId` through `node`, keeping it in `clients` for the file's cleanup. */
export async function joinNode(clients: Client[], node: NodeProc, roomId: string, userId: string, o: { playUrls?: boolean } = {}): Promise<{ c: Client; login: LoginResult }> {
  const c = await Client.open(node.url)
  clients.push(c)
  const r = await c.login(roomId, userId, o)
  if (!r.ok) throw new Error(`login failed: ${JSON.stringify(r.error)}`)
  return { c, login: r.d as LoginResult }
}
