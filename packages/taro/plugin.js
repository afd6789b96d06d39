/**
 * MiniRTC Taro plugin. Enable it with one line in config/index.ts: `plugins: ['@minirtc/taro/plugin']`.
 *
 * 1. Lets every live-pusher / live-player attribute and event the engine controls reach WeChat.
 *    Taro's weapp template only binds the attributes in its own component list and silently drops
 *    the rest (mute-audio, mute-video, enable-recv-message, bindmetadatachange, binderror...).
 *    Both halves are needed: the template list (base.wxml) and the runtime list that numbers props
 *    into `pN` keys; with only one, even stock props land in the wrong key.
 * 2. Makes `@tarojs/taro` and `@tarojs/components` resolve to the app's own copy. Under pnpm a
 *    linked library can see another copy (same version, other peer set), and webpack would bundle
 *    Taro's API object twice. Taro itself does the same for @tarojs/runtime and @tarojs/shared.
 *
 * CommonJS on purpose: Taro's CLI loads plugins with require(), resolving the path without the
 * package's `exports` map, so this file must sit at the package root.
 */
const path = require('path')
const { LIVE_COMPONENTS } = require('./dist/liveComponents.cjs')

module.exports = function minirtcTaroPlugin(ctx) {
  ctx.registerMethod({
    // Called by Taro's platform base right after the platform merged its own component list.
    name: 'onSetupClose',
    fn(platform) {
      if (platform.template && typeof platform.template.mergeComponents === 'function') {
        platform.template.mergeComponents(ctx, LIVE_COMPONENTS)
      }
      const runtime = path.join(__dirname, 'dist', 'runtime.mjs')
      platform.runtimePath = [].concat(platform.runtimePath || [], runtime)
    },
  })
  ctx.modifyWebpackChain(({ chain }) => {
    const fromApp = (request) => require.resolve(request, { paths: [ctx.paths.appPath] })
    const alias = chain.resolve.alias
    // Taro maps @tarojs/components to a bare request ('@tarojs/plugin-platform-weapp/dist/components-react')
    // that only resolves from the app's node_modules, not from a linked library's folder.
    const components = alias.get('@tarojs/components$')
    if (typeof components === 'string' && !path.isAbsolute(components)) alias.set('@tarojs/components$', fromApp(components))
    try {
      alias.set('@tarojs/taro$', fromApp('@tarojs/taro'))
    } catch {
      // The app does not depend on @tarojs/taro itself: nothing to deduplicate.
    }
  })
}
