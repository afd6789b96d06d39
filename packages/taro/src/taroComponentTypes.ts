/**
 * Props the `@minirtc/taro/plugin` Taro plugin makes reach WeChat but `@tarojs/components` 4.2
 * does not type. Under pnpm the app and this library can resolve different copies of
 * `@tarojs/components`; the augmentation applies to the copy the app's TypeScript resolves when
 * the app imports `@minirtc/taro`.
 */
declare module '@tarojs/components/types/LivePlayer' {
  interface LivePlayerProps {
    /** Do not pull remote audio. */
    muteAudio?: boolean
    /** Do not pull remote video. */
    muteVideo?: boolean
    /** Receive SEI messages sent with LivePusherContext.sendMessage. */
    enableRecvMessage?: boolean
    /** Debug overlay. */
    debug?: boolean
    /** Taro's weapp template binds `bindtap` on every component; its types omit it here. */
    onTap?: (event: unknown) => void
  }
}

declare module '@tarojs/components/types/LivePusher' {
  interface LivePusherProps {
    /** In-ear monitoring. */
    enableEarMonitor?: boolean
    /** Debug overlay. */
    debug?: boolean
  }
}

// A module augmentation must live in a module.
// oxlint-disable-next-line unicorn/require-module-specifiers
export {}
