import { describe, expect, it } from 'vitest'
import type { RunningServer } from '@minirtc/server'
import { useCall } from './helpers'

const call = useCall()

/** `op` requests the server received (its own count of frames off the wire). */
async function requests(srv: RunningServer, op: string): Promise<number> {
  const text = await (await fetch(`${srv.httpUrl}/metrics`)).text()
  const m = text.match(new RegExp(`minirtc_messages_total\\{op="${op}"\\} (\\d+)`))
  return m ? Number(m[1]) : 0
}

const playing = (b: Awaited<ReturnType<typeof call.bot>>, streamId: string) =>
  b.events.wait('playerStateUpdate', (info) => info.streamId === streamId && info.state === 'PLAYING')

describe('autoplay with delivered play URLs', () => {
  it('plays the streams of the login reply and of later ADDs without a play request; play() still asks', async () => {
    const srv = await call.start()
    const a = await call.bot('ann', 'room-ap')
    await a.publish('ann-cam')
    const viewer = await call.bot('vic', 'room-ap', { autoPlay: true })
    await playing(viewer, 'ann-cam')
    const b = await call.bot('ben', 'room-ap')
    await b.publish('ben-cam')
    await playing(viewer, 'ben-cam')
    for (const id of ['ann-cam', 'ben-cam']) expect(viewer.renderer.players.get(id)!.counters.framesReceived).toBeGreaterThan(0)
    expect(await requests(srv, 'login')).toBe(3)
    expect(await requests(srv, 'play')).toBe(0)
    // A bot without autoPlay asks for its URL: the counter does count play requests.
    const manual = await call.bot('max', 'room-ap')
    await manual.play('ann-cam')
    expect(await requests(srv, 'play')).toBe(1)
  })

  it('URLs too close to expiry for the engine make it ask with play, and the call still starts', async () => {
    // 4 s URLs are inside the engine's 5 s margin for a player to connect.
    const srv = await call.start({ mediaUrlTtlSeconds: 4 })
    const a = await call.bot('ann', 'room-ttl')
    await a.publish('ann-cam')
    const viewer = await call.bot('vic', 'room-ttl', { autoPlay: true })
    await playing(viewer, 'ann-cam')
    expect(await requests(srv, 'play')).toBe(1)
  })
})
