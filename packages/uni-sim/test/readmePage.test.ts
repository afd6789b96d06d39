/** The page in packages/uni/README.md is a page of the demo, compiled and rendered here; the demo stays short. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { installWx } from './wxShim'
import { findAll, loadCallPage } from './loadCallPage'
import { renderedAttributes } from './compiledBindings'
import { pusherBindings } from './nativeLayer'

const repo = path.resolve(__dirname, '../../..')

beforeAll(() => {
  // nothing connects: the page only renders
  installWx({ ws: 'ws://127.0.0.1:9/ws', http: 'http://127.0.0.1:9', builtIn: 'ws://127.0.0.1:8090/ws' })
})

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
  const p = await loadCallPage('pages/readme/readme')
  expect(p.html()).toContain('DISCONNECTED')
  expect(findAll(p.page, 'live-pusher')).toHaveLength(1)
  expect(renderedAttributes(findAll(p.page, 'live-pusher')[0]!.owner, pusherBindings()).id).toBe('minirtc-pusher')
  expect(findAll(p.page, 'live-player')).toHaveLength(0)
  const json = JSON.parse(readFileSync(path.join(repo, 'apps/uni-demo/dist/build/mp-weixin/pages/readme/readme.json'), 'utf8'))
  expect(Object.keys(json.usingComponents).sort()).toEqual(['rtc-players', 'rtc-pusher'])
  p.page.instance.onUnload()
  p.page.detach()
})

it('the demo call page stays within 40 lines of template and script (styles excluded)', () => {
  const page = readFileSync(path.join(repo, 'apps/uni-demo/src/pages/call/call.vue'), 'utf8')
  const code = page.slice(0, page.indexOf('<style'))
  expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(40)
})
