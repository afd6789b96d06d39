import type { ComponentInternalInstance } from 'vue'
import { onHide, onShow, onUnload } from '@dcloudio/uni-app'
import type { HostLifecycleEvent, Platform } from '@minirtc/core'
import { createMiniProgramPlatform, type MiniProgramApi } from '@minirtc/core/miniprogram'

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
 * The `Platform` for uni-app: the mini-program platform over `uni`, with
 * `uni.createLivePusherContext` / `uni.createLivePlayerContext` in the component that renders
 * each element, and the page's `onShow` / `onHide` / `onUnload`.
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
  const platform = createMiniProgramPlatform(uni as unknown as MiniProgramApi, {
    // WeChat ignores the id (one live-pusher per page); uni-app's other targets need it.
    createPusherContext: (id) => uni.createLivePusherContext(id, owner(id)) as any,
    createPlayerContext: (id) => uni.createLivePlayerContext(id, owner(id)) as any,
    onPageLifecycle(listener) {
      // uni-app cannot remove page hooks: `live` mutes them instead.
      let live = true
      const on = (event: HostLifecycleEvent) => () => {
        if (live) listener(event)
      }
      if (instance) {
        onShow(on('show'), instance)
        onHide(on('hide'), instance)
        onUnload(on('unload'), instance)
      }
      return () => {
        live = false
      }
    },
  })
  // Object.assign, not spread: the ES2017 output would carry a spread helper.
  return Object.assign(platform, {
    own(id: string, component: ComponentInternalInstance) {
      owners[id] = component
      return () => {
        if (owners[id] === component) delete owners[id]
      }
    },
  })
}
