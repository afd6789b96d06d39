/**
 * Ids that are also names on `Object.prototype` are ordinary ids: streams named `constructor`,
 * `__proto__` and `toString` are published, listed, played with real frames and removed like any
 * other, by users with such names too.
 */
import { describe, expect, it } from 'vitest'
import { waitFor } from '@minirtc/headless'
import { streamIds, useCall } from './helpers'

const NAMES = ['constructor', '__proto__', 'toString']

describe('prototype keys as ids', () => {
  const call = useCall()

  it('publishes and plays streams named constructor, __proto__ and toString', async () => {
    await call.start()
    const viewer = await call.bot('viewer', 'proto-room', { autoPlay: true })
    const publishers = []
    for (const name of NAMES) {
      const b = await call.bot(name === '__proto__' ? 'proto-user' : name, 'proto-room')
      await b.publish(name)
      publishers.push(b)
    }
    for (const name of NAMES) {
      await viewer.events.wait('playerStateUpdate', (info) => info.streamId === name && info.state === 'PLAYING')
      await viewer.engine.getPlayerInstance(name).play() // already PLAYING: resolves at once
      const player = viewer.renderer.players.get(name)!
      await waitFor(() => player.counters.framesReceived > 0, 10000, 'frames of ' + name)
    }
    const snap = viewer.engine.getSnapshot()
    expect(Object.keys(snap.players).sort()).toEqual([...NAMES].sort())
    expect(snap.streams.map((s) => s.streamId).sort()).toEqual([...NAMES].sort())
    expect(Object.getPrototypeOf(snap.players)).toBe(null)
    for (const p of publishers) p.stopPublish()
    await viewer.events.wait('roomStreamUpdate', () => viewer.engine.getSnapshot().streams.length === 0)
    expect(Object.keys(viewer.engine.getSnapshot().players)).toEqual([])
    expect(viewer.events.of('roomStreamUpdate').filter((a) => a[1] === 'DELETE').flatMap(streamIds).sort()).toEqual([...NAMES].sort())
  })
})
