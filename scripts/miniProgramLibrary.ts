import type { Options } from 'tsup'

/**
 * The tsup build of a library that runs inside the mini-program: ESM + CommonJS + `.d.ts` at
 * ES2017 (the WeChat base library runs it as is; Taro and uni-app do not transpile node_modules),
 * with `options` (entries, externals...) on top. Plus the same entries for WeChat's "Build npm"
 * (the developer tools' menu, or miniprogram-ci's packNpm): that build copies the folder named by
 * package.json's `miniprogram` field into miniprogram_npm as is, and otherwise only follows `main`
 * with `.js` appended (`dist/index.cjs` → `dist/index.cjs.js`, not found). So: CommonJS named
 * `.js`, in `miniprogram_dist`; other @minirtc packages stay `require`d (WeChat resolves them in
 * miniprogram_npm too).
 */
export function miniProgramLibrary(options: Options): Options[] {
  const shared: Options = { target: 'es2017', sourcemap: false, treeshake: true, clean: true }
  return [
    { format: ['esm', 'cjs'], dts: true, ...shared, ...options },
    { entry: options.entry, external: options.external, format: ['cjs'], outDir: 'miniprogram_dist', outExtension: () => ({ js: '.js' }), dts: false, ...shared },
  ]
}
