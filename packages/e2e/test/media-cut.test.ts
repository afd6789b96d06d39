import { describe, expect, it } from 'vitest'
import { waitFor } from '@minirtc/headless'
import { useCall } from './helpers'

const call = useCall()

describe('media connection cut', () => {
  it("A's pusher retries and recovers; B's player recovers with frames flowing again", async () => {
    await call.start()
    const a = await call.bot('alice', 'room-d')
    const b = await call.bot('bob', 'room-d', { autoPlay: true })
    await a.publish('alice-cam')
    await b.events.wait('playerStateUpdate', (info) => info.streamId === 'alice-cam' && info.state === 'PLAYING')
    const pushesBefore = a.renderer.pusher!.publishCount
    const mark = a.events.log.length
    const markB = b.events.log.length

    a.renderer.pusher!.interruptNetwork()

    // The native pusher says it lost the network and reconnects by itself (3005, 1102).
    await a.events.wait('publisherStateUpdate', (info) => info.state === 'PUBLISH_REQUESTING', 10000, mark)
    await a.events.wait('publisherStateUpdate', (info) => info.state === 'PUBLISHING', 20000, mark)
    expect(a.renderer.pusher!.publishCount).toBe(pushesBefore + 1)
    expect(a.engine.getSnapshot().pusher.state).toBe('PUBLISHING')

    // B's player rides it out (native reconnect) and frames flow again after the cut.
    await waitFor(() => b.engine.getSnapshot().players['alice-cam']?.state === 'PLAYING', 20000, 'B playing')
    const player = () => b.renderer.players.get('alice-cam')!
    const frames = player().counters.framesReceived
    await waitFor(() => player().counters.framesReceived > frames + 10, 10000, 'frames after recovery')
    expect(b.engine.getSnapshot().streams.map((s) => s.streamId)).toEqual(['alice-cam'])
    // The blip stayed inside the server's media grace period: B's room never flapped.
    expect(b.events.log.slice(markB).filter((e) => e.name === 'roomStreamUpdate')).toEqual([])
  })
})
