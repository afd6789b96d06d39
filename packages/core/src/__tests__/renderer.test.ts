import { describe, expect, it } from 'vitest'
import { SnapshotRenderer, type NativeEventHandler } from '../renderer'
import type { PlayerViewModel, PusherViewModel } from '../types'
import { bob, carol, loggedInRig, streamOf } from './harness'

class FakeComponent<VM> {
  updates: VM[] = []
  destroyed = false
  readonly context = {}
  constructor(readonly onEvent: NativeEventHandler) {}
  update(vm: VM) {
    this.updates.push(vm)
  }
  destroy() {
    this.destroyed = true
  }
}

describe('SnapshotRenderer', () => {
  it('keeps one pusher and one player per stream in step with the snapshot and routes their events', async () => {
    const rig = await loggedInRig({ autoPlay: true })
    const made: Array<FakeComponent<PlayerViewModel> & { streamId: string }> = []
    const r = new SnapshotRenderer({
      pusher: (onEvent) => new FakeComponent<PusherViewModel>(onEvent),
      player: (streamId, onEvent) => {
        const c = Object.assign(new FakeComponent<PlayerViewModel>(onEvent), { streamId })
        made.push(c)
        return c
      },
    }).attach(rig.engine)
    expect(r.pusher!.updates).toHaveLength(1)
    rig.server.addStream(streamOf(bob))
    rig.server.addStream(streamOf(carol))
    expect([...r.players.keys()]).toEqual(['bob-cam', 'carol-cam'])
    const bobPlayer = r.players.get('bob-cam')!
    expect(bobPlayer.updates.slice(-1)[0]!.src).toMatch(/\.flv/)
    // A native event from the rendered component reaches the engine through its single door.
    ;(bobPlayer as unknown as FakeComponent<PlayerViewModel>).onEvent('statechange', { code: 2004 })
    expect(rig.engine.getSnapshot().players['bob-cam']!.state).toBe('PLAYING')
    // Contexts are found by element id, as wx.createLivePlayerContext(id) would.
    expect(r.playerContext(rig.engine.getSnapshot().players['bob-cam']!.id)).toBe(bobPlayer.context)
    expect(r.pusherContext(rig.engine.getSnapshot().pusher.id)).toBe(r.pusher!.context)
    // Only changed view models re-render: carol's player saw no update from bob's state change.
    const carolUpdates = r.players.get('carol-cam')!.updates.length
    rig.engine.getPlayerInstance('bob-cam').setMute({ audio: true })
    expect(r.players.get('carol-cam')!.updates).toHaveLength(carolUpdates)
    rig.server.removeStream('bob-cam')
    expect(made[0]!.destroyed).toBe(true)
    expect([...r.players.keys()]).toEqual(['carol-cam'])
    r.detach()
    expect(made[1]!.destroyed).toBe(true)
    expect(r.pusher).toBeNull()
  })
})
