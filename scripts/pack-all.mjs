#!/usr/bin/env node
// Pack every publishable workspace package (not "private") with `pnpm pack`, as npm would publish
// it: `workspace:*` becomes the real version, only `files` go in. New packages are picked up
// without editing this script.
// Usage: node scripts/pack-all.mjs [outDir]   (default: a fresh temporary directory; prints it)
// Needs the packages built (`pnpm exec turbo run build`).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * @typedef {{ name: string, version: string, dir: string, pkg: Record<string, any> }} Publishable
 * @typedef {Publishable & { tarball: string, bytes: number }} Packed
 */

/**
 * The workspace packages a user can install: each one whose package.json is not
 * `"private": true`, by name.
 * @returns {Publishable[]}
 */
export function publishablePackages() {
  const listed = JSON.parse(execFileSync('pnpm', ['-r', 'ls', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8' }))
  return listed
    .filter((p) => !p.private)
    .map((p) => {
      const pkg = JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8'))
      return { name: pkg.name, version: pkg.version, dir: p.path, pkg }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * Pack every publishable package into `outDir`; `tarball` is the absolute path of the `.tgz`.
 * @param {string} [outDir]
 * @returns {Packed[]}
 */
export function packAll(outDir = mkdtempSync(join(tmpdir(), 'minirtc-pack-'))) {
  mkdirSync(outDir, { recursive: true })
  return publishablePackages().map(({ name, version, dir, pkg }) => {
    // `pnpm pack --json` prints the tarball's path and file list.
    const out = execFileSync('pnpm', ['pack', '--pack-destination', outDir, '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    const tarball = resolve(JSON.parse(out.slice(out.indexOf('{'))).filename)
    return { name, version, dir, pkg, tarball, bytes: statSync(tarball).size }
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const packed = packAll(process.argv[2] ? resolve(process.argv[2]) : undefined)
  for (const p of packed) console.log(`${p.name.padEnd(22)} ${(p.bytes / 1024).toFixed(1).padStart(7)} KB  ${p.tarball}`)
}
