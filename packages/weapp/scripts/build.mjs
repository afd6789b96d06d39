#!/usr/bin/env node
// miniprogram_dist, laid out as WeChat DevTools' "build npm" expects: index.js (createRoom and the
// engine, one CommonJS file at ES2017), index.d.ts, and one folder per component.
import { build } from 'esbuild'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { playerWxml, pusherWxml } from './templates.mjs'

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(pkg, 'miniprogram_dist')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
await build({
  entryPoints: [join(pkg, 'src/index.ts')],
  outfile: join(out, 'index.js'),
  bundle: true,
  format: 'cjs',
  target: 'es2017',
  // 'node' for the `0 && (module.exports = {...})` note esbuild adds, which lets Node's ESM loader
  // see the named exports (attw); the bundle itself is the same.
  platform: 'node',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
})
cpSync(join(pkg, 'components'), out, { recursive: true })
// The pusher's default waiting-image (createRoom points at it); one picture, kept in @minirtc/core.
cpSync(join(pkg, '../core/assets/waiting-image.png'), join(out, 'waiting-image.png'))
writeFileSync(join(out, 'rtc-pusher/index.wxml'), pusherWxml())
writeFileSync(join(out, 'rtc-player/index.wxml'), playerWxml())
console.log('built miniprogram_dist')
