/**
 * The native demo page (WXML + Page(), the @minirtc/weapp components from miniprogram_npm) under
 * @minirtc/testing against a real server with real media and a bot: join publishes real media,
 * the bot's stream plays with frames in <rtc-players>, the bot leaving removes it, app hide/show
 * and a lost room rejoin, leaving and unloading leave nothing on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import path from 'node:path'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'

const APP = { appId: 'demo', secret: 'weapp-demo-secret-0123456789abcdef' }
const ROOM = 'native-room'
let srv: RunningServer
let mp: MiniProgram
let page: SimulatedPage
const bots: Bot[] = []

/** What the server's admin API says about the room. */
function admin(what: 'users' | 'streams'): Promise<Array<{ userId?: string; streamId?: string }>> {
  const authorization = 'Basic ' + Buffer.from(APP.appId + ':' + APP.secret).toString('base64')
  return new Promise((resolve, reject) =>
    http
      .get(`${srv.httpUrl}/admin/rooms/${ROOM}/${what}`, { headers: { authorization } }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve(res.statusCode === 200 ? JSON.parse(body)[what] : []))
      })
      .on('error', reject),
  )
}

async function bot(userId: string): Promise<Bot> {
  const token = () => createToken({ ...APP, userId, roomId: ROOM, privileges: { login: true, publish: true }, ttlSeconds: 600 })
  const b = await createBot({ server: srv.url, appId: APP.appId, token, roomId: ROOM, user: { userId, userName: userId } })
  bots.push(b)
  return b
}

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
  mp = createMiniProgram({ root: path.join(__dirname, '..'), server: srv, live: { pusher: { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 }, player: { stallTimeoutMs: 2500 } } })
  page = await mp.open('pages/call/index', { roomId: ROOM, userId: 'nat' })
})

afterAll(async () => {
  mp?.close()
  for (const b of bots) await b.leave()
  await srv?.close()
})

describe('the native demo page', () => {
  it('renders the room from page data before joining: state, no pusher, no players', () => {
    expect(page.instance.data.rtc).toMatchObject({ roomState: 'DISCONNECTED', roomId: '', players: {} })
    expect(page.text()).toContain('DISCONNECTED')
    expect(page.pusher()).toBeUndefined()
    expect(page.players()).toEqual([])
  })

  it('joins with a dev token and publishes through the rendered <live-pusher>: PUBLISHING with real media', async () => {
    page.tap('join')
    await until(() => page.instance.data.rtc.pusher.state === 'PUBLISHING', 'PUBLISHING')
    expect(mp.wx.requested.map((r) => r.api)).toEqual(['request', 'connectSocket'])
    const pusher = page.pusher()!
    expect(pusher.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
    expect(pusher.enableMic).toBe(true)
    await until(() => page.virtualPusher()?.publishCount, 'the virtual pusher publishing')
    expect(page.native.events).toContainEqual(expect.objectContaining({ tag: 'live-pusher', kind: 'statechange', detail: expect.objectContaining({ code: 1002 }) }))
    expect((await admin('streams')).map((s) => s.streamId)).toEqual(['nat_main'])
  })

  it("a bot's stream arrives (ADD) and plays with real frames in <rtc-players>; mute reaches the page", async () => {
    const b = await bot('bot1')
    await b.publish('bot1_cam')
    await until(() => page.instance.data.rtc.players.bot1_cam?.state === 'PLAYING', 'bot1_cam PLAYING')
    const [element] = page.elements('live-player')
    expect(element!.attributes).toMatchObject({ autoplay: true, mode: 'RTC', objectFit: 'fillCrop' })
    expect(element!.attributes.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\//)
    await until(() => page.virtualPlayer(element!.id)?.counters.framesReceived, 'frames from bot1_cam')
    // WeChat finds the player's context inside the component that renders it
    const snapshot = await page.instance.room.getPlayer('bot1_cam').snapshot()
    expect(snapshot).toMatchObject({ width: 640, height: 360 })
    expect(mp.wx.contextCalls.find((c) => c.kind === 'player' && c.method === 'snapshot')!.component).toBe(element!.owner)
    page.tap('mic')
    await until(() => page.pusher()!.enableMic === false, 'mic off on the rendered pusher')
  })

  it('the bot leaving removes its player (DELETE)', async () => {
    await bots.shift()!.leave()
    await until(() => page.players().length === 0, 'no players')
    expect(page.instance.data.rtc.streams).toEqual([])
  })

  it('leave logs out: nothing of the page left on the server', async () => {
    page.tap('leave')
    await until(() => page.instance.data.rtc.roomState === 'DISCONNECTED', 'DISCONNECTED')
    await until(async () => (await admin('users')).length === 0, 'no users on the server')
    expect(await admin('streams')).toEqual([])
    expect(page.pusher()).toBeUndefined()
  })

  it('unloading the page while in the room leaves it', async () => {
    page.tap('join')
    await until(() => page.instance.data.rtc.pusher.state === 'PUBLISHING', 'PUBLISHING again')
    page.close()
    await until(async () => (await admin('users')).length === 0, 'the page gone from the server')
  })
})
