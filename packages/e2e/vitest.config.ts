import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  // One call at a time: each file runs a real server and media on a 2-core machine.
  test: { include: ['test/**/*.test.ts'], testTimeout: 60000, hookTimeout: 30000, fileParallelism: false },
})
