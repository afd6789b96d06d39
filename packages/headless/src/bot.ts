/**
 * Bots: a whole MiniRTC participant in Node (the room controller + Node platform + headless
 * renderer), for tests, demos and benchmarks, or to have someone to call from a phone.
 */
import type { PlayerAttributes, RtcEngine } from '@minirtc/core'
import { createRoomController, type RoomMethods, type RoomOptions } from '@minirtc/core/room'
import { createNodePlatform } from './platform.js'
import type { SimulatedPhone } from './simulated-phone.js'
import { HeadlessRenderer, type HeadlessRendererOptions } from './renderer.js'

export interface BotOptions extends HeadlessRendererOptions, Omit<RoomOptions, 'player'> {
  /** Play every remote stream as it appears (default false for bots: they play what they are told). */
  autoPlay?: boolean
  /** Keep `users` filled (default true for bots). */
  userUpdate?: boolean
}

export interface Bot {
  engine: RtcEngine
  renderer: HeadlessRenderer
  /** The phone the bot runs on: change its network type, its settings, its base library. */
  phone: SimulatedPhone
  /** The bot's room: every method a page has (`setRoomExtraInfo`, `sendSEI`, `getPlayer`…). */
  room: RoomMethods
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
  const bot = prepareBot(options)
  try {
    await bot.room.login()
  } catch (err) {
    await bot.leave()
    throw err
  }
  return bot
}

/**
 * A bot whose page has loaded but not joined: everything `createBot` builds, not logged in yet
 * (`bot.room.login()` joins). What a page holds before the user taps "join"; call setup is
 * timed from that tap.
 */
export function prepareBot(options: BotOptions): Bot {
  const renderer = new HeadlessRenderer(options)
  // `player` here configures the virtual players (retries, timeouts), not the player attributes.
  const roomOptions: RoomOptions = Object.assign({}, options, { autoPlay: !!options.autoPlay, userUpdate: options.userUpdate !== false, player: undefined })
  const platform = createNodePlatform({ contexts: renderer })
  const room = createRoomController(roomOptions, platform)
  const { methods } = room
  renderer.attach(methods.engine)
  return {
    engine: methods.engine,
    renderer,
    phone: platform.phone,
    room: methods,
    publish: (streamId, opts) => methods.publish(streamId, opts && opts.extraInfo),
    async play(streamId, attributes) {
      await methods.play(streamId, attributes)
      const player = renderer.players.get(streamId)
      if (player) await waitFor(() => player.counters.framesReceived > 0, 10000, 'frames from ' + streamId)
    },
    stopPublish: methods.stopPublish,
    async leave() {
      renderer.detach()
      room.destroy()
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
