import { defineConfig } from 'tsup'

// ES2017 output: the WeChat base library runs it as is, and Taro does not transpile node_modules.
// No "type": "module" in package.json, so that plugin.js (loaded by Taro's CLI with require) is
// CommonJS; the ESM build therefore uses .mjs and the CommonJS build .cjs.
export default defineConfig({
  entry: ['src/index.ts', 'src/runtime.ts', 'src/liveComponents.ts'],
  format: ['esm', 'cjs'],
  target: 'es2017',
  dts: true,
  clean: true,
  sourcemap: false,
  treeshake: true,
  external: ['react', '@tarojs/taro', '@tarojs/components', '@tarojs/runtime', '@tarojs/shared', '@minirtc/core'],
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
})
