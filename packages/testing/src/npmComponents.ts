/**
 * WeChat's npm components: a `usingComponents` path that is neither relative nor absolute
 * (`"rtc-pusher": "@minirtc/weapp/rtc-pusher"`) names a component of an npm package, which
 * DevTools' "build npm" copies from `node_modules/<package>/<miniprogram field, default
 * miniprogram_dist>` into `miniprogram_npm/<package>`. The simulator only knows relative and
 * root-absolute paths, so its JSON reader is taught to rewrite these, without a build step: to
 * `miniprogram_npm/` when the project has one, else to the package in `node_modules`.
 *
 * WeChat's WXML compiler (wcc) only sees the project's files, none in node_modules: a page
 * that uses components from there is compiled by the simulator's JavaScript one (no `<wxs>`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

let root = ''
let installed = false

/** Resolve npm component paths for the mini-program in `projectRoot` from now on. */
export function resolveNpmComponents(simulateUtils: { readJson(file: string): any }, projectRoot: string): void {
  root = projectRoot
  if (installed) return
  installed = true
  const readJson = simulateUtils.readJson
  simulateUtils.readJson = (file: string) => {
    const json = readJson(file)
    const using = json && json.usingComponents
    if (using) for (const name of Object.keys(using)) using[name] = rewrite(path.dirname(file), using[name])
    return json
  }
}

function rewrite(fromDir: string, value: unknown): unknown {
  if (typeof value !== 'string' || /^(\.|\/|plugin:)/.test(value) || path.isAbsolute(value)) return value
  const target = builtNpm(fromDir, value) || packageComponent(fromDir, value)
  // Root-absolute for the simulator, which joins such paths to the project root.
  return target ? '/' + path.relative(root, target).split(path.sep).join('/') : value
}

/** `miniprogram_npm/<value>` in the component's folder or an ancestor, as WeChat looks it up. */
function builtNpm(fromDir: string, value: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'miniprogram_npm', value)
    if (existsSync(candidate + '.json')) return candidate
    if (existsSync(path.join(candidate, 'index.json'))) return path.join(candidate, 'index')
    if (dir === root || dir === path.dirname(dir)) return undefined
  }
}

/** The component in the package itself, where "build npm" would copy it from. */
function packageComponent(fromDir: string, value: string): string | undefined {
  const parts = value.split('/')
  const name = value.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
  const rest = parts.slice(value.startsWith('@') ? 2 : 1).join('/')
  let manifest: string
  try {
    manifest = createRequire(path.join(fromDir, 'noop.js')).resolve(name + '/package.json')
  } catch {
    return undefined
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
  const candidate = path.join(path.dirname(manifest), pkg.miniprogram || 'miniprogram_dist', rest || 'index')
  if (existsSync(candidate + '.json')) return candidate
  return existsSync(path.join(candidate, 'index.json')) ? path.join(candidate, 'index') : undefined
}

/** `official` (wcc) unless the page's component tree reaches outside the project. */
export function compilerFor(simulateUtils: { readJson(file: string): any }, pageFile: string): 'official' | 'simulate' {
  const seen = new Set<string>()
  const outside = (file: string): boolean => {
    if (seen.has(file)) return false
    seen.add(file)
    const relative = path.relative(root, file)
    // wcc compiles the project's own files: not outside it, not under node_modules.
    if (relative.startsWith('..') || relative.split(path.sep).includes('node_modules')) return true
    const json = simulateUtils.readJson(file + '.json')
    const using: Record<string, string> = (json && json.usingComponents) || {}
    return Object.keys(using).some((name) => {
      const value = using[name]!
      if (value.startsWith('plugin:')) return false
      return outside(value.startsWith('/') ? path.join(root, value) : path.join(path.dirname(file), value))
    })
  }
  return outside(pageFile) ? 'simulate' : 'official'
}
