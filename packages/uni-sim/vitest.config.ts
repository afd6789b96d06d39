import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  // One real server and one compiled mini-program per file; 2-core CI.
  test: { environment: 'happy-dom', include: ['test/**/*.test.ts'], testTimeout: 30000, hookTimeout: 30000, fileParallelism: false },
})
