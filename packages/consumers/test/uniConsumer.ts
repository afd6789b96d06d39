/**
 * A fresh uni-app Vue 3 app (vite, DCloud's vite-ts template layout) built to mp-weixin and run
 * under miniprogram-simulate against a real server, with a bot as the other person in the call.
 * Two ways to get MiniRTC: the npm tarball (components through the easycom `custom` line of the
 * README), or the plugin market's `uni_modules/minirtc-uni` (assembled by packages/uni's
 * scripts/uni-modules.mjs, as released; no npm package, easycom's uni_modules rule).
 */
import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'
import { until } from '@minirtc/testing'
import { fixtures, folderBytes, installApp, type ConsumerApp } from './consumerApp'
import { callSession, joinBot, reportAddedBytes } from './devServer'

const repo = path.resolve(__dirname, '../../..')
const UNI_MODULES_IMPORT = '@/uni_modules/minirtc-uni/js_sdk/index.js'

export type UniLayout = 'npm' | 'uni_modules'

/** A uni-app release: every @dcloudio package at `uni` (they pin vue 3.4.21 and vite 5.2.8), with the @dcloudio/types it asks for. */
export interface UniVersionSet {
  uni: string
  types: string
}

function uniApp(layout: UniLayout, set: UniVersionSet): ConsumerApp {
  const app = installApp({
    id: `uni-${set.uni}-${layout}`,
    fixture: path.join(fixtures, 'uni-app'),
    minirtc: layout === 'npm' ? ['@minirtc/uni'] : [],
    editPackage(pkg) {
      for (const deps of [pkg.dependencies, pkg.devDependencies ?? {}])
        for (const name of Object.keys(deps)) if (name.startsWith('@dcloudio/')) deps[name] = name === '@dcloudio/types' ? set.types : set.uni
    },
  })
  if (layout === 'uni_modules') {
    const src = path.join(app.dir, 'src')
    app.run(process.execPath, [path.join(repo, 'packages/uni/scripts/uni-modules.mjs'), path.join(src, 'uni_modules/minirtc-uni')])
    // The plugin market way: no easycom line (uni_modules components are found by name), and the
    // script from js_sdk.
    const pagesJson = path.join(src, 'pages.json')
    const pages = JSON.parse(readFileSync(pagesJson, 'utf8'))
    delete pages.easycom
    writeFileSync(pagesJson, JSON.stringify(pages, null, 2))
    const rewrite = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name)
        if (name === 'uni_modules') continue
        if (statSync(file).isDirectory()) rewrite(file)
        else if (name.endsWith('.vue')) writeFileSync(file, readFileSync(file, 'utf8').replace(/from '@minirtc\/uni'/g, `from '${UNI_MODULES_IMPORT}'`))
      }
    }
    rewrite(src)
  }
  return app
}

function build(app: ConsumerApp): number {
  const started = Date.now()
  app.run(path.join(app.dir, 'node_modules/.bin/uni'), ['build', '-p', 'mp-weixin'])
  return (Date.now() - started) / 1000
}

export function defineUniConsumerTests(layout: UniLayout, { set, full = false }: { set: UniVersionSet; full?: boolean }): void {
  let app: ConsumerApp
  let dist = ''
  const call = callSession(() => {
    app = uniApp(layout, set)
    console.log(`uni ${set.uni} (${layout}): build ${build(app).toFixed(1)} s`)
    dist = path.join(app.dir, 'dist/build/mp-weixin')
    return dist
  })

  describe(`a fresh uni-app ${set.uni} with MiniRTC as ${layout === 'npm' ? 'the npm tarball' : 'uni_modules/minirtc-uni'}`, () => {
    it('installed that uni-app release, and MiniRTC the chosen way only', () => {
      const lock = JSON.parse(readFileSync(path.join(app.dir, 'package-lock.json'), 'utf8'))
      expect(lock.packages['node_modules/@dcloudio/uni-mp-weixin'].version).toBe(set.uni)
      const minirtc = Object.keys(lock.packages).filter((k) => k.includes('node_modules/@minirtc/'))
      if (layout === 'npm') {
        expect(minirtc.sort()).toEqual(['node_modules/@minirtc/core', 'node_modules/@minirtc/protocol', 'node_modules/@minirtc/uni'])
        expect(lock.packages['node_modules/@minirtc/uni'].resolved).toMatch(/^file:.*minirtc-uni-.*\.tgz$/)
        expect(existsSync(path.join(dist, 'node-modules/@minirtc/uni/components/rtc-pusher/rtc-pusher.wxml'))).toBe(true)
      } else {
        expect(minirtc).toEqual([])
        expect(existsSync(path.join(dist, 'uni_modules/minirtc-uni/components/rtc-pusher/rtc-pusher.wxml'))).toBe(true)
      }
    })

    it('joins with a dev token and publishes real media a bot sees', async () => {
      expect(call.page.text()).toContain('DISCONNECTED')
      call.page.tap('Join')
      await until(() => call.page.virtualPusher()?.publishCount, 'the page publishing')
      expect(call.mp.wx.requested.map((r) => r.url)).toEqual(['http://127.0.0.1:8090/dev/token', 'ws://127.0.0.1:8090/ws'])
      // The compiled rtc-pusher renders every attribute the engine controls.
      const pusher = call.page.pusher()!
      expect(pusher.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
      for (const [name, value] of Object.entries(DEFAULT_PUSHER_ATTRIBUTES)) expect([name, pusher[name]]).toEqual([name, value])
      const bot = await joinBot(call.srv, 'bob', call.bots)
      await until(() => bot.engine.getSnapshot().streams.find((s) => s.user.userId === 'ann'), "ann's live stream, seen by the bot")
    })

    it("plays the bot's stream through a rendered live-player", async () => {
      await call.bots[0]!.publish('bob_cam')
      const player = await until(() => call.page.elements('live-player').find((p) => p.attributes.src), 'a live-player with a src')
      expect(player.attributes.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/.+\.flv\?/)
      expect(player.events).toEqual(expect.arrayContaining(['statechange', 'netstatus', 'error', 'audiovolumenotify', 'metadatachange']))
      await until(() => call.page.virtualPlayer(player.id)?.counters.framesReceived, 'frames from the bot')
      expect(call.page.text()).not.toContain('DISCONNECTED')
    })

    it('leaves the room', async () => {
      call.page.tap('Leave')
      await until(() => call.page.text().includes('DISCONNECTED'), 'DISCONNECTED')
      await until(() => call.bots[0]!.engine.getSnapshot().users.every((u) => u.userId !== 'ann'), 'the bot seeing ann leave')
      expect(call.page.players()).toEqual([])
    })

    if (full) {
      it('reports the bytes MiniRTC adds to the compiled app (WeChat main package limit 2 MB)', () => {
        const bytes = folderBytes(dist)
        const baseline = uniApp('uni_modules', set)
        rmSync(path.join(baseline.dir, 'src/uni_modules'), { recursive: true })
        writeFileSync(path.join(baseline.dir, 'src/pages/index/index.vue'), '<template>\n  <view>Hello</view>\n</template>\n')
        build(baseline)
        const added = reportAddedBytes(`uni-app ${set.uni} (${layout})`, bytes, path.join(baseline.dir, 'dist/build/mp-weixin'), 'components, composable, core, protocol')
        expect(added).toBeGreaterThan(0)
        expect(bytes).toBeLessThan(2 * 1024 * 1024)
      })
    }
  })
}
