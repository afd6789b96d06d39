import { defineConfig } from 'vitest/config'

export default defineConfig({
  // No `minirtc-source` condition here: vitest would hand it to Node, and the native page's own
  // require('@minirtc/zego-compat') must load the built package (dist, ES2017) as WeChat does.
  // turbo builds this package and its dependencies before the test.
  test: { environment: 'happy-dom', include: ['test/**/*.test.ts'], testTimeout: 30000, hookTimeout: 30000, fileParallelism: false },
})
