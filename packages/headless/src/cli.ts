/**
 * `minirtc-bot`: put a headless participant into a room, for developers who want someone to
 * call from their mini-program (or a stream to look at) without a second phone.
 */
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import type { EngineEvents } from '@minirtc/core'
import { createBot } from './bot.js'
import { FIXTURES } from './media/fixtures.js'

const HELP = `minirtc-bot: a headless MiniRTC participant (virtual camera over real RTMP)

Usage: minirtc-bot --server ws://127.0.0.1:8090/ws --room demo --user bot1 [options]

  --server <url>       signaling URL (MINIRTC_SERVER)
  --app-id <id>        app id (MINIRTC_APP_ID; default: the one the dev token endpoint returns)
  --token <jwt>        access token (MINIRTC_TOKEN); without it the bot asks the server's
                       dev endpoint (<server http base>/dev/token), which only a --dev server has
  --room <roomId>      room to join
  --user <userId>      user id (and name)
  --publish <streamId> publish the virtual camera as this stream
  --play <streamId>    play this stream (repeatable)
  --auto-play          play every stream in the room as it appears
  --source <file.flv>  FLV file the virtual camera loops (default: the bundled 640x360 test pattern)
  --quiet              do not print events
  --version            print the version
`

/**
 * A wrong command line: exit 2, nothing started (minirtc-server keeps the same convention; exit 1
 * is for a failure while running, such as an unreachable server).
 */
export class UsageError extends Error {
  readonly exitCode = 2
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        'app-id': { type: 'string' },
        token: { type: 'string' },
        room: { type: 'string' },
        user: { type: 'string' },
        publish: { type: 'string' },
        play: { type: 'string', multiple: true },
        'auto-play': { type: 'boolean' },
        source: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (e) {
    const unknown = /Unknown option '([^']+)'/.exec((e as Error).message)
    throw new UsageError(unknown ? `unknown option ${unknown[1]} (see --help)` : (e as Error).message.split('\n')[0] + ' (see --help)')
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parse(argv)
  if (values.help) return void process.stdout.write(HELP)
  // package.json is one folder up from both src/ and the built dist/.
  if (values.version) return void process.stdout.write(createRequire(import.meta.url)('../package.json').version + '\n')
  const server = values.server ?? process.env.MINIRTC_SERVER
  if (!server || !values.room || !values.user) throw new UsageError('--server, --room and --user are required (see --help)')
  let appId = values['app-id'] ?? process.env.MINIRTC_APP_ID
  let token = values.token ?? process.env.MINIRTC_TOKEN
  if (!token) {
    const dev = await fetchDevToken(server, values.room, values.user)
    token = dev.token
    appId = appId ?? dev.appId
  }
  if (!appId) throw new UsageError('--app-id is required with --token')
  const bot = await createBot({
    server,
    appId,
    token,
    roomId: values.room,
    user: { userId: values.user, userName: values.user },
    autoPlay: values['auto-play'] === true,
    pusher: { source: values.source ?? FIXTURES.camera640x360 },
  })
  const log = (...parts: unknown[]) => values.quiet || process.stdout.write(`[${new Date().toISOString()}] ${parts.join(' ')}\n`)
  const watch: Array<keyof EngineEvents> = ['roomStateUpdate', 'roomUserUpdate', 'roomStreamUpdate', 'publisherStateUpdate', 'playerStateUpdate', 'IMRecvBroadcastMessage', 'IMRecvCustomCommand']
  for (const name of watch) bot.engine.on(name, ((...args: unknown[]) => log(name, JSON.stringify(args))) as never)
  log(`joined room ${values.room} as ${values.user}`)
  if (values.publish) {
    await bot.publish(values.publish)
    log(`publishing ${values.publish}`)
  }
  for (const id of values.play ?? []) {
    await bot.play(id)
    log(`playing ${id}`)
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await bot.leave()
}

/** The server's dev token endpoint lives on the HTTP side of the signaling port. */
export async function fetchDevToken(server: string, roomId: string, userId: string): Promise<{ appId: string; token: string }> {
  const base = new URL(server)
  base.protocol = base.protocol === 'wss:' ? 'https:' : 'http:'
  const url = new URL('/dev/token', base)
  url.searchParams.set('roomId', roomId)
  url.searchParams.set('userId', userId)
  const res = await fetch(url).catch((e: Error & { cause?: { code?: string; message?: string } }) => {
    throw new Error(`cannot reach ${url.origin} (${(e.cause && (e.cause.code || e.cause.message)) || e.message}): is minirtc-server running there, with --dev for test tokens?`)
  })
  if (!res.ok) throw new Error(`no token given and ${url} answered ${res.status}: start the server with --dev or pass --token`)
  return (await res.json()) as { appId: string; token: string }
}
