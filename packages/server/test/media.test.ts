import { ErrorCode } from '@minirtc/protocol'
import { probeFirstKeyframe } from '@minirtc/headless'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { eventually, joined, sleep, start } from './helpers'
import { FIXTURES, Viewer, push } from './mediaHelpers'

let srv: RunningServer
// A short media grace period so the drop test does not wait the 8 s default.
const GRACE_MS = 1500
beforeAll(async () => {
  srv = await start({ mediaGraceMs: GRACE_MS })
})
afterAll(() => srv?.close())

describe('embedded media path (node-media-server 4.4.3)', () => {
  it('goes live only when the push starts; viewers read keyframes over HTTP-FLV and RTMP; disconnect → STOPPED at once, DELETE after the grace period', async () => {
    const owner = await joined(srv, 'm-path', 'owner')
    const viewer = await joined(srv, 'm-path', 'viewer')
    const pub = await owner.c.request('publish', { streamId: 'cam/1', extraInfo: 'front' })
    expect(pub.ok).toBe(true)
    // Reserved, not visible yet.
    await sleep(200)
    expect(viewer.c.pushes.some((p) => p.ev === 'stream')).toBe(false)

    const pusher = await push(pub.d.pushUrl)
    expect(pusher.publishing).toBe(true)
    expect((await owner.c.waitPush((p) => p.ev === 'publishState')).d).toEqual({ streamId: 'cam/1', state: 'PUBLISHING' })
    const add = await viewer.c.waitPush((p) => p.ev === 'stream')
    expect(add.d).toEqual({ type: 'ADD', streams: [{ streamId: 'cam/1', user: { userId: 'owner', userName: 'name-owner' }, extraInfo: 'front' }] })

    expect((await owner.c.request('setStreamExtraInfo', { streamId: 'cam/1', extraInfo: 'rear' })).ok).toBe(true)
    expect((await viewer.c.waitPush((p) => p.ev === 'streamExtraInfo')).d).toEqual({
      streams: [{ streamId: 'cam/1', user: { userId: 'owner', userName: 'name-owner' }, extraInfo: 'rear' }],
    })
    expect((await viewer.c.request('setStreamExtraInfo', { streamId: 'cam/1', extraInfo: 'x' })).error?.code).toBe(ErrorCode.NOT_STREAM_OWNER)
    const play = await viewer.c.request('play', { streamId: 'cam/1' })
    expect(play.ok).toBe(true)
    expect(play.d.urls.flv).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]{20}\.flv\?/)
    const flv = await probeFirstKeyframe(play.d.urls.flv, 10_000)
    expect([flv.width, flv.height]).toEqual([640, 360])
    const rtmp = await probeFirstKeyframe(play.d.urls.rtmp, 10_000)
    expect([rtmp.width, rtmp.height]).toEqual([640, 360])

    // A late joiner sees the live stream in its RoomSync.
    const late = await joined(srv, 'm-path', 'late')
    expect(late.login.room.streams.map((s) => s.streamId)).toEqual(['cam/1'])

    // Publisher drops: the owner hears STOPPED at once; the room gets DELETE after the grace
    // period (its pusher may come back), still well before NMS's own 30 s donePublish.
    const t0 = Date.now()
    await pusher.stop()
    expect((await owner.c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'STOPPED', 1000)).d.streamId).toBe('cam/1')
    const del = await viewer.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'DELETE', 5000)
    expect(del.d.streams[0].streamId).toBe('cam/1')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(GRACE_MS - 50)
    expect(Date.now() - t0).toBeLessThan(5000)

    // The owner's pusher reconnects with a fresh URL: ADD / PUBLISHING again.
    const again = await owner.c.request('publish', { streamId: 'cam/1' })
    const n = viewer.c.pushes.length
    const pusher2 = await push(again.d.pushUrl)
    await viewer.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'ADD', 10_000, n)
    // Unpublish closes the media session and hides the stream.
    expect((await owner.c.request('unpublish', { streamId: 'cam/1' })).ok).toBe(true)
    await viewer.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'DELETE', 5000, n)
    await eventually(() => !pusher2.publishing, 5000, 'pusher closed by unpublish')
    for (const x of [owner, viewer, late]) x.c.close()
  })

  it('a publisher that reconnects within the grace period never leaves the room', async () => {
    const owner = await joined(srv, 'm-grace', 'owner')
    const viewer = await joined(srv, 'm-grace', 'viewer')
    const pub = await owner.c.request('publish', { streamId: 'blip' })
    const first = await push(pub.d.pushUrl)
    await viewer.c.waitPush((p) => p.ev === 'stream' && p.d.type === 'ADD')
    const n = viewer.c.pushes.length
    const m = owner.c.pushes.length
    await first.stop()
    await owner.c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'STOPPED', 1000, m)
    // The native pusher reconnects with a fresh URL before the grace period ends.
    const again = await owner.c.request('publish', { streamId: 'blip' })
    const second = await push(again.d.pushUrl)
    await owner.c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'PUBLISHING', 5000, m)
    await sleep(GRACE_MS + 500)
    expect(viewer.c.pushes.slice(n).filter((p) => p.ev === 'stream')).toEqual([])
    const flv = await probeFirstKeyframe((await viewer.c.request('play', { streamId: 'blip' })).d.urls.flv, 10_000)
    expect(flv.width).toBe(640)
    await second.stop()
    owner.c.close()
    viewer.c.close()
  })

  it('a kicked viewer loses its media connection', async () => {
    const owner = await joined(srv, 'm-kick', 'o')
    const viewer = await joined(srv, 'm-kick', 'v')
    const pub = await owner.c.request('publish', { streamId: 'kick-cam' })
    const pusher = await push(pub.d.pushUrl)
    await viewer.c.waitPush((p) => p.ev === 'stream')
    const play = await viewer.c.request('play', { streamId: 'kick-cam' })
    const v = new Viewer(play.d.urls.rtmp)
    await v.start()
    await eventually(() => v.mediaTags > 0, 10_000, 'viewer receiving')
    viewer.c.close()
    const res = await fetch(`${srv.httpUrl}/admin/rooms/m-kick/users/v/kick`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('app-test:test-secret-0123456789abcdef').toString('base64') },
    })
    expect(res.status).toBe(200)
    await eventually(() => v.ended, 5000, 'viewer media closed')
    await pusher.stop()
    owner.c.close()
  })
})

