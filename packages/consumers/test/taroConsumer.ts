/**
 * A fresh Taro 4 app (React, webpack5, laid out like Taro's default template) installs
 * @minirtc/taro from its tarball with plain npm, adds the plugin line, takes the page of
 * packages/taro/README.md word for word, builds to weapp and runs under miniprogram-simulate
 * against a real server, with a bot as the other person in the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Bot } from '@minirtc/headless'
import type { RunningServer } from '@minirtc/server'
// The compiled-page harness of packages/taro-sim (the app under test is outside the workspace).
import { readCompiledComponent } from '../../taro-sim/test/harness/baseWxml'
import { elementWithText } from '../../taro-sim/test/harness/elementWithText'
import { installMiniProgramGlobals } from '../../taro-sim/test/harness/miniProgramGlobals'
import { NativeLiveComponents } from '../../taro-sim/test/harness/nativeLiveComponents'
import { installWxBridge, type WxBridge } from '../../taro-sim/test/harness/wxBridge'
import { fixtures, folderBytes, installApp, type ConsumerApp } from './consumerApp'
import { joinBot, reportAddedBytes, startDevServer } from './devServer'
import { until } from './until'

const require = createRequire(import.meta.url)
const repo = path.resolve(__dirname, '../../..')

/** The tsx block under "## A page" in packages/taro/README.md. */
export function readmePage(): string {
  const readme = readFileSync(path.join(repo, 'packages/taro/README.md'), 'utf8')
  const block = /## A page\n\n```tsx\n([\s\S]*?)```/.exec(readme)
  if (!block) throw new Error('no "## A page" tsx block in packages/taro/README.md')
  return block[1]!
}

/** The fixture with every Taro package (and babel-preset-taro) at `version`. */
function taroApp(version: string, page: string, plugin: boolean): ConsumerApp {
  const app = installApp({
    id: `taro-${version}`,
    fixture: path.join(fixtures, 'taro-app'),
    minirtc: ['@minirtc/taro'],
    editPackage(pkg) {
      for (const deps of [pkg.dependencies, pkg.devDependencies ?? {}])
        for (const name of Object.keys(deps)) if (name.startsWith('@tarojs/') || name === 'babel-preset-taro') deps[name] = version
    },
  })
  writeFileSync(path.join(app.dir, 'src/pages/index/index.tsx'), page)
  if (!plugin) {
    const config = path.join(app.dir, 'config/index.ts')
    writeFileSync(config, readFileSync(config, 'utf8').replace("plugins: ['@minirtc/taro/plugin']", 'plugins: []'))
  }
  return app
}

function build(app: ConsumerApp): number {
  const started = Date.now()
  app.run(path.join(app.dir, 'node_modules/.bin/taro'), ['build', '--type', 'weapp'])
  return (Date.now() - started) / 1000
}

export interface TaroConsumerOptions {
  /** Exact Taro version the app installs. */
  version: string
  /** Also type-check the app and measure the bytes MiniRTC adds (once is enough). */
  full?: boolean
}

