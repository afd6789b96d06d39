/**
 * Packs every publishable package once per run (scripts/pack-all.mjs, `pnpm pack`) into the
 * consumer cache and hands the list to the test files; prints the tarball sizes.
 */
import { mkdirSync, rmSync } from 'node:fs'
import type { TestProject } from 'vitest/node'
import { packAll } from '../../../scripts/pack-all.mjs'
import { cacheRoot, tarballDir, type Packed } from './cache'

declare module 'vitest' {
  export interface ProvidedContext {
    packed: Packed[]
  }
}

export default function setup(project: TestProject): void {
  mkdirSync(cacheRoot, { recursive: true })
  rmSync(tarballDir, { recursive: true, force: true })
  const packed: Packed[] = packAll(tarballDir).map(({ name, version, tarball, bytes, pkg }) => ({ name, version, tarball, bytes, dependencies: Object.keys(pkg.dependencies ?? {}) }))
  for (const p of packed) console.log(`packed ${p.name}@${p.version}: ${(p.bytes / 1024).toFixed(1)} KB`)
  project.provide('packed', packed)
}
