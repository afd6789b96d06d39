// @vitest-environment happy-dom
/**
 * One scenario suite for every framework binding of the room controller: the same steps, the same
 * assertions, through `useRtcRoom` (Taro, React) and `useRoom` (uni-app, Vue), each over a real
 * engine, the real server and real media (virtual live components pushing and pulling RTMP /
 * HTTP-FLV). A binding that drifts from the others fails here.
 */
import { describe, expect, it, vi } from 'vitest'
import { renderHook } from '@testing-library/react'
import { effectScope } from 'vue'
import { HeadlessRenderer, createNodePlatform, waitFor, type NodePlatform } from '@minirtc/headless'
import type { PlatformSocket } from '@minirtc/core'
import type { RoomOptions, RtcRoom } from '@minirtc/core/room'
import { ErrorCode } from '@minirtc/protocol'
import { useRtcRoom } from '@minirtc/taro'
import { useRoom } from '@minirtc/uni'
import { APP, streamIds, tokenFor, useCall } from './helpers'
import { TcpProxy } from '@minirtc/headless'

// Both bindings get the Node platform; the hosts' own modules are never reached.
vi.mock('@tarojs/taro', () => ({ default: {} }))
vi.mock('@tarojs/runtime', () => ({ getCurrentInstance: () => null }))
vi.mock('@tarojs/components', () => ({}))
vi.mock('@dcloudio/uni-app', () => ({ onShow() {}, onHide() {}, onUnload() {} }))

interface Mounted {
  /** The room as the page sees it now. */
  room(): RtcRoom
  /** The component (React) or scope (Vue) that owns the room goes away. */
  unmount(): void
}
interface Binding {
  name: string
  mount(options: RoomOptions & { platform: NodePlatform }): Mounted
}

const bindings: Binding[] = [
  {
    name: 'Taro useRtcRoom',
    mount(options) {
      const hook = renderHook(() => useRtcRoom(options))
      return { room: () => hook.result.current, unmount: () => hook.unmount() }
    },
  },
  {
    name: 'uni-app useRoom',
    mount(options) {
      const scope = effectScope()
      const room = scope.run(() => useRoom(options))!
      return { room: () => room, unmount: () => scope.stop() }
    },
  },
]

const fast = { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 }
const until = (check: () => boolean, what: string, timeoutMs = 15000) => waitFor(check, timeoutMs, what)

