import { defineConfig } from 'tsup'
import { miniProgramLibrary } from '../../scripts/miniProgramLibrary'

// A native page requires it from miniprogram_npm (miniprogram_dist). No "type": "module":
// mini-program code is CommonJS, so the ESM build is .mjs and the CommonJS one .cjs.
export default defineConfig(
  miniProgramLibrary({
    entry: ['src/index.ts'],
    external: ['@minirtc/core'],
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  }),
)
