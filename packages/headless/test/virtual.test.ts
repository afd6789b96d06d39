import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContextCallOptions } from '@minirtc/core'
import {
  FIXTURES,
  VirtualPlayer,
  VirtualPusher,
  probeFirstKeyframe,
  type VirtualPlayerOptions,
  type VirtualPusherOptions,
} from '../src/index.js'
import { inOrder, recorder } from './helpers/events.js'
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

function avgFps(reports: Array<{ detail: { info?: Record<string, unknown> } }>): number {
  const fps = reports.map((r) => Number(r.detail.info?.videoFPS ?? 0))
  return fps.reduce((a, b) => a + b, 0) / Math.max(1, fps.length)
}

function makePusher(opts: Partial<VirtualPusherOptions> = {}) {
  const rec = recorder()
  const pusher = new VirtualPusher({ onEvent: rec.onEvent, netstatusIntervalMs: 1000, retryDelayMs: 200, ...opts })
  cleanups.push(() => pusher.destroy())
  return { pusher, rec }
}

function makePlayer(opts: Partial<VirtualPlayerOptions> = {}) {
  const rec = recorder()
  const player = new VirtualPlayer({ onEvent: rec.onEvent, netstatusIntervalMs: 1000, retryDelayMs: 200, ...opts })
  cleanups.push(() => player.destroy())
  return { player, rec }
}

async function livePusher(name: string, opts: Partial<VirtualPusherOptions> = {}) {
  const p = makePusher(opts)
  p.pusher.update({ url: nms.rtmpUrl(name), autopush: true, enableCamera: true, enableMic: true })
  await p.rec.waitCode(1002)
  return p
}

