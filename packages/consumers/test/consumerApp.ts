/**
 * A consumer app as a developer has it: its own folder outside the workspace, its package.json,
 * plain `npm install` from the registry, and MiniRTC from the packed tarballs (no workspace link).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { inject } from 'vitest'
import { cacheRoot, type Packed } from './cache'

export const fixtures = path.resolve(__dirname, '../fixtures')

/** The packed packages `names` need: themselves and, transitively, their @minirtc dependencies. */
export function tarballsFor(names: string[]): Packed[] {
  const packed = inject('packed')
  const out = new Map<string, Packed>()
  const add = (name: string) => {
    const p = packed.find((x) => x.name === name)
    if (!p) throw new Error(`${name} was not packed (is it private?)`)
    if (out.has(name)) return
    out.set(name, p)
    p.dependencies.filter((d) => packed.some((x) => x.name === d)).forEach(add)
  }
  names.forEach(add)
  return [...out.values()]
}

export interface AppOptions {
  /** Folder name in the cache: one per app and framework version. */
  id: string
  /** Fixture folder copied in (package.json, config, sources). */
  fixture: string
  /** The MiniRTC packages the app installs (their @minirtc dependencies come along). */
  minirtc: string[]
  /** Change the fixture's package.json (framework versions...). */
  editPackage?: (pkg: { dependencies: Record<string, string>; devDependencies?: Record<string, string> }) => void
}

export interface ConsumerApp {
  dir: string
  /** Seconds npm install took. */
  installSeconds: number
  run(command: string, args: string[], env?: Record<string, string>): string
}

/**
 * The environment a developer's shell has: without vitest's NODE_ENV=test (babel-preset-taro
 * then compiles ES modules to CommonJS, which webpack leaves unresolved in .mjs files) and VITEST*.
 */
function developerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key === 'NODE_ENV' || key.startsWith('VITEST')) delete env[key]
  return env
}

const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', '--ignore-scripts']

/**
 * Lay the app out in the cache (sources replaced, node_modules and package-lock.json kept) and
 * `npm install` it. The MiniRTC tarballs are new every run with the same version: their entries
 * are dropped from node_modules and the lockfile first, so npm installs this run's and checks
 * nothing against last run's integrity.
 */
export function installApp(options: AppOptions): ConsumerApp {
  const dir = path.join(cacheRoot, options.id)
  mkdirSync(dir, { recursive: true })
  for (const entry of readdirSync(dir)) if (entry !== 'node_modules' && entry !== 'package-lock.json') rmSync(path.join(dir, entry), { recursive: true, force: true })
  cpSync(options.fixture, dir, { recursive: true })
  const pkgFile = path.join(dir, 'package.json')
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
  options.editPackage?.(pkg)
  for (const p of tarballsFor(options.minirtc)) pkg.dependencies[p.name] = 'file:' + path.relative(dir, p.tarball)
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n')

  rmSync(path.join(dir, 'node_modules/@minirtc'), { recursive: true, force: true })
  const lockFile = path.join(dir, 'package-lock.json')
  if (existsSync(lockFile)) {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'))
    for (const key of Object.keys(lock.packages ?? {})) if (/(^|\/)node_modules\/@minirtc\//.test(key)) delete lock.packages[key]
    writeFileSync(lockFile, JSON.stringify(lock, null, 2))
  }
  const run = (command: string, args: string[], env: Record<string, string> = {}) => {
    try {
      return execFileSync(command, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...developerEnv(), ...env }, maxBuffer: 64 * 2 ** 20 })
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string }
      throw new Error(`${command} ${args.join(' ')} failed in ${dir}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`.slice(-8000), { cause: e })
    }
  }
  const started = Date.now()
  run('npm', ['install', ...NPM_FLAGS])
  const installSeconds = (Date.now() - started) / 1000
  for (const p of tarballsFor(options.minirtc)) {
    const installed = path.join(dir, 'node_modules', p.name)
    // A real folder from the tarball, not a link into the workspace.
    if (lstatSync(installed).isSymbolicLink()) throw new Error(`${p.name} is a symlink in ${dir}`)
  }
  console.log(`${options.id}: npm install ${installSeconds.toFixed(1)} s`)
  return { dir, installSeconds, run }
}

/** Total bytes of the files under `dir`. */
export function folderBytes(dir: string): number {
  let total = 0
  for (const d of readdirSync(dir, { withFileTypes: true })) total += d.isDirectory() ? folderBytes(path.join(dir, d.name)) : lstatSync(path.join(dir, d.name)).size
  return total
}
