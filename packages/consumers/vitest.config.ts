import { defineConfig } from 'vitest/config'

export default defineConfig({
  // No `minirtc-source` condition: vitest would hand it to Node, and the pages' own requires must
  // load built packages, as WeChat does. The test side (server, bots, @minirtc/testing) runs from
  // the workspace's built dist too; turbo builds them before this test. The apps under test get
  // MiniRTC only from the packed tarballs, installed outside the workspace.
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
