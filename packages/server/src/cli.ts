import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { generateNginxConfig } from './media/nginxConfig'
import type { AppCredentials, ServerOptions } from './options'
import { startServer } from './startServer'
import { createToken } from './token'

const HELP = `minirtc-server: MiniRTC signaling + media authorization

Usage:
  minirtc-server [serve] [options]       start the server
  minirtc-server --version               print the version
  minirtc-server token [options]         mint an access token
  minirtc-server nginx-config [options]  write an nginx-rtmp config that calls this server

serve options (flag > environment > config file > default):
  --config <file>        JSON file with ServerOptions (apps, media, ports, ...)   MINIRTC_CONFIG
  --host <addr>          listen address (127.0.0.1)                               MINIRTC_HOST
  --port <n>             signaling/HTTP port (8090; 0 = any free)                 MINIRTC_PORT
  --rtmp-port <n>        embedded RTMP port (1935)                                MINIRTC_RTMP_PORT
  --flv-port <n>         embedded HTTP-FLV port (8000)                            MINIRTC_FLV_PORT
  --public-host <name>   host put into media URLs                                 MINIRTC_PUBLIC_HOST
  --trust-proxy          client address from X-Forwarded-For                      MINIRTC_TRUST_PROXY=1
  --log-level <level>    trace|debug|info|warn|error|silent (info)                MINIRTC_LOG_LEVEL
  --app <id:secret>      an app (repeatable)                                      MINIRTC_APPS=id:secret,id2:secret2
  --redis <url>          run as a cluster node on this Redis (redis://host:6379)  MINIRTC_REDIS
  --dev                  create a dev app, print its secret, serve GET /dev/token (never in production)
  --console-dir <dir>    serve the built debug console (apps/console/dist) at /console/   MINIRTC_CONSOLE_DIR
  --state-file <file>    keep room extra info across restarts in this file        MINIRTC_STATE_FILE

token options:
  --app-id <id> --secret <s> --user <userId> [--room <roomId>] [--ttl <seconds>=3600]
  [--no-publish] [--stream-prefix <prefix>]

nginx-config options:
  --hook-base-url <url>   where nginx reaches this server (http://127.0.0.1:8090)
  --hook-secret <s>       the media.hookSecret of the server config (required)
  --rtmp-listen <addr>    (1935)   --control-listen <addr> (127.0.0.1:8081)
  --module-path <path>    (/usr/lib/nginx/modules/ngx_rtmp_module.so)   --out <file> (stdout)
  --media-node <name>     this node's name in media.nodes / media.edges (several nginx media nodes)
  --push-to <rtmp url>    origin: relay every stream to this edge (repeatable)
  --edge-of <addr>        edge: accept relayed streams from this origin address/CIDR (repeatable)
`

/**
 * The CLI convention (minirtc-bot keeps the same): one line on stderr that says the fix, exit 2
 * for a wrong command line or config (nothing was started), exit 1 when running failed.
 */
