import { defineConfig, type Plugin } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

// The pusher's waiting-image (what peers see while the app is in the background): @minirtc/core's
// picture, reached through @minirtc/uni, emitted into the build as static/minirtc-waiting-image.png.
const fromUni = createRequire(createRequire(import.meta.url).resolve('@minirtc/uni/package.json'))
const waitingImage: Plugin = {
  name: 'minirtc-waiting-image',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'static/minirtc-waiting-image.png', source: readFileSync(join(dirname(fromUni.resolve('@minirtc/core/package.json')), 'assets/waiting-image.png')) })
  },
}

// Where the mini-program connects, fixed at build time:
//   MINIRTC_SERVER=wss://rtc.example.com/ws MINIRTC_APP_ID=my-app pnpm --filter @minirtc/uni-demo build
export default defineConfig({
  plugins: [uni(), waitingImage],
  define: {
    MINIRTC_SERVER: JSON.stringify(process.env.MINIRTC_SERVER || 'ws://127.0.0.1:8090/ws'),
    MINIRTC_APP_ID: JSON.stringify(process.env.MINIRTC_APP_ID || 'demo'),
  },
})
