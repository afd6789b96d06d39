import { defineConfig } from 'vitest/config'

// Workspace packages are read from source (the `minirtc-source` export condition), so tests
// never depend on another package having been built. Vitest runs tests in Vite's SSR
// environment, which takes its conditions from `ssr.resolve`, hence both settings.
export default defineConfig({
  resolve: { conditions: ['minirtc-source', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['minirtc-source'], externalConditions: ['minirtc-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers, real sockets and real media on a 2-core CI: be generous.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
