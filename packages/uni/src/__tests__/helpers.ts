import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import type { EngineEvents, RtcEngine } from '@minirtc/core'

export const APP = { appId: 'uni-app-test', secret: 'uni-test-secret-0123456789abcdef' }

export function start(): Promise<RunningServer> {
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rtmpPort: 0,
    flvPort: 0,
    apps: [APP],
    logger: { level: 'silent' },
    // tokens of 6 s get tokenWillExpire after 1 s
    tokenWillExpireSeconds: 5,
  })
}

export function tokenFor(userId: string, roomId: string, ttlSeconds = 600): Promise<string> {
  return createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds })
}

export function bot(srv: RunningServer, userId: string, roomId: string): Promise<Bot> {
  return createBot({
    server: srv.url,
    appId: APP.appId,
    token: () => tokenFor(userId, roomId),
    roomId,
    user: { userId, userName: userId.toUpperCase() },
    pusher: { retries: 3, retryDelayMs: 500, netstatusIntervalMs: 1000 },
    player: { retries: 3, retryDelayMs: 500, netstatusIntervalMs: 1000, stallTimeoutMs: 2500 },
  })
}

/** Resolve when `check` holds, re-checking on every snapshot change of `engine`. */
export function until(engine: RtcEngine, check: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve()
    const timer = setTimeout(() => {
      off()
      reject(new Error('timed out waiting for ' + what))
    }, timeoutMs)
    const off = engine.subscribe(() => {
      if (!check()) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

/** Resolve with the arguments of the next `name` event of `engine` matching `pred`. */
export function next<K extends keyof EngineEvents>(engine: RtcEngine, name: K, pred: (...args: Parameters<EngineEvents[K]>) => boolean = () => true, timeoutMs = 15000): Promise<Parameters<EngineEvents[K]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for ' + String(name))), timeoutMs)
    const listener = ((...args: Parameters<EngineEvents[K]>) => {
      if (!pred(...args)) return
      clearTimeout(timer)
      engine.off(name, listener as never)
      resolve(args)
    }) as never
    engine.on(name, listener)
  })
}
