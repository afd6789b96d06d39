import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
const r = await build({ entryPoints: ['packages/core/src/index.ts'], bundle: true, minify: true, write: false, format: 'esm', target: 'es2017', platform: 'neutral', conditions: ['minirtc-source'], metafile: true, logLevel: 'silent' })
const code = r.outputFiles[0].text
console.log('total gz', gzipSync(code,{level:9}).length)
