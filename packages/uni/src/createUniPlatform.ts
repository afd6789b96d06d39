import type { ComponentInternalInstance } from 'vue'
import { onHide, onShow, onUnload } from '@dcloudio/uni-app'
import type { HostLifecycleEvent, Platform } from '@minirtc/core'

/** A uni `Platform` that also knows which custom component renders each live element. */
export interface UniPlatform extends Platform {
  /**
   * Declare that the component `instance` renders the element with id `id` (what `<rtc-pusher>`
   * and `<rtc-player>` do on mount). Returns the undo.
   */
  own(id: string, instance: ComponentInternalInstance): () => void
}

/** The mini-program component behind a Vue instance (uni-mp-vue keeps it as `$scope`). */
function mpComponent(instance: ComponentInternalInstance | null | undefined): any {
  const proxy: any = instance && instance.proxy
  return (proxy && proxy.$scope) || proxy || undefined
}

/**
 * The `Platform` for uni-app: `uni.connectSocket`, `uni.createLivePusherContext` /
 * `uni.createLivePlayerContext`, `uni.onNetworkStatusChange`, timers and `Date.now`.
 *
 * Pass the page's `getCurrentInstance()`, taken synchronously in `setup`: after an `await` it is
 * null (dcloudio/uni-app#3174). WeChat looks a live-player up only inside the component that
 * renders it (`wx.createLivePlayerContext(id, component)`), so elements rendered by a child
 * component are registered with `own()`; the page instance is the fallback.
 *
 * @example
 * const platform = createUniPlatform(getCurrentInstance())
 * const engine = new RtcEngine({ appId, server, platform })
 */
export function createUniPlatform(instance?: ComponentInternalInstance | null): UniPlatform {
  const owners: Record<string, ComponentInternalInstance> = {}
  const owner = (id: string) => mpComponent(owners[id] || instance)
  return {
    connect(url, handlers) {
      let closed = false
      const closeOnce = (code: number, reason: string) => {
        if (closed) return
        closed = true
        handlers.onClose(code, reason)
      }
      // uni-app promisifies APIs called without callbacks: only with `complete` does
      // connectSocket return the SocketTask instead of a Promise.
      const task = uni.connectSocket({ url, complete() {} })
      task.onOpen(() => handlers.onOpen())
      task.onMessage((res) => {
        if (typeof res.data === 'string') handlers.onMessage(res.data)
      })
      task.onClose((res: any) => closeOnce((res && res.code) || 1006, (res && res.reason) || ''))
      // Some WeChat versions report a failed connect with onError and never call onClose.
      task.onError((res: any) => closeOnce(1006, (res && res.errMsg) || 'socket error'))
      return {
        send: (data) => task.send({ data }),
        close: (code = 1000, reason = '') => task.close({ code, reason }),
      }
    },
    // WeChat ignores the id (one live-pusher per page); uni-app's other targets need it.
    createPusherContext: (id) => uni.createLivePusherContext(id, owner(id)) as any,
    createPlayerContext: (id) => uni.createLivePlayerContext(id, owner(id)) as any,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as any),
    now: () => Date.now(),
    onNetworkChange(listener) {
      const onChange = (res: { isConnected: boolean }) => listener(res.isConnected)
      uni.onNetworkStatusChange(onChange)
      // offNetworkStatusChange needs base library 2.9.3; older ones keep the listener.
      return () => {
        if (uni.offNetworkStatusChange) uni.offNetworkStatusChange(onChange)
      }
    },
    onLifecycle(listener) {
      let live = true
      const on = (event: HostLifecycleEvent) => () => {
        if (live) listener(event)
      }
      // The page's own hooks (uni-app has no way to remove them: `live` mutes them instead)...
      if (instance) {
        onShow(on('show'), instance)
        onHide(on('hide'), instance)
        onUnload(on('unload'), instance)
      }
      // ...and the app's, for a page that stays on top while the app goes to the background.
      const show = on('show')
      const hide = on('hide')
      uni.onAppShow(show)
      uni.onAppHide(hide)
      return () => {
        live = false
        uni.offAppShow(show)
        uni.offAppHide(hide)
      }
    },
    own(id, component) {
      owners[id] = component
      return () => {
        if (owners[id] === component) delete owners[id]
      }
    },
  }
}
