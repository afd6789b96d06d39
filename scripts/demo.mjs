#!/usr/bin/env node
// The demo stack: MiniRTC server with the embedded media server, a bot publishing into room
// "demo", and the mini-program demos built against this server. Ctrl-C stops everything.
//
//   node scripts/demo.mjs [--lan] [--no-build] [--port 8090]
//
// --lan binds every listener to 0.0.0.0 and puts this machine's LAN address into the URLs, so a
// phone on the same network (WeChat developer tools with "do not verify domain") can join.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    lan: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    port: { type: 'string', default: '8090' },
    'rtmp-port': { type: 'string', default: '1935' },
    'flv-port': { type: 'string', default: '8000' },
    room: { type: 'string', default: 'demo' },
  },
})
const load = (pkg) => import(pathToFileURL(join(root, 'packages', pkg, 'dist/index.js')).href)
const { startServer, createToken } = await load('server')
const { createBot } = await load('headless')

const lanAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
const publicHost = values.lan ? lanAddress() : '127.0.0.1'
if (values.lan && !publicHost) throw new Error('--lan: no LAN IPv4 address found')

const app = { appId: 'demo', secret: randomBytes(24).toString('base64url') }
const t0 = Date.now()
const srv = await startServer({
  host: values.lan ? '0.0.0.0' : '127.0.0.1',
  publicHost,
  port: Number(values.port),
  rtmpPort: Number(values['rtmp-port']),
  flvPort: Number(values['flv-port']),
  apps: [app],
  dev: true,
  // The debug console, when built (the build loop below builds it first on the next start).
  consoleDir: join(root, 'apps/console/dist'),
  // Long-lived media URLs so the printed play URL still works when you get to it.
  mediaUrlTtlSeconds: 6 * 3600,
  logger: { level: process.env.MINIRTC_LOG_LEVEL ?? 'warn' },
})
const token = (userId) => createToken({ ...app, userId, roomId: values.room, privileges: { login: true, publish: true }, ttlSeconds: 24 * 3600 })

// Wall-clock stamps in the bot's frames let the console chart bot → browser latency.
const bot = await createBot({ server: srv.url, appId: app.appId, token: () => token('demo-bot'), roomId: values.room, user: { userId: 'demo-bot', userName: 'Demo Bot' }, pusher: { stampWallClock: true } })
await bot.publish('demo-bot-cam', { extraInfo: 'MiniRTC demo bot (test pattern)' })

// A signed play URL a person can open (ffplay, VLC, the console). Media URLs are bound to a live
// session of the room, so it is the bot's own: it stays valid while the bot is in the room.
const { urls } = await bot.engine.request('play', { streamId: 'demo-bot-cam' })

const built = []
const children = new Set()
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
    children.add(child)
    child.on('exit', (code) => {
      children.delete(child)
      resolve(code === 0)
    })
  })
}
if (!values['no-build']) {
  const env = { MINIRTC_SERVER: srv.url, MINIRTC_APP_ID: app.appId }
  for (const [name, dir, out] of [
    ['@minirtc/console', 'apps/console', 'apps/console/dist'],
    ['taro-demo', 'apps/taro-demo', 'apps/taro-demo/dist'],
    ['uni-demo', 'apps/uni-demo', 'apps/uni-demo/dist/build/mp-weixin'],
  ]) {
    if (!existsSync(join(root, dir, 'package.json'))) continue
    process.stderr.write(`building ${name} against ${srv.url} ...\n`)
    const ok = await run('pnpm', ['--filter', name, 'build'], env)
    if (name === '@minirtc/console') continue // served by the server below
    built.push(ok ? `  ${name.padEnd(10)} open ${join(root, out)} in WeChat developer tools` : `  ${name.padEnd(10)} build FAILED (see above)`)
  }
}

const lines = [
  '',
  `MiniRTC demo stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  `  signaling   ${srv.url}`,
  `  rtmp        ${srv.rtmpUrl}`,
  `  http-flv    ${srv.flvUrl}`,
  `  dev token   ${srv.httpUrl}/dev/token?roomId=${values.room}&userId=you`,
  ...(existsSync(join(root, 'apps/console/dist/index.html')) ? [`  console     ${srv.httpUrl}/console/?room=${values.room}  (open in a browser: watch, publish, chat)`] : []),
  `  room "${values.room}": demo-bot publishes "demo-bot-cam"`,
  `  play it     ffplay '${urls.flv}'`,
  `              (or rtmp: '${urls.rtmp}')`,
  ...(built.length ? ['  mini-programs (appId "demo"; tick "do not verify domain" in the developer tools):', ...built] : []),
  '',
  'Ctrl-C stops everything.',
  '',
]
process.stdout.write(lines.join('\n'))

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  process.stderr.write('\nstopping...\n')
  for (const c of children) c.kill('SIGTERM')
  await bot.leave()
  await srv.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
