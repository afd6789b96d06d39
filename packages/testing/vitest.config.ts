import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  // miniprogram-simulate renders into a DOM; one real server per file on a 2-core machine.
  test: { environment: 'happy-dom', include: ['test/**/*.test.ts'], testTimeout: 30000, hookTimeout: 30000, fileParallelism: false },
})
