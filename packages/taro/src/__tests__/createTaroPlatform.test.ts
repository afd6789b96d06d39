/**
 * The Taro platform's contract with the engine, against recorders of the Taro APIs it calls
 * (Taro's own APIs only exist inside a build; the compiled-page tests drive the real ones).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { SocketHandlers } from '@minirtc/core'
import { createTaroPlatform } from '../createTaroPlatform'

type Listener = (arg?: any) => void
const taro = vi.hoisted(() => ({
  current: { page: null as unknown },
  tasks: [] as Array<Record<string, any>>,
  connect: null as null | { resolve(task: unknown): void; reject(err: unknown): void },
  playerCalls: [] as unknown[][],
  events: new Map<string, Set<Listener>>(),
}))
const router = { onShow: 'pages/call.onShow', onHide: 'pages/call.onHide' }
vi.mock('@tarojs/runtime', () => ({ getCurrentInstance: () => ({ page: taro.current.page, router }) }))
vi.mock('@tarojs/taro', () => ({
  default: {
    // Like Taro's: a Promise of the SocketTask, resolved after wx's `success`.
    connectSocket: () => new Promise((resolve, reject) => (taro.connect = { resolve, reject })),
    createLivePusherContext: () => ({ kind: 'pusher' }),
    createLivePlayerContext: (...args: unknown[]) => {
      taro.playerCalls.push(args)
      return { kind: 'player' }
    },
    onNetworkStatusChange() {},
    offNetworkStatusChange() {},
    // Page show/hide reach hooks through Taro's eventCenter under the router's keys; app show/hide through onAppShow/onAppHide.
    eventCenter: {
      on: (key: string, fn: Listener) => taro.events.set(key, (taro.events.get(key) || new Set()).add(fn)),
      off: (key: string, fn: Listener) => taro.events.get(key)?.delete(fn),
    },
    onAppShow: (fn: Listener) => taro.events.set('app.show', (taro.events.get('app.show') || new Set()).add(fn)),
    onAppHide: (fn: Listener) => taro.events.set('app.hide', (taro.events.get('app.hide') || new Set()).add(fn)),
    offAppShow: (fn: Listener) => taro.events.get('app.show')?.delete(fn),
    offAppHide: (fn: Listener) => taro.events.get('app.hide')?.delete(fn),
  },
}))

function socketTask() {
  const on: Record<string, Listener> = {}
  const task = {
    on,
    sent: [] as unknown[],
    closed: [] as unknown[],
    onOpen: (fn: Listener) => (on.open = fn),
    onMessage: (fn: Listener) => (on.message = fn),
    onClose: (fn: Listener) => (on.close = fn),
    onError: (fn: Listener) => (on.error = fn),
    send: (o: unknown) => task.sent.push(o),
    close: (o: unknown) => task.closed.push(o),
  }
  return task
}

function recorder(): SocketHandlers & { log: unknown[][] } {
  const log: unknown[][] = []
  return { log, onOpen: () => log.push(['open']), onMessage: (d) => log.push(['message', d]), onClose: (c, r) => log.push(['close', c, r]) }
}

beforeEach(() => {
  taro.current.page = null
  taro.playerCalls.length = 0
})

describe('createTaroPlatform', () => {
  it('creates player contexts in the page captured at creation, even once Taro has cleared it', () => {
    const page = { route: 'pages/call/index' }
    taro.current.page = page
    const platform = createTaroPlatform()
    // Taro sets Current.page to null while the page is hidden.
    taro.current.page = null
    platform.createPlayerContext('minirtc-player-1')
    expect(taro.playerCalls).toEqual([['minirtc-player-1', page]])
    expect(platform.createPusherContext('minirtc-pusher')).toEqual({ kind: 'pusher' })
  })

  it('takes the page at the first context when created outside a page', () => {
    const platform = createTaroPlatform()
    const page = { route: 'pages/call/index' }
    taro.current.page = page
    platform.createPlayerContext('p')
    expect(taro.playerCalls[0]![1]).toBe(page)
  })

  it('wires the SocketTask once Taro resolves it: open, text messages, send, close', async () => {
    const h = recorder()
    const socket = createTaroPlatform().connect('ws://x/ws', h)
    const task = socketTask()
    taro.connect!.resolve(task)
    await Promise.resolve()
    task.on.open!({})
    task.on.message!({ data: '{"id":1}' })
    task.on.message!({ data: new ArrayBuffer(2) })
    socket.send('hello')
    socket.close(1000, 'bye')
    task.on.close!({ code: 1000, reason: 'bye' })
    expect(task.sent).toEqual([{ data: 'hello' }])
    expect(task.closed).toEqual([{ code: 1000, reason: 'bye' }])
    expect(h.log).toEqual([['open'], ['message', '{"id":1}'], ['close', 1000, 'bye']])
  })

  it('reports a close exactly once, also when WeChat only fires onError', async () => {
    const h = recorder()
    createTaroPlatform().connect('ws://x/ws', h)
    const task = socketTask()
    taro.connect!.resolve(task)
    await Promise.resolve()
    task.on.error!({ errMsg: 'handshake failed' })
    task.on.close!({ code: 1006, reason: '' })
    expect(h.log).toEqual([['close', 1006, 'handshake failed']])
  })

  it('closes a socket that was closed before Taro handed over the task, and reports a failed connect', async () => {
    const socket = createTaroPlatform().connect('ws://x/ws', recorder())
    socket.close(4000, 'gone')
    const task = socketTask()
    taro.connect!.resolve(task)
    await Promise.resolve()
    expect(task.closed).toEqual([{ code: 4000, reason: 'gone' }])

    const h = recorder()
    createTaroPlatform().connect('ws://x/ws', h)
    taro.connect!.reject({ errMsg: 'connectSocket:fail' })
    await Promise.resolve()
    await Promise.resolve()
    expect(h.log).toEqual([['close', 1006, 'connectSocket:fail']])
  })
})

describe('host lifecycle', () => {
  const fire = (key: string) => taro.events.get(key)?.forEach((fn) => fn())
  it("reports the page's show/hide (eventCenter) and the app's, and stops after the unsubscribe", () => {
    const platform = createTaroPlatform()
    const seen: string[] = []
    const stop = platform.onLifecycle!((event) => seen.push(event))
    fire(router.onShow)
    fire(router.onHide)
    fire('app.hide')
    fire('app.show')
    expect(seen).toEqual(['show', 'hide', 'hide', 'show'])
    stop()
    for (const key of [router.onShow, router.onHide, 'app.show', 'app.hide']) fire(key)
    expect(seen).toHaveLength(4)
  })
})
