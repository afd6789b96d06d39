import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'

// Where the mini-program connects, fixed at build time:
//   MINIRTC_SERVER=wss://rtc.example.com/ws MINIRTC_APP_ID=my-app pnpm --filter @minirtc/uni-demo build
export default defineConfig({
  plugins: [uni()],
  define: {
    MINIRTC_SERVER: JSON.stringify(process.env.MINIRTC_SERVER || 'ws://127.0.0.1:8090/ws'),
    MINIRTC_APP_ID: JSON.stringify(process.env.MINIRTC_APP_ID || 'demo'),
  },
})
