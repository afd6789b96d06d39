// Test your call page in CI: the compiled page under the simulator, a real MiniRTC server, a bot.
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram } from '@minirtc/testing'

// The page under test: apps/taro-demo's pages/room/index (`taro build --type weapp` output).
const dist = path.join(__dirname, '../../../apps/taro-demo/dist')
const app = { appId: 'dev', secret: 'ci-only-secret-0123456789abcdef' }
let server: RunningServer
let bot: Bot
let mp: MiniProgram

beforeAll(async () => {
  // A real server and its embedded media server on free ports; `dev` serves GET /dev/token.
  server = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [app], dev: true, logger: { level: 'silent' } })
  // Someone to call: a bot in the page's room, publishing a test pattern over real RTMP.
  const token = () => createToken({ ...app, userId: 'bot', roomId: 'room-1', privileges: { login: true, publish: true }, ttlSeconds: 600 })
  bot = await createBot({ server: server.url, appId: app.appId, token, roomId: 'room-1', user: { userId: 'bot', userName: 'Bot' } })
  await bot.publish('bot-cam')
  // The page's wx.connectSocket / wx.request reach this server, whatever URL the build has in it.
  mp = createMiniProgram({ root: dist, server })
})

afterAll(async () => {
  mp.close()
  await bot.leave()
  await server.close()
})

it('joins, publishes real media, plays the bot and leaves', async () => {
  const page = await mp.open('pages/room/index')
  await until(() => page.text().includes('Join'), 'the first render')
  page.tap('Join')
  // The rendered <live-pusher> pushes for real: the bot sees the page's stream.
  await until(() => page.virtualPusher()?.publishCount, 'the page publishing')
  await until(() => bot.engine.getSnapshot().streams.find((s) => s.user.userId === 'alice'), 'the bot seeing the page')
  // The bot's stream renders a <live-player> that pulls real frames.
  const player = await until(() => page.elements('live-player')[0], 'a live-player')
  await until(() => page.virtualPlayer(player.id)?.counters.framesReceived, 'frames from the bot')
  expect(page.native.events).toContainEqual(expect.objectContaining({ tag: 'live-player', kind: 'statechange', detail: expect.objectContaining({ code: 2004 }) }))
  page.tap('Leave')
  await until(() => bot.engine.getSnapshot().streams.length === 0, 'the page gone from the room')
  expect(page.pusher()).toBeUndefined()
})
