/**
 * The README's demo stack and the minirtc-bot CLI, run as a user runs them (built packages,
 * real processes), on free ports.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { probeFirstKeyframe } from '@minirtc/headless'
import { bot, start } from './helpers'
import type { RunningServer } from '@minirtc/server'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const children: ChildProcess[] = []
let srv: RunningServer | null = null
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  await srv?.close()
  srv = null
})

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

function run(args: string[]) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const waitFor = (re: RegExp, ms = 20000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const t = setInterval(() => {
        const m = out.match(re)
        if (m) {
          clearInterval(t)
          resolve(m)
        } else if (child.exitCode !== null) {
          clearInterval(t)
          reject(new Error('exited: ' + out))
        }
      }, 50)
      setTimeout(() => {
        clearInterval(t)
        reject(new Error('timed out; output so far:\n' + out))
      }, ms)
    })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, waitFor, exited, output: () => out }
}

describe('demo stack', () => {
  it('starts the server and a bot whose stream plays from the printed URL; Ctrl-C stops cleanly', async () => {
    const [port, rtmp, flv] = [await freePort(), await freePort(), await freePort()]
    const demo = run(['scripts/demo.mjs', '--no-build', '--port', String(port), '--rtmp-port', String(rtmp), '--flv-port', String(flv)])
    const [, url] = await demo.waitFor(/ffplay '([^']+)'/)
    expect(demo.output()).toContain(`ws://127.0.0.1:${port}/ws`)
    const probe = await probeFirstKeyframe(url!, 5000)
    expect(probe).toMatchObject({ width: 640, height: 360 })
    demo.child.kill('SIGINT')
    expect(await demo.exited).toBe(0)
  })
})

describe('minirtc-bot CLI', () => {
  it('joins with a dev token, publishes, and a viewer plays its stream', async () => {
    srv = await start({ dev: true })
    const cli = run(['packages/headless/bin/minirtc-bot.js', '--server', srv.url, '--room', 'cli-room', '--user', 'clibot', '--publish', 'clibot-cam'])
    await cli.waitFor(/publishing clibot-cam/)
    const viewer = await bot(srv, 'viewer', 'cli-room')
    await viewer.play('clibot-cam')
    expect(viewer.engine.getSnapshot().players['clibot-cam']!.state).toBe('PLAYING')
    await viewer.leave()
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
  })

  it('explains what is missing', async () => {
    const cli = run(['packages/headless/bin/minirtc-bot.js', '--room', 'x'])
    expect(await cli.exited).toBe(1)
    expect(cli.output()).toMatch(/--server, --room and --user are required/)
  })
})
