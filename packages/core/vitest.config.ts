import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['minirtc-source'] },
  test: { include: ['src/**/*.test.ts'], typecheck: { enabled: true, include: ['src/**/*.test-d.ts'] } },
})
