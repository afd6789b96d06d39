/**
 * Bots: a whole MiniRTC participant in Node (engine + Node platform + headless renderer), for
 * tests, demos and benchmarks, or to have someone to call from a mini-program on a phone.
 */
import { RtcEngine, type LoginConfig, type PlayerAttributes, type ReconnectPolicy, type UserInfo } from '@minirtc/core'
import { createNodePlatform } from './platform.js'
import { HeadlessRenderer, type HeadlessRendererOptions } from './renderer.js'

export interface BotOptions extends HeadlessRendererOptions {
  /** Signaling URL (`ws://127.0.0.1:8090/ws`). */
  server: string
  appId: string
  /** A token, or a function that fetches one (called again on `tokenWillExpire`). */
  token: string | (() => Promise<string>)
  roomId: string
  user: UserInfo
  /** Play every remote stream as it appears (default false for bots: they play what they are told). */
  autoPlay?: boolean
  userUpdate?: boolean
  reconnectPolicy?: ReconnectPolicy
}

export interface Bot {
  engine: RtcEngine
  renderer: HeadlessRenderer
  /** Publish the virtual camera as `streamId`; resolves at PUBLISHING. */
  publish(streamId: string, options?: { extraInfo?: string }): Promise<void>
  /** Play `streamId`; resolves at PLAYING once frames are flowing. */
  play(streamId: string, attributes?: Partial<PlayerAttributes>): Promise<void>
  /** Stop publishing (the room gets DELETE). */
  stopPublish(): void
  /** Log out and unmount the virtual components. */
  leave(): Promise<void>
}

/**
 * Log a bot into a room.
 * @example
 * const bot = await createBot({ server: srv.url, appId, token, roomId: 'demo', user: { userId: 'bot1', userName: 'Bot 1' } })
 * await bot.publish('bot1-cam')
 */
export async function createBot(options: BotOptions): Promise<Bot> {
  const renderer = new HeadlessRenderer(options)
  const platform = createNodePlatform({ contexts: renderer })
  const engine = new RtcEngine({ appId: options.appId, server: options.server, platform, reconnectPolicy: options.reconnectPolicy })
  renderer.attach(engine)
  const fetchToken = typeof options.token === 'function' ? options.token : () => Promise.resolve(options.token as string)
  engine.on('tokenWillExpire', () => {
    fetchToken()
      .then((t) => engine.renewToken(t))
      .catch(() => undefined)
  })
  const config: LoginConfig = { autoPlay: !!options.autoPlay, userUpdate: options.userUpdate !== false }
  try {
    await engine.loginRoom(options.roomId, await fetchToken(), options.user, config)
  } catch (err) {
    renderer.detach()
    engine.destroy()
    throw err
  }
  return {
    engine,
    renderer,
    publish: (streamId, opts) => engine.createPusher().start(streamId, opts),
    async play(streamId, attributes) {
      await engine.getPlayerInstance(streamId).play(attributes)
      const player = renderer.players.get(streamId)
      if (player) await waitFor(() => player.counters.framesReceived > 0, 10000, 'frames from ' + streamId)
    },
    stopPublish: () => engine.getPusherInstance().stop(),
    async leave() {
      engine.logoutRoom()
      renderer.detach()
      engine.destroy()
    },
  }
}

/** Poll `check` until it holds (media counters change outside the engine's events). */
export function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = () => {
      if (check()) return resolve()
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting for ' + what))
      setTimeout(tick, 20)
    }
    tick()
  })
}
