#!/usr/bin/env node
// What WeChat DevTools' "Tools → Build npm" does for this project: copy each dependency's
// `miniprogram` folder (package.json "miniprogram") into miniprogram_npm/<name>.
import { cpSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const app = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(app, 'package.json'))
rmSync(join(app, 'miniprogram_npm'), { recursive: true, force: true })
for (const name of Object.keys(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies || {})) {
  const dir = dirname(require.resolve(name + '/package.json'))
  const from = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).miniprogram
  if (!from) continue
  cpSync(join(dir, from), join(app, 'miniprogram_npm', name), { recursive: true })
  console.log(`miniprogram_npm/${name} ← ${from}`)
}
