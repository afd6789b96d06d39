/** The page in packages/uni/README.md is a page of the demo, compiled and rendered here; the demo stays short. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { createMiniProgram } from '@minirtc/testing'
import { layout } from './layout'

const repo = path.resolve(__dirname, '../../..')

it('README page = apps/uni-demo/src/pages/readme/readme.vue', () => {
  const readme = readFileSync(path.join(repo, 'packages/uni/README.md'), 'utf8')
  const block = /```vue\n([\s\S]*?)```/.exec(readme)![1]
  expect(block).toBe(readFileSync(path.join(repo, 'apps/uni-demo/src/pages/readme/readme.vue'), 'utf8'))
})

it('README pages.json easycom line = the demo one', () => {
  const readme = readFileSync(path.join(repo, 'packages/uni/README.md'), 'utf8')
  const easycom = JSON.parse(/```json\n([\s\S]*?)```/.exec(readme)![1]!).easycom
  expect(easycom).toEqual(JSON.parse(readFileSync(path.join(repo, 'apps/uni-demo/src/pages.json'), 'utf8')).easycom)
})

it('the compiled README page renders the preview, the grid and the room state through easycom components', async () => {
  // nothing connects: the page only renders
  const mp = createMiniProgram({ root: layout().dist, server: { url: 'ws://127.0.0.1:9/ws', httpUrl: 'http://127.0.0.1:9' } })
  const p = await mp.open('pages/readme/readme')
  expect(p.text()).toContain('DISCONNECTED')
  expect(p.elements('live-pusher')).toHaveLength(1)
  expect(p.pusher()!.id).toBe('minirtc-pusher')
  expect(p.elements('live-player')).toHaveLength(0)
  const json = JSON.parse(readFileSync(path.join(layout().dist, 'pages/readme/readme.json'), 'utf8'))
  expect(Object.keys(json.usingComponents).sort()).toEqual(['rtc-players', 'rtc-pusher'])
  mp.close()
})

it('the demo call page stays within 40 lines of template and script (styles excluded)', () => {
  const page = readFileSync(path.join(repo, 'apps/uni-demo/src/pages/call/call.vue'), 'utf8')
  const code = page.slice(0, page.indexOf('<style'))
  expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(40)
})
