// The mini-program demos, built against the running server in the background while the banner is
// up. Turbo skips a build whose inputs did not change: it hashes each app's files, the build
// environment (MINIRTC_SERVER and MINIRTC_APP_ID, declared in the apps' turbo.json) and the
// workspace packages it depends on, and restores the previous output from its cache. Output goes
// to a log file, not the terminal.
import { spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { join } from 'node:path'

export const MINI_PROGRAMS = [
  { name: 'taro-demo', pkg: '@minirtc/taro-demo', out: 'apps/taro-demo/dist' },
  { name: 'uni-demo', pkg: '@minirtc/uni-demo', out: 'apps/uni-demo/dist/build/mp-weixin' },
]

/**
 * Starts the build; `done` resolves to { ok, seconds } when it ends. `child` is exposed so Ctrl-C
 * can stop it.
 */
export function buildMiniPrograms({ root, logFile, server, appId }) {
  const started = Date.now()
  const log = openSync(logFile, 'a')
  const filters = MINI_PROGRAMS.flatMap((m) => ['--filter', `${m.pkg}...`])
  const child = spawn('pnpm', ['exec', 'turbo', 'run', 'build', ...filters, '--output-logs=new-only'], {
    cwd: root,
    env: { ...process.env, MINIRTC_SERVER: server, MINIRTC_APP_ID: appId },
    stdio: ['ignore', log, log],
    detached: true, // its own process group, so stopping the demo stops webpack and vite too
  })
  const done = new Promise((resolve) => {
    child.on('error', () => resolve({ ok: false, seconds: 0 }))
    child.on('exit', (code) => resolve({ ok: code === 0, seconds: (Date.now() - started) / 1000 }))
  })
  return { child, done, outputs: MINI_PROGRAMS.map((m) => ({ ...m, dir: join(root, m.out) })) }
}
