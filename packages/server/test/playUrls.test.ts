import { probeFirstKeyframe } from '@minirtc/headless'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { joined, sleep, start } from './helpers'
import { flvBytes, mediaAuthCount, publishing, push } from './mediaHelpers'

// Delivered play URLs over the embedded media server (one per process, so a file of its own).
// URLs live TTL_S seconds: long enough to be played at once, short enough to watch one expire.
const TTL_S = 4
let srv: RunningServer
beforeAll(async () => {
  srv = await start({ mediaUrlTtlSeconds: TTL_S })
})
afterAll(() => srv?.close())

describe('play URLs delivered with the room (login playUrls)', () => {
  const ref = (url: string) => new URL(url).searchParams.get('u')

  it('the login reply and stream ADD carry URLs signed for each asking session that play; others get none', async () => {
    const owner = await joined(srv, 'pu-room', 'owner')
    const early = await joined(srv, 'pu-room', 'early', { playUrls: true })
    const plain = await joined(srv, 'pu-room', 'plain')
    expect(early.login.play).toEqual([])
    expect(plain.login.play).toBeUndefined()
    const pub = await owner.c.request('publish', { streamId: 'pu-cam' })
    const pusher = await push(pub.d.pushUrl)

    // ADD: the asking session's payload has its own URL, the other's is the bare StreamInfo list.
    const add = await early.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'ADD', 10_000)
    expect(add.d.streams.map((x: { streamId: string }) => x.streamId)).toEqual(['pu-cam'])
    expect(add.d.play).toHaveLength(1)
    expect(add.d.play[0]).toMatchObject({ streamId: 'pu-cam', urls: { flv: expect.stringMatching(/\.flv\?/), rtmp: expect.stringMatching(/^rtmp:/) } })
    expect(add.d.play[0].expiresAt).toBeGreaterThan(Date.now())
    expect((await plain.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'ADD')).d).toEqual({ type: 'ADD', streams: add.d.streams })
    expect((await probeFirstKeyframe(add.d.play[0].urls.flv, 10_000)).width).toBe(640)

    // A late joiner that asks gets a URL per live stream with its login reply.
    const late = await joined(srv, 'pu-room', 'late', { playUrls: true })
    expect(late.login.room.streams.map((x) => x.streamId)).toEqual(['pu-cam'])
    expect(late.login.play!.map((p) => p.streamId)).toEqual(['pu-cam'])
    const k = await probeFirstKeyframe(late.login.play![0]!.urls.rtmp, 10_000)
    expect([k.width, k.height]).toEqual([640, 360])
    // Each URL names the session it was signed for.
    expect(ref(late.login.play![0]!.urls.flv)).not.toBe(ref(add.d.play[0].urls.flv))
    expect(plain.c.replies.some((r) => r.d?.play)).toBe(false)
    await pusher.stop()
    for (const x of [owner, early, plain, late]) x.c.close()
  })

  it("a delivered URL dies with its session and cannot be re-signed for another session's ref", async () => {
    const owner = await joined(srv, 'pu-own', 'owner')
    const pusher = await publishing(owner.c, 'pu-own-cam')
    const a = await joined(srv, 'pu-own', 'a', { playUrls: true })
    const b = await joined(srv, 'pu-own', 'b', { playUrls: true })
    const urlA = a.login.play![0]!.urls.flv
    const urlB = b.login.play![0]!.urls.flv
    // A's signature over B's ref (someone holding A's URL posing as B) is refused.
    const forged = urlA.replace(/([?&]u=)[^&]+/, `$1${ref(urlB)}`)
    expect(forged).not.toBe(urlA)
    const invalid = await mediaAuthCount(srv, 'play', 'MEDIA_URL_INVALID')
    expect((await flvBytes(forged)).bytes).toBe(0)
    expect(await mediaAuthCount(srv, 'play', 'MEDIA_URL_INVALID')).toBe(invalid + 1)
    // A logs out: its URL is refused from then on, B's still plays.
    expect((await a.c.request('logout', {})).ok).toBe(true)
    const refused = await mediaAuthCount(srv, 'play', 'MEDIA_NOT_AUTHORIZED')
    expect((await flvBytes(urlA)).bytes).toBe(0)
    expect(await mediaAuthCount(srv, 'play', 'MEDIA_NOT_AUTHORIZED')).toBe(refused + 1)
    expect((await probeFirstKeyframe(urlB, 10_000)).width).toBe(640)
    await pusher.stop()
    for (const x of [owner, a, b]) x.c.close()
  })

  it('an expired delivered URL is refused; a play request gives a fresh one that plays', async () => {
    {
      const owner = await joined(srv, 'pu-exp', 'owner')
      const pusher = await publishing(owner.c, 'pu-exp-cam')
      const v = await joined(srv, 'pu-exp', 'v', { playUrls: true })
      const delivered = v.login.play![0]!
      await sleep(Math.max(0, delivered.expiresAt - Date.now()) + 1100)
      const expired = await mediaAuthCount(srv, 'play', 'MEDIA_URL_EXPIRED')
      expect((await flvBytes(delivered.urls.flv)).bytes).toBe(0)
      expect(await mediaAuthCount(srv, 'play', 'MEDIA_URL_EXPIRED')).toBe(expired + 1)
      const fresh = await v.c.request('play', { streamId: 'pu-exp-cam' })
      expect((await probeFirstKeyframe(fresh.d.urls.flv, 10_000)).width).toBe(640)
      await pusher.stop()
      for (const x of [owner, v]) x.c.close()
    }
  })
})