describe('VirtualPusher (live-pusher codes) against node-media-server', () => {
  it('autopush: 1003, 1007, 1008, 1001, 1002 in order, then netstatus from what was sent', async () => {
    const { pusher, rec } = await livePusher(streamName())
    expect(rec.codes()).toEqual([1003, 1007, 1008, 1001, 1002])
    expect(pusher.state).toBe('pushing')
    await rec.waitKind('netstatus', 3)
    const info = rec.of('netstatus').at(-1)!.detail.info as Record<string, number>
    expect(info.videoBitrate).toBeGreaterThan(100)
    expect(info.audioBitrate).toBeGreaterThan(20)
    expect(info.videoWidth).toBe(640)
    expect(info.videoHeight).toBe(360)
    // ≈15 fps: averaged over the reports, loose bounds for a busy 2-core CI machine.
    expect(avgFps(rec.of('netstatus').slice(1))).toBeGreaterThan(8)
    expect(avgFps(rec.of('netstatus').slice(1))).toBeLessThan(22)
    expect(info.videoGOP).toBeCloseTo(1, 0)
    expect(info.netSpeed).toBeGreaterThan(info.videoBitrate!)
    expect(rec.of('audiovolumenotify').length).toBeGreaterThan(0)
    expect(rec.of('audiovolumenotify')[0]!.detail.volume).toBeGreaterThanOrEqual(0)
  })

  it('without autopush nothing happens until context.start(); stop() ends the push', async () => {
    const name = streamName()
    const { pusher, rec } = makePusher()
    pusher.update({ url: nms.rtmpUrl(name), autopush: false, enableCamera: true, enableMic: true })
    await new Promise((r) => setTimeout(r, 300))
    expect(rec.codes()).toEqual([])
    const calls: string[] = []
    pusher.context.start({ success: () => calls.push('success'), complete: () => calls.push('complete') })
    await rec.waitCode(1002)
    expect(calls).toEqual(['success', 'complete'])
    pusher.context.stop({ success: () => calls.push('stopped') })
    await waitUntil(() => calls.includes('stopped'), 2000)
    expect(pusher.state).toBe('idle')
  })

  it('enableCamera false: no 1003 and no video sent; enableMic false: no audio, no volume events', async () => {
    const { pusher, rec } = makePusher()
    pusher.update({ url: nms.rtmpUrl(streamName()), autopush: true, enableCamera: false, enableMic: true })
    await rec.waitCode(1002)
    expect(rec.codes()).not.toContain(1003)
    await rec.waitKind('netstatus', 1)
    expect(pusher.counters.videoFrames).toBe(0)
    expect(pusher.counters.audioFrames).toBeGreaterThan(0)

    pusher.update({ enableCamera: true, enableMic: false })
    const audioBefore = pusher.counters.audioFrames
    const volumesBefore = rec.of('audiovolumenotify').length
    // The second report after the change covers an interval entirely after it.
    await rec.waitKind('netstatus', rec.of('netstatus').length + 2)
    const info = rec.of('netstatus').at(-1)!.detail.info as Record<string, number>
    expect(info.audioBitrate).toBe(0)
    expect(info.videoBitrate).toBeGreaterThan(100)
    expect(pusher.counters.audioFrames).toBe(audioBefore)
    expect(rec.of('audiovolumenotify').length).toBe(volumesBefore)
  })

  it('a new url (re-render with a fresh signed URL) restarts the push on it', async () => {
    const first = streamName()
    const second = streamName()
    const { pusher, rec } = await livePusher(first)
    pusher.update({ url: nms.rtmpUrl(second) })
    await waitUntil(() => rec.codes().filter((c) => c === 1002).length === 2, 10000, 'second 1002')
    expect(rec.codes()).toEqual([1003, 1007, 1008, 1001, 1002, 1003, 1007, 1008, 1001, 1002])
    const probe = await probeFirstKeyframe(nms.flvUrl(second), 10000)
    expect(probe.width).toBe(640)
  })

  it('interruptNetwork(): 3005, 1102, then connected and pushing again', async () => {
    const { pusher, rec } = await livePusher(streamName())
    pusher.interruptNetwork()
    await waitUntil(() => rec.codes().filter((c) => c === 1002).length === 2, 10000, 'second 1002')
    expect(rec.codes().slice(5)).toEqual([3005, 1102, 1001, 1002])
  })

  it('camera denied: binderror 10001 and -1301, no push', async () => {
    const name = streamName()
    const { pusher, rec } = makePusher({ deny: 'camera' })
    pusher.update({ url: nms.rtmpUrl(name), autopush: true, enableCamera: true, enableMic: true })
    await rec.waitCode(-1301)
    expect(rec.of('error').map((e) => e.detail.errCode)).toEqual([10001])
    expect(rec.codes()).toEqual([-1301])
    await new Promise((r) => setTimeout(r, 300))
    expect(nms.events.filter((e) => e.streamPath === `/live/${name}`)).toEqual([])
  })

  it('microphone denied: binderror 10002 and -1302', async () => {
    const { pusher, rec } = makePusher({ deny: 'microphone' })
    pusher.update({ url: nms.rtmpUrl(streamName()), autopush: true, enableCamera: true, enableMic: true })
    await rec.waitCode(-1302)
    expect(rec.of('error').map((e) => e.detail.errCode)).toEqual([10002])
  })

  it('a port nobody listens on: 3002 and 1102 per retry, then -1307', async () => {
    const port = await freePort()
    const { pusher, rec } = makePusher({ retries: 2, retryDelayMs: 100 })
    pusher.update({ url: `rtmp://127.0.0.1:${port}/live/x`, autopush: true, enableCamera: true, enableMic: true })
    await rec.waitCode(-1307)
    expect(rec.codes()).toEqual([1003, 1007, 1008, 3002, 1102, 3002, 1102, 3002, -1307])
    expect(pusher.state).toBe('failed')
  })

  it('a publish the server refuses after Publish.Start (NMS duplicate name) ends in -1307, not an endless loop', async () => {
    const name = streamName()
    await livePusher(name)
    const { pusher, rec } = makePusher({ retries: 2, retryDelayMs: 100 })
    pusher.update({ url: nms.rtmpUrl(name), autopush: true, enableCamera: true, enableMic: true })
    await rec.waitCode(-1307, 15000)
    // NMS 4.4.3 says NetStream.Publish.Start before its duplicate check, then closes: 1002, 3004.
    expect(rec.codes().filter((c) => c === 3004 || c === 3005).length).toBe(3)
    expect(rec.codes().filter((c) => c === 1102).length).toBe(2)
    expect(pusher.state).toBe('failed')
  })

  it('a server that is not RTMP (the HTTP port): 3003 handshake failed, then -1307', async () => {
    const { pusher, rec } = makePusher({ retries: 0 })
    pusher.update({ url: `rtmp://127.0.0.1:${nms.httpPort}/live/x`, autopush: true, enableCamera: true, enableMic: true })
    await rec.waitCode(-1307)
    expect(rec.codes()).toEqual([1003, 1007, 1008, 3003, -1307])
  })

  it('switchCamera, snapshot and toggleTorch answer WeChat-style', async () => {
    const { pusher } = makePusher()
    const call = (fn: (o: ContextCallOptions) => void) =>
      new Promise<{ errMsg: string; width?: number }>((resolve) => fn({ success: resolve, fail: resolve }))
    expect((await call(pusher.context.switchCamera)).errMsg).toBe('switchCamera:ok')
    expect((await call(pusher.context.toggleTorch)).errMsg).toBe('toggleTorch:ok')
    const snap = await call(pusher.context.snapshot)
    expect(snap).toMatchObject({ errMsg: 'snapshot:ok', width: 640 })
    const start = await call(pusher.context.start)
    expect(start.errMsg).toBe('start:fail no url')
  })

  it('context.sendMessage reaches a player with enable-recv-message as statechange 2012', async () => {
    const name = streamName()
    const { pusher } = await livePusher(name)
    const { player, rec } = makePlayer()
    player.update({ src: nms.flvUrl(name), autoplay: true, enableRecvMessage: true })
    await rec.waitCode(2004)
    const sent: string[] = []
    pusher.context.sendMessage({ msg: '{"type":"hello","n":1}', success: () => sent.push('ok') })
    await rec.waitCode(2012)
    expect(sent).toEqual(['ok'])
    expect(rec.of('statechange').find((e) => e.detail.code === 2012)!.detail.message).toBe('{"type":"hello","n":1}')
  })

  it('sendMessage fails while not pushing', async () => {
    const { pusher } = makePusher()
    const res = await new Promise<{ errMsg: string }>((resolve) => pusher.context.sendMessage({ msg: 'x', fail: resolve }))
    expect(res.errMsg).toMatch(/^sendMessage:fail/)
  })
})

