import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrorCode } from '@minirtc/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureFreePort } from '../src/media/freePort'
import type { RelayInfo } from '../src/relay/RelayManager'
import type { RunningServer } from '../src/index'
import { type NginxProc, requireNginx, startNginx } from './clusterNodes'
import { Client, adminFetch, eventually, joined, start, token } from './helpers'
import { publishing, push } from './mediaHelpers'

requireNginx()

/** What ffprobe reads from a live URL within 8 s: codecs and frame size, or null when nothing. */
function probeLive(url: string): Promise<{ codecs: string[]; width?: number } | null> {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-rw_timeout', '4000000', '-show_entries', 'stream=codec_name,width', '-of', 'json', url], { timeout: 8000 }, (err, out) => {
      if (err) return resolve(null)
      const j = JSON.parse(out) as { streams: { codec_name: string; width?: number }[] }
      resolve({ codecs: j.streams.map((s) => s.codec_name).sort(), width: j.streams.find((s) => s.width)?.width })
    })
  })
}

let srv: RunningServer
let cdn: NginxProc
let cdnRtmp: string
// The "CDN": a second, independent nginx-rtmp whose hooks allow everything.
const allowAll = createServer((_req, res) => res.writeHead(200).end())

beforeAll(async () => {
  srv = await start({ mediaGraceMs: 4000, relay: { maxRelays: 1, pollMs: 300 } })
  await new Promise<void>((r) => allowAll.listen(0, '127.0.0.1', r))
  const rtmpPort = await ensureFreePort('127.0.0.1', 0)
  cdn = await startNginx({
    name: 'cdn',
    hookBaseUrl: `http://127.0.0.1:${(allowAll.address() as AddressInfo).port}`,
    hookSecret: 'cdn-hook-secret-0123456789',
    rtmpPort,
    controlPort: await ensureFreePort('127.0.0.1', 0),
  })
  cdnRtmp = `rtmp://127.0.0.1:${rtmpPort}/live`
})
afterAll(async () => {
  await srv?.close()
  await cdn?.stop()
  await new Promise<void>((r) => allowAll.close(() => r()))
})

const relays = async (roomId: string) => (await adminFetch(srv, `/admin/rooms/${roomId}/relays`)).body.relays as RelayInfo[]

