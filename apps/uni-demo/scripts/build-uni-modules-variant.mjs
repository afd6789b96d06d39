#!/usr/bin/env node
// Build the demo a second time the plugin-market way: @minirtc/uni assembled as
// uni_modules/minirtc-uni (components found by easycom's uni_modules rule, no pages.json line;
// script imported from js_sdk). Output: dist/build-uni-modules/mp-weixin, tested by
// packages/uni-sim like the npm build.
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const demo = join(dirname(fileURLToPath(import.meta.url)), '..')
const variant = join(demo, 'node_modules/.uni-modules-variant')
const input = join(variant, 'src')
rmSync(variant, { recursive: true, force: true })
cpSync(join(demo, 'src'), input, { recursive: true })

const uniPackage = dirname(createRequire(join(demo, 'package.json')).resolve('@minirtc/uni/package.json'))
execFileSync(process.execPath, [join(uniPackage, 'scripts/uni-modules.mjs'), join(input, 'uni_modules/minirtc-uni')], { stdio: 'inherit' })

const pagesJson = join(input, 'pages.json')
const pages = JSON.parse(readFileSync(pagesJson, 'utf8'))
delete pages.easycom
writeFileSync(pagesJson, JSON.stringify(pages, null, 2))
const rewrite = (dir) => {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    if (name === 'uni_modules') continue
    if (statSync(file).isDirectory()) rewrite(file)
    else if (/\.(vue|ts)$/.test(name)) writeFileSync(file, readFileSync(file, 'utf8').replace(/from '@minirtc\/uni'/g, "from '@/uni_modules/minirtc-uni/js_sdk/index.js'"))
  }
}
rewrite(input)

execFileSync(join(demo, 'node_modules/.bin/uni'), ['build', '-p', 'mp-weixin'], {
  cwd: demo,
  stdio: 'inherit',
  env: { ...process.env, UNI_INPUT_DIR: input, UNI_OUTPUT_DIR: join(demo, 'dist/build-uni-modules/mp-weixin') },
})
