/**
 * The compiled Taro demo (apps/taro-demo/dist) under miniprogram-simulate, against a real server
 * started in-process: the page's socket and token request go to it over real connections, the
 * live components push and pull real media, and a headless bot is the other person in the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { kebab, readCompiledComponent } from './harness/baseWxml'
import { installMiniProgramGlobals } from './harness/miniProgramGlobals'
import { NativeLiveComponents } from './harness/nativeLiveComponents'
import { installWxBridge, type WxBridge } from './harness/wxBridge'

const require = createRequire(import.meta.url)
const dist = path.resolve(__dirname, '../../../apps/taro-demo/dist')
const baseWxml = path.join(dist, 'base.wxml')
// What the demo was built with (turbo passes the same env to its build and to this test).
const BUILT_SERVER = process.env.MINIRTC_SERVER || 'ws://127.0.0.1:8090/ws'
const APP = { appId: process.env.MINIRTC_APP_ID || 'demo', secret: 'taro-sim-secret-0123456789abcdef' }

let srv: RunningServer
let wx: WxBridge
let page: any
let native: NativeLiveComponents
const pages = installMiniProgramGlobals('pages/call/index')

const pusherTemplate = () => readCompiledComponent(baseWxml, 'live-pusher')
const playerTemplate = () => readCompiledComponent(baseWxml, 'live-player')

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const text = () => page.dom.textContent as string
const pusherNode = () => native.nodes(page.data, 'live-pusher')[0]
const playerNodes = () => native.nodes(page.data, 'live-player')
/** Context method calls the engine made on the live-pusher (WeChat's LivePusherContext). */
const pusherCalls: string[] = []
function recording<T extends object>(ctx: T | null): T | null {
  if (!ctx) return null
  return new Proxy(ctx, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        pusherCalls.push(String(name))
        return value.apply(target, args)
      }
    },
  })
}

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

const tap = (id: string) => page.querySelector('#' + id).dispatchEvent('tap', { detail: {} })

beforeAll(async () => {
  if (!existsSync(baseWxml)) throw new Error('Build the demo first: pnpm --filter @minirtc/taro-demo build (turbo does it before this test)')
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
  // The simulator installs its own `wx` mocks when loaded; the bridge replaces the ones the page uses.
  const simulate = require('miniprogram-simulate')
  native = new NativeLiveComponents(pusherTemplate(), playerTemplate(), (id) => page && page.querySelector('#' + id))
  wx = installWxBridge({
    server: srv.url,
    http: srv.httpUrl,
    contexts: {
      pusher: () => recording([...native.pushers.values()][0]?.context ?? null),
      player: (id) => native.players.get(id)?.context ?? null,
    },
  })
  require(path.join(dist, 'app.js'))
  const id = simulate.load(path.join(dist, 'pages/call/index'), 'page-call', { rootPath: dist })
  page = simulate.render(id)
  pages.onRender.add((p) => native.sync(p.data))
  page.attach(document.createElement('parent-wrapper'))
  await until('first render', () => text().includes('Not in a room'))
})

afterAll(async () => {
  for (const b of bots) await b.leave()
  native?.destroy()
  await srv?.close()
})

