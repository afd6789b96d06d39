#!/usr/bin/env node
// Library hygiene for every publishable package, checked on the tarball `pnpm pack` makes (what
// a user installs): publint clean, @arethetypeswrong/cli clean, and the shipped JS of packages
// that run inside the mini-program parses as ES2017 (the WeChat base library runs it as is; Taro
// and uni-app do not transpile node_modules). Packages that declare `engines.node` run on Node
// only (server, headless): they are ESM-only, so attw checks them with its esm-only profile.
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { parse } from 'acorn'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packAll, root } from './pack-all.mjs'

/** How the host loads a shipped file: WeChat's "Build npm" output is CommonJS; dist follows Node's rules. */
function moduleKind(file, pkg) {
  if (file.endsWith('.mjs')) return 'module'
  if (file.endsWith('.cjs') || file.startsWith('package/miniprogram_dist/')) return 'script'
  return pkg.type === 'module' ? 'module' : 'script'
}

const outDir = mkdtempSync(join(tmpdir(), 'minirtc-publint-'))
let failed = false
try {
  for (const { name, pkg, tarball } of packAll(outDir)) {
    const problems = []
    const data = readFileSync(tarball)
    const { messages } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: 'warning', strict: true })
    for (const m of messages) problems.push(`publint ${m.type}: ${formatMessage(m, pkg)}`)

    const runsOnNode = Boolean(pkg.engines?.node)
    try {
      execFileSync(join(root, 'node_modules/.bin/attw'), [tarball, '--format', 'table-flipped', '--no-color', '--profile', runsOnNode ? 'esm-only' : 'strict'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (e) {
      problems.push(`attw:\n${e.stdout}${e.stderr}`)
    }

    if (!runsOnNode) {
      const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n')
      for (const file of listing.filter((f) => /^package\/.*\.(c?js|mjs)$/.test(f) && !f.startsWith('package/src/'))) {
        // plugin.js and the like run in the build tool (Node), not in the mini-program: dist/ and
        // miniprogram_dist/ (WeChat's "Build npm") ship to WeChat.
        if (!/^package\/(dist|miniprogram_dist)\//.test(file)) continue
        const code = execFileSync('tar', ['-xzOf', tarball, file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
        try {
          parse(code, { ecmaVersion: 2017, sourceType: moduleKind(file, pkg) })
        } catch (e) {
          problems.push(`${file.slice('package/'.length)} is not ES2017: ${e.message}`)
        }
      }
    }
    for (const p of problems) console.log(`${name}: ${p}`)
    if (!problems.length) console.log(`${name}: publint and attw clean${runsOnNode ? '' : ', ES2017 output'}`)
    failed ||= problems.length > 0
  }
} finally {
  rmSync(outDir, { recursive: true, force: true })
}
if (failed) process.exit(1)
