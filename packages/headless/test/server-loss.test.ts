/**
 * Losing the media server mid-call. Its own file: NMS keeps module-level state (one server per
 * process), and vitest runs each file in a fresh process.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { VirtualPlayer, VirtualPusher } from '../src/index.js'
import { inOrder, recorder } from './helpers/events.js'
import { startChildMediaServer, startMediaServer, streamName, waitUntil } from './helpers/nms.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  // Last registered, first cleaned (players before pushers before servers).
  const list = cleanups.splice(0)
  while (list.length > 0) await list.pop()!()
})

async function setup(retries: number, retryDelayMs: number) {
  const nms = await startMediaServer()
  cleanups.push(() => nms.stop())
  const name = streamName()
  const pub = recorder()
  const pusher = new VirtualPusher({ onEvent: pub.onEvent, retries, retryDelayMs, netstatusIntervalMs: 1000 })
  cleanups.push(() => pusher.destroy())
  pusher.update({ url: nms.rtmpUrl(name), autopush: true, enableCamera: true, enableMic: true })
  await pub.waitCode(1002)
  const players = (['flv', 'rtmp'] as const).map((protocol) => {
    const rec = recorder()
    const player = new VirtualPlayer({ onEvent: rec.onEvent, retries, retryDelayMs, stallTimeoutMs: 1500 })
    cleanups.push(() => player.destroy())
    player.update({ src: protocol === 'flv' ? nms.flvUrl(name) : nms.rtmpUrl(name), autoplay: true })
    return { protocol, player, rec }
  })
  for (const p of players) await p.rec.waitCode(2004)
  return { nms, name, pusher, pub, players }
}

describe('media server killed mid-stream', () => {
  it('pusher: 3004/3005, 1102, retries with 3002, then -1307; players: 3005, 2103 ... -2301', async () => {
    const { nms, pub, pusher, players } = await setup(2, 300)
    await nms.stop()

    await pub.waitCode(-1307, 15000)
    const after = pub.codes().slice(pub.codes().indexOf(1002) + 1)
    expect([3004, 3005]).toContain(after[0])
    expect(after.slice(1)).toEqual([1102, 3002, 1102, 3002, -1307])
    expect(pusher.state).toBe('failed')

    for (const { protocol, player, rec } of players) {
      await rec.waitCode(-2301, 15000)
      const codes = rec.codes().slice(rec.codes().indexOf(2004) + 1)
      // HTTP-FLV: NMS's stop() leaves open responses dangling, so the player notices silence.
      expect(codes, protocol).toEqual([3005, 2103, 3002, 2103, 3002, -2301])
      expect(player.state).toBe('failed')
    }
  })

  it('a server back within the retries: the pusher publishes again (1002) and players receive again', async () => {
    const { nms, pub, players } = await setup(10, 500)
    const ports = { rtmpPort: nms.rtmpPort, httpPort: nms.httpPort }
    await nms.stop()
    await pub.waitCode(1102)
    const revived = await startMediaServer(ports)
    cleanups.push(() => revived.stop())
    await waitUntil(() => pub.codes().filter((c) => c === 1002).length === 2, 15000, 'second 1002')
    expect(inOrder(pub.codes(), [1002, 1102, 1001, 1002])).toBe(true)
    for (const { protocol, player, rec } of players) {
      // Media flows again on every player and none gave up.
      const frames = player.counters.framesReceived
      await waitUntil(() => player.counters.framesReceived > frames + 15, 15000, `${protocol} receives again`)
      expect(rec.codes(), protocol).not.toContain(-2301)
    }
    // RTMP players lost their socket with the server: they went through a reconnect.
    // (HTTP-FLV players may not: NMS.stop() in-process leaves the HTTP response open and the
    // revived server, sharing NMS's module-level stream table, feeds it again before it stalls.)
    const rtmp = players.find((p) => p.protocol === 'rtmp')!
    await waitUntil(() => rtmp.rec.codes().filter((c) => c === 2004).length === 2, 15000, 'rtmp plays again')
    expect(inOrder(rtmp.rec.codes(), [2004, 3005, 2103, 2001, 2002, 2004])).toBe(true)
  })

  it('SIGKILL of a media server process: pusher 3004/3005, 1102 ... -1307; both players 3005, 2103 ... -2301 without waiting for a stall', async () => {
    const server = await startChildMediaServer()
    cleanups.push(() => server.kill())
    const name = streamName()
    const pub = recorder()
    const pusher = new VirtualPusher({ onEvent: pub.onEvent, retries: 2, retryDelayMs: 300 })
    cleanups.push(() => pusher.destroy())
    pusher.update({ url: server.rtmpUrl(name), autopush: true, enableCamera: true, enableMic: true })
    await pub.waitCode(1002)
    const players = (['flv', 'rtmp'] as const).map((protocol) => {
      const rec = recorder()
      // A stall timeout far above the test's waits: the loss must be seen from the socket.
      const player = new VirtualPlayer({ onEvent: rec.onEvent, retries: 2, retryDelayMs: 300, stallTimeoutMs: 60000 })
      cleanups.push(() => player.destroy())
      player.update({ src: protocol === 'flv' ? server.flvUrl(name) : server.rtmpUrl(name), autoplay: true })
      return { protocol, rec }
    })
    for (const p of players) await p.rec.waitCode(2004)
    await server.kill()

    await pub.waitCode(-1307, 15000)
    const after = pub.codes().slice(pub.codes().indexOf(1002) + 1)
    expect([3004, 3005]).toContain(after[0])
    expect(after.slice(1)).toEqual([1102, 3002, 1102, 3002, -1307])
    for (const { protocol, rec } of players) {
      await rec.waitCode(-2301, 15000)
      expect(rec.codes().slice(rec.codes().indexOf(2004) + 1), protocol).toEqual([3005, 2103, 3002, 2103, 3002, -2301])
    }
  })
})
