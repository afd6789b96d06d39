/**
 * The native demo page on a phone, as WeChat behaves, under @minirtc/testing with a real server,
 * real media and a bot watching: the camera refused in the settings (coded error, the prompt, the
 * settings page through open-type="openSetting", PUBLISHING on the way back), the app in the
 * background (5000 at the pusher, the package's waiting-image at the viewer, the same stream after
 * it), the screen kept on during the call, and the system check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { createBot, type Bot } from '@minirtc/headless'
import { ErrorCode } from '@minirtc/weapp'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'

const APP = { appId: 'demo', secret: 'weapp-demo-secret-0123456789abcdef' }
const ROOM = 'phone-room'
const root = path.join(__dirname, '..')
let srv: RunningServer
let mp: MiniProgram
let page: SimulatedPage
let viewer: Bot
const data = () => page.instance.data.rtc

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
  mp = createMiniProgram({ root, server: srv, live: { pusher: { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 }, player: { stallTimeoutMs: 2500 } } })
  page = await mp.open('pages/call/index', { roomId: ROOM, userId: 'ph' })
  const token = () => createToken({ ...APP, userId: 'watcher', roomId: ROOM, privileges: { login: true, publish: true }, ttlSeconds: 600 })
  viewer = await createBot({ server: srv.url, appId: APP.appId, token, roomId: ROOM, user: { userId: 'watcher', userName: 'watcher' }, autoPlay: true, player: { stallTimeoutMs: 2500 } })
})

afterAll(async () => {
  mp?.close()
  await viewer?.leave()
  await srv?.close()
})

const adds = () => {
  let n = 0
  viewer.engine.on('roomStreamUpdate', (_r, type, streams) => {
    if (type === 'ADD' && streams.some((s) => s.streamId === 'ph_main')) n++
  })
  return () => n
}

describe('the native demo page on a phone', () => {
  let addsAtViewer: () => number

  it('the camera refused in the settings: joins, CAMERA_DENIED with the prompt, nothing pushed; the screen stays on', async () => {
    addsAtViewer = adds()
    mp.wx.authSetting['scope.camera'] = false
    page.tap('join')
    await until(() => data().roomState === 'CONNECTED' && data().error?.code === ErrorCode.CAMERA_DENIED, 'CAMERA_DENIED')
    expect(data().permission).toBe('denied')
    expect(page.text()).toContain('Allow camera and microphone')
    expect(page.pusher()!.url).toBe('')
    expect(mp.wx.phone.asked).toEqual([]) // refused before: WeChat does not ask again
    expect(mp.wx.phone.keepScreenOn).toEqual([true])
    expect(mp.wx.phone.obeyMuteSwitch).toEqual([false])
  })

  it('the prompt opens the settings page (open-type="openSetting"); allowed there, the page publishes on the way back', async () => {
    mp.wx.settingsChoice = { 'scope.camera': true }
    page.tap('open-settings')
    await until(() => data().pusher.state === 'PUBLISHING', 'PUBLISHING after the settings page')
    expect(mp.wx.openSettingCalls).toBe(1)
    expect(data().permission).toBe('granted')
    expect(data().error).toBeNull()
    expect(page.text()).not.toContain('Allow camera and microphone')
    await until(() => viewer.renderer.players.get('ph_main')?.counters.framesReceived, 'the viewer gets frames')
    expect(addsAtViewer()).toBe(1)
  })

  it("in the background the pusher reports 5000 and sends the package's waiting-image; back, the camera again, with no second ADD", async () => {
    const waitingImage = page.pusher()!.waitingImage
    expect(waitingImage).toBe('/miniprogram_npm/@minirtc/weapp/waiting-image.png')
    expect(existsSync(path.join(root, waitingImage))).toBe(true) // shipped by "build npm"
    const player = viewer.renderer.players.get('ph_main')!
    expect(player.counters.width).toBe(640)

    mp.wx.emitApp('hide')
    await until(() => page.native.events.some((e) => e.kind === 'statechange' && e.detail.code === 5000), '5000 at the pusher')
    await until(() => player.counters.width === 360 && player.counters.height === 640, 'the viewer sees the waiting-image')
    expect(data().pusher.state).toBe('PUBLISHING')

    const screenBefore = mp.wx.phone.keepScreenOn.length
    mp.wx.emitApp('show')
    // WeChat drops keep-screen-on while the user is away: the room sets it again on return.
    expect(mp.wx.phone.keepScreenOn.slice(screenBefore)).toContain(true)
    await until(() => player.counters.width === 640, 'the viewer sees the camera again')
    expect(data().pusher.state).toBe('PUBLISHING')
    expect(viewer.engine.getSnapshot().streams.map((s) => s.streamId)).toEqual(['ph_main'])
    expect(addsAtViewer()).toBe(1)
  })

  it('leaving restores the screen and the mute switch', async () => {
    page.tap('leave')
    await until(() => data().roomState === 'DISCONNECTED', 'DISCONNECTED')
    expect(mp.wx.phone.keepScreenOn.at(-1)).toBe(false)
    expect(mp.wx.phone.obeyMuteSwitch.at(-1)).toBe(true)
    expect(mp.wx.phone.keepScreenOn.filter((on) => !on)).toHaveLength(1) // off once: at the end
  })

  it('checkSystemRequirements() refuses an old base library with BASE_LIBRARY_TOO_OLD', () => {
    expect(page.instance.room.checkSystemRequirements()).toEqual([])
    mp.wx.phone.baseLibrary = '2.9.4'
    expect(page.instance.room.checkSystemRequirements().map((e: { code: number }) => e.code)).toEqual([ErrorCode.BASE_LIBRARY_TOO_OLD])
    mp.wx.phone.baseLibrary = '3.5.0'
  })
})