describe.each(bindings)('$name', (binding) => {
  const call = useCall()

  /** A page in `roomId`: the binding over the Node platform, its socket cuttable like a lost network. */
  function page(roomId: string, userId: string, extra: Partial<RoomOptions> = {}) {
    const renderer = new HeadlessRenderer({ pusher: fast, player: { ...fast, stallTimeoutMs: 2500 } })
    const base = createNodePlatform({ contexts: renderer })
    let socket: PlatformSocket | null = null
    const platform: NodePlatform = Object.assign({}, base, { connect: (url: string, h: Parameters<NodePlatform['connect']>[1]) => (socket = base.connect(url, h)) })
    const tokens: string[] = []
    const mounted = binding.mount({
      server: call.srv!.url,
      appId: APP.appId,
      roomId,
      user: { userId, userName: userId.toUpperCase() },
      token: ({ roomId: r, userId: u }) => (tokens.push(r + '/' + u), tokenFor(u, r)),
      userUpdate: true,
      platform,
      ...extra,
    })
    renderer.attach(mounted.room().engine)
    call.defer(() => {
      mounted.unmount()
      renderer.detach()
    })
    return { ...mounted, renderer, platform, tokens, cut: () => socket!.close(4000, 'network lost') }
  }

  it('joins with a token provider, publishes, plays a remote stream with real frames, mutes, and follows it away', async () => {
    await call.start()
    const p = page('parity-call', 'ann')
    const room = p.room
    expect(room().roomState).toBe('DISCONNECTED')
    await room().join({ publish: true })
    expect(p.tokens).toEqual(['parity-call/ann'])
    expect(room().roomState).toBe('CONNECTED')
    expect(room().pusher).toMatchObject({ streamId: 'ann_main', state: 'PUBLISHING' })
    expect(room().pusher.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
    // In a call: the screen stays on and call audio ignores the iOS mute switch.
    expect(room().permission).toBe('granted')
    expect(p.platform.phone.keepScreenOn).toEqual([true])
    expect(p.platform.phone.obeyMuteSwitch).toEqual([false])

    const bob = await call.bot('bob', 'parity-call')
    await until(() => room().users.some((u) => u.userId === 'bob'), 'bob in users')
    expect(room().onlineCount).toBe(2)
    await bob.publish('bob_cam')
    // autoPlay defaults to true: the player appears with the stream and frames arrive.
    await until(() => room().players.bob_cam?.state === 'PLAYING', 'bob_cam PLAYING')
    const player = p.renderer.players.get('bob_cam')!
    await until(() => player.counters.framesReceived > 0, 'frames from bob_cam')

    // React re-renders after the change, Vue updates in place: read the room again until it shows.
    room().setMute({ audio: true })
    await until(() => room().pusher.enableMic === false, 'microphone off')
    room().setMute({ video: true }, 'bob_cam')
    await until(() => room().players.bob_cam!.muteVideo, 'bob_cam video muted')

    bob.stopPublish()
    await until(() => !room().players.bob_cam && room().streams.length === 0, 'bob_cam gone')
    room().logout()
    await until(() => room().roomState === 'DISCONNECTED', 'logged out')
    expect(p.platform.phone.keepScreenOn).toEqual([true, false])
    expect(p.platform.phone.obeyMuteSwitch).toEqual([false, true])
  })

  it('asks for the camera before the pusher renders; refused: CAMERA_DENIED and a denied permission; allowed in the settings: publishes on return', async () => {
    await call.start()
    const p = page('parity-perm', 'hal')
    const room = p.room
    const phone = p.platform.phone
    phone.authSetting = {} // never asked
    phone.answers['scope.camera'] = false // the user taps "deny"
    await room().login()
    await expect(room().publish()).rejects.toMatchObject({ code: ErrorCode.CAMERA_DENIED })
    expect(phone.asked).toEqual(['scope.camera'])
    await until(() => room().permission === 'denied' && room().error?.code === ErrorCode.CAMERA_DENIED, 'permission denied')
    expect(room().pusher.state).toBe('NO_PUBLISH')
    expect(p.renderer.pusher?.publishCount ?? 0).toBe(0) // nothing was pushed
    // WeChat does not ask twice: authorize fails at once, only the settings page can change it.
    await expect(room().publish()).rejects.toMatchObject({ code: ErrorCode.CAMERA_DENIED })
    expect(phone.asked).toEqual(['scope.camera'])

    // The prompt's open-type="openSetting" button: the settings page hides the page, the user
    // allows the camera, the page shows again and the room publishes what it held back.
    const viewer = await call.bot('ida', 'parity-perm')
    p.platform.emitLifecycle('hide')
    phone.authSetting['scope.camera'] = true
    p.platform.emitLifecycle('show')
    await until(() => room().pusher.state === 'PUBLISHING', 'publishing after the settings page')
    // Keep-screen-on set at login, and again on the way back (WeChat drops it while the user is away).
    expect(phone.keepScreenOn).toEqual([true, true])
    expect(room().permission).toBe('granted')
    expect(room().error).toBeNull()
    expect(phone.asked).toEqual(['scope.camera', 'scope.record'])
    await viewer.events.wait('roomStreamUpdate', (_r, type, streams) => type === 'ADD' && streams.some((x: { streamId: string }) => x.streamId === 'hal_main'))
  })

  it('refuses to publish without the privacy agreement, with PRIVACY_DENIED', async () => {
    await call.start()
    const p = page('parity-privacy', 'jon')
    p.platform.phone.authSetting = {}
    p.platform.phone.privacyAgreed = false
    await p.room().login()
    await expect(p.room().publish()).rejects.toMatchObject({ code: ErrorCode.PRIVACY_DENIED })
    expect(p.room().permission).toBe('denied')
    expect(p.room().error!.message).toMatch(/declare camera and microphone/)
    expect(p.platform.phone.asked).toEqual([])
  })

  it('a network-type change probes the socket: a dead one is replaced at once (RECONNECTED), a live one stays; weak networks show', async () => {
    const srv = await call.start()
    const port = Number(new URL(srv.url).port)
    const proxy = await new TcpProxy(port).listen()
    call.defer(() => proxy.close())
    const p = page('parity-net', 'kim', { server: srv.url.replace(':' + port, ':' + proxy.port) })
    const room = p.room
    const reasons: string[] = []
    room().on('roomStateChanged', (_r, reason) => void reasons.push(reason))
    await room().join({ publish: true })
    await until(() => room().networkType === 'wifi', 'network type known')

    // Wi-Fi to 5G with a working socket: the probe's pong arrives, nothing reconnects.
    p.platform.phone.setNetwork({ isConnected: true, networkType: '5g' })
    await new Promise((r) => setTimeout(r, 2000))
    expect(room().networkType).toBe('5g')
    expect(reasons).toEqual(['LOGINING', 'LOGINED'])

    // Wi-Fi hands over: the old socket still looks open, its packets go nowhere. The heartbeat
    // would take its interval plus the request timeout; the probe gives up within 1.5 s.
    proxy.stall()
    p.platform.phone.setNetwork({ isConnected: true, networkType: '4g' })
    await until(() => reasons.includes('RECONNECTED'), 'RECONNECTED after the network-type change', 5000)
    expect(reasons.slice(2)).toEqual(['RECONNECTING', 'RECONNECTED'])
    expect(room().roomState).toBe('CONNECTED')
    await until(() => room().pusher.state === 'PUBLISHING', 'still publishing')

    p.platform.phone.setWeakNetwork(true)
    await until(() => room().weakNetwork, 'weak network in the room state')
    p.platform.phone.setWeakNetwork(false)
    await until(() => !room().weakNetwork, 'weak network over')
  })

  it('in the background (5000) the push goes on with the waiting-image, no second ADD at the viewer; a closed floating window (5001) publishes again', async () => {
    await call.start()
    const p = page('parity-bg', 'max', { waitingImage: '/static/minirtc-waiting-image.png' })
    const room = p.room
    await room().join({ publish: true })
    expect(room().pusher.waitingImage).toBe('/static/minirtc-waiting-image.png')
    const viewer = await call.bot('ned', 'parity-bg')
    await viewer.play('max_main')
    const seen = viewer.renderer.players.get('max_main')!
    expect(seen.counters.width).toBe(640)
    const url = room().pusher.url

    // WeChat hides the page and the app; its native pusher reports 5000 and sends the picture.
    p.platform.emitLifecycle('hide')
    p.renderer.pusher!.setBackground(true)
    await until(() => seen.counters.width === 360 && seen.counters.height === 640, 'the waiting-image at the viewer')
    expect(room().pusher.state).toBe('PUBLISHING')
    p.platform.emitLifecycle('show')
    p.renderer.pusher!.setBackground(false)
    await until(() => seen.counters.width === 640, 'the camera again')
    expect(room().pusher).toMatchObject({ state: 'PUBLISHING', url })
    // The viewer found the stream at login: hide and show brought no ADD (nor DELETE).
    expect(viewer.events.of('roomStreamUpdate').filter((a) => streamIds(a).includes('max_main'))).toEqual([])

    // Android: the user closes the floating window, WeChat tears the push down (5001).
    p.renderer.pusher!.closeFloatingWindow()
    await until(() => room().pusher.state === 'PUBLISH_REQUESTING', 'restarting after 5001')
    await until(() => room().pusher.state === 'PUBLISHING' && room().pusher.url !== url, 'publishing again with a fresh URL')
    const frames = seen.counters.framesReceived
    await until(() => viewer.renderer.players.get('max_main')!.counters.framesReceived > frames, 'the viewer gets frames again')
  })

  it('checkSystemRequirements() refuses an old base library and a mini-program without live components, with their codes', async () => {
    await call.start()
    const p = page('parity-system', 'lea')
    expect(p.room().checkSystemRequirements()).toEqual([])
    p.platform.phone.baseLibrary = '2.9.4'
    p.platform.phone.cannotUse = ['live-pusher']
    const errors = p.room().checkSystemRequirements()
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.BASE_LIBRARY_TOO_OLD, ErrorCode.LIVE_COMPONENTS_UNAVAILABLE])
    expect(errors[0]!.message).toMatch(/2\.10\.0/)
    p.platform.phone.baseLibrary = '2.9.10' // compared as numbers, not as text
    expect(p.room().checkSystemRequirements().map((e) => e.code)).toContain(ErrorCode.BASE_LIBRARY_TOO_OLD)
    p.platform.phone.baseLibrary = '2.32.3'
    expect(p.room().checkSystemRequirements().map((e) => e.code)).not.toContain(ErrorCode.BASE_LIBRARY_TOO_OLD)
    p.platform.phone.baseLibrary = '2.10.0'
    p.platform.phone.cannotUse = []
    expect(p.room().checkSystemRequirements()).toEqual([])
  })

  it('renews the token from the provider when the server says it will expire', async () => {
    await call.start({ tokenWillExpireSeconds: 30 })
    const asked: number[] = []
    const p = page('parity-token', 'cy', { token: ({ roomId: r, userId: u }) => (asked.push(Date.now()), tokenFor(u, r, 32)) })
    await p.room().login()
    expect(asked).toHaveLength(1)
    await until(() => asked.length === 2, 'a second token', 8000)
    await new Promise((r) => setTimeout(r, 200))
    expect(p.room().roomState).toBe('CONNECTED')
  })

  it('room and stream extra info, SEI both ways, snapshots and player context calls through real media', async () => {
    await call.start()
    const p = page('parity-info', 'dee')
    const room = p.room
    await room().join({ publish: true, extraInfo: 'hello' })
    const eve = await call.bot('eve', 'parity-info')
    await eve.publish('eve_cam')
    await until(() => room().players.eve_cam?.state === 'PLAYING', 'eve_cam PLAYING')

    // room extra info: set by the page, seen by the bot and in the page's own snapshot
    await room().setRoomExtraInfo('topic', 'parity')
    await until(() => room().roomExtraInfo.some((i) => i.key === 'topic' && i.value === 'parity'), 'own room extra info')
    await eve.events.wait('roomExtraInfoUpdate', (_r, info) => info.some((i: { key: string; value: string }) => i.key === 'topic' && i.value === 'parity'))
    // stream extra info: ours at publish, then changed; the bot's as the page sees it
    expect(eve.engine.getSnapshot().streams.find((s) => s.streamId === 'dee_main')!.extraInfo).toBe('hello')
    await room().setStreamExtraInfo('changed')
    await eve.events.wait('streamExtraInfoUpdate', (_r, streams) => streams.some((s: { streamId: string; extraInfo: string }) => s.streamId === 'dee_main' && s.extraInfo === 'changed'))
    await eve.engine.setStreamExtraInfo('eve_cam', 'from eve')
    await until(() => room().streams.find((s) => s.streamId === 'eve_cam')?.extraInfo === 'from eve', 'eve_cam extra info')

    // SEI: the page's message reaches the bot playing it; the bot's reaches the page
    await eve.play('dee_main')
    const atBot = eve.events.wait('recvSEI', (id, data) => id === 'dee_main' && data === 'sei from the page')
    await room().sendSEI('sei from the page')
    await atBot
    const atPage = new Promise<string>((resolve) => {
      const off = room().on('recvSEI', (id, data) => {
        if (id !== 'eve_cam') return
        off()
        resolve(data)
      })
    })
    await eve.engine.getPusherInstance().sendSEI('sei from the bot')
    expect(await atPage).toBe('sei from the bot')

    // pusher and player contexts through the platform
    expect(await room().getPusher().snapshot()).toMatchObject({ width: 640, height: 360 })
    await room().getPusher().setMICVolume(0.5)
    expect(p.renderer.pusher!.device.micVolume).toBe(0.5)
    await expect(room().getPusher().setMICVolume(2)).rejects.toMatchObject({ code: ErrorCode.DEVICE_ERROR })
    const eveCam = room().getPlayer('eve_cam')
    expect(await eveCam.snapshot()).toMatchObject({ width: 640, height: 360 })
    await eveCam.requestFullScreen(90)
    expect(p.renderer.players.get('eve_cam')!.fullScreen).toEqual({ direction: 90 })
    await eveCam.exitFullScreen()
    await eveCam.pause()
    const paused = p.renderer.players.get('eve_cam')!.counters.framesReceived
    await new Promise((r) => setTimeout(r, 300))
    expect(p.renderer.players.get('eve_cam')!.counters.framesReceived).toBe(paused)
    await eveCam.resume()
    await until(() => p.renderer.players.get('eve_cam')!.counters.framesReceived > paused, 'frames after resume')
    await expect(room().getPlayer('nobody').snapshot()).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE })
  })

  it('rejoins and republishes on show after the engine gave up, not after a logout; leaves on unload', async () => {
    await call.start()
    // give up at once, as if the phone had been in the background for minutes
    const p = page('parity-life', 'fay', { reconnectPolicy: { nextRetryDelayMs: () => null } })
    const room = p.room
    await room().join({ publish: true })
    p.platform.emitLifecycle('show') // shown while connected: nothing to do
    expect(room().roomState).toBe('CONNECTED')

    p.cut()
    await until(() => room().roomState === 'DISCONNECTED', 'room lost')
    expect(room().error!.code).toBe(ErrorCode.RECONNECT_FAILED)
    p.platform.emitLifecycle('hide')
    p.platform.emitLifecycle('show')
    await until(() => room().roomState === 'CONNECTED' && room().pusher.state === 'PUBLISHING', 'rejoined and publishing')
    expect(room().pusher.streamId).toBe('fay_main')
    expect(p.tokens).toEqual(['parity-life/fay', 'parity-life/fay'])

    room().logout()
    p.platform.emitLifecycle('show')
    await new Promise((r) => setTimeout(r, 100))
    expect(room().engine.getSnapshot().roomState).toBe('DISCONNECTED')

    await room().login()
    const watcher = await call.bot('gil', 'parity-life')
    expect(watcher.engine.getSnapshot().onlineCount).toBe(2)
    p.platform.emitLifecycle('unload')
    expect(room().engine.getSnapshot().roomState).toBe('DISCONNECTED')
    await expect(room().login()).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE }) // destroyed with the page
    await watcher.events.wait('roomOnlineUserCountUpdate', (_r, n) => n === 1)
  })
})
