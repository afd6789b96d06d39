#!/usr/bin/env node
// The demo stack: MiniRTC server with the embedded media server, a bot publishing into room
// "demo", and the mini-program demos built against this server. Ctrl-C stops everything.
// `npm run demo -- --help` lists the flags.
import { existsSync, mkdirSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { buildMiniPrograms } from './demo/builds.mjs'
import { keepDemoBot } from './demo/demoBot.mjs'
import { busyPortMessage, parsePort, PORT_FLAGS } from './demo/ports.mjs'

const HELP = `npm run demo -- [options]: the MiniRTC demo stack on this machine

  --port <n>        signaling + HTTP port: console, dev token, admin API (default 8090)
  --rtmp-port <n>   embedded media server's RTMP port (default 1935)
  --flv-port <n>    embedded media server's HTTP-FLV port (default 8000)
  --lan             listen on 0.0.0.0 and put this machine's LAN address in every URL and in the
                    mini-program builds, so a phone on the same network can join
  --room <id>       the bot's room (default demo)
  --no-build        do not build the mini-program demos
  -h, --help        this text
`

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const fail = (message) => {
  process.stderr.write(`demo: ${message}\n`)
  process.exit(1)
}

let values
try {
  ;({ values } = parseArgs({
    options: {
      lan: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      port: { type: 'string', default: '8090' },
      'rtmp-port': { type: 'string', default: '1935' },
      'flv-port': { type: 'string', default: '8000' },
      room: { type: 'string', default: 'demo' },
      help: { type: 'boolean', short: 'h' },
    },
  }))
} catch (err) {
  fail(`${err.message} (see npm run demo -- --help)`)
}
if (values.help) {
  process.stdout.write(HELP)
  process.exit(0)
}
const ports = {}
try {
  for (const { flag } of PORT_FLAGS) ports[flag] = parsePort(flag, values[flag])
} catch (err) {
  fail(err.message)
}

const load = (pkg) => import(pathToFileURL(join(root, 'packages', pkg, 'dist/index.js')).href)
const [{ startServer, createToken }, { createBot }, { ErrorCode, errorReason }] = await Promise.all([load('server'), load('headless'), load('protocol')])

const lanAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
const host = values.lan ? '0.0.0.0' : '127.0.0.1'
const publicHost = values.lan ? lanAddress() : '127.0.0.1'
if (!publicHost) fail('--lan: this machine has no LAN IPv4 address')

// "demo" is a MiniRTC app id (the server's tenant), not a WeChat AppID.
const app = { appId: 'demo', secret: randomBytes(24).toString('base64url') }
// scripts/demo.sh passes when `npm run demo` started, so the banner's figure is the whole wait.
const t0 = Number(process.env.MINIRTC_DEMO_STARTED_MS) || Date.now()
let srv
try {
  srv = await startServer({
    host,
    publicHost,
    port: ports.port,
    rtmpPort: ports['rtmp-port'],
    flvPort: ports['flv-port'],
    apps: [app],
    dev: true,
    // The debug console, built by scripts/demo.sh.
    consoleDir: join(root, 'apps/console/dist'),
    // Long-lived media URLs so the printed play URL still works when you get to it.
    mediaUrlTtlSeconds: 6 * 3600,
    logger: { level: process.env.MINIRTC_LOG_LEVEL ?? 'warn' },
  })
} catch (err) {
  fail((await busyPortMessage(host, ports)) ?? `the server did not start: ${err instanceof Error ? err.message : err}`)
}

const logDir = join(root, '.minirtc')
mkdirSync(logDir, { recursive: true })
const buildLog = join(logDir, 'demo-build.log')
const builds = values['no-build'] ? null : buildMiniPrograms({ root, logFile: buildLog, server: srv.url, appId: app.appId })
let buildResult = null
builds?.done.then((r) => (buildResult = r))

const token = (userId) => createToken({ ...app, userId, roomId: values.room, privileges: { login: true, publish: true }, ttlSeconds: 24 * 3600 })
const stamp = () => new Date().toISOString().slice(11, 19)
const stopBuilds = () => {
  if (builds && builds.child.exitCode === null) {
    try {
      process.kill(-builds.child.pid, 'SIGTERM')
    } catch {}
  }
}
let bot
try {
  bot = await keepDemoBot({
    createBot,
    ErrorCode,
    errorReason,
    server: srv.url,
    appId: app.appId,
    token,
    roomId: values.room,
    userId: 'demo-bot',
    log: (line) => process.stdout.write(`[${stamp()}] ${line}\n`),
  })
} catch (err) {
  stopBuilds()
  await srv.close()
  fail(`the demo bot did not start: ${err instanceof Error ? err.message : err}`)
}

// Unchanged builds come back from turbo's cache in about a second: wait that long for them, so
// the banner can say where they are rather than "building".
if (builds) await Promise.race([builds.done, new Promise((r) => setTimeout(r, 1500))])

const rel = (p) => relative(process.cwd(), p) || '.'
// The admin secret rides in the fragment, which browsers never send to a server: the console
// reads it from there to offer Kick, and no server endpoint has to give the secret out.
const consoleUrl = `${srv.httpUrl}/console/?room=${values.room}#admin=${encodeURIComponent(app.secret)}`
const miniProgramLines = (r) =>
  r.ok
    ? builds.outputs.map((o) => `    ${o.name.padEnd(10)} ${o.dir}  (open in WeChat DevTools)`)
    : [`    build FAILED: see ${rel(buildLog)}`]
const { userId, streamId, playUrls } = bot.current()
const lines = [
  '',
  `  MiniRTC demo ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  '',
  existsSync(join(root, 'apps/console/dist/index.html'))
    ? `  console      ${consoleUrl}   ← open in a browser: watch, publish, chat`
    : `  console      not built (pnpm --filter @minirtc/console build)`,
  `  signaling    ${srv.url}`,
  `  rtmp         ${srv.rtmpUrl}`,
  `  http-flv     ${srv.flvUrl}`,
  `  dev token    ${srv.httpUrl}/dev/token?roomId=${values.room}&userId=you`,
  `  admin        MiniRTC app id "${app.appId}", secret ${app.secret}   (dev mode; the console URL above carries it for Kick)`,
  `               curl -X POST -u '${app.appId}:${app.secret}' ${srv.httpUrl}/admin/rooms/${values.room}/users/<userId>/kick`,
  '',
  `  room "${values.room}": ${userId} publishes "${streamId}" (restarted if kicked or replaced)`,
  `  play it      ffplay -fflags nobuffer -flags low_delay '${playUrls.flv}'`,
  `               (or rtmp: '${playUrls.rtmp}')`,
  '',
  ...(builds
    ? [
        `  mini-programs, built against ${srv.url} as MiniRTC app id "${app.appId}":`,
        ...(buildResult ? miniProgramLines(buildResult) : [`    building in the background (log: ${rel(buildLog)}); a line below says when they are ready`]),
      ]
    : ['  mini-programs: not built (--no-build)']),
  '',
  '  On a phone:',
  `    1. npm run demo -- --lan${values.lan ? ' (on: URLs and builds use ' + publicHost + ')' : ''}; the phone on the same network as this machine`,
  '    2. replace "touristappid" with your own WeChat AppID: DevTools → Details → Basic info, or',
  '       apps/taro-demo/project.config.json and apps/uni-demo/src/manifest.json (mp-weixin.appid)',
  '    3. DevTools → Details → Local settings: tick "Do not verify valid domain names, web-view',
  '       (business domain names), TLS versions and HTTPS certificates" (this server is ws://, not wss://)',
  '    4. <live-pusher>/<live-player> need the live audio/video permission on that AppID',
  '       (mp.weixin.qq.com → Development → Development Management → Interface Settings)',
  '    5. Preview, and scan the QR code with WeChat',
  '',
  `  ports: --port ${srv.httpUrl.split(':').pop()} --rtmp-port ${srv.rtmpUrl.split(':').pop().split('/')[0]} --flv-port ${srv.flvUrl.split(':').pop().split('/')[0]} (npm run demo -- --help)`,
  '  Ctrl-C stops everything.',
  '',
]
process.stdout.write(lines.join('\n') + '\n')
let stopping = false
if (builds && !buildResult) {
  builds.done.then((r) => {
    if (stopping) return
    process.stdout.write([`[${stamp()}] mini-programs ${r.ok ? `ready (${r.seconds.toFixed(0)} s)` : 'build failed'}:`, ...miniProgramLines(r), ''].join('\n'))
  })
}

async function stop() {
  if (stopping) return
  stopping = true
  process.stderr.write('\nstopping...\n')
  stopBuilds()
  await bot.stop()
  await srv.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
