import { defineConfig } from 'tsup'
import { withMiniprogramDist } from '../../scripts/miniprogramDist'

// ES2017 output: the WeChat base library runs it as is, and Taro/uni-app do not transpile node_modules.
export default defineConfig(
  withMiniprogramDist({
    entry: ['src/index.ts', 'src/renderer.ts', 'src/room.ts', 'src/miniprogram.ts'],
    format: ['esm', 'cjs'],
    target: 'es2017',
    dts: true,
    clean: true,
    sourcemap: false,
    treeshake: true,
  }),
)
