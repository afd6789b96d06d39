import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Read workspace packages from src (the `minirtc-source` export condition), in SSR mode too.
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  // One real server per file on a 2-core machine.
  test: { include: ['src/**/*.test.ts'], typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' }, environment: 'happy-dom', testTimeout: 30000, hookTimeout: 30000, fileParallelism: false },
})
