/**
 * The page in packages/taro/README.md is apps/taro-demo/src/pages/room/index.tsx, word for word,
 * and it works: compiled, under miniprogram-simulate, against a server set up as the README says
 * (`--dev`: app id `dev`, tokens from /dev/token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { startServer, type RunningServer } from '@minirtc/server'
import { createMiniProgram, until, type MiniProgram, type SimulatedPage } from '@minirtc/testing'

const repo = path.resolve(__dirname, '../../..')
let srv: RunningServer
let mp: MiniProgram
let page: SimulatedPage

beforeAll(async () => {
  srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [{ appId: 'dev', secret: 'readme-secret-0123456789abcdef' }], dev: true, logger: { level: 'silent' } })
  mp = createMiniProgram({ root: path.join(repo, 'apps/taro-demo/dist'), server: srv })
  page = await mp.open('pages/room/index')
})

afterAll(async () => {
  mp?.close()
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
    await until(() => page.text().includes('Not in a room'), 'first render')
    // The page sets no ids: tap the element that reads "Join".
    page.tap('Join')
    await until(() => page.pusher()?.url, 'push url in page data')
    expect(mp.wx.requested).toEqual([
      { api: 'request', url: 'http://127.0.0.1:8090/dev/token?roomId=room-1&userId=alice' },
      { api: 'connectSocket', url: 'ws://127.0.0.1:8090/ws' },
    ])
    expect(page.text()).toContain('Leave')
  })
})
