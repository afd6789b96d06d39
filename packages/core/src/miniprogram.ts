import type { HostLifecycleEvent, Platform } from './platform'

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
  onNetworkStatusChange(callback: (res: { isConnected: boolean }) => void): void
  offNetworkStatusChange?(callback: (res: { isConnected: boolean }) => void): void
  onAppShow(callback: () => void): void
  onAppHide(callback: () => void): void
  offAppShow?(callback: () => void): void
  offAppHide?(callback: () => void): void
}

/** What only the host knows: the live contexts, and the page's own show/hide/unload. */
export interface MiniProgramHost extends Pick<Platform, 'createPusherContext' | 'createPlayerContext'> {
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
  return {
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
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    onNetworkChange(listener) {
      const onChange = (res: { isConnected: boolean }) => listener(res.isConnected)
      api.onNetworkStatusChange(onChange)
      // offNetworkStatusChange needs base library 2.9.3; older ones keep the listener.
      return () => {
        if (api.offNetworkStatusChange) api.offNetworkStatusChange(onChange)
      }
    },
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
  }
}
