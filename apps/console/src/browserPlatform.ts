/**
 * The browser `Platform` for `@minirtc/core`: the page's WebSocket, timers and clock, the
 * `online`/`offline` events for reachability, the page lifecycle, and live contexts from the
 * browser renderer.
 */
import type { LivePlayerContextLike, LivePusherContextLike, Platform } from '@minirtc/core'

export interface BrowserPlatformOptions {
  /** Where live contexts come from; the browser renderer provides them. */
  contexts?: {
    pusherContext(id: string): LivePusherContextLike | null
    playerContext(id: string): LivePlayerContextLike | null
  }
}

export function createBrowserPlatform(options: BrowserPlatformOptions = {}): Platform {
  return {
    connect(url, handlers) {
      const ws = new WebSocket(url)
      let closed = false
      ws.addEventListener('open', () => handlers.onOpen())
      ws.addEventListener('message', (e) => {
        if (typeof e.data === 'string') handlers.onMessage(e.data)
      })
      // The browser follows every 'error' with 'close'; that one reports it.
      ws.addEventListener('close', (e) => {
        if (closed) return
        closed = true
        handlers.onClose(e.code, e.reason)
      })
      return {
        send: (data) => ws.send(data),
        close: (code = 1000, reason = '') => {
          // The browser only lets pages close with 1000 or 3000-4999.
          ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason)
        },
      }
    },
    createPusherContext: (id) => (options.contexts ? options.contexts.pusherContext(id) : null),
    createPlayerContext: (id) => (options.contexts ? options.contexts.playerContext(id) : null),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (h) => window.clearTimeout(h as number),
    now: () => Date.now(),
    onNetworkChange(listener) {
      const on = () => listener(true)
      const off = () => listener(false)
      window.addEventListener('online', on)
      window.addEventListener('offline', off)
      return () => {
        window.removeEventListener('online', on)
        window.removeEventListener('offline', off)
      }
    },
    // A closed or reloaded tab is the page's unload: the room controller then logs out, so the
    // others see us leave at once instead of when the server's resume window runs out.
    // `pagehide` rather than `beforeunload`, which browsers skip in some cases (mobile, tabs
    // discarded or closed without prompting).
    onLifecycle(listener) {
      const unload = () => listener('unload')
      const visibility = () => listener(document.visibilityState === 'hidden' ? 'hide' : 'show')
      window.addEventListener('pagehide', unload)
      document.addEventListener('visibilitychange', visibility)
      return () => {
        window.removeEventListener('pagehide', unload)
        document.removeEventListener('visibilitychange', visibility)
      }
    },
  }
}
