/**
 * The rest of the vendor surface, against a real server and a bot: events in the vendor's shapes,
 * server calls resolving `{ errorCode }`, attribute names mapped both ways, and every call MiniRTC
 * has no equivalent for failing with NOT_SUPPORTED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ErrorCode, RtcError } from '@minirtc/core'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram } from '@minirtc/testing'
import { ZegoExpressEngine } from '@minirtc/zego-compat'

const APP = { appId: 'zego-app', secret: 'zego-compat-secret-0123456789abcdef' }
const ROOM = 'zego-unit'
const token = (userId: string) => createToken({ ...APP, userId, roomId: ROOM, privileges: { login: true, publish: true }, ttlSeconds: 600 })
let srv: RunningServer
let bot: Bot
let zg: ZegoExpressEngine
let mp: MiniProgram
/** A page's `this` as initContext gets it: what the engine wrote with setData. */
const page = { data: {} as Record<string, any>, setData(d: Record<string, any>) { Object.assign(this.data, d) } }
const seen: unknown[][] = []

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], logger: { level: 'silent' } })
  mp = createMiniProgram({ root: path.join(__dirname, 'fixtures/zego-page'), server: srv }) // installs `wx`
  bot = await createBot({ server: srv.url, appId: APP.appId, token: () => token('bob'), roomId: ROOM, user: { userId: 'bob', userName: 'Bob' }, userUpdate: true })
  zg = new ZegoExpressEngine(APP.appId, [srv.url])
  zg.initContext({ wxContext: page, pushAtr: 'pusher', playAtr: 'playerList' })
})

afterAll(async () => {
  zg?.destroyEngine()
  await bot?.leave()
  await srv?.close()
})

