/**
 * Where the consumer apps live: outside the workspace (so nothing resolves through its
 * node_modules), in a cache kept across runs so npm reuses the installed framework. Override with
 * MINIRTC_CONSUMER_CACHE.
 */
import { tmpdir } from 'node:os'
import path from 'node:path'

export const cacheRoot = path.resolve(process.env.MINIRTC_CONSUMER_CACHE || path.join(tmpdir(), 'minirtc-consumers'))
/** This run's tarballs (replaced every run). */
export const tarballDir = path.join(cacheRoot, 'tarballs')

/** One packed package, as the test files receive it. */
export interface Packed {
  name: string
  version: string
  tarball: string
  bytes: number
  /** Names of its runtime dependencies (to add the @minirtc ones it needs). */
  dependencies: string[]
}
