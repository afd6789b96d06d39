import type { HostLifecycleEvent, MediaPermission, Platform } from './platform'

/** A WeChat-style SocketTask, as `wx.connectSocket` (and `uni.connectSocket` given `complete`) return it. */
export interface SocketTaskLike {
  onOpen(callback: () => void): void
  onMessage(callback: (res: { data: unknown }) => void): void
  onClose(callback: (res: any) => void): void
  onError(callback: (res: any) => void): void
  send(options: { data: string }): void
  close(options: { code: number; reason: string }): void
}

/** The part of `wx` (or `uni`, which mirrors it) the platform needs besides the live contexts. */
export interface MiniProgramApi {
  connectSocket(options: { url: string; complete(): void }): SocketTaskLike
  onNetworkStatusChange(callback: (res: NetworkStatus) => void): void
  offNetworkStatusChange?(callback: (res: NetworkStatus) => void): void
  getNetworkType?(options: { success(res: { networkType: string }): void }): unknown
  onNetworkWeakChange?(callback: (res: { weakNet: boolean }) => void): void
  offNetworkWeakChange?(callback: (res: { weakNet: boolean }) => void): void
  getSetting?(options: { success(res: { authSetting: Record<string, boolean | undefined> }): void; fail(err: unknown): void }): unknown
  authorize?(options: { scope: string; success(): void; fail(err: { errMsg?: string }): void }): unknown
  setKeepScreenOn?(options: { keepScreenOn: boolean }): unknown
  setInnerAudioOption?(options: { obeyMuteSwitch: boolean }): unknown
  canIUse?(schema: string): boolean
  getAppBaseInfo?(): { SDKVersion: string }
  getSystemInfoSync?(): { SDKVersion: string }
  onAppShow(callback: () => void): void
  onAppHide(callback: () => void): void
  offAppShow?(callback: () => void): void
  offAppHide?(callback: () => void): void
}

/** What `wx.onNetworkStatusChange` reports. */
export interface NetworkStatus {
  isConnected: boolean
  networkType?: string
}

/** The `authSetting` scopes a call needs, and what is missing when the user refuses each. */
const SCOPES: Array<[string, MediaPermission]> = [
  ['scope.camera', 'camera'],
  ['scope.record', 'microphone'],
]

/** What only the host knows: the live contexts, the page's own show/hide/unload, where the package's waiting image is. */
export interface MiniProgramHost extends Pick<Platform, 'createPusherContext' | 'createPlayerContext' | 'waitingImage'> {
  /** Subscribe to the page's `onShow` / `onHide` / `onUnload`; returns the unsubscribe. */
  onPageLifecycle?(listener: (event: HostLifecycleEvent) => void): () => void
}

/**
 * The `Platform` over a mini-program API object: sockets, timers, network status from `api`;
 * the live contexts from the host, which knows which page or component renders each element.
 * The core never imports `wx`: hosts pass it in. Separate entry (`@minirtc/core/miniprogram`), so
 * the engine's own bundle does not carry it.
 * @example
 * const platform = createMiniProgramPlatform(wx, {
 *   createPusherContext: () => wx.createLivePusherContext(),
 *   createPlayerContext: (id) => wx.createLivePlayerContext(id, page),
 * })
 */
export function createMiniProgramPlatform(api: MiniProgramApi, host: MiniProgramHost): Platform {
  return Object.assign(miniProgramPhone(api), {
    connect(url, handlers) {
      let closed = false
      const closeOnce = (code: number, reason: string) => {
        if (closed) return
        closed = true
        handlers.onClose(code, reason)
      }
      // uni-app promisifies APIs called without callbacks: only with `complete` does
      // connectSocket return the SocketTask instead of a Promise (WeChat returns it either way).
      const task = api.connectSocket({ url, complete() {} })
      task.onOpen(() => handlers.onOpen())
      task.onMessage((res) => {
        if (typeof res.data === 'string') handlers.onMessage(res.data)
      })
      task.onClose((res) => closeOnce((res && res.code) || 1006, (res && res.reason) || ''))
      // Some WeChat versions report a failed connect with onError and never call onClose.
      task.onError((res) => closeOnce(1006, (res && res.errMsg) || 'socket error'))
      return {
        send: (data) => task.send({ data }),
        close: (code = 1000, reason = '') => task.close({ code, reason }),
      }
    },
    createPusherContext: host.createPusherContext,
    createPlayerContext: host.createPlayerContext,
    waitingImage: host.waitingImage,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    // The page's show/hide/unload from the host, and the app's. WeChat fires both when the app
    // goes to the background and back; the room controller acts once (a rejoin clears `lost`).
    onLifecycle(listener) {
      const show = () => listener('show')
      const hide = () => listener('hide')
      api.onAppShow(show)
      api.onAppHide(hide)
      const stopPage = host.onPageLifecycle ? host.onPageLifecycle(listener) : undefined
      return () => {
        if (api.offAppShow) api.offAppShow(show)
        if (api.offAppHide) api.offAppHide(hide)
        if (stopPage) stopPage()
      }
    },
  } as Platform)
}

