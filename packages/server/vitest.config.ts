import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['minirtc-source'] },
  test: { include: ['test/**/*.test.ts', 'src/**/*.test.ts'], testTimeout: 30000, hookTimeout: 30000 },
})