describe('relay to an RTMP URL (CDN)', () => {
  it('relays a stream to a second nginx-rtmp, waits while the publisher is away, resumes when it returns, stops with the stream', async () => {
    const { c } = await joined(srv, 'relay', 'owner')
    let pub = await c.request('publish', { streamId: 'relay-cam' })
    let pusher = await push(pub.d.pushUrl)
    await c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'PUBLISHING')

    const added = await adminFetch(srv, '/admin/rooms/relay/streams/relay-cam/relays', { method: 'POST', body: JSON.stringify({ url: `${cdnRtmp}/cdn-1` }) })
    expect(added.status).toBe(201)
    const relayId = (added.body.relay as RelayInfo).relayId
    const seen = await eventually(() => probeLive(`${cdnRtmp}/cdn-1`), 20_000, 'relayed stream readable')
    expect(seen).toEqual({ codecs: ['aac', 'h264'], width: 640 })

    // The publisher drops and comes back within the grace period: the relay follows it.
    await pusher.stop()
    await eventually(async () => (await relays('relay'))[0]!.state === 'waiting', 5000, 'relay waiting')
    pub = await c.request('publish', { streamId: 'relay-cam' })
    pusher = await push(pub.d.pushUrl)
    await eventually(async () => (await relays('relay'))[0]!.starts === 2, 10_000, 'relay restarted')
    expect(await eventually(() => probeLive(`${cdnRtmp}/cdn-1`), 20_000, 'relayed again')).toEqual({ codecs: ['aac', 'h264'], width: 640 })

    // The stream stops (unpublish): so does the relay, and the CDN has nothing left to play.
    expect((await c.request('unpublish', { streamId: 'relay-cam' })).ok).toBe(true)
    await pusher.stop()
    const r = await eventually(async () => (await relays('relay')).find((x) => x.relayId === relayId && x.state === 'stopped'), 5000, 'relay stopped')
    expect(r!.stopReason).toBe('streamStopped')
    expect(await probeLive(`${cdnRtmp}/cdn-1`)).toBeNull()
    const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/minirtc_relays_active 0/)
  })

  it('refuses with codes: bad URL, unknown stream, unknown relay, the relay limit', async () => {
    const { c } = await joined(srv, 'relay-2', 'owner')
    await c.request('publish', { streamId: 'relay-2-cam' })
    const add = (body: unknown, streamId = 'relay-2-cam') =>
      adminFetch(srv, `/admin/rooms/relay-2/streams/${encodeURIComponent(streamId)}/relays`, { method: 'POST', body: JSON.stringify(body) })
    for (const url of ['http://example.com/live/x', 'rtmp://host', 'rtmp://h/live/x y', 42]) expect((await add({ url })).body.error.code).toBe(ErrorCode.INVALID_FIELD)
    expect((await add({ url: `${cdnRtmp}/x` }, 'nope')).body.error.code).toBe(ErrorCode.STREAM_NOT_FOUND)
    // A stream of another room is not reachable through this room.
    await (await joined(srv, 'relay-3', 'other')).c.request('publish', { streamId: 'relay-3-cam' })
    expect((await add({ url: `${cdnRtmp}/x` }, 'relay-3-cam')).body.error.code).toBe(ErrorCode.STREAM_NOT_FOUND)
    const one = await add({ url: `${cdnRtmp}/x` })
    expect(one.status).toBe(201)
    const two = await add({ url: `${cdnRtmp}/y` })
    expect([two.status, two.body.error.code]).toEqual([429, ErrorCode.TOO_MANY_RELAYS])
    const del = await adminFetch(srv, `/admin/rooms/relay-2/relays/${one.body.relay.relayId}`, { method: 'DELETE' })
    expect(del.body.relay.stopReason).toBe('requested')
    expect((await adminFetch(srv, '/admin/rooms/relay-2/relays/rly_nope', { method: 'DELETE' })).body.error.code).toBe(ErrorCode.RELAY_NOT_FOUND)
  })

  it('addPublishCdnUrl / removePublishCdnUrl from the client: only with the relay grant, only for own streams', async () => {
    const { c: plain } = await joined(srv, 'relay-4', 'plain')
    await plain.request('publish', { streamId: 'relay-4-plain' })
    const refused = await plain.request('addPublishCdnUrl', { streamId: 'relay-4-plain', url: `${cdnRtmp}/cdn-4` })
    expect(refused.error?.code).toBe(ErrorCode.RELAY_NOT_GRANTED)

    const c = await Client.open(srv.url)
    const tk = await token('relayer', 'relay-4', { privileges: { login: true, publish: true, relay: true } })
    expect((await c.login('relay-4', 'relayer', { token: tk })).ok).toBe(true)
    expect((await c.request('addPublishCdnUrl', { streamId: 'relay-4-plain', url: `${cdnRtmp}/cdn-4` })).error?.code).toBe(ErrorCode.NOT_STREAM_OWNER)
    const pusher = await publishing(c, 'relay-4-cam')
    const added = await c.request('addPublishCdnUrl', { streamId: 'relay-4-cam', url: `${cdnRtmp}/cdn-4` })
    expect(added.d.relayId).toMatch(/^rly_/)
    expect(await eventually(() => probeLive(`${cdnRtmp}/cdn-4`), 20_000, 'relayed stream readable')).toEqual({ codecs: ['aac', 'h264'], width: 640 })
    expect((await c.request('removePublishCdnUrl', { streamId: 'relay-4-cam', url: `${cdnRtmp}/cdn-4` })).ok).toBe(true)
    const r = (await relays('relay-4')).find((x) => x.relayId === added.d.relayId)
    expect([r?.state, r?.stopReason]).toEqual(['stopped', 'requested'])
    await pusher.stop()
  })
})
