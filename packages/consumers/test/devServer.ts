/**
 * The other end of every consumer app's call: a real server set up as `minirtc-server --dev`
 * (app `dev`, tokens at /dev/token), which is what the apps' pages are written against, and bots.
 */
import { afterAll, beforeAll } from 'vitest'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, type MiniProgram, type SimulatedPage } from '@minirtc/testing'
import { folderBytes } from './consumerApp'

const APP = { appId: 'dev', secret: 'consumer-secret-0123456789abcdef' }

/** An in-process server on free ports, with the dev app and /dev/token. */
export function startDevServer(): Promise<RunningServer> {
  return startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
}

/** A bot logged in to `room-1` as `userId`, able to publish; `bots` collects it for cleanup. */
export async function joinBot(srv: RunningServer, userId: string, bots: Bot[]): Promise<Bot> {
  const bot = await createBot({
    server: srv.url,
    appId: APP.appId,
    token: () => createToken({ ...APP, userId, roomId: 'room-1', privileges: { login: true, publish: true }, ttlSeconds: 600 }),
    roomId: 'room-1',
    user: { userId, userName: userId },
    pusher: { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 },
  })
  bots.push(bot)
  return bot
}

/** A consumer app's index page in a call: its server, the simulated mini-program, the page, bots. */
export interface CallSession {
  srv: RunningServer
  mp: MiniProgram
  page: SimulatedPage
  bots: Bot[]
}

/**
 * Registers the file's beforeAll/afterAll: `prepare()` installs and builds the app and returns the
 * compiled mini-program's folder; its `pages/index/index` then opens against a dev server.
 */
export function callSession(prepare: () => string): CallSession {
  const session = { bots: [] as Bot[] } as CallSession
  beforeAll(async () => {
    const root = prepare()
    session.srv = await startDevServer()
    session.mp = createMiniProgram({ root, server: session.srv })
    session.page = await session.mp.open('pages/index/index')
  })
  afterAll(async () => {
    for (const b of session.bots) await b.leave()
    session.mp?.close()
    await session.srv?.close()
  })
  return session
}

/**
 * The bytes MiniRTC adds to a compiled app (`app` bytes, measured before the baseline build may
 * reuse its folder): against the same app built with a hello-world page and no MiniRTC, in
 * `baseline`. Logged, and returned.
 */
export function reportAddedBytes(label: string, app: number, baseline: string, what: string): number {
  const added = app - folderBytes(baseline)
  console.log(`${label}: compiled app ${(app / 1024).toFixed(1)} KB, of which MiniRTC (${what}) ${(added / 1024).toFixed(1)} KB; WeChat main package limit 2048 KB`)
  return added
}
