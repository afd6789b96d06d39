/**
 * The console in a real browser (Debian Chromium via playwright-core, installed by
 * scripts/install-chromium.sh): a headless bot publishes into a room of a real server, the
 * console joins, watches the bot (details, charts, the state timeline), publishes its fake camera
 * through the ingest, the bot plays it, and the console leaves; the room features, the event log's
 * filters, a closed tab, and Kick in the demo stack. Screenshots go to artifacts/.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ErrorCode } from '@minirtc/core'
import { MediaReader, createBot, waitFor, type Bot, type FlvTag } from '@minirtc/headless'
import { createToken, startServer, type RunningServer } from '@minirtc/server'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHROMIUM = process.env.MINIRTC_CHROMIUM ?? '/usr/bin/chromium'
const here = fileURLToPath(new URL('.', import.meta.url))
const appDir = resolve(here, '..')
const dist = join(appDir, 'dist')
const artifacts = resolve(appDir, '../../artifacts')
// No silent skip: without Chromium and ffmpeg this test fails and says how to get them.
if (!existsSync(CHROMIUM) || spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0)
  throw new Error('Chromium or ffmpeg missing: run scripts/install-chromium.sh first (npm test does)')

const APP = { appId: 'console-test', secret: 'console-test-secret-0123456789' }
const ROOM = 'console-room'

/** Open the console at `url`, join, and wait for CONNECTED. */
async function joinRoom(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.click('#join')
  await page.waitForSelector('#room:not([hidden])')
  await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('CONNECTED')
}

/** The states a stream went through, as the timeline recorded them. */
function timelineStates(page: Page, streamId: string, kind: 'room' | 'play' | 'publish'): Promise<string[]> {
  return page.evaluate(([id, k]) => (window as any).minirtcConsole.session.timeline.transitions(id, k).map((t: { state: string }) => t.state), [streamId, kind] as const)
}

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => r(port))
    })
  })
}