describe('ZegoExpressEngine', () => {
  it('on() takes the vendor\'s event names, false for one MiniRTC does not have; off() removes', async () => {
    expect(zg.on('mixerRelayCDNStateUpdate' as never, (() => undefined) as never)).toBe(false)
    expect(zg.on('toString' as never, (() => undefined) as never)).toBe(false)
    const dropped = () => seen.push(['dropped'])
    expect(zg.on('roomStateUpdate', dropped)).toBe(true)
    expect(zg.off('roomStateUpdate', dropped)).toBe(true)
    zg.on('roomStateUpdate', (...args) => seen.push(['roomStateUpdate', ...args]))
    zg.on('roomUserUpdate', (...args) => seen.push(['roomUserUpdate', ...args]))
    zg.on('roomStreamUpdate', (...args) => seen.push(['roomStreamUpdate', ...args]))
    zg.on('IMRecvBroadcastMessage', (...args) => seen.push(['IMRecvBroadcastMessage', ...args]))
    zg.on('IMRecvCustomCommand', (...args) => seen.push(['IMRecvCustomCommand', ...args]))
    zg.on('roomExtraInfoUpdate', (...args) => seen.push(['roomExtraInfoUpdate', ...args]))
    expect(await zg.sendBroadcastMessage(ROOM, 'too early')).toEqual({ errorCode: ErrorCode.NOT_LOGGED_IN, extendedData: expect.stringMatching(/loginRoom/) })
    expect(await zg.loginRoom(ROOM, await token('ann'), { userID: 'ann', userName: 'Ann' }, { userUpdate: true })).toBe(true)
    expect(seen.filter((e) => e[0] === 'roomStateUpdate').map((e) => e[2])).toEqual(['CONNECTING', 'CONNECTED'])
    expect(seen).not.toContainEqual(['dropped'])
    await until(() => seen.find((e) => e[0] === 'roomUserUpdate'), 'roomUserUpdate')
    expect(seen).toContainEqual(['roomUserUpdate', ROOM, 'ADD', [{ userID: 'bob', userName: 'Bob' }]])
  })

  it('streams arrive as { streamID, user: { userID, userName }, extraInfo }', async () => {
    await bot.publish('bob_cam', { extraInfo: 'hello' })
    await until(() => seen.find((e) => e[0] === 'roomStreamUpdate'), 'roomStreamUpdate')
    expect(seen).toContainEqual(['roomStreamUpdate', ROOM, 'ADD', [{ streamID: 'bob_cam', user: { userID: 'bob', userName: 'Bob' }, extraInfo: 'hello' }], expect.any(String)])
  })

  it('broadcast, custom command and room extra info: vendor shapes both ways, { errorCode: 0 } on success', async () => {
    const sent = await zg.sendBroadcastMessage(ROOM, 'hi all')
    expect(sent).toEqual({ errorCode: 0, extendedData: '', messageID: expect.any(Number) })
    expect(await zg.sendCustomCommand(ROOM, 'ring', ['bob'])).toEqual({ errorCode: 0, extendedData: '' })
    expect(await zg.setRoomExtraInfo(ROOM, 'mood', 'fine')).toEqual({ errorCode: 0, extendedData: '' })
    await until(() => bot.engine.getSnapshot().roomExtraInfo.some((i) => i.key === 'mood' && i.value === 'fine'), 'bob sees the extra info')
    await bot.engine.setRoomExtraInfo(ROOM, 'topic', 'standup')
    await bot.engine.sendBroadcastMessage(ROOM, 'hi ann')
    await bot.engine.sendCustomCommand(ROOM, 'knock', ['ann'])
    await until(() => seen.find((e) => e[0] === 'IMRecvCustomCommand') && seen.find((e) => e[0] === 'IMRecvBroadcastMessage'), 'messages from bob')
    expect(seen).toContainEqual(['IMRecvBroadcastMessage', ROOM, [{ fromUser: { userID: 'bob', userName: 'Bob' }, message: 'hi ann', sendTime: expect.any(Number), messageID: expect.any(Number) }]])
    expect(seen).toContainEqual(['IMRecvCustomCommand', ROOM, { userID: 'bob', userName: 'Bob' }, 'knock'])
    await until(() => seen.find((e) => e[0] === 'roomExtraInfoUpdate'), 'roomExtraInfoUpdate')
    expect(seen).toContainEqual(['roomExtraInfoUpdate', ROOM, [{ key: 'topic', value: 'standup', updateUser: { userID: 'bob', userName: 'Bob' }, updateTime: expect.any(Number) }]])
  })

  it('setPusherAttributes / mutePublishStream* / setPlayerAttributes write the vendor keys into the page', async () => {
    zg.setPusherAttributes({ frontCamera: false, beautyLevel: 3, enableAutoFocus: false, videoAspect: '3:4' })
    zg.mutePublishStreamAudio(true)
    expect(page.data.pusher).toMatchObject({ frontCamera: false, beautyLevel: 3, enableAutoFocus: false, videoAspect: '3:4', enableMic: false })
    zg.mutePublishStreamAudio(false)
    expect(page.data.pusher.enableMic).toBe(true)
    // a player exists once played; its attributes then follow setPlayerAttributes / mutePlayStream*
    void zg.getPlayerInstance('bob_cam').play().catch(() => undefined)
    await until(() => page.data.playerList.length === 1, 'a player in the page data')
    zg.setPlayerAttributes('bob_cam', { objectFit: 'contain', soundMode: 'ear' })
    zg.mutePlayStreamVideo('bob_cam', true)
    expect(page.data.playerList[0]).toMatchObject({ id: 'bob_cam', objectFit: 'contain', soundMode: 'ear', muteVideo: true })
    expect(zg.getPlayerList()).toEqual(page.data.playerList)
    zg.stopPlayingStream('bob_cam')
    expect(page.data.playerList).toEqual([])
    // initContext writes its two keys and nothing else
    expect(Object.keys(page.data).sort()).toEqual(['playerList', 'pusher'])
  })

  it('pusher and player calls the vendor hands to the native context go to WeChat\'s context, and fail like it', async () => {
    // Nothing is rendered in this test: WeChat's context fails the call, the Promise rejects.
    const err = await zg.createPusher().pause().catch((e: RtcError) => e)
    expect((err as RtcError).code).toBe(ErrorCode.DEVICE_ERROR)
    expect(mp.wx.contextCalls.at(-1)).toMatchObject({ kind: 'pusher', method: 'pause' })
    await zg.getPlayerInstance('bob_cam', page).requestFullScreen({ direction: 90 }).catch(() => undefined)
    expect(mp.wx.contextCalls.at(-1)).toMatchObject({ kind: 'player', id: 'bob_cam', method: 'requestFullScreen', component: page })
    expect((await zg.renewToken('t', 'another-room').catch((e: RtcError) => e)) as RtcError).toMatchObject({ code: ErrorCode.NOT_LOGGED_IN })
  })

  it('every call MiniRTC has no equivalent for fails with NOT_SUPPORTED, naming the call', async () => {
    // CDN relay is the server's: a token without the relay grant gets the server's coded answer.
    expect(await zg.addPublishCdnUrl('no-such-stream', 'rtmp://127.0.0.1:1/live/x')).toMatchObject({ errorCode: ErrorCode.RELAY_NOT_GRANTED })
    const calls = ['startMixerTask', 'stopMixerTask', 'setMixerTaskConfig', 'startAutoMixerTask', 'stopAutoMixerTask', 'sendBarrageMessage', 'getNextUrl', 'checkSystemRequirements', 'enableMultiRoom'] as const
    for (const call of calls) {
      const err = await (zg[call] as () => Promise<never>)().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RtcError)
      expect([call, (err as RtcError).code, (err as RtcError).message]).toEqual([call, ErrorCode.NOT_SUPPORTED, expect.stringContaining(call)])
    }
    for (const call of ['setCloudProxyConfig', 'setLocalProxyConfig', 'setGeoFence', 'use'] as const)
      expect(() => ZegoExpressEngine[call]()).toThrow(expect.objectContaining({ code: ErrorCode.NOT_SUPPORTED }))
  })

  it('getVersion names the package version; a ZEGO token is refused with a coded error', async () => {
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8'))
    expect(zg.getVersion()).toBe('minirtc-zego-compat ' + version)
    zg.logoutRoom(ROOM)
    const other = new ZegoExpressEngine(APP.appId, srv.url)
    const err = await other.loginRoom(ROOM, '04AAAAAGZegoToken', { userID: 'eve', userName: 'Eve' }).catch((e: RtcError) => e)
    expect((err as RtcError).code).toBe(ErrorCode.TOKEN_INVALID)
    other.destroyEngine()
  })
})

