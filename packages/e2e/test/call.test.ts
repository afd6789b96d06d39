import { describe, expect, it } from 'vitest'
import { streamIds, useCall } from './helpers'

const call = useCall()

describe('1:1 call', () => {
  it('A publishes, B plays with frames flowing, quality flows both ways, stop and logout reach B', async () => {
    await call.start()
    const a = await call.bot('alice', 'room-1v1')
    const b = await call.bot('bob', 'room-1v1')
    await a.events.wait('roomUserUpdate', (_r, type, users) => type === 'ADD' && users.some((u: any) => u.userId === 'bob'))

    await a.publish('alice-cam', { extraInfo: 'front camera' })
    expect(a.engine.getSnapshot().pusher).toMatchObject({ state: 'PUBLISHING', streamId: 'alice-cam' })
    expect(a.engine.getSnapshot().pusher.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]+\?/)
    // The media name in the URL is opaque: the raw streamId never appears.
    expect(a.engine.getSnapshot().pusher.url).not.toContain('alice-cam')

    const [, , added] = await b.events.wait('roomStreamUpdate', (_r, type, streams) => type === 'ADD' && streams[0].streamId === 'alice-cam')
    expect(added[0]).toMatchObject({ streamId: 'alice-cam', user: { userId: 'alice' }, extraInfo: 'front camera' })

    await b.play('alice-cam')
    const player = b.renderer.players.get('alice-cam')!
    expect(b.engine.getSnapshot().players['alice-cam']!.state).toBe('PLAYING')
    expect(player.counters.framesReceived).toBeGreaterThan(0)
    const [, stats] = await b.events.wait('playQualityUpdate', (id, s) => id === 'alice-cam' && s.videoFPS > 0)
    expect(stats).toMatchObject({ videoWidth: 640, videoHeight: 360 })
    const [, pubStats] = await a.events.wait('publishQualityUpdate', (id, s) => id === 'alice-cam' && s.videoBitrate > 0)
    expect(pubStats.videoFPS).toBeGreaterThan(0)

    a.stopPublish()
    await b.events.wait('roomStreamUpdate', (_r, type, streams) => type === 'DELETE' && streams[0].streamId === 'alice-cam')
    await b.events.wait('playerStateUpdate', (info) => info.streamId === 'alice-cam' && info.state === 'NO_PLAY')
    expect(b.engine.getSnapshot().players['alice-cam']).toBeUndefined()
    expect(b.renderer.players.size).toBe(0)

    await a.leave()
    await b.events.wait('roomUserUpdate', (_r, type, users) => type === 'DELETE' && users.some((u: any) => u.userId === 'alice'))
    expect(b.engine.getSnapshot().users).toEqual([])
    // Each change reached B exactly once.
    expect(b.events.of('roomStreamUpdate').map((a) => [a[1], streamIds(a)])).toEqual([
      ['ADD', ['alice-cam']],
      ['DELETE', ['alice-cam']],
    ])
  })
})

describe('four-person room', () => {
  it('everyone publishes and plays everyone else', async () => {
    await call.start()
    const names = ['ann', 'ben', 'cat', 'dan']
    const bots = []
    for (const n of names) {
      const b = await call.bot(n, 'room-4')
      bots.push(b)
    }
    await Promise.all(bots.map((b, i) => b.publish(names[i] + '-cam')))
    await Promise.all(
      bots.flatMap((b, i) =>
        names.filter((_, j) => j !== i).map(async (other) => {
          await b.events.wait('roomStreamUpdate', (_r, type, streams) => type === 'ADD' && streams.some((s: any) => s.streamId === other + '-cam'))
          await b.play(other + '-cam')
        }),
      ),
    )
    for (const [i, b] of bots.entries()) {
      const snap = b.engine.getSnapshot()
      expect(snap.onlineCount).toBe(4)
      expect(snap.streams.map((s) => s.streamId).sort()).toEqual(names.filter((_, j) => j !== i).map((n) => n + '-cam').sort())
      expect(Object.values(snap.players).map((p) => p.state)).toEqual(['PLAYING', 'PLAYING', 'PLAYING'])
      for (const p of b.renderer.players.values()) expect(p.counters.framesReceived).toBeGreaterThan(0)
      expect(snap.pusher.state).toBe('PUBLISHING')
    }
  })
})
