import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  FIXTURES,
  FlvSource,
  HttpFlvReader,
  MediaError,
  MediaReader,
  RtmpClient,
  RtmpPublisher,
  isKeyframe,
  loadFlvClip,
  isVideoFrame,
  probeFirstKeyframe,
  type FlvTag,
} from '../src/index.js'
import { freePort, startMediaServer, streamName, waitUntil, type TestMediaServer } from './helpers/nms.js'

let nms: TestMediaServer
const cleanups: Array<() => unknown> = []

beforeAll(async () => {
  nms = await startMediaServer()
})
afterEach(async () => {
  // Last registered, first cleaned (players before pushers before servers).
  const list = cleanups.splice(0)
  while (list.length > 0) await list.pop()!()
})
afterAll(async () => {
  await nms.stop()
})

async function publish(name: string, source: FlvSource | string = FIXTURES.camera640x360): Promise<RtmpPublisher> {
  const pub = new RtmpPublisher({ url: nms.rtmpUrl(name), source })
  cleanups.push(() => pub.stop())
  await pub.start()
  return pub
}

describe('RtmpPublisher + MediaReader against node-media-server 4.4.3', () => {
  it('publishes the fixture; the first keyframe arrives over HTTP-FLV and over RTMP', async () => {
    const name = streamName()
    const pub = await publish(name)
    expect(pub.publishing).toBe(true)
    await waitUntil(() => pub.counters.keyframes >= 1, 5000, 'first keyframe sent')

    const flv = await probeFirstKeyframe(nms.flvUrl(name), 10000)
    expect(flv).toMatchObject({ width: 640, height: 360 })
    expect(flv.bytes).toBeGreaterThan(1000)
    const rtmp = await probeFirstKeyframe(nms.rtmpUrl(name), 10000)
    expect(rtmp).toMatchObject({ width: 640, height: 360 })
    console.log(`first keyframe: HTTP-FLV ${flv.firstKeyframeMs} ms, RTMP ${rtmp.firstKeyframeMs} ms`)

    await waitUntil(() => pub.counters.videoFrames >= 30, 10000, '2 s of video sent')
    const rates = pub.rates()
    expect(rates.videoBitrate).toBeGreaterThan(100)
    expect(rates.audioBitrate).toBeGreaterThan(20)
    expect(pub.counters.bytes).toBeGreaterThan(pub.counters.videoBytes)
    expect(nms.events.some((e) => e.event === 'postPublish' && e.streamPath === `/live/${name}`)).toBe(true)
  })

  it('a reader counts frames at ~15 fps and measures wall-clock latency from SEI stamps', async () => {
    const name = streamName()
    await publish(name, new FlvSource(FIXTURES.camera640x360, { stampWallClock: true }))
    const r = new MediaReader({ url: nms.flvUrl(name) })
    cleanups.push(() => r.stop())
    await r.start()
    await waitUntil(() => r.counters.keyframes >= 1, 5000, 'keyframe')
    r.rates()
    await new Promise((res) => setTimeout(res, 2000))
    const rates = r.rates()
    // ≈15 fps, loose bounds for a busy CI machine.
    expect(rates.videoFPS).toBeGreaterThan(8)
    expect(rates.videoFPS).toBeLessThan(22)
    expect(rates.videoWidth).toBe(640)
    expect(r.latency?.count).toBeGreaterThan(10)
    expect(r.latency!.p50).toBeGreaterThanOrEqual(0)
    console.log('relay latency (ms)', r.latency)
  })

  it('detects a resolution change from the SPS (640x360 → 320x240) over HTTP-FLV and RTMP', async () => {
    const name = streamName()
    const source = new FlvSource(FIXTURES.camera640x360)
    await publish(name, source)
    const changes: string[] = []
    for (const url of [nms.flvUrl(name), nms.rtmpUrl(name)]) {
      const r = new MediaReader({ url })
      cleanups.push(() => r.stop())
      r.on('resolution', (c) => changes.push(`${url.slice(0, 4)} ${c.previousWidth}x${c.previousHeight}->${c.width}x${c.height}`))
      await r.start()
      await waitUntil(() => r.counters.width === 640, 5000, '640 known')
    }
    source.switchClip(FIXTURES.camera320x240)
    await waitUntil(() => changes.length >= 2, 5000, 'resolution change on both readers')
    expect(changes.sort()).toEqual(['http 640x360->320x240', 'rtmp 640x360->320x240'])
  })

  it('audio-only publishing; re-enabling video starts with a keyframe', async () => {
    const name = streamName()
    const pub = new RtmpPublisher({ url: nms.rtmpUrl(name), source: FIXTURES.camera640x360, video: false })
    cleanups.push(() => pub.stop())
    const sent: FlvTag[] = []
    pub.on('tag', (t) => sent.push(t))
    await pub.start()
    await waitUntil(() => pub.counters.audioFrames > 40, 5000, 'audio')
    expect(pub.counters.videoFrames).toBe(0)
    await new Promise((r) => setTimeout(r, 400)) // land mid-GOP
    pub.setVideo(true)
    await waitUntil(() => pub.counters.videoFrames > 0, 5000, 'video')
    expect(isKeyframe(sent.find(isVideoFrame)!)).toBe(true)
  })

  it('extended timestamps (≥ 0xFFFFFF ms, 4.6 h into a stream) survive the round trip through NMS', async () => {
    const name = streamName()
    const clip = loadFlvClip(FIXTURES.camera640x360)
    const c = new RtmpClient(nms.rtmpUrl(name))
    cleanups.push(() => c.close())
    await c.connect()
    const sid = await c.createStream()
    await c.publish(sid)
    const base = 0x1000000 + 5
    const r = new MediaReader({ url: nms.flvUrl(name) })
    cleanups.push(() => r.stop())
    const got: number[] = []
    r.on('tag', (t) => isVideoFrame(t) && got.push(t.timestamp))
    await r.start()
    c.writeTag(sid, { ...clip.avcHeader!, timestamp: base })
    const frames = clip.frames.filter(isVideoFrame).slice(0, 5)
    for (const f of frames) c.writeTag(sid, { ...f, timestamp: base + f.timestamp })
    await waitUntil(() => got.length >= 5, 5000, '5 frames')
    expect(got).toEqual(frames.map((f) => base + f.timestamp))
    expect(got[4]! - got[0]!).toBeGreaterThan(200)
    expect(r.counters.width).toBe(640)
  })

  it('publishing to a port nobody listens on fails with CONNECT_FAILED', async () => {
    const port = await freePort()
    const pub = new RtmpPublisher({ url: `rtmp://127.0.0.1:${port}/live/x`, source: FIXTURES.camera640x360 })
    const err = await pub.start().then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(MediaError)
    expect((err as MediaError).reason).toBe('CONNECT_FAILED')
    expect((err as MediaError).wechatCode).toBe(3002)
    expect((err as MediaError).message).toMatch(/cannot connect/)
  })

  it('an RTMP handshake with a non-RTMP server fails with HANDSHAKE_FAILED', async () => {
    const pub = new RtmpPublisher({ url: `rtmp://127.0.0.1:${nms.httpPort}/live/x`, source: FIXTURES.camera640x360, connectTimeoutMs: 3000 })
    const err = (await pub.start().catch((e: unknown) => e)) as MediaError
    expect(err).toBeInstanceOf(MediaError)
    expect(['HANDSHAKE_FAILED', 'SERVER_CLOSED']).toContain(err.reason)
  })

  it('HTTP errors surface with their status', async () => {
    const r = new MediaReader({ url: `http://127.0.0.1:${nms.httpPort}/nothing-here` })
    const err = (await r.start().catch((e: unknown) => e)) as MediaError
    expect(err.reason).toBe('HTTP_STATUS')
    expect(err.httpStatus).toBe(404)
  })

  it('a stream nobody publishes stalls (NMS answers 200 and sends nothing)', async () => {
    const r = new MediaReader({ url: nms.flvUrl(streamName('ghost')), stallTimeoutMs: 1000 })
    const closed = new Promise<MediaError | undefined>((res) => r.on('close', res))
    await r.start()
    const err = await closed
    expect(err?.reason).toBe('STALLED')
  })

  it('HttpFlvReader alone: tags of a live stream, STALLED on a silent one', async () => {
    const name = streamName()
    await publish(name)
    const live = new HttpFlvReader(nms.flvUrl(name), { stallTimeoutMs: 2000 })
    cleanups.push(() => live.stop())
    const tags: FlvTag[] = []
    live.on('tag', (t) => tags.push(t))
    live.start()
    await waitUntil(() => tags.some(isKeyframe), 5000, 'keyframe')
    const ghost = new HttpFlvReader(nms.flvUrl(streamName('ghost')), { stallTimeoutMs: 500 })
    const err = await new Promise<MediaError | undefined>((res) => {
      ghost.on('close', res)
      ghost.start()
    })
    expect(err?.reason).toBe('STALLED')
  })

  it('a server-side close surfaces as SERVER_CLOSED on the publisher', async () => {
    // NMS 4.4.3 accepts a second publisher on a live name with Publish.Start, then closes it.
    const name = streamName()
    await publish(name)
    const second = new RtmpPublisher({ url: nms.rtmpUrl(name), source: FIXTURES.camera320x240 })
    cleanups.push(() => second.stop())
    const closed = new Promise<MediaError | undefined>((res) => second.on('close', res))
    const started = await second.start().then(
      () => 'started',
      (e: MediaError) => e.reason,
    )
    if (started === 'started') expect((await closed)?.reason).toBe('SERVER_CLOSED')
    else expect(started).toBe('SERVER_CLOSED')
  })
})
