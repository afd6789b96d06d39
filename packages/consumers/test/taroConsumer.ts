/**
 * A fresh Taro 4 app (React, webpack5, laid out like Taro's default template) installs
 * @minirtc/taro from its tarball with plain npm, adds the plugin line, takes the page of
 * packages/taro/README.md word for word, builds to weapp and runs under miniprogram-simulate
 * against a real server, with a bot as the other person in the call.
 */
import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { readFileSync, writeFileSync } from 'node:fs'
import { until } from '@minirtc/testing'
import { fixtures, folderBytes, installApp, type ConsumerApp } from './consumerApp'
import { callSession, joinBot, reportAddedBytes } from './devServer'

const repo = path.resolve(__dirname, '../../..')

/** Attribute and event names of the compiled `<tag>` template in a Taro weapp build's base.wxml. */
function compiledTemplate(baseWxml: string, tag: 'live-pusher' | 'live-player'): { attributes: string[]; events: string[] } {
  const m = new RegExp(`<${tag} ([^>]*)>`).exec(readFileSync(baseWxml, 'utf8'))
  if (!m) throw new Error(`no <${tag}> template in ${baseWxml}`)
  const names = [...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)]
  return {
    attributes: names.filter(([, , v]) => v !== 'eh').map(([, n]) => n!),
    events: names.filter(([, n, v]) => v === 'eh' && n!.startsWith('bind')).map(([, n]) => n!.slice(4)),
  }
}

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
  let dist = ''
  const call = callSession(() => {
    app = taroApp(version, readmePage(), true)
    console.log(`taro ${version}: build ${build(app).toFixed(1)} s`)
    dist = path.join(app.dir, 'dist')
    return dist
  })

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
      const player = compiledTemplate(path.join(dist, 'base.wxml'), 'live-player')
      const pusher = compiledTemplate(path.join(dist, 'base.wxml'), 'live-pusher')
      expect(player.attributes).toEqual(expect.arrayContaining(['mute-audio', 'mute-video', 'enable-recv-message', 'enable-metadata']))
      expect(pusher.attributes).toEqual(expect.arrayContaining(['enable-ear-monitor', 'fps', 'voice-changer-type']))
      expect(player.events).toEqual(expect.arrayContaining(['error', 'metadatachange']))
    })

    it('the README page joins and publishes real media a bot sees', async () => {
      await until(() => call.page.text().includes('Not in a room'), 'first render')
      call.page.tap('Join')
      await until(() => call.page.virtualPusher()?.publishCount, 'the page publishing')
      expect(call.mp.wx.requested.map((r) => r.url)).toEqual(['http://127.0.0.1:8090/dev/token?roomId=room-1&userId=alice', 'ws://127.0.0.1:8090/ws'])
      const bot = await joinBot(call.srv, 'bob', call.bots)
      // The server announces a stream only once its media is live: the page's pusher pushed.
      await until(() => bot.engine.getSnapshot().streams.find((s) => s.user.userId === 'alice'), "alice's live stream, seen by the bot")
    })

    it("plays the bot's stream through a rendered live-player", async () => {
      await call.bots[0]!.publish('bob_cam')
      const player = await until(() => call.page.elements('live-player').find((p) => p.attributes.src), 'a live-player with a src')
      expect(player.attributes.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/.+\.flv\?/)
      await until(() => call.page.virtualPlayer(player.id)?.counters.framesReceived, 'frames from the bot')
      await until(() => call.page.native.events.some((e) => e.tag === 'live-player' && e.kind === 'statechange' && e.detail.code === 2004), 'player statechange 2004 (playing)')
    })

    it('leaves the room', async () => {
      call.page.tap('Leave')
      await until(() => call.page.text().includes('Not in a room'), 'not in a room')
      await until(() => call.bots[0]!.engine.getSnapshot().users.every((u) => u.userId !== 'alice'), 'the bot seeing alice leave')
      expect(call.page.pusher()).toBeUndefined()
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
