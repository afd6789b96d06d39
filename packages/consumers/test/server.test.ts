// @vitest-environment node
/**
 * The packed server and bot as a developer runs them: installed from their tarballs with plain npm
 * in a folder of their own, started with `npx`. A bot from the tarball publishes into a room of
 * that server, and a bot of the workspace sees its stream live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { createBot, type Bot } from '@minirtc/headless'
import { until } from '@minirtc/testing'
import { fixtures, installApp, tarballsFor, type ConsumerApp } from './consumerApp'

let app: ConsumerApp
const children: ChildProcess[] = []
let bot: Bot | undefined

/** Start `npx <bin> ...args` in the app folder; resolves with the process and a live view of what it printed. */
function npx(bin: string, args: string[]) {
  // Its own process group: npx runs the bin as a child, and stopping npx alone would leave it running.
  const child = spawn('npx', [bin, ...args], { cwd: app.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.push(child)
  const out = { text: '' }
  child.stdout!.on('data', (d: Buffer) => (out.text += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out.text += d.toString()))
  return { child, out }
}

beforeAll(() => {
  app = installApp({ id: 'server', fixture: path.join(fixtures, 'server-app'), minirtc: ['@minirtc/server', '@minirtc/headless'] })
})

afterAll(async () => {
  await bot?.leave()
  const running = children.filter((c) => c.exitCode === null)
  const exited = running.map((c) => new Promise((r) => c.once('exit', r)))
  for (const c of running) process.kill(-c.pid!, 'SIGTERM')
  await Promise.all(exited)
})

describe('the packed server and bot, started with npx', () => {
  it('minirtc-server --version and minirtc-bot --version print the packed versions', () => {
    const [server, headless] = tarballsFor(['@minirtc/server', '@minirtc/headless'])
    expect(app.run('npx', ['minirtc-server', '--version']).trim()).toBe(server!.version)
    expect(app.run('npx', ['minirtc-bot', '--version']).trim()).toBe(headless!.version)
  })

  it('npx minirtc-server --dev starts and serves /healthz and dev tokens; a packed bot publishes into it', async () => {
    const server = npx('minirtc-server', ['--dev', '--port', '0', '--rtmp-port', '0', '--flv-port', '0', '--log-level', 'warn'])
    const http = await until(() => /http {7}(http:\/\/\S+)/.exec(server.out.text)?.[1], 'the server printing its http address', 20000)
    const health = await fetch(http + '/healthz')
    expect(health.status).toBe(200)
    const dev = await (await fetch(http + '/dev/token?roomId=r1&userId=u1')).json()
    expect(dev.token).toEqual(expect.any(String))

    const ws = /signaling {2}(ws:\/\/\S+)/.exec(server.out.text)![1]!
    npx('minirtc-bot', ['--server', ws, '--room', 'r1', '--user', 'packed-bot', '--publish', 'packed_cam', '--quiet'])
    const viewer = await createBot({ server: ws, appId: 'dev', token: async () => (await (await fetch(http + '/dev/token?roomId=r1&userId=viewer')).json()).token, roomId: 'r1', user: { userId: 'viewer', userName: 'viewer' } })
    bot = viewer
    await until(() => viewer.engine.getSnapshot().streams.some((s) => s.streamId === 'packed_cam'), "the packed bot's live stream", 20000)
  })
})
