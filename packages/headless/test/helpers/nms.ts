/**
 * Runs the real node-media-server 4.4.3 in-process for tests, as media-servers.md recommends:
 * bound to 127.0.0.1, free ports, webadmin off, store in a temp dir, no auth, no recording.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

interface NmsInstance {
  run(): Promise<void>
  stop(): Promise<void>
  on(event: string, fn: (session: { streamPath: string; protocol: string }) => void): void
}

/** A port that was free a moment ago (bind 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

export interface TestMediaServer {
  rtmpPort: number
  httpPort: number
  rtmpUrl(name: string): string
  flvUrl(name: string): string
  events: Array<{ event: string; streamPath: string; protocol: string }>
  stop(): Promise<void>
}

/**
 * Starts NMS on free ports, or on given ones (to restart a "killed" server in place).
 * NMS calls process.exit(1) when a port is taken (another test file may have grabbed the
 * "free" port in between): process.exit is intercepted while starting and the start retried.
 */
export async function startMediaServer(ports?: { rtmpPort: number; httpPort: number }): Promise<TestMediaServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(ports)
    } catch (err) {
      if (ports || attempt >= 5 || !(err instanceof PortTakenError)) throw err
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(ports?: { rtmpPort: number; httpPort: number }): Promise<TestMediaServer> {
  const NodeMediaServer = require('node-media-server') as new (config: object) => NmsInstance
  const rtmpPort = ports?.rtmpPort ?? (await freePort())
  let httpPort = ports?.httpPort ?? (await freePort())
  while (httpPort === rtmpPort) httpPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-nms-'))
  // NMS forces its logger to "debug" in its constructor; pin it to "error" to keep test logs readable.
  const logger = require('node-media-server/src/core/logger.js') as { level: string }
  Object.defineProperty(logger, 'level', { get: () => 'error', set: () => {}, configurable: true })
  const nms = new NodeMediaServer({
    bind: '127.0.0.1',
    rtmp: { port: rtmpPort },
    http: { port: httpPort },
    webadmin: { enable: false },
    store: { path: join(dir, 'store') },
    record: { auto: false, path: join(dir, 'record') },
  })
  const events: TestMediaServer['events'] = []
  for (const event of ['prePublish', 'postPublish', 'donePublish', 'prePlay', 'postPlay', 'donePlay']) {
    nms.on(event, (s) => events.push({ event, streamPath: s.streamPath, protocol: s.protocol }))
  }
  const realExit = process.exit
  let exitRequested = false
  process.exit = ((code?: number) => {
    exitRequested = true
    void code
  }) as typeof process.exit
  try {
    await nms.run()
    const deadline = Date.now() + 10000
    while (!((await canConnect(rtmpPort)) && (await canConnect(httpPort)))) {
      if (exitRequested) break
      if (Date.now() > deadline) throw new Error('node-media-server did not start listening within 10 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    // A listen error arrives asynchronously: give it a moment to show up.
    await new Promise((r) => setTimeout(r, 50))
  } finally {
    process.exit = realExit
  }
  if (exitRequested) {
    await nms.stop()
    rmSync(dir, { recursive: true, force: true })
    throw new PortTakenError(`port ${rtmpPort} or ${httpPort} was taken`)
  }
  let stopped = false
  return {
    rtmpPort,
    httpPort,
    rtmpUrl: (name) => `rtmp://127.0.0.1:${rtmpPort}/live/${name}`,
    flvUrl: (name) => `http://127.0.0.1:${httpPort}/live/${name}.flv`,
    events,
    async stop() {
      if (stopped) return
      stopped = true
      await nms.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Unique stream names: NMS keeps a stream for 30 s after its publisher leaves (resume window). */
let seq = 0
export function streamName(prefix = 's'): string {
  seq++
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${seq}`
}

/** Resolves when `pred` is true, polling; rejects after `timeoutMs`. */
export async function waitUntil(pred: () => boolean, timeoutMs = 10000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export interface ChildMediaServer {
  rtmpPort: number
  httpPort: number
  rtmpUrl(name: string): string
  flvUrl(name: string): string
  /** SIGKILL: the OS closes every socket at once, as when the media server crashes. */
  kill(): Promise<void>
}

/** node-media-server in a child process (test/helpers/nms-child.cjs), killable for real. */
export async function startChildMediaServer(): Promise<ChildMediaServer> {
  const rtmpPort = await freePort()
  let httpPort = await freePort()
  while (httpPort === rtmpPort) httpPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-nms-child-'))
  const script = join(dirname(fileURLToPath(import.meta.url)), 'nms-child.cjs')
  // cwd = the package, so the child resolves node-media-server from its node_modules.
  const child = spawn(process.execPath, [script, String(rtmpPort), String(httpPort), dir], {
    cwd: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child node-media-server not ready within 15 s')), 15000)
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`child node-media-server exited with ${code}`))
    })
  })
  let killed = false
  return {
    rtmpPort,
    httpPort,
    rtmpUrl: (name) => `rtmp://127.0.0.1:${rtmpPort}/live/${name}`,
    flvUrl: (name) => `http://127.0.0.1:${httpPort}/live/${name}.flv`,
    async kill() {
      if (!killed) {
        killed = true
        child.kill('SIGKILL')
      }
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
