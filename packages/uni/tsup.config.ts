import { defineConfig } from 'tsup'

// ES2017 output: the WeChat base library runs it as is, and uni-app does not transpile node_modules.
// vue and @dcloudio/uni-app stay external: uni-app aliases `vue` to its mini-program runtime.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'es2017',
  dts: true,
  clean: true,
  sourcemap: false,
  treeshake: true,
  external: ['vue', '@dcloudio/uni-app'],
})
