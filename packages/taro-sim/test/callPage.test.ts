/**
 * The compiled Taro demo (apps/taro-demo/dist) under miniprogram-simulate, against a real server
 * started in-process: the page's socket and token request go to it over real connections, the
 * live components push and pull real media, and a headless bot is the other person in the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'

const dist = path.resolve(__dirname, '../../../apps/taro-demo/dist')
// What the demo was built with (turbo passes the same env to its build and to this test).
const BUILT_SERVER = process.env.MINIRTC_SERVER || 'ws://127.0.0.1:8090/ws'
const APP = { appId: process.env.MINIRTC_APP_ID || 'demo', secret: 'taro-sim-secret-0123456789abcdef' }

let srv: RunningServer
let mp: MiniProgram
let page: SimulatedPage

const text = () => page.text()
const pusher = () => page.pusher()
const players = () => page.elements('live-player')
const requested = (api: 'connectSocket' | 'request') => mp.wx.requested.filter((r) => r.api === api).map((r) => r.url)
/** Context method calls the engine made on the live-pusher (WeChat's LivePusherContext). */
const pusherCalls = () => mp.wx.contextCalls.filter((c) => c.kind === 'pusher').map((c) => c.method)

const bots: Bot[] = []
async function bot(userId: string): Promise<Bot> {
  const b = await createBot({
    server: srv.url,
    appId: APP.appId,
    token: () => createToken({ ...APP, userId, roomId: 'demo', privileges: { login: true, publish: true }, ttlSeconds: 600 }),
    roomId: 'demo',
    user: { userId, userName: userId },
    userUpdate: true,
    pusher: { netstatusIntervalMs: 500 },
  })
  bots.push(b)
  return b
}

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
  mp = createMiniProgram({ root: dist, server: srv })
  page = await mp.open('pages/call/index')
  await until(() => text().includes('Not in a room'), 'first render')
})

afterAll(async () => {
  for (const b of bots) await b.leave()
  mp?.close()
  await srv?.close()
})

