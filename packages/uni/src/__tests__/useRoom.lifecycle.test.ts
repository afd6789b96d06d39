import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { defineComponent, effectScope, h, inject, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { createNodePlatform, HeadlessRenderer } from '@minirtc/headless'
import type { RunningServer } from '@minirtc/server'
import type { Platform, PlatformSocket } from '@minirtc/core'
import { useRoom, type Room, type UseRoomOptions } from '../useRoom'
import { ROOM_CONTEXT_KEY, type RoomContext } from '../roomContext'
import { APP, start, tokenFor, until } from './helpers'

// Page hooks exist only in uni-app's own Vue runtime (it adds `injectHook` to `vue`); record
// them here and play the page's life by calling them.
const pageHooks = vi.hoisted(() => ({ show: [] as Array<() => void>, unload: [] as Array<() => void> }))
vi.mock('@dcloudio/uni-app', () => ({
  onShow: (fn: () => void) => pageHooks.show.push(fn),
  onHide: () => undefined,
  onUnload: (fn: () => void) => pageHooks.unload.push(fn),
}))

/** A platform that never connects: only rendering and wiring matter. */
const inertPlatform: Platform = {
  connect: () => ({ send() {}, close() {} }),
  createPusherContext: () => null,
  createPlayerContext: () => null,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}

function mountPage(options: UseRoomOptions) {
  pageHooks.show.length = 0
  pageHooks.unload.length = 0
  let room!: Room
  let seen: RoomContext | undefined
  const Child = defineComponent({
    setup() {
      seen = inject<RoomContext>(ROOM_CONTEXT_KEY)
      return () => h('i', seen ? seen.snapshot.value.pusher.id : 'none')
    },
  })
  const Page = defineComponent({
    setup() {
      room = useRoom(options)
      return () => h('div', [h('b', { id: 'state' }, room.roomState.value), h(Child)])
    },
  })
  const wrapper = mount(Page)
  return { wrapper, room, context: () => seen }
}

describe('useRoom in a page component', () => {
  it('provides the room to child components and destroys the engine on unmount', async () => {
    const { wrapper, room, context } = mountPage({ server: 'ws://127.0.0.1:1/ws', appId: 'a', roomId: 'r', user: { userId: 'u', userName: 'U' }, token: 't', platform: inertPlatform })
    expect(wrapper.get('#state').text()).toBe('DISCONNECTED')
    expect(context()!.engine).toBe(room.engine)
    expect(context()!.snapshot.value).toBe(room.engine.getSnapshot())
    expect(wrapper.get('i').text()).toBe(room.pusher.value.id)
    // a custom platform without own(): registering an element is a no-op
    expect(typeof context()!.own('x', null as never)).toBe('function')
    let calls = 0
    room.engine.subscribe(() => calls++)
    wrapper.unmount()
    await nextTick()
    room.setMute({ audio: true }) // destroyed engine: ignored
    expect(calls).toBe(0)
  })

  it('roomId and user may be reactive: login reads them at call time', async () => {
    const roomId = ref('first')
    const asked: string[] = []
    const scope = effectScope()
    const room = scope.run(() =>
      useRoom({ server: 'ws://127.0.0.1:1/ws', appId: 'a', roomId, user: () => ({ userId: 'u', userName: 'U' }), token: (r) => (asked.push(r.roomId + '/' + r.userId), Promise.resolve('t')), platform: inertPlatform }),
    )!
    roomId.value = 'second'
    void room.login().catch(() => undefined)
    await nextTick()
    expect(asked).toEqual(['second/u'])
    expect(room.engine.getSnapshot().roomId).toBe('second')
    scope.stop()
  })
})

describe('page life over a real server', () => {
  let srv: RunningServer
  beforeAll(async () => {
    srv = await start()
  })
  afterAll(() => srv.close())

  /** The Node platform, with a handle on the live signaling socket to cut it like a lost network. */
  function cuttablePlatform(renderer: HeadlessRenderer) {
    const base = createNodePlatform({ contexts: renderer })
    let socket: PlatformSocket | null = null
    const platform: Platform = Object.assign({}, base, {
      connect: (url: string, handlers: Parameters<Platform['connect']>[1]) => (socket = base.connect(url, handlers)),
    })
    return { platform, cut: () => socket!.close(4000, 'network lost') }
  }

  const options = (roomId: string, userId: string, platform: Platform): UseRoomOptions => ({
    server: srv.url,
    appId: APP.appId,
    roomId,
    user: { userId, userName: userId },
    token: ({ roomId: r, userId: u }) => tokenFor(u, r),
    platform,
    // give up at once, as if the phone had been in the background for minutes
    reconnectPolicy: { nextRetryDelayMs: () => null },
  })

  it('onUnload logs out', async () => {
    const renderer = new HeadlessRenderer()
    const { wrapper, room } = mountPage(options('uni-life-1', 'fay', createNodePlatform({ contexts: renderer })))
    renderer.attach(room.engine)
    await room.login()
    expect(room.roomState.value).toBe('CONNECTED')
    pageHooks.unload.forEach((fn) => fn())
    expect(room.roomState.value).toBe('DISCONNECTED')
    wrapper.unmount()
    renderer.detach()
  })

  it('onShow rejoins and republishes a room lost while hidden; not after a logout', async () => {
    const renderer = new HeadlessRenderer({ pusher: { netstatusIntervalMs: 1000 } })
    const { platform, cut } = cuttablePlatform(renderer)
    const { wrapper, room } = mountPage(options('uni-life-2', 'gus', platform))
    renderer.attach(room.engine)
    try {
      await room.login()
      await room.publish()
      expect(room.pusher.value.state).toBe('PUBLISHING')
      pageHooks.show.forEach((fn) => fn()) // shown while connected: nothing to do
      expect(room.roomState.value).toBe('CONNECTED')

      cut()
      await until(room.engine, () => room.roomState.value === 'DISCONNECTED', 'room lost')
      expect(room.error.value!.code).toBe(7003) // RECONNECT_FAILED
      pageHooks.show.forEach((fn) => fn())
      await until(room.engine, () => room.roomState.value === 'CONNECTED' && room.pusher.value.state === 'PUBLISHING', 'rejoined and publishing')
      expect(room.pusher.value.streamId).toBe('gus_main')

      room.logout()
      pageHooks.show.forEach((fn) => fn())
      await new Promise((r) => setTimeout(r, 100))
      expect(room.roomState.value).toBe('DISCONNECTED')
    } finally {
      wrapper.unmount()
      renderer.detach()
    }
  })
})

