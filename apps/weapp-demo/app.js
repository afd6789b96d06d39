// The server the demo calls, and where it gets test tokens (`minirtc-server --dev`).
// `npm run demo` rewrites this file's values for the demo stack; a real app asks its own backend.
App({
  globalData: { server: 'ws://127.0.0.1:8090/ws', appId: 'demo' },
})
