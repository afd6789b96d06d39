import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Read workspace packages from src (the `minirtc-source` export condition), in SSR mode too.
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  test: { include: ['test/**/*.test.ts', 'src/**/*.test.ts'], testTimeout: 30000, hookTimeout: 30000 },
})
