/**
 * The README's demo stack and the minirtc-bot CLI, run as a user runs them (built packages,
 * real processes), on free ports.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createBot, probeFirstKeyframe, waitFor as until } from '@minirtc/headless'
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
  it('starts the server and a bot whose stream plays from the printed URL; restarts the bot when kicked or replaced; Ctrl-C stops cleanly', async () => {
    const [port, rtmp, flv] = [await freePort(), await freePort(), await freePort()]
    const demo = run(['scripts/demo.mjs', '--no-build', '--port', String(port), '--rtmp-port', String(rtmp), '--flv-port', String(flv)])
    const [, url] = await demo.waitFor(/ffplay [^']*'([^']+)'/)
    expect(demo.output()).toContain(`ws://127.0.0.1:${port}/ws`)
    // The way to a phone, and an app id that does not pass for a WeChat AppID.
    expect(demo.output()).toMatch(/npm run demo -- --lan[\s\S]*"touristappid"[\s\S]*Do not verify valid domain names/)
    expect(demo.output()).not.toMatch(/appId "demo"/)
    expect(await probeFirstKeyframe(url!, 5000)).toMatchObject({ width: 640, height: 360 })

    // The admin secret is in the banner, and kicking the bot with it brings the bot back.
    const [, appId, secret] = demo.output().match(/MiniRTC app id "([^"]+)", secret (\S+)/)!
    const http = `http://127.0.0.1:${port}`
    const kick = await fetch(`${http}/admin/rooms/demo/users/demo-bot/kick`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'x-minirtc-app-id': appId! } })
    expect(kick.status).toBe(200)
    const [, kickedUrl] = await demo.waitFor(/demo bot restarted: demo-bot left the room \(KICKOUT, 103001 KICKED_OUT\); back as demo-bot publishing "demo-bot-cam", play it: ffplay [^']*'([^']+)'/)
    expect(kickedUrl).not.toBe(url)
    expect(await probeFirstKeyframe(kickedUrl!, 5000)).toMatchObject({ width: 640, height: 360 })

    // Someone else logs in as demo-bot: the demo bot comes back under another id and leaves them be.
    const { token } = (await (await fetch(`${http}/dev/token?roomId=demo&userId=demo-bot`)).json()) as { token: string }
    const intruder = await createBot({ server: `ws://127.0.0.1:${port}/ws`, appId: appId!, token, roomId: 'demo', user: { userId: 'demo-bot', userName: 'Intruder' } })
    try {
      const [, replacedUrl] = await demo.waitFor(/LOGGED_IN_ELSEWHERE\); back as demo-bot-2 publishing "demo-bot-2-cam", play it: ffplay [^']*'([^']+)'/)
      expect(await probeFirstKeyframe(replacedUrl!, 5000)).toMatchObject({ width: 640, height: 360 })
      await until(() => intruder.engine.getSnapshot().streams.some((s) => s.streamId === 'demo-bot-2-cam'), 5000, 'demo-bot-2-cam at the intruder')
      expect(intruder.engine.getSnapshot().roomState).toBe('CONNECTED')
    } finally {
      await intruder.leave()
    }
    demo.child.kill('SIGINT')
    expect(await demo.exited).toBe(0)
  })

  it('ends with one line naming the flag when a port is taken', async () => {
    const [port, rtmp, flv] = [await freePort(), await freePort(), await freePort()]
    for (const [flag, busy] of [['--port', port], ['--rtmp-port', rtmp], ['--flv-port', flv]] as const) {
      const holder = net.createServer().listen(busy, '127.0.0.1')
      await new Promise((r) => holder.once('listening', r))
      try {
        const demo = run(['scripts/demo.mjs', '--no-build', '--port', String(port), '--rtmp-port', String(rtmp), '--flv-port', String(flv)])
        expect(await demo.exited).toBe(1)
        const lines = demo.output().trim().split('\n')
        expect(lines).toEqual([expect.stringMatching(new RegExp(`^demo: port ${busy} .* is already in use .*pick another with ${flag}`))])
      } finally {
        await new Promise((r) => holder.close(r))
      }
    }
  })

  it('refuses an unknown flag and a bad port in one line', async () => {
    for (const [args, message] of [
      [['--prot', '9000'], /^demo: Unknown option '--prot' \(see npm run demo -- --help\)$/],
      [['--flv-port', 'http'], /^demo: --flv-port http: not a port number/],
    ] as const) {
      const demo = run(['scripts/demo.mjs', ...args])
      expect(await demo.exited).toBe(1)
      expect(demo.output().trim()).toMatch(message)
    }
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

  it('one convention: a wrong command line exits 2, a failure while running 1, each with one line saying the fix', async () => {
    const missing = run(['packages/headless/bin/minirtc-bot.js', '--room', 'x'])
    expect(await missing.exited).toBe(2)
    expect(missing.output().trim()).toBe('minirtc-bot: --server, --room and --user are required (see --help)')
    const unknown = run(['packages/headless/bin/minirtc-bot.js', '--sever', 'ws://127.0.0.1:1/ws'])
    expect(await unknown.exited).toBe(2)
    expect(unknown.output().trim()).toBe('minirtc-bot: unknown option --sever (see --help)')
    // a port nothing listens on
    const probe = net.createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const unreachable = run(['packages/headless/bin/minirtc-bot.js', '--server', `ws://127.0.0.1:${port}/ws`, '--room', 'x', '--user', 'u'])
    expect(await unreachable.exited).toBe(1)
    expect(unreachable.output().trim()).toBe(`minirtc-bot: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is minirtc-server running there, with --dev for test tokens?`)
    const version = run(['packages/headless/bin/minirtc-bot.js', '--version'])
    expect(await version.exited).toBe(0)
    expect(version.output().trim()).toMatch(/^\d+\.\d+\.\d+/)
  })
})
