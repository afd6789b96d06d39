#!/usr/bin/env node
// Runs the built CLI (pnpm --filter @minirtc/headless build first when working from a checkout).
import { main } from '../dist/cli.js'

// One line saying the fix; exit 2 for a wrong command line, 1 for a failure while running.
main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`minirtc-bot: ${err && err.message ? err.message : err}\n`)
  process.exit((err && err.exitCode) || 1)
})
