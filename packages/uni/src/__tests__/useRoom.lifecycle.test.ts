/**
 * useRoom inside Vue components: what it provides to the rtc-* components, and its cleanup. The
 * page life over a real server (rejoin on show, leave on unload) is in the e2e parity suite, run
 * for every adapter.
 */
import { describe, expect, it } from 'vitest'
import { defineComponent, effectScope, h, inject, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import type { Platform } from '@minirtc/core'
import type { RtcRoom } from '@minirtc/core/room'
import { useRoom, type UseRoomOptions } from '../useRoom'
import { ROOM_CONTEXT_KEY, type RoomContext } from '../roomContext'

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
  let room!: RtcRoom
  let seen: RoomContext | undefined
  const Child = defineComponent({
    setup() {
      seen = inject<RoomContext>(ROOM_CONTEXT_KEY)
      return () => h('i', seen ? seen.room.pusher.id : 'none')
    },
  })
  const Page = defineComponent({
    setup() {
      room = useRoom(options)
      return () => h('div', [h('b', { id: 'state' }, room.roomState), h(Child)])
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
    expect(context()!.room).toBe(room)
    expect(room.pusher).toBe(room.engine.getSnapshot().pusher)
    expect(wrapper.get('i').text()).toBe(room.pusher.id)
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
