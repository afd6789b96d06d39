import { ErrorCode, errorReason } from '@minirtc/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { APP, Client, eventually, joined, sleep, start, token } from './helpers'
import { FIXTURES, flvBytes, mediaAuthCount, push, rtmpMediaTags } from './mediaHelpers'

/**
 * The security matrix: every way in that must be refused, with the code it is refused with.
 * Signaling refusals are coded replies; media refusals happen inside the media server (the
 * client only sees a dropped connection), so their codes are read from /metrics, and refused
 * plays must deliver 0 media bytes.
 */
const table: { case: string; where: string; expected: number; got: number | string; mediaBytes?: number }[] = []
let srv: RunningServer | undefined
afterAll(async () => {
  await srv?.close()
  console.log('\nsecurity matrix\n' + table.map((r) => `| ${r.case} | ${r.where} | ${r.expected} ${errorReason(r.expected)} | ${r.got}${r.mediaBytes !== undefined ? ` | media delivered: ${r.mediaBytes}` : ''} |`).join('\n'))
})

function row(c: string, where: string, expected: number, got: number | string | undefined, mediaBytes?: number) {
  table.push({ case: c, where, expected, got: got ?? 'none', ...(mediaBytes !== undefined ? { mediaBytes } : {}) })
  expect(got, c).toBe(expected)
  if (mediaBytes !== undefined) expect(mediaBytes, `${c}: media bytes`).toBe(0)
}

/** Wait for a media refusal to be counted under `reason`; returns the reason when it was. */
async function refusedWith(s: RunningServer, kind: string, reason: string, before: number): Promise<number | undefined> {
  try {
    await eventually(async () => (await mediaAuthCount(s, kind, reason)) > before, 10_000, reason)
    return ErrorCode[reason as keyof typeof ErrorCode]
  } catch {
    return undefined
  }
}

