import { readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

it('the README\'s worked example is test/example.test.ts, word for word', () => {
  const readme = readFileSync(path.join(__dirname, '../README.md'), 'utf8')
  const block = /## A worked example\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)
  expect(block).not.toBeNull()
  expect(block![1]).toBe(readFileSync(path.join(__dirname, 'example.test.ts'), 'utf8'))
})
