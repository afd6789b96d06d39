// Bundle size: what a mini-program ships for MiniRTC (core + protocol, + each adapter present),
// minified + gzip -9, framework excluded, from the built dist as an app's bundler resolves it —
// scripts/size.mjs's BUNDLES and measure() (build first) — side by
// side with the vendor SDK bundles doing the same job, taken from their npm tarballs at bench
// time (cached under bench/.cache) and gzipped the same way.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { benchDir, round, writeResult } from './lib.mjs'

const root = join(benchDir, '..')
const cacheDir = join(benchDir, '.cache')
const KB = 1024

// uni ships its components as .vue files the app's build compiles: not in the entry's bundle.
const SFC_DIRS = { '@minirtc/uni': 'components' }

/** Files under `dir` ending in `ext`, recursively. */
function filesUnder(dir, ext) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name), ext) : d.name.endsWith(ext) ? [join(dir, d.name)] : [],
  )
}
const VENDORS = [
  { name: 'ZEGO', pkg: 'zego-express-engine-miniprogram', version: '3.6.0', file: 'ZegoExpressMiniProgram.js' },
  { name: 'Tencent TRTC (trtc-wx-sdk)', pkg: 'trtc-wx-sdk', version: '1.1.15', file: 'trtc-wx.js' },
]

const loadSize = () => import(join(root, 'scripts/size.mjs'))

function vendorFile(v) {
  mkdirSync(cacheDir, { recursive: true })
  const tgz = join(cacheDir, `${v.pkg}-${v.version}.tgz`)
  if (!existsSync(tgz)) {
    execFileSync('npm', ['pack', `${v.pkg}@${v.version}`, '--pack-destination', cacheDir, '--silent', '--ignore-scripts'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 })
    if (!existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz} (found: ${readdirSync(cacheDir).join(', ')})`)
  }
  const list = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).split('\n')
  const path = list.filter((p) => p.split('/').pop() === v.file).sort((a, b) => a.length - b.length)[0]
  if (!path) throw new Error(`${v.file} not found in ${v.pkg}@${v.version}`)
  return { path, data: execFileSync('tar', ['-xzOf', tgz, path], { maxBuffer: 64 * 2 ** 20 }) }
}

export async function bundleSize({ smoke = false } = {}) {
  const { BUNDLES, measure, packageDir } = await loadSize()
  const ours = []
  for (const e of BUNDLES) {
    const dir = packageDir(e.entry)
    if (!dir) continue
    const { minified, gzipped } = await measure(e.entry, e.external ?? [])
    const row = { bundle: e.name, entry: e.entry, minified, gzipped }
    const sfcDir = SFC_DIRS[e.entry]
    const sfc = sfcDir ? filesUnder(join(dir, sfcDir), '.vue') : []
    if (sfc.length) {
      const src = Buffer.concat(sfc.map((f) => readFileSync(f)))
      row.notInBundle = { what: `${sfc.length} .vue components (${e.entry}/${sfcDir}), source`, raw: src.length, gzipped: gzipSync(src, { level: 9 }).length }
    }
    ours.push(row)
  }
  if (!ours.length || ours.some((o) => !(o.gzipped > 0))) throw new Error('bundle size: nothing measured')
  const vendors = []
  for (const v of VENDORS) {
    try {
      const { path, data } = vendorFile(v)
      vendors.push({ bundle: v.name, package: `${v.pkg}@${v.version}`, file: path.replace(/^package\//, ''), raw: data.length, gzipped: gzipSync(data, { level: 9 }).length })
    } catch (e) {
      // Without registry access (offline CI) the smoke still checks our own bundles.
      if (!smoke) throw e
      console.log(`  bundle size: ${v.pkg}@${v.version} unavailable in smoke (${e.message.split('\n')[0]})`)
    }
  }
  const withAdapter = ours.filter((o) => o.bundle.includes('+ taro') || o.bundle.includes('+ uni'))
  const largest = withAdapter.sort((a, b) => b.gzipped - a.gzipped)[0] ?? ours[0]
  const zego = vendors.find((v) => v.bundle === 'ZEGO')
  // The goal is size.mjs's budget for that bundle, not a second number here.
  const budget = BUNDLES.find((b) => b.name === largest.bundle)?.budget ?? 12 * KB
  for (const o of ours) console.log(`  size ${o.bundle.padEnd(24)} ${(o.minified / KB).toFixed(1)} KB min, ${(o.gzipped / KB).toFixed(2)} KB gz`)
  for (const v of vendors) console.log(`  size ${v.bundle.padEnd(24)} ${(v.raw / KB).toFixed(1)} KB raw, ${(v.gzipped / KB).toFixed(2)} KB gz`)
  return writeResult(
    'bundle-size',
    {
      goal: `core + protocol + one adapter ≤ ${budget / KB} KB min+gz (scripts/size.mjs; ZEGO 132 KB)`,
      method: 'esbuild bundle of each package as an app imports it, through its exports to the built dist (minified, es2017, framework external) + gzip -9 for ours; vendor main bundles as shipped in their npm tarballs + gzip -9',
      ours,
      vendors,
      largestWithAdapter: { bundle: largest.bundle, gzipped: largest.gzipped, budget, goalMet: largest.gzipped <= budget },
      zegoRatio: zego ? Math.round((zego.gzipped / largest.gzipped) * 100) / 100 : null,
    },
    { smoke },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await bundleSize({ smoke: process.argv.includes('--smoke') })
