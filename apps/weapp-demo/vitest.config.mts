import { defineConfig } from 'vitest/config'

export default defineConfig({
  // No `minirtc-source` condition: the page's require('@minirtc/weapp') loads the built package,
  // as WeChat loads miniprogram_npm. turbo builds it (and miniprogram_npm) before the test.
  test: { environment: 'happy-dom', include: ['test/**/*.test.ts'], testTimeout: 30000, hookTimeout: 30000, fileParallelism: false },
})
