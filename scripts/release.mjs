#!/usr/bin/env node
// Release every publishable package to npm: build, test, pack (scripts/pack-all.mjs), publish.
//   NPM_TOKEN=<token> node scripts/release.mjs    publish what npm does not have yet
//   node scripts/release.mjs --dry-run             everything but the upload (CI runs this)
//   --tested                                       skip the test step (CI has just run npm test)
// Versions and CHANGELOG.md files come from changesets first: `pnpm changeset` records a change,
// `pnpm changeset version` applies the pending ones; commit, then release.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packAll, root } from './pack-all.mjs'

process.env.npm_config_update_notifier = 'false'
const dryRun = process.argv.includes('--dry-run')
const tested = process.argv.includes('--tested')
const log = (msg) => console.log(`[release${dryRun ? ' dry-run' : ''}] ${msg}`)
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })

const token = process.env.NPM_TOKEN || process.env.NODE_AUTH_TOKEN
if (!dryRun && !token) {
  console.error('release: set NPM_TOKEN (an npm automation token), or pass --dry-run')
  process.exit(2)
}

const pending = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')
if (pending.length) {
  const msg = `${pending.length} pending changeset(s) (${pending.join(', ')}): run \`pnpm changeset version\` and commit before releasing`
  if (!dryRun) {
    console.error('release: ' + msg)
    process.exit(1)
  }
  log('note: ' + msg)
}

log('build')
run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'])
if (tested) log('test: skipped (--tested)')
else {
  log('test (npm test)')
  run('bash', ['scripts/test.sh'])
}

log('pack')
const outDir = join(root, 'artifacts/release')
rmSync(outDir, { recursive: true, force: true })
const packed = packAll(outDir)
// Packages that also ship to the DCloud plugin market assemble their uni_modules folder (the
// consumer tests install it the same way): uploaded by hand, next to the tarballs.
for (const p of packed.filter((x) => x.pkg.scripts?.['uni-modules'])) {
  run('pnpm', ['run', '--silent', 'uni-modules'], { cwd: p.dir })
  cpSync(join(p.dir, 'dist/uni_modules'), join(outDir, 'uni_modules'), { recursive: true })
  log(`${p.name}: uni_modules folder in artifacts/release/uni_modules`)
}

// Dependencies first, so each package's @minirtc dependencies are on npm before it.
const order = []
const visit = (p) => {
  if (order.includes(p)) return
  for (const dep of Object.keys(p.pkg.dependencies ?? {})) {
    const local = packed.find((x) => x.name === dep)
    if (local) visit(local)
  }
  order.push(p)
}
packed.forEach(visit)

/** Whether npm already has name@version (E404 means no; any other failure stops the release). */
function published(name, version) {
  try {
    execFileSync('npm', ['view', `${name}@${version}`, 'version'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
    return true
  } catch (e) {
    if (/E404|404 Not Found/.test(String(e.stderr))) return false
    throw new Error(`npm view ${name}@${version} failed: ${e.stderr}`, { cause: e })
  }
}

// The token goes into a throwaway npmrc, never into the repository's or the user's.
const npmrcDir = mkdtempSync(join(tmpdir(), 'minirtc-release-'))
const npmrc = join(npmrcDir, 'npmrc')
writeFileSync(npmrc, token ? '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n' : '', { mode: 0o600 })
try {
  for (const p of order) {
    if (published(p.name, p.version)) {
      log(`${p.name}@${p.version}: already on npm, skipped`)
      continue
    }
    log(`publish ${p.name}@${p.version} (${(p.bytes / 1024).toFixed(1)} KB)`)
    run('npm', ['publish', p.tarball, '--access', 'public', ...(dryRun ? ['--dry-run'] : []), '--userconfig', npmrc, '--loglevel', 'error'], {
      env: { ...process.env, NPM_TOKEN: token ?? '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  }
} finally {
  rmSync(npmrcDir, { recursive: true, force: true })
}
log(dryRun ? `done: ${order.length} packages would be published` : 'done')
