/**
 * The console in a real browser (Debian Chromium via playwright-core, installed by
 * scripts/install-chromium.sh): a headless bot publishes into a room of a real server, the
 * console joins, watches the bot, publishes its fake camera through the ingest, the bot plays
 * it, and the console leaves.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
    await page.goto(`${consoleUrl}?${q}`)
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

  it('says plainly when the server cannot take a browser publisher (no ffmpeg: 5005)', async () => {
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
      expect(await page.textContent('#pubError')).toMatch(/cannot take a browser publisher: .*ffmpeg.*MEDIA_UNAVAILABLE 5005/)
      await expect.poll(() => page.textContent('#pubState')).toBe('NO_PUBLISH')
      await page.click('#leave')
    } finally {
      await noFfmpeg.close()
    }
  })
})