describe('compiled Taro demo page (miniprogram-simulate, real server)', () => {
  it('base.wxml binds every attribute and event the engine controls', () => {
    const pusher = pusherTemplate()
    const player = playerTemplate()
    // The engine's attribute set, from the core's defaults; `protocol` picks the player URL and is no attribute.
    const pusherAttributes = Object.keys(DEFAULT_PUSHER_ATTRIBUTES).map(kebab).concat(['url', 'autopush'])
    const playerAttributes = Object.keys(DEFAULT_PLAYER_ATTRIBUTES).filter((k) => k !== 'protocol').map(kebab).concat(['src', 'autoplay'])
    expect(pusherAttributes.filter((a) => !(a in pusher.dataKeys))).toEqual([])
    expect(playerAttributes.filter((a) => !(a in player.dataKeys))).toEqual([])
    // The events the engine's handlePusherEvent / handlePlayerEvent take.
    expect(pusher.events).toEqual(expect.arrayContaining(['statechange', 'netstatus', 'error', 'audiovolumenotify']))
    expect(player.events).toEqual(expect.arrayContaining(['statechange', 'netstatus', 'error', 'audiovolumenotify', 'metadatachange']))
    // The ones stock Taro 4.2 drops are really there (the plugin's work).
    for (const a of ['mute-audio', 'mute-video', 'enable-recv-message', 'enable-metadata']) expect(player.dataKeys).toHaveProperty([a])
    for (const a of ['enable-ear-monitor', 'fps', 'voice-changer-type']) expect(pusher.dataKeys).toHaveProperty([a])
  })

  it('the call page is at most 40 lines of TSX (reusable pieces live in @minirtc/taro)', () => {
    const source = readFileSync(path.resolve(__dirname, '../../../apps/taro-demo/src/pages/call/index.tsx'), 'utf8')
    expect(source.trimEnd().split('\n').length).toBeLessThanOrEqual(40)
  })

  it('renders the call page before joining', () => {
    expect(text()).toContain('Not in a room')
    expect(text()).toContain('Join')
    expect(pusherNode()).toBeUndefined()
    expect(playerNodes()).toEqual([])
  })

  it('joins: token from the dev endpoint, socket to the build-time server, push URL and every pusher attribute in page data', async () => {
    tap('join')
    const url = await until('push url in page data', () => pusherNode()?.attributes.url as string)
    expect(url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
    const httpBase = BUILT_SERVER.replace(/^ws/, 'http').replace(/\/ws\/?$/, '')
    expect(wx.requestUrls).toEqual([expect.stringMatching(/\/dev\/token\?roomId=demo&userId=taro_\w+$/)])
    expect(wx.requestUrls[0]!.startsWith(httpBase + '/dev/token?')).toBe(true)
    expect(wx.socketUrls).toEqual([BUILT_SERVER])
    expect(text()).toContain('Connected')
    const attributes = pusherNode()!.attributes
    expect(attributes.autopush).toBe(true)
    // Runtime half of the plugin: each value sits at the pN key base.wxml reads.
    for (const [k, v] of Object.entries(DEFAULT_PUSHER_ATTRIBUTES)) expect([k, attributes[kebab(k)]]).toEqual([k, v])
  })

  it('the live-pusher pushes real media from its page data; its native events travel the compiled bindings', async () => {
    const peer = await bot('peer1')
    // The server announces a stream to others only once its media is live.
    const own = await until('the demo\'s stream, live, seen by a peer', () => peer.engine.getSnapshot().streams.find((x) => x.streamId.startsWith('taro_')))
    expect(own.streamId).toMatch(/^taro_\w+_main$/)
    const pushed = native.dispatched.filter((e) => e.id === 'minirtc-pusher')
    expect(pushed.filter((e) => e.kind === 'statechange').map((e) => e.detail.code)).toContain(1002)
    await until('a netstatus report', () => native.dispatched.some((e) => e.id === 'minirtc-pusher' && e.kind === 'netstatus'))
  })

  it('the player list follows the room: a remote stream ADD renders a live-player that plays', async () => {
    const peer = bots[0]!
    await peer.publish('peer1_cam')
    const [player] = await until('a live-player in page data', () => {
      const nodes = playerNodes()
      return nodes.length === 1 && nodes[0]!.attributes.src ? nodes : undefined
    })
    expect(player!.attributes.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/.+\.flv\?/)
    expect(player!.attributes.autoplay).toBe(true)
    for (const [k, v] of Object.entries(DEFAULT_PLAYER_ATTRIBUTES)) if (k !== 'protocol') expect([k, player!.attributes[kebab(k)]]).toEqual([k, v])
    // The virtual player pulls the peer's media and reports through bindstatechange="eh".
    await until('player statechange 2004', () => native.dispatched.some((e) => e.id === player!.uid && e.kind === 'statechange' && e.detail.code === 2004))
  })

  it('a native statechange -2301 on the live-player makes the engine restart playback with a fresh URL', async () => {
    const [player] = playerNodes()
    const before = player!.attributes.src
    page.querySelector('#' + player!.uid).dispatchEvent('statechange', { detail: { code: -2301 } })
    await until('src cleared by the engine', () => playerNodes()[0]?.attributes.src === '')
    const after = await until('src granted again', () => playerNodes()[0]?.attributes.src as string)
    expect(after).toMatch(/^http:/)
    expect(after).not.toBe(before)
    // metadatachange reaches the engine too (it surfaces SEI as recvSEI; nothing to render).
    page.querySelector('#' + player!.uid).dispatchEvent('metadatachange', { detail: { sei: 'hello' } })
  })

  it('tapping a remote tile toggles mute-audio in page data', async () => {
    const id = playerNodes()[0]!.uid
    tap(id)
    await until('mute-audio true', () => playerNodes()[0]?.attributes['mute-audio'] === true)
    tap(id)
    await until('mute-audio false', () => playerNodes()[0]?.attributes['mute-audio'] === false)
  })

  it('mute mic, camera off and switch camera change the pusher\'s attributes in page data', async () => {
    tap('mic')
    await until('enable-mic false', () => pusherNode()?.attributes['enable-mic'] === false)
    expect(text()).toContain('Unmute mic')
    tap('camera')
    await until('enable-camera false', () => pusherNode()?.attributes['enable-camera'] === false)
    tap('flip')
    await until('device-position back', () => pusherNode()?.attributes['device-position'] === 'back')
    // device-position only applies when the component is inserted; the context call switches live.
    expect(pusherCalls).toContain('switchCamera')
    tap('mic')
    tap('camera')
    await until('mic and camera back on', () => pusherNode()?.attributes['enable-mic'] === true && pusherNode()?.attributes['enable-camera'] === true)
  })

  it('a denied camera (binderror 10001) shows the permission prompt; Open settings publishes again', async () => {
    page.querySelector('#minirtc-pusher').dispatchEvent('error', { detail: { errCode: 10001, errMsg: 'camera denied' } })
    await until('the prompt', () => text().includes('Camera access is off.'))
    expect(pusherNode()!.attributes.url).toBe('')
    tap('minirtc-open-settings')
    await until('published again', () => pusherNode()?.attributes.url)
    expect(wx.openSettingCalls).toBe(1)
    await until('prompt gone', () => !text().includes('Camera access is off.'))
  })

  it('the player list follows a stream DELETE', async () => {
    bots[0]!.stopPublish()
    await until('no live-player', () => playerNodes().length === 0)
  })

  it('leaves the room', async () => {
    tap('join')
    await until('not in a room', () => text().includes('Not in a room'))
    expect(pusherNode()).toBeUndefined()
    await until('the peer sees the demo user leave', () => bots[0]!.engine.getSnapshot().users.every((u) => !u.userId.startsWith('taro_')))
  })

  it('page unload leaves the room', async () => {
    tap('join')
    await until('in the room again', () => bots[0]!.engine.getSnapshot().users.some((u) => u.userId.startsWith('taro_')))
    page.detach()
    await until('the peer sees the demo user leave', () => bots[0]!.engine.getSnapshot().users.every((u) => !u.userId.startsWith('taro_')))
  })
})
