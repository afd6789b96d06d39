import { describe, expect, it } from 'vitest'
import { streamIds, useCall } from './helpers'
import { TcpProxy } from '@minirtc/headless'

const call = useCall()

const portOf = (url: string) => Number(new URL(url).port)

describe('signaling drop', () => {
  it("B's socket is cut mid-call: CONNECTING → CONNECTED, and a stream started meanwhile appears exactly once", async () => {
    const srv = await call.start()
    const proxy = await new TcpProxy(portOf(srv.url)).listen()
    call.defer(() => proxy.close())
    const a = await call.bot('alice', 'room-c')
    const viaProxy = { ...srv, url: srv.url.replace(':' + portOf(srv.url), ':' + proxy.port) }
    const b = await call.bot('bob', 'room-c', { via: viaProxy })
    await a.publish('alice-cam')
    await b.events.wait('roomStreamUpdate', (_r, type) => type === 'ADD')
    await b.play('alice-cam')

    proxy.cut()
    await b.events.wait('roomStateUpdate', (_r, state) => state === 'CONNECTING')
    expect(b.events.of('roomStateChanged').slice(-1)[0]![1]).toBe('RECONNECTING')
    // While B is away, A starts a second stream (a second bot of A's: one pusher per engine).
    const a2 = await call.bot('alice2', 'room-c')
    await a2.publish('alice-screen')
    await new Promise((r) => setTimeout(r, 600))
    proxy.restore()

    await b.events.wait('roomStateUpdate', (_r, state) => state === 'CONNECTED' && b.events.of('roomStateChanged').some((x) => x[1] === 'RECONNECTED'))
    await b.events.wait('roomStreamUpdate', (_r, type, streams) => type === 'ADD' && streams.some((s: any) => s.streamId === 'alice-screen'))
    // Let any duplicate arrive before counting.
    await new Promise((r) => setTimeout(r, 500))
    const adds = b.events.of('roomStreamUpdate').filter((e) => e[1] === 'ADD').flatMap(streamIds)
    expect(adds.filter((id) => id === 'alice-screen')).toHaveLength(1)
    expect(adds.filter((id) => id === 'alice-cam')).toHaveLength(1)
    expect(b.events.of('roomStreamUpdate').filter((e) => e[1] === 'DELETE')).toEqual([])
    expect(b.engine.getSnapshot().streams.map((s) => s.streamId).sort()).toEqual(['alice-cam', 'alice-screen'])
    // The media connection never depended on signaling: the player is still playing.
    expect(b.engine.getSnapshot().players['alice-cam']!.state).toBe('PLAYING')
  })
})

describe('server restart', () => {
  it('clients reconnect, log in again, re-publish, and converge to the new truth', async () => {
    const srv = await call.start()
    const ports = { port: portOf(srv.url), rtmpPort: portOf(srv.rtmpUrl), flvPort: portOf(srv.flvUrl) }
    const a = await call.bot('alice', 'room-e')
    const b = await call.bot('bob', 'room-e', { autoPlay: true })
    await a.publish('alice-cam')
    await b.events.wait('playerStateUpdate', (info) => info.streamId === 'alice-cam' && info.state === 'PLAYING')

    await srv.close()
    call.srv = null
    await a.events.wait('roomStateUpdate', (_r, state) => state === 'CONNECTING')
    const [markA, markB] = [a.events.log.length, b.events.log.length]
    await call.start(ports)

    // Only what happens against the new server counts.
    await a.events.wait('roomStateChanged', (_r, reason) => reason === 'RECONNECTED', 30000, markA)
    await b.events.wait('roomStateChanged', (_r, reason) => reason === 'RECONNECTED', 30000, markB)
    // A's engine published again on the new server; B sees the stream and plays it again.
    await a.events.wait('publisherStateUpdate', (info) => info.state === 'PUBLISHING', 30000, markA)
    await b.events.wait('playerStateUpdate', (info) => info.streamId === 'alice-cam' && info.state === 'PLAYING', 30000, markB)
    const snapA = a.engine.getSnapshot()
    const snapB = b.engine.getSnapshot()
    expect(snapA.roomState).toBe('CONNECTED')
    expect(snapA.pusher.state).toBe('PUBLISHING')
    expect(snapB.streams.map((s) => s.streamId)).toEqual(['alice-cam'])
    expect(snapB.users.map((u) => u.userId)).toEqual(['alice'])
    expect(snapB.onlineCount).toBe(2)
  })
})
