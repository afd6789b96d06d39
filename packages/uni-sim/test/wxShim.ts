/**
 * The `wx` a compiled page runs against under miniprogram-simulate. Real where it can be:
 * `connectSocket` is a SocketTask over the `ws` package and `request` a real HTTP request, both
 * pointed at the in-process server. Mocked only where WeChat's native layer cannot run here: the
 * live-pusher/live-player context factories (recording every call) and the settings page.
 */
import http from 'node:http'
import WebSocket from 'ws'

export interface ContextCall {
  kind: 'pusher' | 'player'
  id: string
  /** The mini-program component passed as the lookup scope (`createLivePlayerContext(id, this)`). */
  component: any
  method: string
}

export interface WxShim {
  /** URLs the page asked for (signaling and HTTP), before redirection to the test server. */
  requestedUrls: string[]
  contextCalls: ContextCall[]
  contextsCreated: Array<{ kind: 'pusher' | 'player'; id: string; component: any }>
  openSettingCalls: number
  /** What `openSetting` answers. */
  authSetting: Record<string, boolean>
  sockets: WebSocket[]
  toasts: string[]
  /** `wx.onAppShow` / `wx.onAppHide` listeners, as [event, listener]. */
  appListeners: Set<[string, () => void]>
}

const CONTEXT_METHODS = ['start', 'stop', 'pause', 'resume', 'switchCamera', 'snapshot', 'sendMessage', 'toggleTorch', 'play', 'mute']

/** Install `wx` and return the recorder. `target` maps the page's built-in origin to the test server. */
export function installWx(target: { ws: string; http: string; builtIn: string }): WxShim {
  const shim: WxShim = { requestedUrls: [], contextCalls: [], contextsCreated: [], openSettingCalls: 0, authSetting: {}, sockets: [], toasts: [], appListeners: new Set() }
  const builtInHttp = target.builtIn.replace(/^ws/, 'http').replace(/\/ws$/, '')
  const context = (kind: 'pusher' | 'player', id: string, component: any) => {
    shim.contextsCreated.push({ kind, id, component })
    const ctx: Record<string, (opts?: { success?(r: unknown): void; complete?(r: unknown): void }) => void> = {}
    for (const method of CONTEXT_METHODS)
      ctx[method] = (opts = {}) => {
        shim.contextCalls.push({ kind, id, component, method })
        if (opts.success) opts.success({ errMsg: method + ':ok' })
        if (opts.complete) opts.complete({ errMsg: method + ':ok' })
      }
    return ctx
  }
  const systemInfo = { platform: 'devtools', SDKVersion: '3.5.0', windowWidth: 375, windowHeight: 667, pixelRatio: 2, language: 'en', version: '8.0.50' }
  ;(globalThis as any).wx = {
    getSystemInfoSync: () => systemInfo,
    getAppBaseInfo: () => systemInfo,
    getWindowInfo: () => systemInfo,
    getDeviceInfo: () => systemInfo,
    getLaunchOptionsSync: () => ({ scene: 1001, path: 'pages/call/call', query: {} }),
    canIUse: () => true,
    connectSocket(opts: { url: string; complete?(): void }) {
      shim.requestedUrls.push(opts.url)
      const ws = new WebSocket(opts.url === target.builtIn ? target.ws : opts.url)
      shim.sockets.push(ws)
      const on = (name: string, wrap: (...a: any[]) => unknown) => (fn: (r: unknown) => void) => ws.on(name, (...a: any[]) => fn(wrap(...a)))
      const task = {
        onOpen: on('open', () => ({})),
        onMessage: on('message', (data: Buffer) => ({ data: data.toString() })),
        onClose: on('close', (code: number, reason: Buffer) => ({ code, reason: reason.toString() })),
        onError: on('error', (err: Error) => ({ errMsg: err.message })),
        send: (o: { data: string }) => ws.send(o.data),
        close: (o: { code?: number; reason?: string } = {}) => (ws.readyState === WebSocket.CONNECTING ? ws.terminate() : ws.close(o.code ?? 1000, o.reason ?? '')),
      }
      if (opts.complete) setTimeout(() => opts.complete!(), 0)
      return task
    },
    request(opts: { url: string; data?: Record<string, string>; success?(r: unknown): void; fail?(e: unknown): void; complete?(): void }) {
      shim.requestedUrls.push(opts.url)
      // wx.request puts a GET's data into the query string
      const query = new URLSearchParams(opts.data || {}).toString()
      const url = opts.url.replace(builtInHttp, target.http) + (query ? '?' + query : '')
      http
        .get(url, (res) => {
          let body = ''
          res.on('data', (c) => (body += c))
          res.on('end', () => {
            let data: unknown = body
            try {
              data = JSON.parse(body)
            } catch {}
            opts.success?.({ statusCode: res.statusCode, data, header: res.headers, errMsg: 'request:ok' })
            opts.complete?.()
          })
        })
        .on('error', (e) => {
          opts.fail?.({ errMsg: 'request:fail ' + e.message })
          opts.complete?.()
        })
    },
    createLivePusherContext: (id: string, component: any) => context('pusher', id, component),
    createLivePlayerContext: (id: string, component: any) => context('player', id, component),
    onNetworkStatusChange() {},
    offNetworkStatusChange() {},
    // The app going to the background and back (wx.onAppHide / wx.onAppShow).
    onAppShow: (fn: () => void) => shim.appListeners.add(['show', fn]),
    onAppHide: (fn: () => void) => shim.appListeners.add(['hide', fn]),
    offAppShow: (fn: () => void) => shim.appListeners.forEach((l) => l[1] === fn && shim.appListeners.delete(l)),
    offAppHide: (fn: () => void) => shim.appListeners.forEach((l) => l[1] === fn && shim.appListeners.delete(l)),
    openSetting(opts: { success?(r: unknown): void }) {
      shim.openSettingCalls++
      opts.success?.({ authSetting: shim.authSetting, errMsg: 'openSetting:ok' })
    },
    showToast(opts: { title: string }) {
      shim.toasts.push(opts.title)
    },
  }
  return shim
}
