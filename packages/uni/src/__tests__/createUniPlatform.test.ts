import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ComponentInternalInstance } from 'vue'
import { createUniPlatform } from '../createUniPlatform'

// Page hooks exist only in uni-app's own Vue runtime; record them with the instance they target.
const pageHooks = vi.hoisted(() => [] as Array<{ hook: string; fn: () => void; target: unknown }>)
vi.mock('@dcloudio/uni-app', () => {
  const record = (hook: string) => (fn: () => void, target: unknown) => pageHooks.push({ hook, fn, target })
  return { onShow: record('show'), onHide: record('hide'), onUnload: record('unload') }
})

/** A stand-in for uni's API surface: records calls, lets the test play the SocketTask. */
function fakeUni() {
  const task = { handlers: {} as Record<string, (res?: any) => void>, sent: [] as string[], closed: [] as unknown[] }
  const on = (name: string) => (fn: (res?: any) => void) => (task.handlers[name] = fn)
  const calls: Array<{ api: string; args: unknown[] }> = []
  const networkListeners: Array<(res: { isConnected: boolean }) => void> = []
  const appListeners: Array<[string, () => void]> = []
  const uni = {
    connectSocket: vi.fn((opts: { url: string; complete?: () => void }) => ({
      onOpen: on('open'),
      onMessage: on('message'),
      onClose: on('close'),
      onError: on('error'),
      send: (o: { data: string }) => task.sent.push(o.data),
      close: (o: unknown) => task.closed.push(o),
      opts,
    })),
    createLivePusherContext: (...args: unknown[]) => (calls.push({ api: 'pusher', args }), { start() {} }),
    createLivePlayerContext: (...args: unknown[]) => (calls.push({ api: 'player', args }), { play() {} }),
    onNetworkStatusChange: (fn: (res: { isConnected: boolean }) => void) => networkListeners.push(fn),
    offNetworkStatusChange: vi.fn((fn: (res: { isConnected: boolean }) => void) => networkListeners.splice(networkListeners.indexOf(fn), 1)),
    onAppShow: (fn: () => void) => appListeners.push(['show', fn]),
    onAppHide: (fn: () => void) => appListeners.push(['hide', fn]),
    offAppShow: (fn: () => void) => appListeners.splice(appListeners.findIndex((l) => l[1] === fn), 1),
    offAppHide: (fn: () => void) => appListeners.splice(appListeners.findIndex((l) => l[1] === fn), 1),
  }
  return { uni, task, calls, networkListeners, appListeners }
}

/** What uni-mp-vue's instances look like to us: the mini-program component is `proxy.$scope`. */
const instance = (name: string) => ({ proxy: { $scope: { is: name } } }) as unknown as ComponentInternalInstance

let fake: ReturnType<typeof fakeUni>
beforeEach(() => {
  fake = fakeUni()
  vi.stubGlobal('uni', fake.uni)
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('createUniPlatform', () => {
  it('connects through a SocketTask: passes `complete` so uni-app does not return a Promise', () => {
    const events: string[] = []
    const socket = createUniPlatform(null).connect('wss://rtc.example.com/ws', {
      onOpen: () => events.push('open'),
      onMessage: (d) => events.push('message ' + d),
      onClose: (code, reason) => events.push(`close ${code} ${reason}`),
    })
    const opts = fake.uni.connectSocket.mock.calls[0]![0]
    expect(opts.url).toBe('wss://rtc.example.com/ws')
    expect(typeof opts.complete).toBe('function')
    fake.task.handlers.open!({})
    fake.task.handlers.message!({ data: '{"id":1}' })
    fake.task.handlers.message!({ data: new ArrayBuffer(2) }) // binary frames are not ours
    socket.send('hello')
    socket.close(1000, 'bye')
    fake.task.handlers.close!({ code: 1000, reason: 'bye' })
    expect(events).toEqual(['open', 'message {"id":1}', 'close 1000 bye'])
    expect(fake.task.sent).toEqual(['hello'])
    expect(fake.task.closed).toEqual([{ code: 1000, reason: 'bye' }])
  })

  it('reports a failed connect once, also when WeChat sends onError without onClose (or both)', () => {
    const closes: Array<[number, string]> = []
    createUniPlatform(null).connect('wss://x/ws', { onOpen() {}, onMessage() {}, onClose: (c, r) => closes.push([c, r]) })
    fake.task.handlers.error!({ errMsg: 'connectSocket:fail' })
    fake.task.handlers.close!({ code: 1006, reason: '' })
    expect(closes).toEqual([[1006, 'connectSocket:fail']])
  })

  it('looks contexts up in the component that renders the element, else in the page', () => {
    const page = instance('page')
    const child = instance('rtc-player')
    const platform = createUniPlatform(page)
    platform.createPlayerContext('minirtc-player-1')
    const undo = platform.own('minirtc-player-1', child)
    platform.createPlayerContext('minirtc-player-1')
    platform.createPlayerContext('minirtc-player-2')
    undo()
    platform.createPlayerContext('minirtc-player-1')
    platform.createPusherContext('minirtc-pusher')
    expect(fake.calls.map((c) => [c.api, c.args[0], (c.args[1] as { is: string }).is])).toEqual([
      ['player', 'minirtc-player-1', 'page'],
      ['player', 'minirtc-player-1', 'rtc-player'],
      ['player', 'minirtc-player-2', 'page'],
      ['player', 'minirtc-player-1', 'page'],
      ['pusher', 'minirtc-pusher', 'page'],
    ])
  })

  it('an older registration cannot remove a newer one for the same id', () => {
    const platform = createUniPlatform(instance('page'))
    const undoOld = platform.own('p', instance('old'))
    platform.own('p', instance('new'))
    undoOld()
    platform.createPlayerContext('p')
    expect((fake.calls[0]!.args[1] as { is: string }).is).toBe('new')
  })

  it('forwards network changes and unsubscribes with the same listener', () => {
    const seen: boolean[] = []
    const off = createUniPlatform(null).onNetworkChange!((online) => seen.push(online))
    fake.networkListeners[0]!({ isConnected: false })
    fake.networkListeners[0]!({ isConnected: true })
    off()
    expect(seen).toEqual([false, true])
    expect(fake.networkListeners).toHaveLength(0)
  })
})

describe('host lifecycle', () => {
  it("reports the page's show/hide/unload and the app's show/hide, and stops after the unsubscribe", () => {
    pageHooks.length = 0
    const page = instance('pages/call')
    const platform = createUniPlatform(page)
    const seen: string[] = []
    const stop = platform.onLifecycle!((event) => seen.push(event))
    expect(pageHooks.map((h) => [h.hook, h.target])).toEqual([['show', page], ['hide', page], ['unload', page]])
    for (const h of pageHooks) h.fn()
    for (const [, fn] of fake.appListeners.slice()) fn()
    expect(seen).toEqual(['show', 'hide', 'unload', 'show', 'hide'])
    stop()
    expect(fake.appListeners).toEqual([])
    for (const h of pageHooks) h.fn()
    expect(seen).toHaveLength(5)
  })
})
