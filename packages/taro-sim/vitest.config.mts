import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Read workspace packages from src (the `minirtc-source` export condition), in SSR mode too.
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  // One compiled page at a time: each file runs a real server and real media on a 2-core machine.
  test: { environment: 'happy-dom', include: ['test/**/*.test.ts'], testTimeout: 60000, hookTimeout: 30000, fileParallelism: false },
})