describe('docs/migrating-from-zego.md', () => {
  const doc = readFileSync(path.join(__dirname, '../../../docs/migrating-from-zego.md'), 'utf8')
  const calls = [...doc.matchAll(/^\| (engine|static|pusher|player) \| `(?:ZegoExpressEngine\.)?(\w+)\(.*?\)` \| (supported|differs|not supported) \|/gm)].map((m) => ({ where: m[1]!, name: m[2]!, status: m[3]! }))
  const events = [...doc.matchAll(/^\| `(\w+)` \| (supported|not supported) \|/gm)].map((m) => ({ name: m[1]!, status: m[2]! }))
  const count = (list: Array<{ status: string }>, status: string) => list.filter((c) => c.status === status).length

  it('states the counts of its own tables', () => {
    expect(doc).toContain(`**${calls.length} calls: ${count(calls, 'supported')} supported, ${count(calls, 'differs')} differ, ${count(calls, 'not supported')} not supported.**`)
    expect(doc).toContain(`**${events.length} events: ${count(events, 'supported')} supported, ${count(events, 'not supported')} not supported.**`)
  })

  it('every call listed as supported or differing exists; every one listed as not supported fails with NOT_SUPPORTED', async () => {
    const engine = new ZegoExpressEngine(APP.appId, srv.url)
    const objects: Record<string, any> = { engine, static: ZegoExpressEngine, pusher: engine.createPusher(), player: engine.getPlayerInstance('any') }
    for (const { where, name, status } of calls) {
      if (name === 'constructor') continue
      const fn = objects[where][name]
      expect([where, name, typeof fn]).toEqual([where, name, 'function'])
      if (status !== 'not supported') continue
      const err = await Promise.resolve()
        .then(() => fn.call(objects[where]))
        .catch((e: unknown) => e)
      expect([where, name, (err as RtcError).code]).toEqual([where, name, ErrorCode.NOT_SUPPORTED])
    }
    for (const { name, status } of events) expect([name, engine.on(name as never, (() => undefined) as never)]).toEqual([name, status === 'supported'])
    engine.destroyEngine()
  })
})
