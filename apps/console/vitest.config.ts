import { defineConfig } from 'vitest/config'

// Browser tests: a real server, a bot, Debian's Chromium (scripts/install-chromium.sh) driven by
// playwright-core. Workspace packages are read from source (the `minirtc-source` condition).
export default defineConfig({
  resolve: { conditions: ['minirtc-source', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['minirtc-source'], externalConditions: ['minirtc-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
