import { defineConfig } from 'tsup'
import { withMiniprogramDist } from '../../scripts/miniprogramDist'

// ES2017 output: the WeChat base library runs it as is (a native page requires it from miniprogram_npm).
// No "type": "module": mini-program code is CommonJS, so the ESM build is .mjs and the CommonJS one .cjs.
export default defineConfig(
  withMiniprogramDist({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    target: 'es2017',
    dts: true,
    clean: true,
    sourcemap: false,
    treeshake: true,
    external: ['@minirtc/core'],
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  }),
)
