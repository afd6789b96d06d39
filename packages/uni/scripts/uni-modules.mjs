#!/usr/bin/env node
// Assemble the DCloud plugin-market layout (uni_modules/minirtc-uni) from this package:
//   components/rtc-*/rtc-*.vue   found by easycom with no pages.json entry (uni_modules rule)
//   js_sdk/index.js              useRoom & co. with @minirtc/core bundled in (ES2017, vue and
//                                @dcloudio/uni-app external: uni-app provides them)
// Usage: node scripts/uni-modules.mjs [outDir]   (default dist/uni_modules/minirtc-uni)
import { build } from 'esbuild'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = resolve(process.argv[2] || join(pkgDir, 'dist/uni_modules/minirtc-uni'))
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
cpSync(join(pkgDir, 'components'), join(out, 'components'), { recursive: true })
await build({
  entryPoints: [join(pkgDir, 'src/index.ts')],
  outfile: join(out, 'js_sdk/index.js'),
  bundle: true,
  format: 'esm',
  target: 'es2017',
  platform: 'neutral',
  conditions: ['minirtc-source'],
  mainFields: ['module', 'main'],
  external: ['vue', '@dcloudio/uni-app'],
  legalComments: 'none',
  logLevel: 'warning',
})
writeFileSync(
  join(out, 'package.json'),
  JSON.stringify(
    {
      id: 'minirtc-uni',
      name: 'minirtc-uni',
      displayName: 'MiniRTC: self-hosted audio/video calls for WeChat mini-programs',
      version: pkg.version,
      description: pkg.description,
      keywords: ['minirtc', 'rtc', 'live-pusher', 'live-player', 'webrtc'],
      license: pkg.license,
      dcloudext: { type: 'component-vue', sale: { regular: { price: '0.00' }, sourcecode: { price: '0.00' } }, declaration: { ads: 'none', data: 'none', permissions: 'camera, microphone (live-pusher)' } },
      uni_modules: {
        dependencies: [],
        encrypt: [],
        platforms: {
          cloud: { tcb: 'n', aliyun: 'n', alipay: 'n' },
          client: { Vue: { vue2: 'n', vue3: 'y' }, 'App': { 'app-vue': 'n', 'app-nvue': 'n' }, 'H5-mobile': { Safari: 'n', 'Android Browser': 'n', '微信浏览器(Android)': 'n', QQ浏览器: 'n' }, 小程序: { 微信: 'y' } },
        },
      },
    },
    null,
    2,
  ) + '\n',
)
const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8')
writeFileSync(
  join(out, 'readme.md'),
  readme.replace(/from '@minirtc\/uni'/g, "from '@/uni_modules/minirtc-uni/js_sdk/index.js'") +
    '\n\nFrom the plugin market (uni_modules): import from `@/uni_modules/minirtc-uni/js_sdk/index.js`; the components are found by easycom without the pages.json line.\n',
)
// The plugin market reads changelog.md: the package's own, written by changesets.
cpSync(join(pkgDir, 'CHANGELOG.md'), join(out, 'changelog.md'))
console.log('uni_modules/minirtc-uni assembled in ' + out)
