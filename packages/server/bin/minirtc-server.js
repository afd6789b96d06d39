#!/usr/bin/env node
// Runs the built CLI (pnpm --filter @minirtc/server build first when working from a checkout).
import { main } from '../dist/cli.js'

main()
