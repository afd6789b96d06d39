#!/usr/bin/env node
// Library hygiene for every published package: publint clean, and the shipped JS parses as
// ES2017 (the WeChat base library runs it as is; Taro and uni-app do not transpile node_modules).
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { parse } from 'acorn'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Packages that run inside the mini-program (ES2017) vs on Node only.
const miniProgram = new Set(['protocol', 'core', 'taro', 'uni', 'zego-compat', 'weapp'])
let failed = false
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir)
  const pkgJson = join(pkgDir, 'package.json')
  if (!existsSync(pkgJson)) continue
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'))
  if (pkg.private) continue
  let ok = true
  const { messages } = await publint({ pkgDir, level: 'warning', strict: true })
  for (const m of messages) {
    console.log(`${pkg.name}: ${m.type}: ${formatMessage(m, pkg)}`)
    ok = false
  }
  // Native-page packages ship their `miniprogram` folder (miniprogram_dist) instead of dist.
  const out = pkg.miniprogram || 'dist'
  if (miniProgram.has(dir) && existsSync(join(pkgDir, out))) {
    for (const f of readdirSync(join(pkgDir, out), { recursive: true }).filter((f) => /\.(c?js|mjs)$/.test(f))) {
      try {
        parse(readFileSync(join(pkgDir, out, f), 'utf8'), { ecmaVersion: 2017, sourceType: f.endsWith('.mjs') || (f.endsWith('.js') && pkg.type === 'module') ? 'module' : 'script' })
      } catch (e) {
        console.log(`${pkg.name}: ${out}/${f} is not ES2017: ${e.message}`)
        ok = false
      }
    }
  }
  if (ok) console.log(`${pkg.name}: publint clean${miniProgram.has(dir) ? ', ES2017 output' : ''}`)
  failed ||= !ok
}
if (failed) process.exit(1)
