import { afterEach } from 'vitest'
import { createBot, type Bot, type BotOptions } from '@minirtc/headless'
import { createToken, startServer, type RunningServer, type ServerOptions } from '@minirtc/server'
import type { EngineEvents } from '@minirtc/core'

export const APP = { appId: 'e2e-app', secret: 'e2e-secret-0123456789abcdef' }

export function start(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rtmpPort: 0,
    flvPort: 0,
    apps: [APP],
    logger: { level: process.env.MINIRTC_TEST_LOG ?? 'silent' },
    ...extra,
  })
}

export function tokenFor(userId: string, roomId: string, ttlSeconds = 600) {
  return createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds })
}

/** Fast native retries so media failures resolve within a test's time. */
const fastMedia: Pick<BotOptions, 'pusher' | 'player'> = {
  pusher: { retries: 3, retryDelayMs: 500, netstatusIntervalMs: 1000 },
  player: { retries: 3, retryDelayMs: 500, netstatusIntervalMs: 1000, stallTimeoutMs: 2500 },
}

export async function bot(srv: RunningServer, userId: string, roomId: string, extra: Partial<BotOptions> = {}): Promise<Bot & { events: Recorder }> {
  const b = await createBot({
    server: srv.url,
    appId: APP.appId,
    token: () => tokenFor(userId, roomId),
    roomId,
    user: { userId, userName: userId.toUpperCase() },
    userUpdate: true,
    reconnectPolicy: { nextRetryDelayMs: (c) => (c.elapsedMs > 30000 ? null : [0, 200, 500, 1000][Math.min(c.retryCount, 3)]!) },
    ...fastMedia,
    ...extra,
  })
  return Object.assign(b, { events: record(b.engine) })
}

export interface Recorder {
  log: Array<{ name: keyof EngineEvents; args: any[] }>
  of(name: keyof EngineEvents): any[][]
  /** Resolve when an event matching `pred` has been emitted (now or later). */
  wait(name: keyof EngineEvents, pred?: (...args: any[]) => boolean, timeoutMs?: number, since?: number): Promise<any[]>
}

const ALL: Array<keyof EngineEvents> = [
  'roomStateUpdate', 'roomStateChanged', 'roomUserUpdate', 'roomOnlineUserCountUpdate', 'roomStreamUpdate',
  'streamExtraInfoUpdate', 'roomExtraInfoUpdate', 'publisherStateUpdate', 'playerStateUpdate',
  'publishQualityUpdate', 'playQualityUpdate', 'tokenWillExpire', 'IMRecvBroadcastMessage', 'IMRecvCustomCommand', 'recvSEI',
]

export function record(engine: Bot['engine']): Recorder {
  const log: Recorder['log'] = []
  const waiters: Array<{ name: string; pred: (...a: any[]) => boolean; resolve: (a: any[]) => void }> = []
  for (const name of ALL)
    engine.on(name, ((...args: any[]) => {
      log.push({ name, args })
      for (const w of waiters.slice()) if (w.name === name && w.pred(...args)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(args)
      }
    }) as never)
  return {
    log,
    of: (name) => log.filter((e) => e.name === name).map((e) => e.args),
    wait(name, pred = () => true, timeoutMs = 20000, since = 0) {
      const hit = log.slice(since).find((e) => e.name === name && pred(...e.args))
      if (hit) return Promise.resolve(hit.args)
      return new Promise((resolve, reject) => {
        const w = { name, pred, resolve }
        waiters.push(w)
        setTimeout(() => {
          const i = waiters.indexOf(w)
          if (i >= 0) {
            waiters.splice(i, 1)
            reject(new Error(`timed out waiting for ${name}; saw: ${log.map((e) => e.name).join(', ')}`))
          }
        }, timeoutMs)
      })
    },
  }
}

export const streamIds = (args: any[]) => (args[2] as Array<{ streamId: string }>).map((s) => s.streamId)

/**
 * One test's server and everything to undo after it: `call.start()` starts a server, `call.bot()`
 * logs a bot in (left after the test), `call.defer(fn)` adds any other cleanup. Registers its own
 * afterEach, so test files only say what differs.
 */
export function useCall() {
  const cleanups: Array<() => unknown> = []
  const call = {
    srv: null as RunningServer | null,
    async start(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
      call.srv = await start(extra)
      return call.srv
    },
    async bot(userId: string, roomId: string, extra: Partial<BotOptions> & { via?: RunningServer } = {}) {
      const { via, ...rest } = extra
      const b = await bot(via ?? call.srv!, userId, roomId, rest)
      cleanups.push(() => b.leave())
      return b
    },
    defer(fn: () => unknown) {
      cleanups.push(fn)
    },
  }
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
    await call.srv?.close()
    call.srv = null
  })
  return call
}