describe('compiled Taro demo page (miniprogram-simulate, real server)', () => {
  it('the call page is at most 40 lines of TSX (reusable pieces live in @minirtc/taro)', () => {
    const source = readFileSync(path.resolve(__dirname, '../../../apps/taro-demo/src/pages/call/index.tsx'), 'utf8')
    expect(source.trimEnd().split('\n').length).toBeLessThanOrEqual(40)
  })

  it('renders the call page before joining', () => {
    expect(text()).toContain('Not in a room')
    expect(text()).toContain('Join')
    expect(pusher()).toBeUndefined()
    expect(players()).toEqual([])
  })

  it('joins: token from the dev endpoint, socket to the build-time server, push URL and every pusher attribute in page data', async () => {
    page.tap('join')
    const url = await until(() => pusher()?.url as string, 'push url in page data')
    expect(url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
    const httpBase = BUILT_SERVER.replace(/^ws/, 'http').replace(/\/ws\/?$/, '')
    expect(requested('request')).toEqual([expect.stringMatching(/\/dev\/token\?roomId=demo&userId=taro_\w+$/)])
    expect(requested('request')[0]!.startsWith(httpBase + '/dev/token?')).toBe(true)
    expect(requested('connectSocket')).toEqual([BUILT_SERVER])
    expect(text()).toContain('Connected')
    const attributes = pusher()!
    expect(attributes.autopush).toBe(true)
    // Runtime half of the plugin: every engine attribute renders on the live-pusher with its value.
    // The demo names its waiting-image (copied into the build); everything else is the default.
    for (const [k, v] of Object.entries(DEFAULT_PUSHER_ATTRIBUTES)) expect([k, attributes[k]]).toEqual([k, k === 'waitingImage' ? '/minirtc/waiting-image.png' : v])
  })

  it('the rendered live-pusher binds every event the engine takes, and the attributes stock Taro drops', () => {
    const [element] = page.elements('live-pusher')
    // The events the engine's handlePusherEvent takes.
    expect(element!.events).toEqual(expect.arrayContaining(['statechange', 'netstatus', 'error', 'audiovolumenotify']))
    // Stock Taro 4.2 drops these; the plugin puts them back.
    for (const a of ['enableEarMonitor', 'fps', 'voiceChangerType']) expect(element!.attributes).toHaveProperty([a])
  })

  it('the live-pusher pushes real media from its page data; its native events travel the compiled bindings', async () => {
    const peer = await bot('peer1')
    // The server announces a stream to others only once its media is live.
    const own = await until(() => peer.engine.getSnapshot().streams.find((x) => x.streamId.startsWith('taro_')), 'the demo\'s stream, live, seen by a peer')
    expect(own.streamId).toMatch(/^taro_\w+_main$/)
    expect(page.virtualPusher()!.publishCount).toBeGreaterThan(0)
    const pushed = page.native.events.filter((e) => e.id === 'minirtc-pusher')
    expect(pushed.filter((e) => e.kind === 'statechange').map((e) => e.detail.code)).toContain(1002)
    await until(() => page.native.events.some((e) => e.id === 'minirtc-pusher' && e.kind === 'netstatus'), 'a netstatus report')
  })

  it('the player list follows the room: a remote stream ADD renders a live-player that plays', async () => {
    const peer = bots[0]!
    await peer.publish('peer1_cam')
    const [player] = await until(() => {
      const elements = players()
      return elements.length === 1 && elements[0]!.attributes.src ? elements : undefined
    }, 'a live-player in page data')
    const attributes = player!.attributes
    expect(attributes.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/.+\.flv\?/)
    expect(attributes.autoplay).toBe(true)
    for (const [k, v] of Object.entries(DEFAULT_PLAYER_ATTRIBUTES)) if (k !== 'protocol') expect([k, attributes[k]]).toEqual([k, v])
    // The events the engine's handlePlayerEvent takes, and the attributes stock Taro drops.
    expect(player!.events).toEqual(expect.arrayContaining(['statechange', 'netstatus', 'error', 'audiovolumenotify', 'metadatachange']))
    for (const a of ['muteAudio', 'muteVideo', 'enableRecvMessage', 'enableMetadata']) expect(attributes).toHaveProperty([a])
    // The virtual player pulls the peer's media and reports through bindstatechange="eh".
    await until(() => page.native.events.some((e) => e.id === player!.id && e.kind === 'statechange' && e.detail.code === 2004), 'player statechange 2004')
    await until(() => page.virtualPlayer(player!.id)!.counters.framesReceived > 0, 'video frames received')
  })

  it('a native statechange -2301 on the live-player makes the engine restart playback with a fresh URL', async () => {
    const [player] = players()
    const before = player!.attributes.src
    player!.fire('statechange', { code: -2301 })
    await until(() => players()[0]?.attributes.src === '', 'src cleared by the engine')
    const after = await until(() => players()[0]?.attributes.src as string, 'src granted again')
    expect(after).toMatch(/^http:/)
    expect(after).not.toBe(before)
  })

  it('SEI from a peer travels the compiled live-player binding (2012) to the page; snapshot and room extra info too', async () => {
    const peer = bots[0]!
    const info = () => page.elements('text').find((e) => e.id === 'info')!.text()
    await until(() => players()[0]?.attributes.src, 'playing again')
    await peer.engine.getPusherInstance().sendSEI('hello taro')
    await until(() => info().includes('peer1_cam: hello taro'), 'the SEI on the page')
    expect(page.native.events).toContainEqual(expect.objectContaining({ tag: 'live-player', kind: 'statechange', detail: expect.objectContaining({ code: 2012, message: 'hello taro' }) }))
    // metadatachange reaches the engine the same way
    players()[0]!.fire('metadatachange', { sei: 'from metadata' })
    await until(() => info().includes('peer1_cam: from metadata'), 'metadatachange SEI on the page')
    // the pusher's snapshot through the compiled page's LivePusherContext
    page.tap('shot')
    const shot = await until(() => page.elements('image').find((e) => e.id === 'snapshot')?.attributes.src as string, 'the snapshot shown')
    expect(shot).toMatch(/^headless:\/\/snapshot\//)
    expect(mp.wx.contextCalls.filter((c) => c.kind === 'pusher').map((c) => c.method)).toContain('snapshot')
    // room extra info set by a peer reaches the page
    await peer.room.setRoomExtraInfo('topic', 'taro')
    await until(() => info().includes('topic=taro'), 'room extra info on the page')
  })

  it('tapping a remote tile toggles mute-audio in page data', async () => {
    const id = players()[0]!.id
    page.tap(id)
    await until(() => players()[0]?.attributes.muteAudio === true, 'mute-audio true')
    page.tap(id)
    await until(() => players()[0]?.attributes.muteAudio === false, 'mute-audio false')
  })

  it('mute mic, camera off and switch camera change the pusher\'s attributes in page data', async () => {
    page.tap('mic')
    await until(() => pusher()?.enableMic === false, 'enable-mic false')
    expect(text()).toContain('Unmute mic')
    page.tap('camera')
    await until(() => pusher()?.enableCamera === false, 'enable-camera false')
    page.tap('flip')
    await until(() => pusher()?.devicePosition === 'back', 'device-position back')
    // device-position only applies when the component is inserted; the context call switches live.
    expect(pusherCalls()).toContain('switchCamera')
    page.tap('mic')
    page.tap('camera')
    await until(() => pusher()?.enableMic === true && pusher()?.enableCamera === true, 'mic and camera back on')
  })

  it('a denied camera (binderror 10001) shows the permission prompt; Open settings publishes again', async () => {
    page.elements('live-pusher')[0]!.fire('error', { errCode: 10001, errMsg: 'camera denied' })
    await until(() => text().includes('Camera access is off.'), 'the prompt')
    expect(pusher()!.url).toBe('')
    page.tap('minirtc-open-settings')
    await until(() => pusher()?.url, 'published again')
    expect(mp.wx.openSettingCalls).toBe(1)
    await until(() => !text().includes('Camera access is off.'), 'prompt gone')
  })

  it("in the background the pusher reports 5000 and the peer sees the demo's waiting-image; back, the camera on the same push, no second ADD", async () => {
    const peer = bots[0]!
    // Published again after the previous test: the server announces it once its media is live.
    const own = (await until(() => peer.engine.getSnapshot().streams.find((x) => x.streamId.startsWith('taro_')), 'the demo\'s stream')).streamId
    let adds = 0
    const off = peer.room.on('roomStreamUpdate', (_r, type, streams) => void (type === 'ADD' && streams.some((x) => x.streamId === own) && adds++))
    expect(pusher()!.waitingImage).toBe('/minirtc/waiting-image.png')
    expect(existsSync(path.join(dist, 'minirtc/waiting-image.png'))).toBe(true) // copied by the demo's Taro config
    await until(() => pusher()?.url, 'pushing')
    const url = pusher()!.url
    await peer.play(own)
    const seen = peer.renderer.players.get(own)!
    await until(() => seen.counters.width === 640, 'the camera at the peer')
    mp.wx.emitApp('hide')
    await until(() => page.native.events.some((e) => e.id === 'minirtc-pusher' && e.kind === 'statechange' && e.detail.code === 5000), '5000 at the pusher')
    await until(() => seen.counters.width === 360 && seen.counters.height === 640, 'the waiting-image at the peer')
    mp.wx.emitApp('show')
    await until(() => seen.counters.width === 640, 'the camera again')
    expect(pusher()!.url).toBe(url)
    expect(page.virtualPusher()!.state).toBe('pushing')
    expect(adds).toBe(0)
    off()
    peer.room.stop(own)
  })

  it('the player list follows a stream DELETE', async () => {

    bots[0]!.stopPublish()
    await until(() => players().length === 0, 'no live-player')
  })

  it('leaves the room', async () => {
    page.tap('join')
    await until(() => text().includes('Not in a room'), 'not in a room')
    expect(pusher()).toBeUndefined()
    await until(() => bots[0]!.engine.getSnapshot().users.every((u) => !u.userId.startsWith('taro_')), 'the peer sees the demo user leave')
  })

  it('the screen stayed on during the call; camera refused in the settings: the prompt, no push; allowed in the settings page, it publishes', async () => {
    // On from the join (and again after every return to the page), off once: when the page left.
    expect(mp.wx.phone.keepScreenOn[0]).toBe(true)
    expect(mp.wx.phone.keepScreenOn.filter((on) => !on)).toHaveLength(1)
    expect(mp.wx.phone.keepScreenOn.at(-1)).toBe(false)
    expect(mp.wx.phone.obeyMuteSwitch.at(-1)).toBe(true)
    mp.wx.authSetting['scope.camera'] = false
    page.tap('join')
    await until(() => text().includes('Camera access is off.'), 'the prompt')
    expect(pusher()!.url).toBe('')
    const opened = mp.wx.openSettingCalls
    mp.wx.settingsChoice = { 'scope.camera': true }
    page.tap('minirtc-open-settings')
    await until(() => pusher()?.url, 'published after the settings page')
    expect(mp.wx.openSettingCalls).toBe(opened + 1)
    await until(() => !text().includes('Camera access is off.'), 'prompt gone')
    page.tap('join')
    await until(() => text().includes('Not in a room'), 'left')
  })

  it('the privacy agreement declined: PRIVACY_DENIED and the prompt; its agree button (open-type="agreePrivacyAuthorization") publishes', async () => {
    mp.wx.phone.privacyAgreed = false
    delete mp.wx.authSetting['scope.record'] // never asked: WeChat must ask, and the agreement comes first
    page.tap('join')
    await until(() => text().includes('The privacy agreement was declined.'), 'the privacy prompt')
    expect(pusher()!.url).toBe('')
    page.tap('minirtc-agree-privacy')
    await until(() => pusher()?.url, 'published after agreeing')
    expect(mp.wx.phone.privacyAgreed).toBe(true)
    expect(mp.wx.phone.asked).toContain('scope.record')
    await until(() => !text().includes('The privacy agreement was declined.'), 'prompt gone')
    page.tap('join')
    await until(() => text().includes('Not in a room'), 'left')
  })

  it('page unload leaves the room', async () => {

    page.tap('join')
    await until(() => bots[0]!.engine.getSnapshot().users.some((u) => u.userId.startsWith('taro_')), 'in the room again')
    page.close()
    await until(() => bots[0]!.engine.getSnapshot().users.every((u) => !u.userId.startsWith('taro_')), 'the peer sees the demo user leave')
  })
})