describe('VirtualPlayer (live-player codes) against node-media-server', () => {
  for (const protocol of ['flv', 'rtmp'] as const) {
    it(`${protocol}: 2001, 2002, 2008, 2003, 2004, then netstatus at ~15 fps, 640x360`, async () => {
      const name = streamName()
      await livePusher(name)
      const { player, rec } = makePlayer()
      player.update({ src: protocol === 'flv' ? nms.flvUrl(name) : nms.rtmpUrl(name), autoplay: true })
      await rec.waitCode(2004)
      expect(rec.codes()).toEqual([2001, 2002, 2008, 2003, 2004])
      await rec.waitKind('netstatus', 3)
      const info = rec.of('netstatus').at(-1)!.detail.info as Record<string, number>
      expect(avgFps(rec.of('netstatus').slice(1))).toBeGreaterThan(8)
      expect(avgFps(rec.of('netstatus').slice(1))).toBeLessThan(22)
      expect(info.videoWidth).toBe(640)
      expect(info.videoHeight).toBe(360)
      expect(info.videoBitrate).toBeGreaterThan(100)
      expect(info.audioBitrate).toBeGreaterThan(20)
      expect(rec.of('audiovolumenotify').length).toBeGreaterThan(0)
      const c = player.counters
      expect(c.framesReceived).toBeGreaterThan(15)
      expect(c.keyframes).toBeGreaterThanOrEqual(1)
      expect(c.firstKeyframeMs).not.toBeNull()
    })
  }

  it('a resolution change of the pushed stream gives 2009', async () => {
    const name = streamName()
    const { pusher } = await livePusher(name)
    const { player, rec } = makePlayer()
    player.update({ src: nms.flvUrl(name), autoplay: true })
    await rec.waitCode(2004)
    pusher.switchSource(FIXTURES.camera320x240)
    await rec.waitCode(2009)
    expect(rec.of('statechange').find((e) => e.detail.code === 2009)!.detail.message).toMatch(/320x240/)
    await waitUntil(() => player.counters.width === 320, 5000)
    expect(player.counters.height).toBe(240)
  })

  it('SEI messages are not delivered without enable-recv-message (WeChat default false)', async () => {
    const name = streamName()
    const { pusher } = await livePusher(name)
    const { player, rec } = makePlayer()
    player.update({ src: nms.flvUrl(name), autoplay: true })
    await rec.waitCode(2004)
    pusher.context.sendMessage({ msg: 'ignored' })
    await waitUntil(() => player.counters.framesReceived > 20, 5000)
    await new Promise((r) => setTimeout(r, 500))
    expect(rec.codes()).not.toContain(2012)
  })

  it('exposes wall-clock latency when the pusher stamps frames', async () => {
    const name = streamName()
    await livePusher(name, { stampWallClock: true })
    const { player, rec } = makePlayer()
    player.update({ src: nms.rtmpUrl(name), autoplay: true })
    await rec.waitCode(2004)
    await waitUntil(() => (player.counters.latency?.count ?? 0) >= 15, 5000, '15 latency samples')
    const c = player.counters
    expect(c.lastLatencyMs).not.toBeNull()
    expect(c.latency!.p50).toBeGreaterThanOrEqual(0)
    console.log('virtual player RTMP relay latency (ms)', c.latency)
  })

  it('a port nobody listens on: 3002 and 2103 per retry, then -2301', async () => {
    const port = await freePort()
    const { player, rec } = makePlayer({ retries: 2, retryDelayMs: 100 })
    player.update({ src: `http://127.0.0.1:${port}/live/x.flv`, autoplay: true })
    await rec.waitCode(-2301)
    expect(rec.codes()).toEqual([3002, 2103, 3002, 2103, 3002, -2301])
    expect(player.state).toBe('failed')
  })

  it('a silent stream (publisher gone) counts as a read failure: 3005, 2103 ... -2301', async () => {
    const { player, rec } = makePlayer({ retries: 1, retryDelayMs: 100, stallTimeoutMs: 600 })
    player.update({ src: nms.flvUrl(streamName('ghost')), autoplay: true })
    await rec.waitCode(-2301)
    expect(inOrder(rec.codes(), [2001, 2002, 3005, 2103, 2001, 2002, 3005, -2301])).toBe(true)
  })

  it('mute-video: playback starts on audio, no video codes or frames; mute-audio: no volume events', async () => {
    const name = streamName()
    await livePusher(name)
    const { player, rec } = makePlayer({ audioVolumeIntervalMs: 100 })
    player.update({ src: nms.flvUrl(name), autoplay: true, muteVideo: true, muteAudio: true })
    await rec.waitCode(2004)
    expect(rec.codes()).toEqual([2001, 2002, 2004])
    await waitUntil(() => player.counters.audioFrames > 20, 5000)
    expect(player.counters.framesReceived).toBe(0)
    expect(rec.of('audiovolumenotify')).toEqual([])
  })

  it('enable-metadata delivers onMetaData as metadatachange', async () => {
    const name = streamName()
    await livePusher(name)
    const { player, rec } = makePlayer()
    player.update({ src: nms.flvUrl(name), autoplay: true, enableMetadata: true })
    await rec.waitKind('metadatachange')
    expect(rec.of('metadatachange')[0]!.detail.info).toMatchObject({ width: 640, height: 360, framerate: 15 })
  })

  it('interruptNetwork(): 3005, 2103, then 2001, 2002, 2008, 2003, 2004 again', async () => {
    const name = streamName()
    await livePusher(name)
    const { player, rec } = makePlayer()
    player.update({ src: nms.rtmpUrl(name), autoplay: true })
    await rec.waitCode(2004)
    player.interruptNetwork()
    await waitUntil(() => rec.codes().filter((c) => c === 2004).length === 2, 10000, 'second 2004')
    expect(rec.codes().slice(5)).toEqual([3005, 2103, 2001, 2002, 2008, 2003, 2004])
  })

  it('context.stop stops and context.play restarts', async () => {
    const name = streamName()
    await livePusher(name)
    const { player, rec } = makePlayer()
    player.update({ src: nms.flvUrl(name), autoplay: false })
    await new Promise((r) => setTimeout(r, 200))
    expect(rec.codes()).toEqual([])
    player.context.play()
    await rec.waitCode(2004)
    player.context.stop()
    expect(player.state).toBe('idle')
    const n = rec.codes().length
    player.context.play()
    await waitUntil(() => rec.codes().filter((c) => c === 2004).length === 2, 5000)
    expect(rec.codes().slice(n)).toEqual([2001, 2002, 2008, 2003, 2004])
  })
})