function fail(msg: string, exitCode: 1 | 2 = 2): never {
  process.stderr.write(`minirtc-server: ${msg}\n`)
  process.exit(exitCode)
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/** Every key a config file may hold: a misspelt key is refused, not silently ignored. */
const CONFIG_KEYS: { [K in keyof ServerOptions]-?: true } = {
  host: true, port: true, rtmpPort: true, flvPort: true, apps: true, media: true, resumeWindowMs: true, heartbeatTimeoutMs: true,
  loginTimeoutMs: true, tokenWillExpireSeconds: true, mediaUrlTtlSeconds: true, publicHost: true, publicMediaUrls: true, trustProxy: true,
  logger: true, store: true, stateFile: true, redis: true, nodeTtlMs: true, clusterBatchMs: true, redisPrefix: true, internalUrl: true, rateLimit: true,
  maxStreamsPerSession: true, maxRoomExtraInfoKeys: true, replayBufferSize: true, mediaGraceMs: true, maxUsersPerRoom: true,
  maxSessionsPerToken: true, maxSendBufferBytes: true, maxConnectionsPerAddress: true, handshakeTimeoutMs: true, mediaIdleTimeoutMs: true,
  maxPlayerBufferBytes: true, ingestIdleTimeoutMs: true, adminFailuresPerMinute: true, ffmpegPath: true, consoleDir: true, dev: true, recording: true, relay: true,
}

/** parseArgs's own errors, said the CLI's way. */
function usage(e: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(e.message)
  if (unknown) return `unknown option ${unknown[1]} (see --help)`
  return e.message.split('\n')[0]! + ' (see --help)'
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a port number, got "${v}"`)
  return n
}

function parseApps(list: string[]): AppCredentials[] {
  return list.map((s) => {
    const i = s.indexOf(':')
    if (i <= 0) fail(`app must look like id:secret, got "${s}"`)
    return { appId: s.slice(0, i), secret: s.slice(i + 1) }
  })
}

async function serve(argv: string[]): Promise<void> {
  const t0 = performance.now()
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'rtmp-port': { type: 'string' },
      'flv-port': { type: 'string' },
      'public-host': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'log-level': { type: 'string' },
      app: { type: 'string', multiple: true },
      redis: { type: 'string' },
      dev: { type: 'boolean' },
      'console-dir': { type: 'string' },
      'state-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return void process.stdout.write(HELP)
  const env = process.env
  const configPath = values.config ?? env.MINIRTC_CONFIG
  let file: Partial<ServerOptions> = {}
  if (configPath) {
    try {
      file = JSON.parse(readFileSync(configPath, 'utf8')) as Partial<ServerOptions>
    } catch (e) {
      fail(`cannot read config ${configPath}: ${(e as Error).message}`)
    }
    const unknownKey = Object.keys(file).find((k) => !Object.prototype.hasOwnProperty.call(CONFIG_KEYS, k))
    if (unknownKey) fail(`${configPath}: unknown key "${unknownKey}"; the keys are ServerOptions' (docs/server.md)`)
  }
  const apps = [
    ...(file.apps ?? []),
    ...parseApps(env.MINIRTC_APPS ? env.MINIRTC_APPS.split(',').filter(Boolean) : []),
    ...parseApps(values.app ?? []),
  ]
  // Dev mode (the flag, or "dev": true in a config file) always gets an app of its own with a
  // fresh secret: /dev/token must never sign for an app from the config, a production one above all.
  let devApp: AppCredentials | undefined
  if (values.dev === true || file.dev) {
    if (apps.some((a) => a.appId === 'dev')) fail('dev mode creates its own app "dev"; remove the configured app with that id')
    devApp = { appId: 'dev', secret: randomBytes(24).toString('base64url') }
    apps.unshift(devApp)
  }
  if (apps.length === 0) fail('no apps configured: pass --app id:secret, MINIRTC_APPS, a config file with "apps", or --dev')
  const opts: ServerOptions = {
    ...file,
    apps,
    host: values.host ?? env.MINIRTC_HOST ?? file.host,
    port: num(values.port ?? env.MINIRTC_PORT, 'port') ?? file.port,
    rtmpPort: num(values['rtmp-port'] ?? env.MINIRTC_RTMP_PORT, 'rtmp-port') ?? file.rtmpPort,
    flvPort: num(values['flv-port'] ?? env.MINIRTC_FLV_PORT, 'flv-port') ?? file.flvPort,
    publicHost: values['public-host'] ?? env.MINIRTC_PUBLIC_HOST ?? file.publicHost,
    trustProxy: values['trust-proxy'] ?? (env.MINIRTC_TRUST_PROXY ? env.MINIRTC_TRUST_PROXY === '1' : file.trustProxy),
    logger: { level: values['log-level'] ?? env.MINIRTC_LOG_LEVEL ?? (file.logger as { level?: string } | undefined)?.level ?? 'info' },
    dev: devApp ? { appId: devApp.appId } : false,
    consoleDir: values['console-dir'] ?? env.MINIRTC_CONSOLE_DIR ?? file.consoleDir,
    stateFile: values['state-file'] ?? env.MINIRTC_STATE_FILE ?? file.stateFile,
  }
  const level = (opts.logger as { level: string }).level
  if (!LOG_LEVELS.includes(level)) fail(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`)
  const redis = values.redis ?? (env.MINIRTC_REDIS || undefined) ?? file.redis
  if (redis) opts.redis = redis
  const srv = await startServer(opts).catch((e: NodeJS.ErrnoException & { port?: number }) => {
    if (e.code === 'EADDRINUSE') {
      const flag = e.port === opts.rtmpPort ? '--rtmp-port' : e.port === opts.flvPort ? '--flv-port' : '--port'
      fail(`port ${e.port} is already in use: pass ${flag} <another port>, or stop what listens there`, 1)
    }
    fail(e.message, 1)
  })
  const ms = Math.round(performance.now() - t0)
  const startupMs = Math.round(process.uptime() * 1000)
  const lines = [
    `MiniRTC server ready in ${startupMs} ms (startServer ${ms} ms)`,
    `  signaling  ${srv.url}`,
    `  rtmp       ${srv.rtmpUrl}`,
    `  http-flv   ${srv.flvUrl || '(none)'}`,
    `  http       ${srv.httpUrl}  (/healthz, /metrics, /admin)`,
    ...(opts.consoleDir ? [`  console    ${srv.httpUrl}/console/`] : []),
  ]
  if (devApp)
    lines.unshift(
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!!  DEV MODE: GET /dev/token hands out tokens to anyone who can reach it.  !!',
      `!!  It signs only for the generated app "${devApp.appId}". Never use in production. !!`,
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    )
  if (devApp)
    lines.push(
      `  dev app    appId=${devApp.appId} secret=${devApp.secret}`,
      `  dev token  ${srv.httpUrl}/dev/token?roomId=room1&userId=user1`,
    )
  process.stderr.write(lines.join('\n') + '\n')
  let closing = false
  const stop = async () => {
    if (closing) return
    closing = true
    await srv.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

async function token(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'app-id': { type: 'string' },
      secret: { type: 'string' },
      user: { type: 'string' },
      room: { type: 'string' },
      ttl: { type: 'string' },
      'no-publish': { type: 'boolean' },
      'stream-prefix': { type: 'string' },
    },
  })
  const appId = values['app-id']
  const secret = values.secret ?? process.env.MINIRTC_SECRET
  if (!appId || !secret || !values.user) fail('token needs --app-id, --secret (or MINIRTC_SECRET) and --user')
  const ttlSeconds = values.ttl ? Number(values.ttl) : 3600
  if (!(ttlSeconds > 0)) fail('--ttl must be a positive number of seconds')
  const t = await createToken({
    appId,
    secret,
    userId: values.user,
    ...(values.room ? { roomId: values.room } : {}),
    ...(values['stream-prefix'] ? { streamIdPrefix: values['stream-prefix'] } : {}),
    privileges: { login: true, publish: !values['no-publish'] },
    ttlSeconds,
  })
  process.stdout.write(t + '\n')
}

function nginxConfig(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      'hook-base-url': { type: 'string' },
      'hook-secret': { type: 'string' },
      'rtmp-listen': { type: 'string' },
      'control-listen': { type: 'string' },
      'module-path': { type: 'string' },
      'media-node': { type: 'string' },
      'push-to': { type: 'string', multiple: true },
      'edge-of': { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  })
  const hookSecret = values['hook-secret'] ?? process.env.MINIRTC_HOOK_SECRET
  if (!hookSecret) fail('nginx-config needs --hook-secret (the media.hookSecret of your server config)')
  const text = generateNginxConfig({
    hookBaseUrl: values['hook-base-url'] ?? 'http://127.0.0.1:8090',
    hookSecret,
    rtmpListen: values['rtmp-listen'] ?? '1935',
    controlListen: values['control-listen'] ?? '127.0.0.1:8081',
    ...(values['module-path'] ? { modulePath: values['module-path'] } : {}),
    ...(values['media-node'] ? { mediaNode: values['media-node'] } : {}),
    ...(values['push-to']?.length ? { pushTo: values['push-to'] } : {}),
    ...(values['edge-of']?.length ? { edgeOf: { allowPublishFrom: values['edge-of'] } } : {}),
  })
  if (values.out) {
    writeFileSync(values.out, text, { mode: 0o600 })
    process.stderr.write(`wrote ${values.out}\n`)
  } else process.stdout.write(text)
}

/** Entry point of the `minirtc-server` binary. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const [cmd, ...rest] = argv
  try {
    if (cmd === 'token') return await token(rest)
    if (cmd === 'nginx-config') return nginxConfig(rest)
    if (cmd === 'help' || cmd === '--help' || cmd === '-h') return void process.stdout.write(HELP)
    // package.json is one folder up from both src/ and the built dist/.
    if (cmd === '--version' || cmd === '-v') return void process.stdout.write(createRequire(import.meta.url)('../package.json').version + '\n')
    return await serve(cmd === 'serve' ? rest : argv)
  } catch (e) {
    // parseArgs refuses unknown or malformed options with a TypeError
    fail(e instanceof TypeError ? usage(e) : (e as Error).message)
  }
}
