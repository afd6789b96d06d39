/**
 * npm components in a native project, as WeChat resolves them: from `miniprogram_npm/` after
 * DevTools' "build npm", or (no build step) from the package's `miniprogram` folder in node_modules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { createMiniProgram } from '@minirtc/testing'

const root = mkdtempSync(path.join(os.tmpdir(), 'minirtc-npm-components-'))
function write(file: string, text: string) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
  writeFileSync(path.join(root, file), text)
}
function component(dir: string, wxml: string, json: object = {}) {
  write(`${dir}.json`, JSON.stringify({ component: true, ...json }))
  write(`${dir}.wxml`, wxml)
  write(`${dir}.js`, 'Component({})')
}

// A package in node_modules with its components in `lib` (the package.json `miniprogram` field).
write('node_modules/@acme/ui/package.json', JSON.stringify({ name: '@acme/ui', version: '1.0.0', miniprogram: 'lib' }))
component('node_modules/@acme/ui/lib/badge/badge', '<text class="badge">badge from node_modules</text><chip />', { usingComponents: { chip: '../chip/chip' } })
component('node_modules/@acme/ui/lib/chip/chip', '<text>chip</text>')
// A package "build npm" already copied (index component of the package).
component('miniprogram_npm/tile-ui/index', '<live-player id="tile" src="" />')
write('pages/index/index.json', JSON.stringify({ usingComponents: { badge: '@acme/ui/badge/badge', tile: 'tile-ui', local: './local' } }))
write('pages/index/index.wxml', '<badge /><tile /><local />')
write('pages/index/index.js', 'Page({})')
component('pages/index/local', '<text>local</text>')

afterAll(() => rmSync(root, { recursive: true, force: true }))

it('renders components from node_modules (miniprogram folder) and from miniprogram_npm, next to relative ones', async () => {
  const mp = createMiniProgram({ root, server: { url: 'ws://127.0.0.1:9/ws', httpUrl: 'http://127.0.0.1:9' } })
  const page = await mp.open('pages/index/index')
  expect(page.text()).toContain('badge from node_modules')
  expect(page.text()).toContain('chip')
  expect(page.text()).toContain('local')
  expect(page.elements('live-player').map((e) => e.id)).toEqual(['tile'])
  mp.close()
})