describe('NMS 4.4.3 header corruption regression', () => {
  it('refused and duplicate publishers never reach viewers of the real stream', async () => {
    const o = await joined(srv, 'nms-bug', 'owner')
    const v = await joined(srv, 'nms-bug', 'viewer')
    const pub = await o.c.request('publish', { streamId: 'bug-cam' })
    const real = await push(pub.d.pushUrl, FIXTURES.camera640x360)
    await v.c.waitPush((p) => p.ev === 'stream')
    const play = await v.c.request('play', { streamId: 'bug-cam' })
    const before = new Viewer(play.d.urls.flv)
    await before.start()
    await eventually(() => before.seqHeaders.length > 0, 10_000, 'first viewer got the AVC header')
    const header = before.seqHeaders[0]!
    expect(before.resolutions[0]).toEqual({ width: 640, height: 360 })

    // Intruders at 320x240: a bad signature, then a valid URL while the real publisher is live.
    const forged = await push(pub.d.pushUrl.replace(/s=[^&]+/, 's=BBBBBBBBBBBBBBBBBBBBBBBB'), FIXTURES.camera320x240)
    const fresh = await o.c.request('publish', { streamId: 'bug-cam' })
    const dup = await push(fresh.d.pushUrl, FIXTURES.camera320x240)
    await sleep(2500) // let the intruders try to stream (NMS said Publish.Start to both)
    await forged.stop()
    await dup.stop()

    const afterFlv = new Viewer(play.d.urls.flv)
    const afterRtmp = new Viewer(play.d.urls.rtmp)
    await Promise.all([afterFlv.start(), afterRtmp.start()])
    await eventually(() => afterFlv.seqHeaders.length > 0 && afterRtmp.seqHeaders.length > 0, 10_000, 'new viewers got the AVC header')
    for (const w of [before, afterFlv, afterRtmp]) {
      expect(w.resolutions.every((r) => r.width === 640 && r.height === 360)).toBe(true)
      expect(w.seqHeaders.every((h) => h.equals(header))).toBe(true)
    }
    expect(real.publishing).toBe(true)
    for (const w of [before, afterFlv, afterRtmp]) w.stop()
    await real.stop()
    o.c.close()
    v.c.close()
  })
})

