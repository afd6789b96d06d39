/**
 * The RTMP client against a second, stricter server: nginx-rtmp compresses chunk headers
 * (types 1-3), answers a duplicate publisher with NetStream.Publish.BadName, has no GOP cache
 * (a player waits for the next keyframe) and sends no HTTP-FLV. Skipped when nginx with the
 * RTMP module is not installed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES, FlvSource, MediaError, MediaReader, RtmpPublisher, VirtualPlayer, VirtualPusher, probeFirstKeyframe } from '../src/index.js'
import { recorder } from './helpers/events.js'
import { nginxAvailable, startNginxRtmp, type TestNginx } from './helpers/nginx.js'
import { streamName, waitUntil } from './helpers/nms.js'

let nginx: TestNginx
const cleanups: Array<() => unknown> = []

// Never skipped: without nginx this fails and says how to install it (npm test does).
if (!nginxAvailable) throw new Error('nginx + libnginx-mod-rtmp missing: run scripts/install-nginx.sh')

describe('against nginx-rtmp', () => {
  beforeAll(async () => {
    nginx = await startNginxRtmp()
  })
  afterEach(async () => {
    const list = cleanups.splice(0)
    while (list.length > 0) await list.pop()!()
  })
  afterAll(async () => {
    await nginx?.stop()
  })

  it('publish, then play: first keyframe, resolution change via the SPS, SEI latency', async () => {
    const name = streamName()
    const source = new FlvSource(FIXTURES.camera640x360, { stampWallClock: true })
    const pub = new RtmpPublisher({ url: nginx.rtmpUrl(name), source })
    cleanups.push(() => pub.stop())
    await pub.start()
    const probe = await probeFirstKeyframe(nginx.rtmpUrl(name), 10000)
    expect(probe).toMatchObject({ width: 640, height: 360 })
    const r = new MediaReader({ url: nginx.rtmpUrl(name) })
    cleanups.push(() => r.stop())
    const changes: string[] = []
    r.on('resolution', (c) => changes.push(`${c.width}x${c.height}`))
    await r.start()
    await waitUntil(() => r.counters.keyframes >= 2, 10000, 'two keyframes')
    source.switchClip(FIXTURES.camera320x240)
    await waitUntil(() => changes.length > 0, 10000, 'resolution change')
    expect(changes).toEqual(['320x240'])
    expect(r.latency?.count).toBeGreaterThan(0)
  })

  it('a second publisher on the same name gets NetStream.Publish.BadName', async () => {
    const name = streamName()
    const first = new RtmpPublisher({ url: nginx.rtmpUrl(name), source: FIXTURES.camera640x360 })
    cleanups.push(() => first.stop())
    await first.start()
    const second = new RtmpPublisher({ url: nginx.rtmpUrl(name), source: FIXTURES.camera320x240 })
    cleanups.push(() => second.stop())
    const err = (await second.start().catch((e: unknown) => e)) as MediaError
    expect(err).toBeInstanceOf(MediaError)
    expect(err.reason).toBe('STATUS_ERROR')
    expect(err.statusCode).toBe('NetStream.Publish.BadName')
    expect(first.publishing).toBe(true)
  })

  it('virtual pusher and player: 1001, 1002 and 2001, 2002, 2008, 2003, 2004', async () => {
    const name = streamName()
    const pub = recorder()
    const pusher = new VirtualPusher({ onEvent: pub.onEvent })
    cleanups.push(() => pusher.destroy())
    pusher.update({ url: nginx.rtmpUrl(name), autopush: true, enableCamera: true, enableMic: true })
    await pub.waitCode(1002)
    const play = recorder()
    const player = new VirtualPlayer({ onEvent: play.onEvent })
    cleanups.push(() => player.destroy())
    player.update({ src: nginx.rtmpUrl(name), autoplay: true })
    // No GOP cache on nginx-rtmp: the first keyframe comes with the next GOP (≤ 1 s here).
    await play.waitCode(2004, 10000)
    expect(play.codes()).toEqual([2001, 2002, 2008, 2003, 2004])
  })
})
