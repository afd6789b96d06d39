#!/usr/bin/env node
// Writes docs/errors.md from the protocol's error tables (run after building @minirtc/protocol).
// A protocol test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderErrorDocs } from '../packages/protocol/dist/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
writeFileSync(join(root, 'docs/errors.md'), renderErrorDocs())
console.log('wrote docs/errors.md')
