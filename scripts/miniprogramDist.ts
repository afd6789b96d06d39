import type { Options } from 'tsup'

/**
 * A package's tsup build plus the same entries for WeChat's "Build npm" (the developer tools'
 * menu, or miniprogram-ci's packNpm). That build copies the folder named by package.json's
 * `miniprogram` field into miniprogram_npm as is, and otherwise only follows `main` with `.js`
 * appended (`dist/index.cjs` → `dist/index.cjs.js`, not found). So: CommonJS named `.js`, in
 * `miniprogram_dist`, ES2017 like the rest; other @minirtc packages stay `require`d (WeChat
 * resolves them in miniprogram_npm too).
 */
export function withMiniprogramDist(options: Options): Options[] {
  return [
    options,
    {
      entry: options.entry,
      external: options.external,
      format: ['cjs'],
      target: 'es2017',
      outDir: 'miniprogram_dist',
      outExtension: () => ({ js: '.js' }),
      dts: false,
      clean: true,
      sourcemap: false,
      treeshake: true,
    },
  ]
}
