import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'acorn'
import { describe, expect, it } from 'vitest'
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'

const source = (name: string) => readFileSync(join(__dirname, '../../components', name, name + '.vue'), 'utf8')
const kebab = (camel: string) => camel.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())

describe('shipped .vue components', () => {
  // uni-app compiles .vue files from node_modules but does not transpile their script
  it.each(['rtc-pusher', 'rtc-player', 'rtc-players'])('%s: the script is plain ES2017', (name) => {
    const script = /<script>([\s\S]*?)<\/script>/.exec(source(name))![1]!
    expect(() => parse(script, { ecmaVersion: 2017, sourceType: 'module' })).not.toThrow()
  })

  it('rtc-pusher binds every pusher attribute from the view model', () => {
    const template = source('rtc-pusher')
    for (const key of ['id', 'url', 'autopush', ...Object.keys(DEFAULT_PUSHER_ATTRIBUTES)]) expect(template).toContain(`:${kebab(key)}="vm.${key}"`)
  })

  it('rtc-player binds every player attribute from the view model (protocol only picks the URL)', () => {
    const template = source('rtc-player')
    const keys = Object.keys(DEFAULT_PLAYER_ATTRIBUTES).filter((k) => k !== 'protocol')
    for (const key of ['id', 'src', 'autoplay', ...keys]) expect(template).toContain(`:${kebab(key)}="vm.${key}"`)
  })
})