/**
 * Taro's APIs (and uni-app's, called without callbacks) also return a Promise that rejects when
 * the call fails; the callbacks already handle it, so keep it from surfacing as unhandled.
 */
function quiet(result: unknown): void {
  if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(undefined, () => undefined)
}

/** The phone's side of a Platform: the part of the Platform seam a host gets from `wx` as it is. */
export type PhonePlatform = Pick<Platform, 'onNetworkChange' | 'onNetworkWeakChange' | 'requestMediaPermission' | 'setInCall' | 'systemInfo'>

/**
 * Network type and weakness, camera and microphone permission, the screen and the mute switch
 * during a call, and the base library: from `wx` (or `uni`, or `Taro`, which mirror it).
 * `createMiniProgramPlatform` includes it; the Taro platform uses it beside its own sockets.
 * @example
 * const platform = Object.assign(miniProgramPhone(Taro as unknown as MiniProgramApi), { connect, ... })
 */
export function miniProgramPhone(api: Omit<MiniProgramApi, 'connectSocket' | 'onAppShow' | 'onAppHide'>): PhonePlatform {
  return {
    onNetworkChange(listener) {
      const onChange = (res: NetworkStatus) => listener(res.isConnected, res.networkType)
      api.onNetworkStatusChange(onChange)
      // The type we start on, so the first change (Wi-Fi to 4G) is seen as one.
      if (api.getNetworkType) quiet(api.getNetworkType({ success: (res) => listener(res.networkType !== 'none', res.networkType) }))
      // offNetworkStatusChange needs base library 2.9.3; older ones keep the listener.
      return () => {
        if (api.offNetworkStatusChange) api.offNetworkStatusChange(onChange)
      }
    },
    onNetworkWeakChange(listener) {
      const onWeak = (res: { weakNet: boolean }) => listener(res.weakNet)
      if (api.onNetworkWeakChange) api.onNetworkWeakChange(onWeak)
      return () => {
        if (api.offNetworkWeakChange) api.offNetworkWeakChange(onWeak)
      }
    },
    requestMediaPermission() {
      return new Promise<MediaPermission>((resolve) => {
        if (!api.getSetting || !api.authorize) return resolve('granted')
        const authorize = api.authorize
        // One scope after the other: WeChat shows one authorize dialog at a time. A scope the user
        // refused stays refused (authorize fails without asking): only the settings page changes it.
        const next = (i: number, setting: Record<string, boolean | undefined>) => {
          const entry = SCOPES[i]
          if (!entry) return resolve('granted')
          const [scope, missing] = entry
          if (setting[scope] === true) return next(i + 1, setting)
          if (setting[scope] === false) return resolve(missing)
          quiet(authorize({
            scope,
            success: () => next(i + 1, setting),
            // authorize is a privacy API: without the user's agreement it fails with
            // "authorize:fail privacy permission is not authorized" (base library 2.32.3+).
            fail: (err) => resolve(/privacy/.test((err && err.errMsg) || '') ? 'privacy' : missing),
          }))
        }
        quiet(api.getSetting({ success: (res) => next(0, res.authSetting || {}), fail: () => next(0, {}) }))
      })
    },
    setInCall(inCall) {
      if (api.setKeepScreenOn) quiet(api.setKeepScreenOn({ keepScreenOn: inCall }))
      if (api.setInnerAudioOption) quiet(api.setInnerAudioOption({ obeyMuteSwitch: !inCall }))
    },
    systemInfo() {
      const info = api.getAppBaseInfo ? api.getAppBaseInfo() : api.getSystemInfoSync ? api.getSystemInfoSync() : null
      return { baseLibrary: (info && info.SDKVersion) || '', canIUse: (schema) => !api.canIUse || api.canIUse(schema) }
    },
  }
}
