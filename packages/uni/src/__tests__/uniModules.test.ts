import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'acorn'
import { afterAll, expect, it } from 'vitest'

const pkgDir = join(__dirname, '../..')
const out = join(mkdtempSync(join(tmpdir(), 'minirtc-uni-modules-')), 'minirtc-uni')
afterAll(() => rmSync(out, { recursive: true, force: true }))

it('scripts/uni-modules.mjs assembles the plugin-market layout', () => {
  execFileSync(process.execPath, [join(pkgDir, 'scripts/uni-modules.mjs'), out])
  // easycom picks up uni_modules/<id>/components/<name>/<name>.vue by itself
  for (const name of ['rtc-pusher', 'rtc-player', 'rtc-players'])
    expect(readFileSync(join(out, 'components', name, name + '.vue'), 'utf8')).toBe(readFileSync(join(pkgDir, 'components', name, name + '.vue'), 'utf8'))
  const meta = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'))
  expect(meta.id).toBe('minirtc-uni')
  expect(meta.uni_modules.platforms.client.Vue.vue3).toBe('y')
  expect(existsSync(join(out, 'readme.md')) && existsSync(join(out, 'changelog.md'))).toBe(true)
  expect(readdirSync(join(out, 'js_sdk'))).toEqual(['index.js'])
})

it('js_sdk/index.js is ES2017 with the core bundled in and only vue / @dcloudio/uni-app left to the app', () => {
  const code = readFileSync(join(out, 'js_sdk/index.js'), 'utf8')
  const ast = parse(code, { ecmaVersion: 2017, sourceType: 'module' }) as unknown as { body: Array<{ type: string; source?: { value: string } }> }
  const imports = ast.body.filter((n) => n.type === 'ImportDeclaration').map((n) => n.source!.value)
  expect([...new Set(imports)].sort()).toEqual(['@dcloudio/uni-app', 'vue'])
  expect(code).toContain('minirtc:room')
  expect(code).toMatch(/export\s*\{[^}]*useRoom/)
})
