#!/usr/bin/env node
// Size budget: what a mini-program build ships for MiniRTC, minified + gzipped, framework excluded.
// Prints a table and exits non-zero when a budget is exceeded (CI enforces it).
import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const KB = 1024
const entries = [
  { name: 'core + protocol', entry: 'packages/core/src/index.ts', budget: 10 * KB },
  { name: 'core + protocol + taro', entry: 'packages/taro/src/index.ts', budget: 12 * KB, external: ['react', '@tarojs/*', 'react/*'] },
  { name: 'core + protocol + uni', entry: 'packages/uni/src/index.ts', budget: 12 * KB, external: ['vue', '@dcloudio/*'] },
]
// Add-ons measured from their built dist (as npm ships them, resolving their dependencies' dist
// too), against the same-built bundle they sit on: the budget is what they add.
const addOns = [{ name: 'zego-compat over core + protocol', entry: 'packages/zego-compat/dist/index.mjs', base: 'packages/core/dist/index.js', budget: 3 * KB }]

export async function measure(entry, external = [], conditions = ['minirtc-source']) {
  const out = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: 'es2017',
    platform: 'neutral',
    conditions,
    mainFields: ['module', 'main'],
    external,
    legalComments: 'none',
    logLevel: 'silent',
  })
  const code = out.outputFiles[0].contents
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length }
}

// The budget table runs only when executed (`node scripts/size.mjs`), not when a benchmark imports measure().
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = []
  let failed = false
  for (const e of entries) {
    if (!existsSync(join(root, e.entry))) continue
    const { minified, gzipped } = await measure(e.entry, e.external)
    const ok = gzipped <= e.budget
    failed ||= !ok
    rows.push({ bundle: e.name, minified, gzipped, budget: e.budget, ok })
  }
  for (const a of addOns) {
    if (!existsSync(join(root, a.entry))) {
      console.error(`${a.entry} is missing: build first (pnpm exec turbo run build)`)
      failed = true
      continue
    }
    const [withIt, base] = [await measure(a.entry, [], []), await measure(a.base, [], [])]
    const added = { minified: withIt.minified - base.minified, gzipped: withIt.gzipped - base.gzipped }
    const ok = added.gzipped <= a.budget
    failed ||= !ok
    rows.push({ bundle: a.name, ...added, budget: a.budget, ok, fromDist: true })
  }
  for (const r of rows)
    console.log(
      `${r.ok ? 'ok  ' : 'OVER'} ${r.bundle.padEnd(34)} ${r.fromDist ? '+' : ' '}${(r.minified / KB).toFixed(1).padStart(5)} KB min ${r.fromDist ? '+' : ' '}${(r.gzipped / KB).toFixed(2).padStart(5)} KB min+gz  (budget ${r.budget / KB} KB${r.fromDist ? ', from dist' : ''})`,
    )
  if (process.argv.includes('--json')) {
    const file = join(root, 'bench/results/bundle-size-minirtc.json')
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(rows, null, 2) + '\n')
  }
  if (failed) {
    console.error('size budget exceeded')
    process.exit(1)
  }
}
