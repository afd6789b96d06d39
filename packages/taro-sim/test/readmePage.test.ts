/**
 * The page in packages/taro/README.md is apps/taro-demo/src/pages/room/index.tsx, word for word,
 * and it works: compiled, under miniprogram-simulate, against a server set up as the README says
 * (`--dev`: app id `dev`, tokens from /dev/token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { startServer, type RunningServer } from '@minirtc/server'
import { readCompiledComponent } from './harness/baseWxml'
import { elementWithText } from './harness/elementWithText'
import { installMiniProgramGlobals } from './harness/miniProgramGlobals'
import { NativeLiveComponents } from './harness/nativeLiveComponents'
import { installWxBridge, type WxBridge } from './harness/wxBridge'

const require = createRequire(import.meta.url)
const repo = path.resolve(__dirname, '../../..')
const dist = path.join(repo, 'apps/taro-demo/dist')
const pages = installMiniProgramGlobals('pages/room/index')
let srv: RunningServer
let wx: WxBridge
let page: any
let native: NativeLiveComponents

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 25))
  }
}

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [{ appId: 'dev', secret: 'readme-secret-0123456789abcdef' }], dev: true, logger: { level: 'silent' } })
  const simulate = require('miniprogram-simulate')
  const baseWxml = path.join(dist, 'base.wxml')
  native = new NativeLiveComponents(readCompiledComponent(baseWxml, 'live-pusher'), readCompiledComponent(baseWxml, 'live-player'), (id) => page && page.querySelector('#' + id))
  wx = installWxBridge({ server: srv.url, http: srv.httpUrl, contexts: { pusher: () => [...native.pushers.values()][0]?.context ?? null, player: (id) => native.players.get(id)?.context ?? null } })
  require(path.join(dist, 'app.js'))
  page = simulate.render(simulate.load(path.join(dist, 'pages/room/index'), 'page-room', { rootPath: dist }))
  pages.onRender.add((p) => native.sync(p.data))
  page.attach(document.createElement('parent-wrapper'))
})

afterAll(async () => {
  page?.detach()
  native?.destroy()
  await srv?.close()
})

describe('README page', () => {
  it('is the demo\'s pages/room/index.tsx, word for word', () => {
    const readme = readFileSync(path.join(repo, 'packages/taro/README.md'), 'utf8')
    const block = /## A page\n\n```tsx\n([\s\S]*?)```/.exec(readme)
    expect(block).not.toBeNull()
    expect(block![1]).toBe(readFileSync(path.join(repo, 'apps/taro-demo/src/pages/room/index.tsx'), 'utf8'))
  })

  it('joins and publishes against a --dev server', async () => {
    await until('first render', () => (page.dom.textContent as string).includes('Not in a room'))
    page.querySelector('#' + elementWithText(page.data.root, 'Join')).dispatchEvent('tap', { detail: {} })
    await until('push url in page data', () => native.nodes(page.data, 'live-pusher')[0]?.attributes.url)
    expect(wx.requestUrls).toEqual(['http://127.0.0.1:8090/dev/token?roomId=room-1&userId=alice'])
    expect(wx.socketUrls).toEqual(['ws://127.0.0.1:8090/ws'])
    expect(page.dom.textContent).toContain('Leave')
  })
})
