/**
 * Packs every publishable package once per run (scripts/pack-all.mjs, `pnpm pack`) into the
 * consumer cache and hands the list to the test files; prints the tarball sizes. The cache is
 * shared by every checkout on the machine, so a run holds it locked until it ends.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { packAll } from '../../../scripts/pack-all.mjs'
import { cacheRoot, tarballDir, type Packed } from './cache'

declare module 'vitest' {
  export interface ProvidedContext {
    packed: Packed[]
  }
}

const lock = path.join(cacheRoot, '.lock')

function holder(): number | 'starting' | null {
  try {
    return Number(readFileSync(path.join(lock, 'pid'), 'utf8'))
  } catch {
    try {
      // Created, pid not written yet: give its owner a moment.
      return Date.now() - statSync(lock).mtimeMs < 10_000 ? 'starting' : null
    } catch {
      return null
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** mkdir is atomic: whoever creates the lock folder owns the cache; a dead owner's lock is taken over. */
async function acquire(): Promise<void> {
  let told = false
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(path.join(lock, 'pid'), String(process.pid))
      return
    } catch {
      const pid = holder()
      if (pid === null || (typeof pid === 'number' && !alive(pid))) {
        rmSync(lock, { recursive: true, force: true })
        continue
      }
      if (!told) console.log(`waiting for another consumer test run to release ${cacheRoot} (pid ${pid})`)
      told = true
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  mkdirSync(cacheRoot, { recursive: true })
  await acquire()
  rmSync(tarballDir, { recursive: true, force: true })
  const packed: Packed[] = packAll(tarballDir).map(({ name, version, tarball, bytes, pkg }) => ({ name, version, tarball, bytes, dependencies: Object.keys(pkg.dependencies ?? {}) }))
  for (const p of packed) console.log(`packed ${p.name}@${p.version}: ${(p.bytes / 1024).toFixed(1)} KB`)
  project.provide('packed', packed)
  return () => rmSync(lock, { recursive: true, force: true })
}
