/**
 * A native page (WXML + Page() + a custom component, no build step) under the harness: WeChat's
 * page lifecycle, `wx.request` / `wx.connectSocket` reaching a real server, a `<live-player>`
 * inside a custom component playing a bot's real stream, its context found through the
 * component scope, and the virtual pusher reporting a denied camera with WeChat's codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'

const APP = { appId: 'dev', secret: 'testing-secret-0123456789abcdef' }
let srv: RunningServer
let mp: MiniProgram
let page: SimulatedPage
const bots: Bot[] = []

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
  mp = createMiniProgram({ root: path.join(__dirname, 'fixtures/native'), server: srv })
  page = await mp.open('pages/index/index', { room: 'native-room' })
})

afterAll(async () => {
  mp?.close()
  for (const b of bots) await b.leave()
  await srv?.close()
})

async function bot(userId: string): Promise<Bot> {
  const token = () => createToken({ ...APP, userId, roomId: 'native-room', privileges: { login: true, publish: true }, ttlSeconds: 600 })
  const b = await createBot({ server: srv.url, appId: APP.appId, token, roomId: 'native-room', user: { userId, userName: userId } })
  bots.push(b)
  return b
}

describe('a native page', () => {
  it('runs App() and the page lifecycle: onLoad(query), onShow, onReady; getCurrentPages() has it', () => {
    expect(page.instance.data.launched).toBe(true)
    expect(page.instance.data.lifecycle).toEqual(['load:native-room', 'show', 'ready'])
    expect((globalThis as any).getCurrentPages()).toEqual([page.instance])
    expect(page.instance.route).toBe('pages/index/index')
  })

  it('wx.emitApp plays the app going to the background and back, in WeChat\'s order', () => {
    const app = (globalThis as any).getApp().globalData
    app.events.length = 0
    mp.wx.emitApp('hide')
    mp.wx.emitApp('show')
    expect(page.instance.data.lifecycle.slice(-4)).toEqual(['hide', 'app hide', 'app show', 'show'])
    expect(app.events).toEqual(['App.onHide', 'App.onShow'])
  })

  it('opening a page hides the current one; closing it shows the one below again', async () => {
    const second = await mp.open('pages/index/index', { room: 'second' })
    expect(page.instance.data.lifecycle.at(-1)).toBe('hide')
    expect(mp.pages()).toEqual([page, second])
    second.close()
    expect(page.instance.data.lifecycle.at(-1)).toBe('show')
    expect(mp.pages()).toEqual([page])
  })

  it('wx.request reaches the test server whatever host the page has built in, GET data in the query', async () => {
    const token = await until(() => page.instance.data.token as string, 'a dev token')
    expect(token.split('.')).toHaveLength(3)
    expect(mp.wx.requested[0]).toEqual({ api: 'request', url: 'https://rtc.example.com/dev/token' })
  })

  it('wx.connectSocket opens a real socket to the test server; tap finds an element by id or by text', async () => {
    page.tap('connect')
    await until(() => page.text().includes('open'), 'the socket open')
    expect(mp.wx.requested.at(-1)).toEqual({ api: 'connectSocket', url: 'wss://rtc.example.com/ws' })
    expect(mp.wx.sockets).toHaveLength(1)
    expect(() => page.tap('Nothing like this')).toThrow(/Connect/)
  })

  it('a live-player inside a custom component plays a real stream; its events reach the component\'s handler', async () => {
    const alice = await bot('alice')
    await alice.publish('alice_cam')
    const viewer = await bot('viewer')
    await viewer.play('alice_cam')
    const src = viewer.engine.getSnapshot().players.alice_cam!.src
    page.instance.setData({ tiles: [{ id: 'alice_cam', src }] })
    const [player] = page.elements('live-player')
    expect(player!.attributes).toMatchObject({ id: 'alice_cam', src, autoplay: true, muteAudio: false, dataStreamId: 'alice_cam' })
    expect(player!.owner).not.toBe(page.instance) // rendered by <tile>
    await until(() => (page.instance.data.states as any[]).some((s) => s.id === 'alice_cam' && s.code === 2004), 'PLAYING (2004) through bindstatechange')
    await until(() => page.virtualPlayer('alice_cam')!.counters.framesReceived > 0, 'video frames')
    expect(page.native.events.filter((e) => e.tag === 'live-player').map((e) => e.detail.code)).toContain(2004)
  })

  it('a context created with the component as scope acts on the virtual player; re-rendered attributes reach it', async () => {
    page.tap('Mute alice_cam')
    await until(() => page.players()[0]!.muteAudio === true, 'mute-audio rendered')
    expect(mp.wx.contextCalls.at(-1)).toMatchObject({ kind: 'player', id: 'alice_cam', method: 'mute', component: page.elements('live-player')[0]!.owner })
  })

  it('a context that finds no element fails like WeChat', async () => {
    const failed = await new Promise((resolve) => (globalThis as any).wx.createLivePlayerContext('no-such-player').play({ fail: resolve }))
    expect(failed).toEqual({ errMsg: 'play:fail no rendered live-player' })
  })

  it('a denied camera: the virtual pusher fires binderror 10001 then statechange -1301, and never pushes', async () => {
    page.native.deny = 'camera'
    page.instance.setData({ pushing: true, pushUrl: srv.rtmpUrl + '/never' })
    await until(() => (page.instance.data.states as any[]).includes(-1301), 'statechange -1301')
    expect(page.virtualPusher()!.publishCount).toBe(0)
    expect(page.native.events.filter((e) => e.tag === 'live-pusher').map((e) => e.kind)).toEqual(['error', 'statechange'])
    page.instance.stopPusher()
    expect(mp.wx.contextCalls.at(-1)).toMatchObject({ kind: 'pusher', id: '', method: 'stop' })
  })

  it('removing the element destroys its virtual component; close() runs onUnload', () => {
    page.instance.setData({ tiles: [] })
    page.native.sync()
    expect(page.native.players.size).toBe(0)
    page.close()
    expect((globalThis as any).getApp().globalData.unloaded).toBe(true)
    expect(mp.pages()).toEqual([])
  })
})
