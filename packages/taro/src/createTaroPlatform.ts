import Taro from '@tarojs/taro'
import { getCurrentInstance } from '@tarojs/runtime'
import type { Platform } from '@minirtc/core'
import { miniProgramPhone, type MiniProgramApi } from '@minirtc/core/miniprogram'

/**
 * The `Platform` for Taro mini-programs: `Taro.connectSocket`, WeChat's live contexts, timers, and
 * the phone (network type, permissions, screen, mute switch, base library) from `Taro`, which
 * mirrors `wx`. Call it while a page renders (useRtcRoom does): it captures that
 * page, the scope `createLivePlayerContext(id, scope)` needs.
 * @example
 * const engine = new RtcEngine({ appId, server, platform: createTaroPlatform() })
 */
export function createTaroPlatform(): Platform {
  // Taro sets Current.page to null while the page is hidden, so take it now, or at the latest
  // when the first context is made. Players that useRtcRoom renders sit directly in the page.
  const instance = getCurrentInstance()
  let page: unknown = currentPage()
  const scope = () => page || (page = currentPage())
  // The page's show/hide event keys for Taro's eventCenter (what useDidShow listens to).
  const router = instance && instance.router
  // Object.assign, not spread: the ES2017 output would carry a spread helper.
  return Object.assign(miniProgramPhone(Taro as unknown as MiniProgramApi), {
    connect(url, handlers) {
      let task: Taro.SocketTask | null = null
      let pendingClose: { code: number; reason: string } | null = null
      let closed = false
      const finish = (code: number, reason: string) => {
        if (closed) return
        closed = true
        handlers.onClose(code, reason)
      }
      // Taro's connectSocket returns a Promise of the SocketTask (after wx's `success`), not the task.
      Taro.connectSocket({ url }).then(
        (t) => {
          task = t
          t.onOpen(() => handlers.onOpen())
          t.onMessage((m) => {
            if (typeof m.data === 'string') handlers.onMessage(m.data)
          })
          t.onClose((r) => finish(r.code, r.reason))
          // WeChat may report a failed handshake through onError alone, without onClose.
          t.onError((e) => finish(1006, e.errMsg))
          if (pendingClose) t.close(pendingClose)
        },
        (err: { errMsg?: string }) => finish(1006, (err && err.errMsg) || 'connectSocket failed'),
      )
      return {
        send: (data) => {
          if (task) task.send({ data })
        },
        close: (code = 1000, reason = '') => {
          if (task) task.close({ code, reason })
          else pendingClose = { code, reason }
        },
      }
    },
    // WeChat allows one live-pusher per page; its context takes neither id nor scope.
    createPusherContext: () => Taro.createLivePusherContext(),
    createPlayerContext: (id) => Taro.createLivePlayerContext(id, scope() as never),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as number),
    now: () => Date.now(),
    // Unload needs no event: the page's unload unmounts the hook, which destroys the room.
    onLifecycle(listener) {
      const show = () => listener('show')
      const hide = () => listener('hide')
      if (router) {
        Taro.eventCenter.on(router.onShow, show)
        Taro.eventCenter.on(router.onHide, hide)
      }
      Taro.onAppShow(show)
      Taro.onAppHide(hide)
      return () => {
        if (router) {
          Taro.eventCenter.off(router.onShow, show)
          Taro.eventCenter.off(router.onHide, hide)
        }
        Taro.offAppShow(show)
        Taro.offAppHide(hide)
      }
    },
  } as Platform)
}

function currentPage(): unknown {
  const instance = getCurrentInstance()
  return (instance && instance.page) || null
}
