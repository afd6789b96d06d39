/**
 * useRtcRoom over a real engine and a real server: the headless Node platform stands in for
 * Taro's (sockets through `ws`, live contexts and media from virtual live components that push
 * and pull real RTMP/HTTP-FLV), and a headless bot is the other person in the call.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { act, renderHook, waitFor } from '@testing-library/react'
import { HeadlessRenderer, createBot, createNodePlatform, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { useRtcRoom, type UseRtcRoomOptions } from '../index'

// The Node platform stands in for Taro's: @tarojs/taro is never reached.
vi.mock('@tarojs/taro', () => ({ default: {} }))

// @tarojs/runtime needs Taro's build-time globals; the page scope is irrelevant with the Node platform.
vi.mock('@tarojs/runtime', () => ({ getCurrentInstance: () => ({ page: null }) }))

const APP = { appId: 'taro-test', secret: 'taro-test-secret-0123456789abcdef' }
const fast = { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 }
let srv: RunningServer
const cleanups: Array<() => unknown> = []

const token = (userId: string, roomId: string, ttlSeconds = 600) =>
  createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds })

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], logger: { level: 'silent' }, tokenWillExpireSeconds: 30 })
})
afterEach(async () => {
  const list = cleanups.splice(0)
  while (list.length > 0) await list.pop()!()
})
afterAll(() => srv.close())

function renderRoom(overrides: Partial<UseRtcRoomOptions> & { roomId: string }) {
  const renderer = new HeadlessRenderer({ pusher: fast, player: { ...fast, stallTimeoutMs: 2500 } })
  const platform = createNodePlatform({ contexts: renderer })
  const user = { userId: 'taro_user', userName: 'Taro' }
  const hook = renderHook(() =>
    useRtcRoom({ server: srv.url, appId: APP.appId, user, token: () => token(user.userId, overrides.roomId), platform, ...overrides }),
  )
  renderer.attach(hook.result.current.engine)
  cleanups.push(() => {
    hook.unmount()
    renderer.detach()
  })
  return { hook, renderer }
}

async function botIn(roomId: string, userId: string): Promise<Bot> {
  const bot = await createBot({ server: srv.url, appId: APP.appId, token: () => token(userId, roomId), roomId, user: { userId, userName: userId }, pusher: fast, player: fast })
  cleanups.push(() => bot.leave())
  return bot
}

describe('useRtcRoom', () => {
  it('logs in, publishes, auto-plays a remote stream and follows it away', async () => {
    const { hook } = renderRoom({ roomId: 'call-1' })
    const room = () => hook.result.current
    expect(room().roomState).toBe('DISCONNECTED')

    await act(() => room().login())
    expect(room().roomState).toBe('CONNECTED')

    await act(() => room().publish())
    expect(room().pusher.state).toBe('PUBLISHING')
    expect(room().pusher.streamId).toBe('taro_user_main')
    expect(room().pusher.url).toMatch(/^rtmp:\/\//)

    const bot = await botIn('call-1', 'bot1')
    await bot.publish('bot1_cam')
    // autoPlay defaults to true: the hook plays every remote stream as it appears.
    await waitFor(() => expect(room().players['bot1_cam']?.state).toBe('PLAYING'), { timeout: 15000 })
    expect(room().streams.map((s) => s.streamId)).toEqual(['bot1_cam'])
    expect(room().players['bot1_cam']!.src).toMatch(/^(http|rtmp)/)

    bot.stopPublish()
    await waitFor(() => expect(room().players).toEqual({}), { timeout: 10000 })
    expect(room().streams).toEqual([])
  })

  it('mutes the microphone and a remote stream, switches camera, and stays the same engine across renders', async () => {
    const { hook } = renderRoom({ roomId: 'call-2' })
    const engine = hook.result.current.engine
    await act(() => hook.result.current.login())
    const bot = await botIn('call-2', 'bot2')
    await bot.publish('bot2_cam')
    await waitFor(() => expect(hook.result.current.players['bot2_cam']).toBeDefined(), { timeout: 15000 })

    act(() => hook.result.current.setMute({ audio: true }))
    expect(hook.result.current.pusher.enableMic).toBe(false)
    act(() => hook.result.current.setMute({ audio: true }, 'bot2_cam'))
    expect(hook.result.current.players['bot2_cam']!.muteAudio).toBe(true)
    expect(hook.result.current.pusher.devicePosition).toBe('front')
    act(() => hook.result.current.switchCamera())
    hook.rerender()
    expect(hook.result.current.engine).toBe(engine)

    act(() => hook.result.current.logout())
    expect(hook.result.current.roomState).toBe('DISCONNECTED')
    expect(hook.result.current.players).toEqual({})
  })

  it('sends a broadcast message to the room', async () => {
    const { hook } = renderRoom({ roomId: 'call-3' })
    await act(() => hook.result.current.login())
    const bot = await botIn('call-3', 'bot3')
    const received = new Promise<string>((resolve) => bot.engine.on('IMRecvBroadcastMessage', (_room, msgs) => resolve(msgs[0]!.message)))
    await hook.result.current.sendBroadcastMessage('hello from taro')
    expect(await received).toBe('hello from taro')
  })

  it('asks the token provider again when the server says the token will expire', async () => {
    let calls = 0
    const { hook } = renderRoom({
      roomId: 'call-4',
      // 32 s tokens with tokenWillExpireSeconds 30: the server warns after about 2 s.
      token: () => {
        calls++
        return token('taro_user', 'call-4', 32)
      },
    })
    const expiring = new Promise<void>((resolve) => hook.result.current.engine.once('tokenWillExpire', () => resolve()))
    await act(() => hook.result.current.login())
    expect(calls).toBe(1)
    await expiring
    await waitFor(() => expect(calls).toBe(2), { timeout: 5000 })
  })
})
