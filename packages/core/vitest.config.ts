import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Read workspace packages from src (the `minirtc-source` export condition), in SSR mode too.
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  // Generous timeout: property tests share 2 cores with the rest of the suite in CI.
  test: { include: ['src/**/*.test.ts'], testTimeout: 60000, typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' } },
})