export function defineTaroConsumerTests({ version, full = false }: TaroConsumerOptions): void {
  let app: ConsumerApp
  let dist: string
  let srv: RunningServer
  let wx: WxBridge
  let page: any
  let native: NativeLiveComponents
  const bots: Bot[] = []
  const pages = installMiniProgramGlobals('pages/index/index')
  const text = () => page.dom.textContent as string

  beforeAll(async () => {
    app = taroApp(version, readmePage(), true)
    console.log(`taro ${version}: build ${build(app).toFixed(1)} s`)
    dist = path.join(app.dir, 'dist')
    srv = await startDevServer()
    const simulate = require('miniprogram-simulate')
    const baseWxml = path.join(dist, 'base.wxml')
    native = new NativeLiveComponents(readCompiledComponent(baseWxml, 'live-pusher'), readCompiledComponent(baseWxml, 'live-player'), (id) => page && page.querySelector('#' + id))
    wx = installWxBridge({ server: srv.url, http: srv.httpUrl, contexts: { pusher: () => [...native.pushers.values()][0]?.context ?? null, player: (id) => native.players.get(id)?.context ?? null } })
    require(path.join(dist, 'app.js'))
    page = simulate.render(simulate.load(path.join(dist, 'pages/index/index'), 'page-index', { rootPath: dist }))
    pages.onRender.add((p) => native.sync(p.data))
    page.attach(document.createElement('parent-wrapper'))
  })

  afterAll(async () => {
    for (const b of bots) await b.leave()
    page?.detach()
    native?.destroy()
    await srv?.close()
  })

  const tap = (label: string) => page.querySelector('#' + elementWithText(page.data.root, label)).dispatchEvent('tap', { detail: {} })

  describe(`a fresh Taro ${version} app with @minirtc/taro from its tarball`, () => {
    it(`installed Taro ${version} and MiniRTC from the tarballs`, () => {
      const installed = (name: string) => JSON.parse(readFileSync(path.join(app.dir, 'node_modules', name, 'package.json'), 'utf8')).version
      expect(installed('@tarojs/taro')).toBe(version)
      expect(installed('@tarojs/runtime')).toBe(version)
      const lock = JSON.parse(readFileSync(path.join(app.dir, 'package-lock.json'), 'utf8'))
      expect(lock.packages['node_modules/@minirtc/taro'].resolved).toMatch(/^file:.*minirtc-taro-.*\.tgz$/)
      // One copy of the core: the tarball the app installed, shared with the adapter.
      expect(Object.keys(lock.packages).filter((k) => k.endsWith('node_modules/@minirtc/core'))).toEqual(['node_modules/@minirtc/core'])
    })

    it('the plugin line made every live-player/live-pusher attribute reach base.wxml', () => {
      const baseWxml = path.join(dist, 'base.wxml')
      const player = readCompiledComponent(baseWxml, 'live-player')
      const pusher = readCompiledComponent(baseWxml, 'live-pusher')
      for (const a of ['mute-audio', 'mute-video', 'enable-recv-message', 'enable-metadata']) expect(player.dataKeys).toHaveProperty([a])
      for (const a of ['enable-ear-monitor', 'fps', 'voice-changer-type']) expect(pusher.dataKeys).toHaveProperty([a])
      expect(player.events).toEqual(expect.arrayContaining(['error', 'metadatachange']))
    })

    it('the README page joins and publishes real media a bot sees', async () => {
      await until('first render', () => text().includes('Not in a room'))
      tap('Join')
      await until('push url in page data', () => native.nodes(page.data, 'live-pusher')[0]?.attributes.url)
      expect(wx.requestUrls).toEqual(['http://127.0.0.1:8090/dev/token?roomId=room-1&userId=alice'])
      expect(wx.socketUrls).toEqual(['ws://127.0.0.1:8090/ws'])
      const bot = await joinBot(srv, 'bob', bots)
      // The server announces a stream only once its media is live: the page's pusher pushed.
      await until("alice's live stream, seen by the bot", () => bot.engine.getSnapshot().streams.find((s) => s.user.userId === 'alice'))
    })

    it("plays the bot's stream through a rendered live-player", async () => {
      await bots[0]!.publish('bob_cam')
      const player = await until('a live-player with a src', () => native.nodes(page.data, 'live-player').find((n) => n.attributes.src))
      expect(player.attributes.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/.+\.flv\?/)
      await until('player statechange 2004 (playing)', () => native.dispatched.some((e) => e.id === player.uid && e.kind === 'statechange' && e.detail.code === 2004))
    })

    it('leaves the room', async () => {
      tap('Leave')
      await until('not in a room', () => text().includes('Not in a room'))
      await until('the bot sees alice leave', () => bots[0]!.engine.getSnapshot().users.every((u) => u.userId !== 'alice'))
    })

    if (full) {
      it("type-checks with the template's tsconfig (moduleResolution node)", () => {
        app.run(path.join(app.dir, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.'])
      })

      it('reports the bytes MiniRTC adds to the compiled app (WeChat main package limit 2 MB)', () => {
        const bytes = folderBytes(dist)
        const baseline = taroApp(version, "import { View } from '@tarojs/components'\n\nexport default function Index() {\n  return <View>Hello</View>\n}\n", false)
        build(baseline)
        const added = reportAddedBytes(`taro ${version}`, bytes, path.join(baseline.dir, 'dist'), 'adapter, core, protocol, plugin templates')
        expect(added).toBeGreaterThan(0)
        expect(bytes).toBeLessThan(2 * 1024 * 1024)
      })
    }
  })
}
