export * from './media/index.js'
export { VirtualPusher, type VirtualPusherOptions, type VirtualPusherAttributes } from './virtual-pusher.js'
export { VirtualPlayer, type VirtualPlayerOptions, type VirtualPlayerAttributes, type VirtualPlayerCounters } from './virtual-player.js'
export type { NativeEventCallback } from './wx-callback.js'
