/**
 * miniprogram-simulate and the exparser instance its j-component renders with, loaded once.
 * Both are CommonJS; exparser is reached through j-component so the tree we walk is the one it
 * builds (pnpm does not hoist either).
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

let loaded: { simulate: any; exparser: any; utils: any } | null = null

export function simulator(): { simulate: any; exparser: any; utils: { readJson(file: string): any } } {
  if (loaded) return loaded
  if (typeof document === 'undefined')
    throw new Error('@minirtc/testing renders pages into a DOM: run the test with `environment: \'happy-dom\'` in vitest.config.')
  const simulate = require('miniprogram-simulate')
  const fromSimulate = createRequire(require.resolve('miniprogram-simulate'))
  const exparser = createRequire(fromSimulate.resolve('j-component'))('miniprogram-exparser')
  // The module the simulator reads component JSON with (see npmComponents).
  const utils = fromSimulate('./src/utils')
  loaded = { simulate, exparser, utils }
  return loaded
}