describe('console in Chromium', () => {
  let srv: RunningServer
  let consoleUrl: string
  let ctx: BrowserContext
  let page: Page
  let bot: Bot
  const profile = mkdtempSync(join(tmpdir(), 'minirtc-chromium-'))
  const pageLog: string[] = []

  beforeAll(async () => {
    execFileSync(join(appDir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: appDir, stdio: 'inherit' })
    // The server serves the built console at /console/ and takes its publisher at /ingest,
    // exactly as `minirtc-server --console-dir apps/console/dist` does.
    srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], dev: true, consoleDir: dist, logger: { level: process.env.MINIRTC_TEST_LOG ?? 'silent' } })
    consoleUrl = `${srv.httpUrl}/console/`
    const token = () => createToken({ ...APP, userId: 'bot1', roomId: ROOM, privileges: { login: true, publish: true }, ttlSeconds: 600 })
    // Wall-clock stamps in the bot's frames give the console a bot→console latency figure.
    bot = await createBot({ server: srv.url, appId: APP.appId, token, roomId: ROOM, user: { userId: 'bot1', userName: 'Bot 1' }, pusher: { stampWallClock: true } })
    await bot.publish('bot1-cam')
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 860 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
      ],
    })
    page = ctx.pages()[0] ?? (await ctx.newPage())
    page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`))
    page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`))
  })

  afterAll(async () => {
    if (pageLog.length && process.env.MINIRTC_TEST_LOG) console.log(pageLog.join('\n'))
    await ctx?.close().catch(() => undefined)
    await bot?.leave().catch(() => undefined)
    await srv?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it('watches the bot, publishes to it, and leaves', async () => {
    // Served from the server itself: no server or ingest parameter is needed.
    const q = new URLSearchParams({ room: ROOM, user: 'web1', name: 'Web 1' })
    // Nothing the page loads is missing (the favicon was a 404 on every load).
    const failed: string[] = []
    const onResponse = (r: { status(): number; url(): string }) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)
    page.on('response', onResponse)
    await page.goto(`${consoleUrl}?${q}`)
    await page.waitForLoadState('networkidle')
    page.off('response', onResponse)
    expect(failed).toEqual([])
    expect(await page.$eval('link[rel=icon]', (l: HTMLLinkElement) => l.href)).toMatch(/\/console\/favicon\.svg$/)
    // Only the room id is needed in dev mode: app id and token come from /dev/token.
    expect(await page.inputValue('input[name=roomId]')).toBe(ROOM)
    await page.click('#join')
    await page.waitForSelector('#room:not([hidden])')
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('CONNECTED')

    // Watch: the bot's stream plays in a <video> with time advancing.
    const video = '.tile[data-stream-id="bot1-cam"] video'
    await page.waitForFunction((sel) => {
      const v = document.querySelector<HTMLVideoElement>(sel)
      return !!v && v.videoWidth > 0 && v.currentTime > 0
    }, video, { timeout: 15_000 })
    const t1 = await page.$eval(video, (v: HTMLVideoElement) => v.currentTime)
    await page.waitForTimeout(1500)
    const t2 = await page.$eval(video, (v: HTMLVideoElement) => v.currentTime)
    expect(t2 - t1).toBeGreaterThan(0.8)
    await expect.poll(() => page.textContent('.tile[data-stream-id="bot1-cam"] .state')).toBe('PLAYING')
    const watch = await page.evaluate(() => {
      const s = (window as any).minirtcConsole.session
      const p = s.renderer.players.get('bot1-cam')
      return { ...p.metrics, w: p.video.videoWidth, h: p.video.videoHeight }
    })
    expect(watch.w).toBeGreaterThan(0)

    // The stream's details: what it carries, how it plays, and its signed URL to copy.
    const tile = '.tile[data-stream-id="bot1-cam"]'
    const detail = (label: string) => page.textContent(`${tile} dd[data-label="${label}"] .value`)
    await expect.poll(() => detail('codecs'), { timeout: 5000 }).toMatch(/^avc1\.[0-9a-f]+ \+ mp4a\.40\.2 \d+(\.\d+)? kHz$/)
    expect(await detail('resolution')).toBe('640x360')
    // Both kinds counted: the bot's stream carries AAC (mpegts.js gives no audio rate for a live stream).
    await expect.poll(() => detail('bitrate'), { timeout: 5000 }).toMatch(/^[1-9]\d* kbit\/s \(video [1-9]\d*, audio [1-9]\d*\)$/)
    expect(await detail('frame rate')).toMatch(/^\d+(\.\d)? fps shown/)
    expect(await detail('buffer')).toMatch(/^\d+ ms ahead of the playhead$/)
    expect(await detail('publisher')).toBe('Bot 1 (bot1)')
    const playUrl = await page.evaluate(() => (window as any).minirtcConsole.session.engine.getSnapshot().players['bot1-cam'].src as string)
    expect(playUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/[\w-]+\.flv\?.*&s=/)
    expect(await detail('play URL')).toBe(playUrl)
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.httpUrl })
    await page.click(`${tile} dd[data-label="play URL"] button.copy`)
    await expect.poll(() => page.textContent(`${tile} dd[data-label="play URL"] button.copy`)).toBe('Copied')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(playUrl)

    // Charts with a title in units, a y axis of numbers and an x axis in seconds.
    await expect.poll(() => page.$$eval(`${tile} svg.chart`, (cs) => cs.length), { timeout: 5000 }).toBeGreaterThanOrEqual(3)
    const charts = await page.$$eval(`${tile} svg.chart`, (cs) =>
      cs.map((c) => ({
        title: c.querySelector('.chart-title')!.textContent,
        y: [...c.querySelectorAll('.tick.y')].map((t) => t.textContent),
        x: [...c.querySelectorAll('.tick.x')].map((t) => t.textContent),
        line: c.querySelector('polyline')?.getAttribute('points') ?? '',
      })),
    )
    expect(charts.map((c) => c.title!.replace(/:.*/, ''))).toEqual(expect.arrayContaining(['bitrate received (kbit/s)', 'frame rate (fps)', 'buffer (ms)']))
    for (const c of charts) {
      expect(c.title).toMatch(/\((kbit\/s|fps|ms)\): \d+(\.\d)? (kbit\/s|fps|ms)$/)
      expect(c.y[0]).toBe('0')
      expect(Number(c.y[2])).toBeGreaterThan(0)
      expect(c.x).toEqual(['now', '-15 s', '-30 s', '-45 s', '-60 s'])
      expect(c.line).not.toBe('')
    }

    // The timeline: the room connected, the bot's stream went from requesting to playing, drawn as bars in that order.
    expect(await timelineStates(page, ROOM, 'room')).toEqual(['CONNECTING', 'CONNECTED'])
    expect(await timelineStates(page, 'bot1-cam', 'play')).toEqual(expect.arrayContaining(['PLAY_REQUESTING', 'PLAYING']))
    const bars = () => page.$$eval('#timeline g.row[data-stream="bot1-cam"][data-kind="play"] rect', (rs) => rs.map((r) => r.getAttribute('data-state')))
    const played = await bars()
    expect(played.indexOf('PLAY_REQUESTING')).toBeGreaterThanOrEqual(0)
    expect(played.lastIndexOf('PLAYING')).toBeGreaterThan(played.indexOf('PLAY_REQUESTING'))

    // Receiving is labelled as receiving: stopping the video sets mute-video on that player.
    expect(await page.textContent(`${tile} .recvVideo`)).toBe('Stop receiving video')
    await page.click(`${tile} .recvVideo`)
    await expect.poll(() => page.textContent(`${tile} .recvVideo`)).toBe('Receive video')
    expect(await page.evaluate(() => (window as any).minirtcConsole.session.engine.getSnapshot().players['bot1-cam'].muteVideo)).toBe(true)
    await page.click(`${tile} .recvVideo`)
    await expect.poll(() => page.textContent(`${tile} .recvVideo`)).toBe('Stop receiving video')
    expect(await page.textContent(`${tile} .recvAudio`)).toBe('Stop receiving audio')
    expect(await page.textContent(`${tile} .sound`)).toBe('Play sound here')

    // Publish: fake camera → MediaRecorder → ingest → ffmpeg → media server → the bot.
    const botSawStream = new Promise<number>((r) =>
      bot.engine.on('roomStreamUpdate', (_room, type, streams) => {
        if (type === 'ADD' && streams.some((s) => s.streamId === 'web1-cam')) r(Date.now())
      }),
    )
    const pubStart = Date.now()
    await page.click('#pubStart')
    await expect.poll(() => page.textContent('#pubState'), { timeout: 15_000 }).toBe('PUBLISHING')
    const addedAt = await botSawStream
    await bot.play('web1-cam')
    const botFramesAt = Date.now()
    const botPlayer = bot.renderer.players.get('web1-cam')!
    const before = botPlayer.counters.framesReceived
    await waitFor(() => botPlayer.counters.framesReceived > before + 10, 5000, 'frames flowing to the bot')
    expect(bot.engine.getSnapshot().players['web1-cam']?.state).toBe('PLAYING')
    const pusherMetrics = await page.evaluate(() => (window as any).minirtcConsole.session.renderer.pusher.metrics)
    expect(await timelineStates(page, 'web1-cam', 'publish')).toEqual(expect.arrayContaining(['PUBLISH_REQUESTING', 'PUBLISHING']))
    const pushUrl = await page.evaluate(() => (window as any).minirtcConsole.session.engine.getSnapshot().pusher.url as string)
    expect(await page.textContent('#pubDetails dd[data-label="push URL"] .value')).toBe(pushUrl)
    // Sending is labelled as sending: the mic button mutes what the others hear.
    expect(await page.textContent('#micToggle')).toBe('Stop sending mic')
    await page.click('#micToggle')
    await expect.poll(() => page.textContent('#micToggle')).toBe('Send mic')
    expect(await page.evaluate(() => (window as any).minirtcConsole.session.engine.getSnapshot().pusher.enableMic)).toBe(false)
    await page.click('#micToggle')
    await expect.poll(() => page.textContent('#micToggle')).toBe('Stop sending mic')
    expect(await page.textContent('#camToggle')).toBe('Stop sending camera')

    // Latency both ways while the charts draw a few 2 s samples.
    // console → bot: the recorder's media timestamps count from its start, so a frame with
    // timestamp t was captured at recorderStartedAt + t; age on arrival at a reader beside the bot.
    const consoleToBot: number[] = []
    const reader = new MediaReader({ url: bot.engine.getSnapshot().players['web1-cam']!.src, stallTimeoutMs: 10_000, connectTimeoutMs: 5000 })
    const readerStarted = Date.now()
    reader.on('tag', (t: FlvTag) => {
      // Skip the first second: the media server's GOP cache arrives in a burst.
      if (t.type === 9 && Date.now() - readerStarted > 1000) consoleToBot.push(Date.now() - (pusherMetrics.recorderStartedAt + t.timestamp))
    })
    await reader.start()
    // bot → console: the bot stamps its wall clock into every frame (SEI); the console reads it on
    // arrival, and the frame shows after the buffer lag.
    const botToConsole: { arrival: number; buffer: number }[] = []
    for (let i = 0; i < 18; i++) {
      await page.waitForTimeout(250)
      const m = await page.evaluate(() => (window as any).minirtcConsole.session.renderer.players.get('bot1-cam').metrics)
      if (m.arrivalLatencyMs !== null) botToConsole.push({ arrival: m.arrivalLatencyMs, buffer: Math.round(m.bufferLag * 1000) })
    }
    reader.stop()
    expect(consoleToBot.length).toBeGreaterThan(10)
    expect(botToConsole.length).toBeGreaterThan(10)
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const lag = median(botToConsole.map((x) => x.buffer)) / 1000
    await page.waitForTimeout(500)
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'console-room.png') })

    // Leave: the bot sees the user and the stream go.
    const userGone = new Promise<void>((r) =>
      bot.engine.on('roomUserUpdate', (_room, type, users) => type === 'DELETE' && users.some((u) => u.userId === 'web1') && r()),
    )
    const streamGone = new Promise<void>((r) =>
      bot.engine.on('roomStreamUpdate', (_room, type, streams) => type === 'DELETE' && streams.some((s) => s.streamId === 'web1-cam') && r()),
    )
    await page.click('#leave')
    await Promise.all([userGone, streamGone])

    const report = {
      consoleFirstFrameMs: watch.firstFrameMs,
      consoleBufferLagMs: Math.round(lag * 1000),
      botToConsoleArrivalMs: median(botToConsole.map((x) => x.arrival)),
      botToConsoleDisplayMs: median(botToConsole.map((x) => x.arrival + x.buffer)),
      consoleToBotArrivalMs: median(consoleToBot),
      consoleVideo: `${watch.w}x${watch.h}`,
      pushFirstSliceMs: pusherMetrics.firstSliceMs,
      pushIngestReadyMs: pusherMetrics.readyMs,
      publishClickToBotStreamAddMs: addedAt - pubStart,
      publishClickToBotFramesMs: botFramesAt - pubStart,
      botFirstKeyframeMs: botPlayer.counters.firstKeyframeMs,
    }
    console.log('console measurements', JSON.stringify(report))
  })

  it('room features: yourself in the users, your own room extra info, a custom command needs a recipient, the log filters', async () => {
    await joinRoom(page, `${consoleUrl}?${new URLSearchParams({ room: ROOM, user: 'web2', name: 'Web 2' })}`)
    // Everyone, ourselves first and marked, as many as the count says.
    await expect.poll(() => page.$$eval('#users li', (ls) => ls.map((l) => l.getAttribute('data-user-id')))).toEqual(['web2', 'bot1'])
    expect(await page.textContent('#online')).toBe('2 online')
    expect(await page.textContent('#users li.me')).toContain('you')
    expect(await page.$eval('#users li.me input', (i: HTMLInputElement) => i.disabled)).toBe(true)
    // No admin secret: no Kick, and a line saying where the secret comes from.
    expect(await page.$$('#users button.danger')).toHaveLength(0)
    expect(await page.isVisible('#kickHint')).toBe(true)

    // Room extra info: the sender sees its own, like everyone else.
    const botSaw = new Promise<string>((r) => bot.engine.on('roomExtraInfoUpdate', (_room, info) => info.some((i) => i.key === 'topic') && r(info.find((i) => i.key === 'topic')!.value)))
    await page.fill('#rxKey', 'topic')
    await page.fill('#rxValue', 'standup at ten')
    await page.click('#rxSet')
    await expect.poll(() => page.textContent('#roomExtra')).toBe('topic = standup at ten (set by web2)')
    expect(await botSaw).toBe('standup at ten')

    // A custom command with nobody ticked: the console says what to do instead of USER_NOT_FOUND.
    await page.fill('#cmdText', 'ping')
    await page.click('#cmdSend')
    await page.waitForSelector('#cmdHint:not([hidden])')
    expect(await page.textContent('#cmdHint')).toMatch(/Tick who gets it in the Users list/)
    // Ticked: it reaches the bot.
    const botGot = new Promise<string>((r) => bot.engine.on('IMRecvCustomCommand', (_room, from, command) => r(`${from.userId}: ${command}`)))
    await page.check('#users li[data-user-id="bot1"] input')
    await page.click('#cmdSend')
    expect(await botGot).toBe('web2: ping')
    expect(await page.isHidden('#cmdHint')).toBe(true)
    await expect.poll(() => page.textContent('#log')).toContain('custom command to bot1: ok')
    expect(await page.textContent('#log')).not.toContain('USER_NOT_FOUND')

    // Someone else's room extra info arrives as an event (ours lands in the snapshot only).
    await bot.engine.setRoomExtraInfo(ROOM, 'mood', 'calm')
    await expect.poll(() => page.textContent('#roomExtra')).toContain('mood = calm (set by bot1)')

    // The log: pretty JSON behind each structured entry, and three filters.
    const shown = () => page.$$eval('#log > li', (ls) => ls.map((l) => ({ event: l.getAttribute('data-event')!, text: l.textContent! })))
    await page.selectOption('#logEvent', 'roomExtraInfoUpdate')
    const byName = await shown()
    expect(byName.length).toBeGreaterThanOrEqual(1)
    expect(new Set(byName.map((e) => e.event))).toEqual(new Set(['roomExtraInfoUpdate']))
    await page.click('#log > li details summary')
    const pretty = await page.textContent('#log > li details pre')
    expect(pretty).toContain('\n  {\n    "key": "mood",\n    "value": "calm",\n    "updateUser": {\n      "userId": "bot1"')
    await page.selectOption('#logEvent', '')
    // By stream: only entries about bot1-cam (its states, its stream update), and more than one kind.
    await page.selectOption('#logStream', 'bot1-cam')
    const byStream = await shown()
    expect(byStream.length).toBeGreaterThanOrEqual(2)
    expect(byStream.every((e) => e.text.includes('bot1-cam'))).toBe(true)
    expect(byStream.map((e) => e.event)).toEqual(expect.arrayContaining(['roomStreamUpdate', 'playerStateUpdate']))
    await page.selectOption('#logStream', '')
    // Free text, case-insensitive.
    await page.fill('#logText', 'CALM')
    const byText = await shown()
    expect(byText.map((e) => e.event)).toEqual(['roomExtraInfoUpdate'])
    expect(byText[0]!.text).toMatch(/calm/)
    expect((await page.$$eval('#log > li', (ls) => ls.length))).toBe(byText.length)
    await page.fill('#logText', '')
    expect((await shown()).length).toBeGreaterThan(byText.length)
    // Periodic events only when asked.
    expect((await shown()).some((e) => e.event === 'playQualityUpdate')).toBe(false)
    await page.uncheck('#hidePeriodic')
    await expect.poll(async () => (await shown()).some((e) => e.event === 'playQualityUpdate'), { timeout: 5000 }).toBe(true)
    await page.check('#hidePeriodic')
    // The picture: the log narrowed to the bot's stream, one entry opened.
    await page.selectOption('#logStream', 'bot1-cam')
    await page.click('#log > li details summary')
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'console-features.png') })

    // Kicked through the admin API: the room's row on the timeline ends in DISCONNECTED with an
    // error mark, the code in the bar's tooltip.
    const kicked = await fetch(`${srv.httpUrl}/admin/rooms/${ROOM}/users/web2/kick`, { method: 'POST', headers: { authorization: `Bearer ${APP.secret}`, 'x-minirtc-app-id': APP.appId } })
    expect(kicked.status).toBe(200)
    await expect.poll(() => page.textContent('#status')).toBe('DISCONNECTED')
    expect(await timelineStates(page, ROOM, 'room')).toEqual(['CONNECTING', 'CONNECTED', 'DISCONNECTED'])
    const roomRow = `#timeline g.row[data-stream="${ROOM}"][data-kind="room"]`
    expect(await page.$$(`${roomRow} line.error-mark`)).toHaveLength(1)
    expect(await page.textContent(`${roomRow} rect[data-state="DISCONNECTED"] title`)).toMatch(
      new RegExp(`^DISCONNECTED from \\d\\d:\\d\\d:\\d\\d\\.\\d{3} for \\d+\\.\\d s \\(error ${ErrorCode.KICKED_OUT}\\)`),
    )
    await page.click('#leave')
  })

  it('a closed tab leaves the room at once (logout on pagehide)', async () => {
    const tab = await ctx.newPage()
    try {
      await joinRoom(tab, `${consoleUrl}?${new URLSearchParams({ room: ROOM, user: 'web3' })}`)
      await waitFor(() => bot.engine.getSnapshot().users.some((u) => u.userId === 'web3'), 5000, 'web3 at the bot')
      const gone = new Promise<number>((r) => bot.engine.on('roomUserUpdate', (_room, type, users) => type === 'DELETE' && users.some((u) => u.userId === 'web3') && r(Date.now())))
      const closedAt = Date.now()
      await tab.close()
      // Without the logout the server keeps the session for its 30 s resume window.
      const left = await Promise.race([gone, new Promise<number>((r) => setTimeout(() => r(Infinity), 5000))])
      expect(left - closedAt).toBeLessThan(2000)
      expect(bot.engine.getSnapshot().users.map((u) => u.userId)).not.toContain('web3')
    } finally {
      if (!tab.isClosed()) await tab.close()
    }
  })

  it('kicks from the console in the demo stack (npm run demo), the admin secret from its console URL', async () => {
    const root = resolve(appDir, '../..')
    const ports = await Promise.all([freePort(), freePort(), freePort()])
    const demo = spawn(process.execPath, ['scripts/demo.mjs', '--no-build', '--port', String(ports[0]), '--rtmp-port', String(ports[1]), '--flv-port', String(ports[2])], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    demo.stdout.on('data', (d) => (out += d))
    demo.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => demo.on('exit', r))
    const tab = await ctx.newPage()
    try {
      await waitFor(() => /console +http:\/\/\S+/.test(out) || demo.exitCode !== null, 20_000, 'the demo banner')
      const url = out.match(/console +(http:\/\/\S+)/)?.[1]
      expect(url, out).toMatch(/\/console\/\?room=demo#admin=/)
      const secret = out.match(/MiniRTC app id "[^"]+", secret (\S+)/)![1]!
      // The secret stays in the fragment: no request the page makes carries it in its URL.
      const urls: string[] = []
      tab.on('request', (r) => urls.push(r.url()))
      await joinRoom(tab, url!)
      expect(await tab.inputValue('#adminSecret')).toBe(secret)
      const kick = '#users li[data-user-id="demo-bot"] button.danger'
      await tab.waitForSelector(kick, { timeout: 10_000 })
      expect(await tab.isHidden('#kickHint')).toBe(true)
      await tab.click(kick)
      await expect.poll(() => tab.textContent('#log'), { timeout: 5000 }).toContain('kick demo-bot: ok')
      // The demo brings its bot back; the console sees it leave and return.
      await waitFor(() => /demo bot restarted: demo-bot left the room \(KICKOUT/.test(out), 10_000, 'the demo bot restarted')
      await expect.poll(() => tab.$$eval('#users li', (ls) => ls.map((l) => l.getAttribute('data-user-id'))), { timeout: 10_000 }).toContain('demo-bot')
      expect(urls.filter((u) => u.includes(encodeURIComponent(secret)) || u.includes(secret))).toEqual([])
      await tab.click('#leave')
    } finally {
      await tab.close()
      demo.kill('SIGINT')
      expect(await exited).toBe(0)
    }
  })

  it('says plainly when the server cannot take a browser publisher (no ffmpeg: MEDIA_UNAVAILABLE)', async () => {
    // A second server whose ffmpeg is missing: its /ingest refuses with MEDIA_UNAVAILABLE. One
    // embedded media server per process, so this one fronts an (unused) nginx-rtmp address: the
    // refusal comes before any media connection.
    const noFfmpeg = await startServer({
      host: '127.0.0.1',
      port: 0,
      apps: [APP],
      dev: true,
      consoleDir: dist,
      ffmpegPath: '/nonexistent/ffmpeg',
      media: { kind: 'nginx', rtmpUrl: 'rtmp://127.0.0.1:9/live', hookSecret: 'unused-hook-secret' },
      logger: { level: 'silent' },
    })
    try {
      const q = new URLSearchParams({ room: ROOM, user: 'web2' })
      await page.goto(`${noFfmpeg.httpUrl}/console/?${q}`)
      await page.click('#join')
      await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('CONNECTED')
      await page.click('#pubStart')
      await page.waitForSelector('#pubError:not([hidden])', { timeout: 10_000 })
      expect(await page.textContent('#pubError')).toMatch(new RegExp(`cannot take a browser publisher: .*ffmpeg.*MEDIA_UNAVAILABLE ${ErrorCode.MEDIA_UNAVAILABLE}`))
      await expect.poll(() => page.textContent('#pubState')).toBe('NO_PUBLISH')
      // The console stops a refused publish itself (retrying cannot help): the timeline shows the short try.
      expect(await timelineStates(page, 'web2-cam', 'publish')).toEqual(['PUBLISH_REQUESTING', 'NO_PUBLISH'])
      // No push URL any more, so no details panel offering one to copy.
      expect(await page.$$('#pubDetails dl')).toHaveLength(0)
      await page.click('#leave')
    } finally {
      await noFfmpeg.close()
    }
  })
})
