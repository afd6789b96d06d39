import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The test side (server, bots, the simulator harness) reads workspace packages from src; the
  // apps under test get MiniRTC only from the packed tarballs, installed outside the workspace.
  resolve: { conditions: ['minirtc-source'] },
  ssr: { resolve: { conditions: ['minirtc-source'] } },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    // npm installs and framework builds: minutes on a cold cache, one file at a time on 2 cores.
    testTimeout: 60000,
    hookTimeout: 600000,
    fileParallelism: false,
  },
})
