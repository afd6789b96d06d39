/**
 * A native mini-program (WXML + Page(), no framework): the tarballs installed with plain npm,
 * miniprogram_npm built by miniprogram-ci's packNpmManually (the developer tools' "Build npm", run
 * offline), the pages under @minirtc/testing (bare requires resolve through miniprogram_npm, as
 * WeChat resolves them) against a real server and a bot: a call page on @minirtc/weapp and its
 * components, a page on the engine alone (@minirtc/core and its WeChat platform), and a page
 * written for ZEGO's SDK on @minirtc/zego-compat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'
import path from 'node:path'
import { readFileSync, readdirSync } from 'node:fs'
import { parse } from 'acorn'
import type { Bot } from '@minirtc/headless'
import type { RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram } from '@minirtc/testing'
import { fixtures, installApp, type ConsumerApp } from './consumerApp'
import { joinBot, startDevServer } from './devServer'

const require = createRequire(import.meta.url)
let app: ConsumerApp
let root: string
let srv: RunningServer
let mp: MiniProgram
const bots: Bot[] = []

/** Every .js file under `dir`. */
const jsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? jsFiles(path.join(dir, d.name)) : d.name.endsWith('.js') ? [path.join(dir, d.name)] : []))

beforeAll(async () => {
  app = installApp({ id: 'native', fixture: path.join(fixtures, 'native-app'), minirtc: ['@minirtc/weapp', '@minirtc/core', '@minirtc/zego-compat'] })
  root = path.join(app.dir, 'miniprogram')
  const out = app.run(process.execPath, ['scripts/build-npm.js'])
  // Every package copied from its `miniprogram` folder, nothing bundled from `main`, no warning.
  expect(JSON.parse(out.slice(out.indexOf('{')))).toEqual({ miniProgramPackNum: 4, otherNpmPackNum: 0, warnList: [] })
  srv = await startDevServer()
  mp = createMiniProgram({ root, server: srv })
})

afterAll(async () => {
  mp?.close()
  for (const b of bots) await b.leave()
  await srv?.close()
})

describe('a native mini-program with miniprogram_npm built from the tarballs', () => {
  it('miniprogram_npm holds @minirtc/weapp, zego-compat, core and protocol as ES2017 CommonJS', () => {
    const npm = path.join(root, 'miniprogram_npm/@minirtc')
    expect(readdirSync(npm).sort()).toEqual(['core', 'protocol', 'weapp', 'zego-compat'])
    for (const file of jsFiles(npm)) expect(() => parse(readFileSync(file, 'utf8'), { ecmaVersion: 2017, sourceType: 'script' }), file).not.toThrow()
  })

  it('a call page on @minirtc/weapp joins, publishes, plays the bot and leaves', async () => {
    const page = await mp.open('pages/call/index')
    page.tap('Join')
    await until(() => page.virtualPusher()?.publishCount, 'the page publishing')
    const bot = await joinBot(srv, 'bob', bots)
    await until(() => bot.engine.getSnapshot().streams.find((s) => s.user.userId === 'native'), 'the bot seeing the page')
    await bot.publish('bob_cam')
    const player = await until(() => page.elements('live-player').find((p) => p.attributes.src), 'a live-player')
    await until(() => page.virtualPlayer(player.id)?.counters.framesReceived, 'frames from the bot')
    page.tap('Leave')
    await until(() => bot.engine.getSnapshot().users.every((u) => u.userId !== 'native'), 'the page gone from the room')
    page.close()
  })

  it('a page on the engine alone logs in to the server', async () => {
    const page = await mp.open('pages/engine/index')
    expect(page.instance.data.roomState).toBe('DISCONNECTED')
    page.tap('join')
    await until(() => page.instance.data.roomState === 'CONNECTED', 'CONNECTED')
    await until(() => bots[0]!.engine.getSnapshot().users.some((u) => u.userId === 'engine'), 'the bot seeing the engine page')
    page.close()
  })

  it("a page written for ZEGO's SDK logs in and publishes real media through @minirtc/zego-compat", async () => {
    const page = await mp.open('pages/zego/index')
    await until(() => page.virtualPusher()?.publishCount, 'the ZEGO page publishing')
    await until(() => bots[0]!.engine.getSnapshot().streams.some((s) => s.streamId === 'zego_main'), 'the bot seeing zego_main')
    page.close()
  })

  it('the pages ran the miniprogram_npm copies, never node_modules', () => {
    const loaded = Object.keys(require.cache).filter((f) => f.startsWith(app.dir) && f.includes('@minirtc'))
    expect(loaded.length).toBeGreaterThan(0)
    expect(loaded.filter((f) => !f.startsWith(path.join(root, 'miniprogram_npm')))).toEqual([])
  })
})
