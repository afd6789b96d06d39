/**
 * The compiled uni-app demo (apps/uni-demo/dist/build[-uni-modules]/mp-weixin) under miniprogram-simulate:
 * uni-app's runtime, the call page and the @minirtc/uni components as WeChat runs them, talking
 * to a real in-process server over real sockets (`wx.connectSocket` is a shim over `ws`), with
 * headless virtual live components playing WeChat's native layer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES, ErrorCode, type RtcEngine } from '@minirtc/core'
import type { RtcRoom } from '@minirtc/core/room'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'
import { layout } from './layout'

/** The call-page suite, against the build of the current layout (see ./layout). */
export function defineCallPageTests(): void {
  // The demo's build-time defaults (vite `define` in apps/uni-demo/vite.config.ts).
  const BUILT_IN_SERVER = process.env.MINIRTC_SERVER || 'ws://127.0.0.1:8090/ws'
  const APP = { appId: process.env.MINIRTC_APP_ID || 'demo', secret: 'uni-sim-secret-0123456789abcdef' }

  let srv: RunningServer
  let mp: MiniProgram
  beforeAll(async () => {
    srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
    mp = createMiniProgram({ root: layout().dist, server: srv, live: { pusher: { retryDelayMs: 500, netstatusIntervalMs: 1000 }, player: { retryDelayMs: 500, netstatusIntervalMs: 1000 } } })
  })
  afterAll(() => srv.close())

  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!()
  })

  interface CallPage extends SimulatedPage {
    engine: RtcEngine
    /** The RtcRoom useRoom() returned to the page (what it provides to the rtc-* components). */
    room: RtcRoom
    banner(): string
    typeRoomId(value: string): void
  }

  async function openCallPage(): Promise<CallPage> {
    const page = await mp.open('pages/call/call')
    // WeChat calls onUnload when the page is closed: useRoom logs out
    cleanups.push(() => page.close())
    // useRoom provides the room to the components; the test reads the engine from the same place
    const { engine, room } = page.instance.$vm.$.provides['minirtc:room']
    return Object.assign(page, {
      engine,
      room,
      banner: () => page.elements('view').find((v) => /\bbanner\b/.test(v.attributes.class))!.text(),
      typeRoomId: (value: string) => page.elements('input')[0]!.fire('input', { value }),
    })
  }

  async function bot(userId: string, roomId: string): Promise<Bot> {
    const b = await createBot({
      server: srv.url,
      appId: APP.appId,
      token: () => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 600 }),
      roomId,
      user: { userId, userName: userId },
      pusher: { retries: 3, retryDelayMs: 500, netstatusIntervalMs: 1000 },
    })
    cleanups.push(() => b.leave())
    return b
  }

  /** Rendered attribute names, without the layout ones (`class`, `style`). */
  const bound = (attributes: Record<string, unknown>) => Object.keys(attributes).filter((a) => a !== 'class' && a !== 'style').sort()

  describe(`compiled components (${layout().name})`, () => {
    it('bind every live-pusher attribute and event the engine controls', async () => {
      const p = await openCallPage()
      p.typeRoomId('sim-room-bind-0')
      p.tap('Join')
      const pusher = await until(() => p.elements('live-pusher')[0], 'preview')
      expect(bound(pusher.attributes)).toEqual(['id', 'url', 'autopush', ...Object.keys(DEFAULT_PUSHER_ATTRIBUTES)].sort())
      expect([...pusher!.events].sort()).toEqual(['audiovolumenotify', 'error', 'netstatus', 'statechange'])
    })

    it('bind every live-player attribute and event the engine controls', async () => {
      const p = await openCallPage()
      p.typeRoomId('sim-room-bind-1')
      const ann = await bot('ann', 'sim-room-bind-1')
      await ann.publish('ann_cam')
      p.tap('Join')
      const player = await until(() => p.elements('live-player')[0], 'a player')
      // `protocol` chooses which signed URL the engine puts into src; it is not a live-player attribute
      const attributes = Object.keys(DEFAULT_PLAYER_ATTRIBUTES).filter((k) => k !== 'protocol')
      expect(bound(player.attributes)).toEqual(['id', 'src', 'autoplay', 'dataStreamId', ...attributes].sort())
      expect([...player!.events].sort()).toEqual(['audiovolumenotify', 'error', 'metadatachange', 'netstatus', 'statechange'])
    })
  })

  describe(`the call page (${layout().name})`, () => {
    it('shows the room state before joining and the preview, sized and with the engine defaults, once in the room', async () => {
      const p = await openCallPage()
      expect(p.banner()).toBe('DISCONNECTED')
      expect(p.elements('live-pusher')).toEqual([])
      expect(p.players()).toEqual([])
      p.typeRoomId('sim-room-0')
      p.tap('Join')
      await until(() => p.elements('live-pusher').length === 1, 'preview')
      const pusher = p.pusher()!
      expect(pusher.id).toBe('minirtc-pusher')
      // The demo names its waiting-image (emitted into the build by its vite config); the rest are the defaults.
      for (const [name, value] of Object.entries(DEFAULT_PUSHER_ATTRIBUTES)) expect([name, pusher[name]]).toEqual([name, name === 'waitingImage' ? '/static/minirtc-waiting-image.png' : value])
      expect(existsSync(path.join(layout().dist, 'static/minirtc-waiting-image.png'))).toBe(true)
      // a live-pusher with no height renders black on iPhone
      expect(p.elements('live-pusher')[0]!.attributes.style).toContain('height:320px')
      await until(() => p.engine.getSnapshot().pusher.state === 'PUBLISHING', 'PUBLISHING')
    })

    it('joins with a dev token, publishes through the rendered live-pusher and plays remote streams as they come and go', async () => {
      const p = await openCallPage()
      p.typeRoomId('sim-room-1')
      const zoe = await bot('zoe', 'sim-room-1')
      await zoe.publish('zoe_cam')
      const sockets = mp.wx.requested.length

      p.tap('Join')
      await until(() => p.engine.getSnapshot().pusher.state === 'PUBLISHING', 'PUBLISHING')
      const asked = mp.wx.requested.slice(sockets).map((r) => r.url)
      expect(asked[0]).toMatch(new RegExp('^' + BUILT_IN_SERVER.replace(/^ws/, 'http').replace(/\/ws$/, '') + '/dev/token$'))
      expect(asked[1]).toBe(BUILT_IN_SERVER)
      const { user, pusher } = p.engine.getSnapshot()
      expect(p.banner()).toBe('CONNECTED')
      // the rendered element carries what the engine granted
      expect(p.pusher()!.url).toBe(pusher.url)
      expect(p.pusher()!.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
      expect(p.pusher()!.autopush).toBe(true)
      expect(p.virtualPusher()!.publishCount).toBeGreaterThan(0)
      await until(() => zoe.engine.getSnapshot().streams.some((s) => s.streamId === user!.userId + '_main'), 'zoe sees the page stream')

      // zoe's stream was already there: auto-played into a rendered live-player
      await until(() => p.players().length === 1 && p.engine.getSnapshot().players.zoe_cam?.state === 'PLAYING', 'zoe_cam PLAYING')
      const [player] = p.players()
      expect(player!.id).toBe(p.engine.getSnapshot().players.zoe_cam!.id)
      expect(player!.src).toBe(p.engine.getSnapshot().players.zoe_cam!.src)
      expect([player!.autoplay, player!.mode, player!.minCache, player!.maxCache]).toEqual([true, 'RTC', 0.2, 0.8])

      // every other native event travels through the compiled bindings too
      const seen: string[] = []
      p.engine.on('publishQualityUpdate', () => seen.push('publishQuality'))
      p.engine.on('capturedSoundLevelUpdate', () => seen.push('capturedSoundLevel'))
      p.engine.on('playQualityUpdate', (streamId) => seen.push('playQuality ' + streamId))
      p.engine.on('soundLevelUpdate', (streamId) => seen.push('soundLevel ' + streamId))
      p.engine.on('recvSEI', (streamId, data) => seen.push(`sei ${streamId} ${data}`))
      const zoeElement = p.elements('live-player')[0]!
      zoeElement.fire('audiovolumenotify', { volume: 40 })
      zoeElement.fire('metadatachange', { sei: 'hello' })
      await until(() => ['publishQuality', 'capturedSoundLevel', 'playQuality zoe_cam'].every((e) => seen.includes(e)), 'netstatus and volume events')
      expect(seen).toContain('soundLevel zoe_cam')
      expect(seen).toContain('sei zoe_cam hello')

      // ADD: a second remote stream gets a second player
      const yan = await bot('yan', 'sim-room-1')
      await yan.publish('yan_cam')
      await until(() => p.players().length === 2, 'second player')
      await until(() => p.engine.getSnapshot().players.yan_cam?.state === 'PLAYING', 'yan_cam PLAYING')
      expect(p.players().map((x) => x.dataStreamId).sort()).toEqual(['yan_cam', 'zoe_cam'])

      // DELETE: the player goes away with the stream
      zoe.stopPublish()
      await until(() => p.players().length === 1, 'zoe player removed')
      expect(p.players()[0]!.dataStreamId).toBe('yan_cam')

      p.tap('Leave')
      await until(() => p.banner() === 'DISCONNECTED', 'left')
      await until(() => !yan.engine.getSnapshot().users.some((u) => u.userId === user!.userId), 'yan sees the page leave')
      expect(p.elements('live-pusher')).toEqual([])
      expect(p.players()).toEqual([])
    })

    it('closing the page (onUnload) leaves the room', async () => {
      const p = await openCallPage()
      p.typeRoomId('sim-room-4')
      const xia = await bot('xia', 'sim-room-4')
      p.tap('Join')
      await until(() => p.engine.getSnapshot().pusher.state === 'PUBLISHING', 'PUBLISHING')
      const me = p.engine.getSnapshot().user!.userId
      await until(() => xia.engine.getSnapshot().users.some((u) => u.userId === me), 'xia sees the page user')
      p.instance.onUnload() // WeChat: navigateBack / redirectTo
      expect(p.engine.getSnapshot().roomState).toBe('DISCONNECTED')
      await until(() => !xia.engine.getSnapshot().users.some((u) => u.userId === me) && xia.engine.getSnapshot().streams.length === 0, 'xia sees the page leave')
    })

    it('mute and camera buttons drive enable-mic / enable-camera; switch camera calls the pusher context', async () => {
      const p = await openCallPage()
      p.typeRoomId('sim-room-2')
      p.tap('Join')
      await until(() => p.engine.getSnapshot().pusher.state === 'PUBLISHING', 'PUBLISHING')

      p.tap('Mute mic')
      await until(() => p.pusher()!.enableMic === false, 'enable-mic=false')
      expect(p.engine.getSnapshot().pusher.enableMic).toBe(false)
      p.tap('Unmute mic')
      await until(() => p.pusher()!.enableMic === true, 'enable-mic=true')

      p.tap('Camera off')
      await until(() => p.pusher()!.enableCamera === false, 'enable-camera=false')
      p.tap('Camera on')
      await until(() => p.pusher()!.enableCamera === true, 'enable-camera=true')

      const before = mp.wx.contextCalls.length
      p.tap('Switch camera')
      await until(() => mp.wx.contextCalls.length > before, 'context call')
      const call = mp.wx.contextCalls[before]!
      expect([call.kind, call.method, call.id]).toEqual(['pusher', 'switchCamera', 'minirtc-pusher'])
      // the context is looked up in the component that renders the live-pusher (<rtc-pusher>), not the page
      expect(call.component).toBe(p.elements('live-pusher')[0]!.owner)
      expect(call.component).not.toBe(p.instance)
    })

    it('snapshots, SEI both ways and extra info through the compiled components and real media', async () => {
      const p = await openCallPage()
      p.typeRoomId('sim-room-4')
      p.tap('Join')
      await until(() => p.room.pusher.state === 'PUBLISHING', 'PUBLISHING')
      const b = await bot('uni-sei-bot', 'sim-room-4')
      await b.publish('uni-sei-bot_cam', { extraInfo: 'from the bot' })
      await until(() => p.room.players['uni-sei-bot_cam']?.state === 'PLAYING', 'the bot PLAYING on the page')
      expect(p.room.streams.find((s) => s.streamId === 'uni-sei-bot_cam')!.extraInfo).toBe('from the bot')

      // snapshots: the contexts are found in the components that render the elements
      expect(await p.room.getPusher().snapshot()).toMatchObject({ width: 640, height: 360 })
      expect(await p.room.getPlayer('uni-sei-bot_cam').snapshot()).toMatchObject({ width: 640, height: 360 })
      const player = p.elements('live-player')[0]!
      expect(mp.wx.contextCalls.filter((c) => c.method === 'snapshot').map((c) => c.component)).toEqual([p.elements('live-pusher')[0]!.owner, player.owner])

      // SEI from the bot arrives through the rendered live-player's statechange 2012 binding
      const fromBot = new Promise<string>((resolve) => p.room.on('recvSEI', (_id, data) => resolve(data)))
      await b.engine.getPusherInstance().sendSEI('hello page')
      expect(await fromBot).toBe('hello page')
      expect(p.native.events).toContainEqual(expect.objectContaining({ tag: 'live-player', kind: 'statechange', detail: expect.objectContaining({ code: 2012 }) }))
      // SEI from the page reaches the bot playing it
      await b.play(p.room.pusher.streamId)
      const atBot = new Promise<string>((resolve) => b.engine.on('recvSEI', (_id, data) => resolve(data)))
      await p.room.sendSEI('hello bot')
      expect(await atBot).toBe('hello bot')

      // room extra info: set by the page, in its own room and at the bot
      await p.room.setRoomExtraInfo('topic', 'uni')
      expect(p.room.roomExtraInfo.map((i) => [i.key, i.value])).toEqual([['topic', 'uni']])
      await until(() => b.engine.getSnapshot().roomExtraInfo.some((i) => i.value === 'uni'), 'the bot sees the topic')
    })

    it('camera refused in the settings: the prompt and no push; the settings page (open-type="openSetting") allows it and the page publishes; the screen stays on; in the background the peer sees the waiting-image, then the camera on the same stream', async () => {
      const p = await openCallPage()
      cleanups.push(() => void (mp.wx.authSetting['scope.camera'] = true))
      const keepScreenOn = mp.wx.phone.keepScreenOn.length
      mp.wx.authSetting['scope.camera'] = false
      p.typeRoomId('sim-room-phone')
      p.tap('Join')
      await until(() => p.room.error?.code === ErrorCode.CAMERA_DENIED && p.room.permission === 'denied', 'CAMERA_DENIED')
      expect(p.room.roomState).toBe('CONNECTED')
      expect(p.pusher()!.url).toBe('')
      expect(mp.wx.phone.keepScreenOn.slice(keepScreenOn)).toEqual([true])

      const opened = mp.wx.openSettingCalls
      mp.wx.settingsChoice = { 'scope.camera': true }
      p.tap('Allow camera and microphone')
      await until(() => p.room.pusher.state === 'PUBLISHING', 'PUBLISHING after the settings page')
      expect(mp.wx.openSettingCalls).toBe(opened + 1)
      expect(p.room.permission).toBe('granted')

      const peer = await bot('uni-peer', 'sim-room-phone')
      const own = p.room.pusher.streamId
      let adds = 0
      peer.room.on('roomStreamUpdate', (_r, type, streams) => void (type === 'ADD' && streams.some((x) => x.streamId === own) && adds++))
      await peer.play(own)
      const seen = peer.renderer.players.get(own)!
      await until(() => seen.counters.width === 640, 'the camera at the peer')
      mp.wx.emitApp('hide')
      await until(() => p.native.events.some((e) => e.kind === 'statechange' && e.detail.code === 5000), '5000 at the pusher')
      await until(() => seen.counters.width === 360 && seen.counters.height === 640, 'the waiting-image at the peer')
      mp.wx.emitApp('show')
      await until(() => seen.counters.width === 640, 'the camera again')
      expect(p.room.pusher.state).toBe('PUBLISHING')
      expect(adds).toBe(0)

      p.tap('Leave')
      await until(() => p.room.roomState === 'DISCONNECTED', 'left')
      // On while in the room (set again after each return to the page), off once when it was left.
      expect(mp.wx.phone.keepScreenOn.slice(keepScreenOn).filter((on) => !on)).toEqual([false])
      expect(mp.wx.phone.keepScreenOn.at(-1)).toBe(false)
    })

    it('camera denied (CAMERA_DENIED): shows the error, opens the settings from a tap, publishes again once allowed', async () => {
      const p = await openCallPage()
      p.native.deny = 'camera'
      p.typeRoomId('sim-room-3')
      p.tap('Join')
      await until(() => p.engine.getSnapshot().error?.code === ErrorCode.CAMERA_DENIED, 'CAMERA_DENIED')
      await until(() => p.banner().includes('Camera denied'), 'banner shows the error')
      expect(p.engine.getSnapshot().pusher.state).toBe('NO_PUBLISH')
      expect(p.pusher()!.url).toBe('')

      // the user allows both in the settings page; the native pusher now gets the camera
      mp.wx.authSetting = { 'scope.camera': true, 'scope.record': true }
      p.native.deny = undefined
      p.native.remount()
      const opened = mp.wx.openSettingCalls
      p.tap('Allow camera and microphone')
      await until(() => mp.wx.openSettingCalls === opened + 1, 'openSetting')
      await until(() => p.engine.getSnapshot().pusher.state === 'PUBLISHING', 'PUBLISHING after allowing')
      expect(p.engine.getSnapshot().error).toBeNull()
      expect(p.elements('button').some((b) => b.text().includes('Allow'))).toBe(false)
    })
  })
}