describe('security matrix', () => {
  it('refuses every case with its documented code', async () => {
    srv = await start()
    // ---- signaling ----
    const c = await Client.open(srv.url)
    const now = Math.floor(Date.now() / 1000)
    const expired = await token('u1', 'room-a', { ttlSeconds: 5, issuedAt: now - 60 })
    row('expired token', 'login', ErrorCode.TOKEN_EXPIRED, (await c.login('room-a', 'u1', { token: expired })).error?.code)
    const good = await token('u1', 'room-a')
    const [h, p] = good.split('.')
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`
    row('forged token signature', 'login', ErrorCode.TOKEN_INVALID, (await c.login('room-a', 'u1', { token: forged })).error?.code)
    row('unknown app id', 'login', ErrorCode.APP_UNKNOWN, (await c.login('room-a', 'u1', { appId: 'no-such-app' })).error?.code)
    row('token for another room', 'login', ErrorCode.ROOM_NOT_GRANTED, (await c.login('room-b', 'u1', { token: good })).error?.code)
    const viewerOnly = await token('u1', 'room-a', { privileges: { login: true, publish: false } })
    expect((await c.login('room-a', 'u1', { token: viewerOnly })).ok).toBe(true)
    row('publish without publish grant', 'publish', ErrorCode.PUBLISH_NOT_GRANTED, (await c.request('publish', { streamId: 'x' })).error?.code)
    c.close()

    const a = await joined(srv, 'room-a', 'a-owner')
    const av = await joined(srv, 'room-a', 'a-viewer')
    const b = await joined(srv, 'room-b', 'b-owner')
    const pa = await a.c.request('publish', { streamId: 'cam-a' })
    const pb = await b.c.request('publish', { streamId: 'cam-b' })
    row('duplicate streamId (other session, other room)', 'publish', ErrorCode.STREAM_ID_TAKEN, (await b.c.request('publish', { streamId: 'cam-a' })).error?.code)
    const prefixed = await Client.open(srv.url)
    await prefixed.login('room-a', 'pfx', { token: await token('pfx', 'room-a', { streamIdPrefix: 'pfx-' }) })
    row('streamId outside the granted prefix', 'publish', ErrorCode.STREAM_PREFIX_NOT_GRANTED, (await prefixed.request('publish', { streamId: 'cam-z' })).error?.code)
    prefixed.close()
    row("play another room's stream", 'play', ErrorCode.STREAM_NOT_FOUND, (await av.c.request('play', { streamId: 'cam-b' })).error?.code)

    // ---- media ----
    const pusherA = await push(pa.d.pushUrl)
    const pusherB = await push(pb.d.pushUrl)
    await av.c.waitPush((x) => x.ev === 'stream')
    const playA = await av.c.request('play', { streamId: 'cam-a' })
    expect((await flvBytes(playA.d.urls.flv, 3000)).bytes).toBeGreaterThan(0) // the legit play works
    const nameA = new URL(pa.d.pushUrl).pathname.split('/').pop()!
    const nameB = new URL(pb.d.pushUrl).pathname.split('/').pop()!
    const badSig = (u: string) => u.replace(/s=[^&]+/, 's=AAAAAAAAAAAAAAAAAAAAAAAA')

    const plays: [string, string, string][] = [
      ['unsigned play URL (HTTP-FLV)', playA.d.urls.flv.split('?')[0], 'MEDIA_URL_UNSIGNED'],
      ['forged play URL (HTTP-FLV)', badSig(playA.d.urls.flv), 'MEDIA_URL_INVALID'],
      ["play URL re-pointed at another room's stream (HTTP-FLV)", playA.d.urls.flv.replace(nameA, nameB), 'MEDIA_URL_INVALID'],
      ["play URL re-pointed at another room's stream (RTMP)", playA.d.urls.rtmp.replace(nameA, nameB), 'MEDIA_URL_INVALID'],
      ['push URL used to play (RTMP)', pa.d.pushUrl, 'MEDIA_URL_INVALID'],
    ]
    for (const [name, url, reason] of plays) {
      const before = await mediaAuthCount(srv, 'play', reason)
      let bytes: number
      if (url.startsWith('http')) {
        const r = await flvBytes(url)
        expect(r.status, name).toBe(403) // an honest HTTP refusal, not an empty 200
        bytes = r.bytes
      } else bytes = await rtmpMediaTags(url)
      row(name, 'media play', ErrorCode[reason as keyof typeof ErrorCode], await refusedWith(srv, 'play', reason, before), bytes)
    }
    const pushes: [string, string, string][] = [
      ['unsigned push URL', pa.d.pushUrl.split('?')[0], 'MEDIA_URL_UNSIGNED'],
      ['forged push URL', badSig(pa.d.pushUrl), 'MEDIA_URL_INVALID'],
      ["push URL re-pointed at another room's stream", pa.d.pushUrl.replace(nameA, nameB), 'MEDIA_URL_INVALID'],
      ['second publisher with a valid URL', (await a.c.request('publish', { streamId: 'cam-a' })).d.pushUrl, 'MEDIA_DUPLICATE_PUBLISH'],
    ]
    for (const [name, url, reason] of pushes) {
      const before = await mediaAuthCount(srv, 'publish', reason)
      const intruder = await push(url, FIXTURES.camera320x240)
      row(name, 'media publish', ErrorCode[reason as keyof typeof ErrorCode], await refusedWith(srv, 'publish', reason, before))
      await eventually(() => !intruder.publishing, 10_000, `${name}: intruder dropped`)
    }
    // A play URL dies with the session it was issued to.
    await av.c.request('logout', {})
    const before = await mediaAuthCount(srv, 'play', 'MEDIA_NOT_AUTHORIZED')
    const bytes = (await flvBytes(playA.d.urls.flv)).bytes
    row('play URL after its session logged out', 'media play', ErrorCode.MEDIA_NOT_AUTHORIZED, await refusedWith(srv, 'play', 'MEDIA_NOT_AUTHORIZED', before), bytes)
    expect(pusherA.publishing && pusherB.publishing).toBe(true) // legit publishers unaffected
    await pusherA.stop()
    await pusherB.stop()
    for (const x of [a.c, av.c, b.c]) x.close()
    // Figure for the report: how long the synchronous media authorization takes in NMS hooks.
    const text = await (await fetch(`${srv.httpUrl}/metrics`)).text()
    const total = (what: string) =>
      [...text.matchAll(new RegExp(`minirtc_media_hook_duration_seconds_${what}\\{backend="embedded",kind="\\w+"\\} ([\\d.e+-]+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0)
    const sum = total('sum')
    const count = total('count')
    console.log(`embedded NMS hooks: ${count} decisions, mean ${((sum / count) * 1e6).toFixed(0)} µs`)
    await srv.close()
    srv = undefined

    // ---- expiry (a server whose media URLs live 1 s) ----
    srv = await start({ mediaUrlTtlSeconds: 1 })
    const o = await joined(srv, 'exp', 'owner')
    const v = await joined(srv, 'exp', 'viewer')
    const pub = await o.c.request('publish', { streamId: 'exp-cam' })
    const play = await v.c.request('play', { streamId: 'exp-cam' })
    await sleep(2200)
    const pBefore = await mediaAuthCount(srv, 'publish', 'MEDIA_URL_EXPIRED')
    const late = await push(pub.d.pushUrl)
    row('expired push URL', 'media publish', ErrorCode.MEDIA_URL_EXPIRED, await refusedWith(srv, 'publish', 'MEDIA_URL_EXPIRED', pBefore))
    await eventually(() => !late.publishing, 10_000, 'expired pusher dropped')
    expect(v.c.pushes.some((x) => x.ev === 'stream')).toBe(false)
    const qBefore = await mediaAuthCount(srv, 'play', 'MEDIA_URL_EXPIRED')
    const expiredBytes = (await flvBytes(play.d.urls.flv)).bytes
    row('expired play URL', 'media play', ErrorCode.MEDIA_URL_EXPIRED, await refusedWith(srv, 'play', 'MEDIA_URL_EXPIRED', qBefore), expiredBytes)
    o.c.close()
    v.c.close()
    void APP
  })
})
