/**
 * The Platform seam: everything the engine needs from its host, injected so the core never
 * imports `wx`, `uni`, Taro, React or Vue. One implementation per host lives in its own package
 * (`@minirtc/taro`, `@minirtc/uni`, `@minirtc/headless`, the console's browser platform).
 */

/** Callbacks the platform calls for one socket. Called at most once each for open and close. */
export interface SocketHandlers {
  onOpen(): void
  onMessage(data: string): void
  /** The socket is gone, whatever the reason (network error, server close, our own close). */
  onClose(code: number, reason: string): void
}

/** A connected (or connecting) WebSocket, as `wx.connectSocket` / `ws` / the browser give it. */
export interface PlatformSocket {
  send(data: string): void
  close(code?: number, reason?: string): void
}

/** Options every WeChat context method takes (`{ success, fail, complete }`, no Promises). */
export interface ContextCallOptions {
  success?(res: any): void
  fail?(err: any): void
  complete?(res: any): void
  [key: string]: unknown
}

type ContextMethod = (opts?: ContextCallOptions) => void

/** The `LivePusherContext` methods the engine and `LivePusher` call. */
export interface LivePusherContextLike {
  start?: ContextMethod
  stop?: ContextMethod
  switchCamera?: ContextMethod
  snapshot?: ContextMethod
  sendMessage?(opts: ContextCallOptions & { msg: string }): void
  toggleTorch?: ContextMethod
  startPreview?: ContextMethod
  stopPreview?: ContextMethod
  playBGM?(opts: ContextCallOptions & { url: string }): void
  pauseBGM?: ContextMethod
  resumeBGM?: ContextMethod
  stopBGM?: ContextMethod
  setBGMVolume?(opts: ContextCallOptions & { volume: number }): void
  setMICVolume?(opts: ContextCallOptions & { volume: number }): void
}

/** The `LivePlayerContext` methods `LivePlayer` calls. */
export interface LivePlayerContextLike {
  play?: ContextMethod
  stop?: ContextMethod
  pause?: ContextMethod
  resume?: ContextMethod
  snapshot?: ContextMethod
  requestFullScreen?(opts: ContextCallOptions & { direction: 0 | 90 | -90 }): void
  exitFullScreen?: ContextMethod
}

/** What is missing for a call's camera and microphone: nothing, a scope, or the privacy agreement. */
export type MediaPermission = 'granted' | 'camera' | 'microphone' | 'privacy'

/** What the host tells the room controller about its lifecycle. */
export type HostLifecycleEvent = 'show' | 'hide' | 'unload'

export interface Platform {
  /** Open a WebSocket to `url` (text frames only). */
  connect(url: string, handlers: SocketHandlers): PlatformSocket
  /** Context for the rendered live-pusher with element id `id`, or null when not rendered yet. */
  createPusherContext(id: string): LivePusherContextLike | null
  /** Context for the rendered live-player with element id `id`, or null when not rendered yet. */
  createPlayerContext(id: string): LivePlayerContextLike | null
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** Milliseconds since the epoch (`Date.now` unless a test controls time). */
  now(): number
  /**
   * Subscribe to network reachability (`wx.onNetworkStatusChange`), with the network type
   * (`wifi`, `4g`…) when the host knows it; returns an unsubscribe. The room controller probes
   * the signaling socket when the type changes while online (Wi-Fi handing over to 4G).
   */
  onNetworkChange?(listener: (online: boolean, networkType?: string) => void): () => void
  /** Subscribe to weak-network changes (`wx.onNetworkWeakChange`, base library 2.29.0); returns an unsubscribe. */
  onNetworkWeakChange?(listener: (weak: boolean) => void): () => void
  /**
   * Camera and microphone for a call: read the settings (`wx.getSetting`), ask for what the user
   * never answered (`wx.authorize`, which also brings up the privacy agreement), and tell what is
   * still missing. Called by the room controller before it publishes.
   */
  requestMediaPermission?(): Promise<MediaPermission>
  /**
   * A call starts (true) or ends (false): keep the screen on (`wx.setKeepScreenOn`) and let call
   * audio play with the iOS mute switch on (`wx.setInnerAudioOption({ obeyMuteSwitch: false })`),
   * then restore both.
   */
  setInCall?(inCall: boolean): void
  /**
   * The pusher's default `waiting-image`, the picture peers see while the app is in the
   * background: a path to the one shipped with the package (`waiting-image.png`), when the host
   * has it in the mini-program.
   */
  waitingImage?: string
  /** The host's base library version and `canIUse`, for `checkSystemRequirements()`. */
  systemInfo?(): { baseLibrary: string; canIUse(schema: string): boolean }
  /**
   * Subscribe to the host's lifecycle: the page or the app showing and hiding, the page unloading
   * (`wx.onAppShow` / `wx.onAppHide`, the page's `onShow` / `onHide` / `onUnload`). The room
   * controller rejoins on show and leaves on unload. Returns an unsubscribe.
   */
  onLifecycle?(listener: (event: HostLifecycleEvent) => void): () => void
}
