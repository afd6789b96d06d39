import { defineConfig } from 'tsup'

// Node only: it runs in the test process, never in the mini-program.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  clean: true,
})
