/**
 * A native mini-program (no framework) on @minirtc/core: the tarballs installed with plain npm,
 * miniprogram_npm built by miniprogram-ci's packNpmManually (the developer tools' "Build npm", run
 * offline), the page loaded under miniprogram-simulate resolving `require('@minirtc/core')` as
 * WeChat does (miniprogram_npm only, never node_modules), logging in to a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Module, { createRequire, isBuiltin } from 'node:module'
import path from 'node:path'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { parse } from 'acorn'
import type { Bot } from '@minirtc/headless'
import type { RunningServer } from '@minirtc/server'
import { installMiniProgramGlobals } from '../../taro-sim/test/harness/miniProgramGlobals'
import { installWx, type WxShim } from '../../uni-sim/test/wxShim'
import { fixtures, installApp, type ConsumerApp } from './consumerApp'
import { joinBot, startDevServer } from './devServer'
import { until } from './until'

const require = createRequire(import.meta.url)
let app: ConsumerApp
let root: string
let srv: RunningServer
let wx: WxShim
let page: any
const bots: Bot[] = []
const resolved: string[] = []
installMiniProgramGlobals('pages/index/index')

type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string
const modules = Module as unknown as { _resolveFilename: Resolve }
// oxlint-disable-next-line no-underscore-dangle -- Node's resolver hook
const nodeResolve = modules._resolveFilename

/** WeChat's rule: a bare `require` from the mini-program is miniprogram_npm/<name>, looked up from the requiring folder upward. */
function weChatResolve(request: string, from: string): string {
  for (let dir = path.dirname(from); dir.startsWith(root); dir = path.dirname(dir)) {
    const base = path.join(dir, 'miniprogram_npm', request)
    for (const file of [base + '.js', path.join(base, 'index.js')]) if (existsSync(file)) return file
  }
  throw new Error(`WeChat would not find "${request}" from ${from}: not in miniprogram_npm`)
}

beforeAll(async () => {
  app = installApp({ id: 'native', fixture: path.join(fixtures, 'native-app'), minirtc: ['@minirtc/core'] })
  root = path.join(app.dir, 'miniprogram')
  const out = app.run(process.execPath, ['scripts/build-npm.js'])
  expect(JSON.parse(out.slice(out.indexOf('{')))).toEqual({ miniProgramPackNum: 2, otherNpmPackNum: 0, warnList: [] })
  // oxlint-disable-next-line no-underscore-dangle
  modules._resolveFilename = function (request, parent, ...rest) {
    const from = parent?.filename
    if (from && from.startsWith(root + path.sep) && !request.startsWith('.') && !path.isAbsolute(request) && !isBuiltin(request)) {
      const file = weChatResolve(request, from)
      resolved.push(path.relative(root, file))
      return file
    }
    return nodeResolve.call(this, request, parent, ...rest)
  }
  srv = await startDevServer()
  const simulate = require('miniprogram-simulate')
  wx = installWx({ ws: srv.url, http: srv.httpUrl, builtIn: 'ws://127.0.0.1:8090/ws' })
  require(path.join(root, 'app.js'))
  page = simulate.render(simulate.load(path.join(root, 'pages/index/index'), 'page-index', { rootPath: root }))
  page.attach(document.createElement('parent-wrapper'))
})

afterAll(async () => {
  page?.detach()
  for (const b of bots) await b.leave()
  await srv?.close()
  // oxlint-disable-next-line no-underscore-dangle
  modules._resolveFilename = nodeResolve
})

describe('a native mini-program with miniprogram_npm built from the tarballs', () => {
  it('miniprogram_npm holds @minirtc/core and @minirtc/protocol as ES2017 CommonJS', () => {
    const npm = path.join(root, 'miniprogram_npm/@minirtc')
    expect(readdirSync(npm).sort()).toEqual(['core', 'protocol'])
    for (const pkg of ['core', 'protocol'])
      for (const file of readdirSync(path.join(npm, pkg)).filter((f) => f.endsWith('.js')))
        expect(() => parse(readFileSync(path.join(npm, pkg, file), 'utf8'), { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow()
  })

  it('the page requires the engine from miniprogram_npm and logs in to a real server', async () => {
    expect(resolved).toEqual(['miniprogram_npm/@minirtc/core/index.js', 'miniprogram_npm/@minirtc/protocol/index.js'])
    expect(page.data.roomState).toBe('DISCONNECTED')
    page.querySelector('#join').dispatchEvent('tap', { detail: {} })
    await until('CONNECTED', () => page.data.roomState === 'CONNECTED')
    expect(wx.requestedUrls).toEqual(['http://127.0.0.1:8090/dev/token', 'ws://127.0.0.1:8090/ws'])
    const bot = await joinBot(srv, 'bob', bots)
    await until('the bot sees the native user', () => bot.engine.getSnapshot().users.some((u) => u.userId === 'native'))
  })
})
