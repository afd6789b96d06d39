/**
 * A native page written the way ZEGO's mini-program guide teaches it (test/fixtures/zego-page:
 * WXML binding `pusher.*` and `playerList`, JS calling loginRoom / initContext / createPusher /
 * getPlayerInstance and forwarding every native event) runs on @minirtc/zego-compat, built, under
 * @minirtc/testing against a real server with real media and a bot on the other side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import path from 'node:path'
import { createBot, type Bot } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'

const APP = { appId: 'zego-app', secret: 'zego-compat-secret-0123456789abcdef' }
const ROOM = 'zego-room'
let srv: RunningServer
let mp: MiniProgram
let page: SimulatedPage
let bot: Bot | undefined

const log = (): string[] => page.instance.data.log
/** GET from the server over Node's http (the test DOM's fetch applies browser CORS rules). */
function get(pathname: string): Promise<string> {
  const authorization = 'Basic ' + Buffer.from(APP.appId + ':' + APP.secret).toString('base64')
  return new Promise((resolve, reject) =>
    http.get(srv.httpUrl + pathname, { headers: { authorization } }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve(body))
    }).on('error', reject),
  )
}
/** What the server's admin API says about the room. */
const admin = async (what: 'users' | 'streams'): Promise<any[]> => JSON.parse(await get(`/admin/rooms/${ROOM}/${what}`))[what]

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, logger: { level: 'silent' } })
  mp = createMiniProgram({ root: path.join(__dirname, 'fixtures/zego-page'), server: srv })
  page = await mp.open('pages/call/call', { roomID: ROOM, userID: 'ann' })
})

afterAll(async () => {
  await bot?.leave()
  mp?.close()
  await srv?.close()
})

describe('a ZEGO-style native page on MiniRTC', () => {
  it('before publishing, the page data holds exactly the keys the vendor WXML binds, with an empty url', () => {
    const pusher = page.instance.data.pusher
    expect(Object.keys(pusher).sort()).toEqual(
      ['url', 'mode', 'autopush', 'enableCamera', 'enableMic', 'enableAgc', 'enableAns', 'enableEarMonitor', 'enableAutoFocus', 'enableZoom', 'minBitrate', 'maxBitrate', 'videoWidth', 'videoHeight', 'beautyLevel', 'whitenessLevel', 'videoOrientation', 'videoAspect', 'frontCamera', 'enableRemoteMirror', 'localMirror', 'enableBackgroundMute', 'audioQuality', 'audioVolumeType', 'audioReverbType', 'waitingImage', 'beautyStyle', 'filter'].sort(),
    )
    expect(pusher.url).toBe('')
    expect(page.instance.data.playerList).toEqual([])
    expect(page.pusher()).toBeUndefined() // wx:if="{{pusher.url}}"
  })

  it('logs in with a token from the server and publishes: PUBLISHING with real media pushed', async () => {
    await until(() => log().includes('publisher ann_main PUBLISHING'), 'publisherStateUpdate PUBLISHING')
    expect(log()).toContain('login true')
    expect(page.text()).toContain('CONNECTED')
    expect(mp.wx.requested.map((r) => r.url)).toEqual(['https://rtc.example.com/dev/token', 'wss://rtc.example.com/ws'])
    const rendered = page.pusher()!
    expect(rendered.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
    expect(rendered).toMatchObject({ autopush: true, enableCamera: true, enableMic: true, devicePosition: 'front', mode: 'RTC' })
    expect(page.virtualPusher()!.publishCount).toBe(1)
    await until(() => page.virtualPusher()!.counters.videoFrames > 10, 'video frames pushed')
    expect(await admin('streams')).toEqual([expect.objectContaining({ streamId: 'ann_main' })])
  })

  it('a bot\'s stream arrives through roomStreamUpdate ADD; getPlayerInstance(id).play() reaches PLAYING with real frames', async () => {
    const token = () => createToken({ ...APP, userId: 'bob', roomId: ROOM, privileges: { login: true, publish: true }, ttlSeconds: 600 })
    bot = await createBot({ server: srv.url, appId: APP.appId, token, roomId: ROOM, user: { userId: 'bob', userName: 'Bob' } })
    // The bot sees the page's stream: media really went through the server.
    await until(() => bot!.engine.getSnapshot().streams.some((s) => s.streamId === 'ann_main'), 'the bot sees ann_main')
    await bot.publish('bob_cam')
    await until(() => log().includes('stream ADD bob_cam from bob'), 'roomStreamUpdate ADD')
    await until(() => log().includes('player bob_cam PLAYING'), 'playerStateUpdate PLAYING')
    expect(log()).toContain('user ADD bob')
    const [item] = page.instance.data.playerList
    expect(item).toMatchObject({ id: 'bob_cam', streamID: 'bob_cam', autoplay: true, muteAudio: false, muteVideo: false })
    expect(item.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/.+\.flv\?/)
    expect(Object.keys(item).sort()).toEqual(['id', 'streamID', 'url', 'autoplay', 'muteAudio', 'muteVideo', 'orientation', 'objectFit', 'minCache', 'maxCache', 'soundMode', 'enableRecvMessage', 'autoPauseIfNavigate', 'autoPauseIfOpenNative'].sort())
    expect(page.players()).toEqual([expect.objectContaining({ id: 'bob_cam', src: item.url, autoplay: true })])
    await until(() => page.virtualPlayer('bob_cam')!.counters.framesReceived > 5, 'video frames received')
  })

  it('netstatus and volume events forwarded by the page come back as the vendor\'s quality and sound level events', async () => {
    const stats = () => page.instance.stats
    await until(() => stats().publishQuality && stats().playQuality && stats().capturedSoundLevel !== undefined && stats().soundLevel, 'quality and sound level events')
    const quality = { video: { videoBitrate: expect.any(Number), videoFPS: expect.any(Number), videoWidth: expect.any(Number), videoHeight: expect.any(Number), videoQuality: expect.any(Number) }, audio: { audioBitrate: expect.any(Number) } }
    expect(stats().publishQuality).toEqual(['ann_main', quality])
    expect(stats().playQuality).toEqual(['bob_cam', quality])
    await until(() => stats().publishQuality[1].video.videoBitrate > 0 && stats().playQuality[1].video.videoFPS > 0, 'real bitrate and frame rate')
    expect(stats().soundLevel).toEqual([{ streamID: 'bob_cam', soundLevel: expect.any(Number), type: 'pull' }])
    expect(typeof stats().capturedSoundLevel).toBe('number')
  })

  it('the bot leaves: the page gets DELETE and its player goes', async () => {
    await bot!.leave()
    bot = undefined
    await until(() => log().includes('stream DELETE bob_cam from bob'), 'roomStreamUpdate DELETE')
    await until(() => page.players().length === 0, 'the live-player removed')
    expect(page.instance.data.playerList).toEqual([])
    expect(log()).toContain('user DELETE bob')
  })

  it('logoutRoom leaves nothing behind: no user, no stream, no socket on the server; the pusher is gone', async () => {
    page.tap('Leave')
    await until(() => page.text().includes('DISCONNECTED'), 'DISCONNECTED')
    expect(page.instance.data.pusher.url).toBe('')
    await until(() => page.pusher() === undefined, 'the live-pusher removed')
    await expect.poll(() => admin('users')).toEqual([])
    await expect.poll(() => admin('streams')).toEqual([])
    await until(() => mp.wx.sockets.every((s) => s.readyState === s.CLOSED), 'the socket closed')
    await expect.poll(() => get('/metrics')).toMatch(/^minirtc_connections 0$/m)
  })
})
