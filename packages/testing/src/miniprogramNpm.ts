/**
 * WeChat resolves a bare `require('pkg')` in a mini-program's code to `miniprogram_npm/pkg`, what
 * DevTools' "build npm" wrote; Node would look in node_modules. While a mini-program is set up,
 * requires from files under its root resolve to its miniprogram_npm first, so a page and the
 * npm components it uses share one module instance, as on a phone.
 */
import { existsSync, statSync } from 'node:fs'
import Module from 'node:module'
import path from 'node:path'

type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string
const mod = Module as unknown as { _resolveFilename: Resolve }
let root: string | null = null
let installed = false

/** `miniprogram_npm/<request>` under `root` as WeChat finds it (a folder's index.js, or request.js). */
function inMiniprogramNpm(base: string, request: string): string | null {
  const target = path.join(base, 'miniprogram_npm', request)
  if (existsSync(target) && statSync(target).isDirectory()) return existsSync(path.join(target, 'index.js')) ? path.join(target, 'index.js') : null
  return existsSync(target + '.js') ? target + '.js' : null
}

/** Resolve bare requires from code under `miniProgramRoot` through its miniprogram_npm. */
export function useMiniprogramNpm(miniProgramRoot: string): void {
  root = miniProgramRoot
  if (installed) return
  installed = true
  const original = mod._resolveFilename
  mod._resolveFilename = function (request, parent, ...rest) {
    const from = parent && parent.filename
    if (root && from && from.startsWith(root + path.sep) && !request.startsWith('.') && !path.isAbsolute(request)) {
      const found = inMiniprogramNpm(root, request)
      if (found) return found
    }
    return original.call(this, request, parent, ...rest)
  }
}
