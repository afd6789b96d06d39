import { defineConfig, type UserConfigExport } from '@tarojs/cli'

// Where the demo finds the MiniRTC server, fixed at build time:
// MINIRTC_SERVER=ws://192.168.1.10:8090/ws MINIRTC_APP_ID=dev pnpm --filter @minirtc/taro-demo build
const server = process.env.MINIRTC_SERVER || 'ws://127.0.0.1:8090/ws'
const appId = process.env.MINIRTC_APP_ID || 'demo'

export default defineConfig<'webpack5'>(async () => {
  const config: UserConfigExport<'webpack5'> = {
    projectName: 'minirtc-taro-demo',
    date: '2026-11-25',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: 'dist',
    // Lets every live-pusher/live-player attribute the engine controls reach WeChat.
    plugins: ['@minirtc/taro/plugin'],
    defineConstants: {
      'process.env.MINIRTC_SERVER': JSON.stringify(server),
      'process.env.MINIRTC_APP_ID': JSON.stringify(appId),
    },
    // The pusher's waiting-image (what peers see while the app is in the background), from @minirtc/core.
    copy: { patterns: [{ from: 'node_modules/@minirtc/core/assets/waiting-image.png', to: 'dist/minirtc/waiting-image.png' }], options: {} },
    framework: 'react',
    compiler: 'webpack5',
    cache: { enable: false },
    // No terser: the compiled page stays readable for the simulator tests and for debugging.
    terser: { enable: false },
    mini: {
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
    },
  }
  return config
})
