/**
 * The `wx` APIs the compiled demo calls, over real connections: `wx.connectSocket` is a SocketTask
 * over the `ws` package and `wx.request` a Node HTTP request, both sent to the test's server
 * whatever host the build baked in (the requested URLs are recorded for assertions). The live
 * contexts come from the emulated native components; `wx.openSetting` answers as if the user
 * turned both permissions on.
 */
import http from 'node:http'
import WebSocket from 'ws'
import type { LivePlayerContextLike, LivePusherContextLike } from '@minirtc/core'

export interface WxBridgeOptions {
  /** Signaling URL of the test server (`ws://127.0.0.1:port/ws`). */
  server: string
  /** HTTP base of the test server (`http://127.0.0.1:port`). */
  http: string
  contexts: {
    pusher(): LivePusherContextLike | null
    player(id: string): LivePlayerContextLike | null
  }
}

export interface WxBridge {
  socketUrls: string[]
  requestUrls: string[]
  /** `scope` argument of every createLivePlayerContext call. */
  playerContextScopes: unknown[]
  openSettingCalls: number
  sockets: WebSocket[]
  /** `wx.onAppShow` / `wx.onAppHide` listeners, as [event, listener]. */
  appListeners?: Set<[string, () => void]>
}

type Cb = (arg?: any) => void

export function installWxBridge(options: WxBridgeOptions): WxBridge {
  const wx = (globalThis as any).wx
  const bridge: WxBridge = { socketUrls: [], requestUrls: [], playerContextScopes: [], openSettingCalls: 0, sockets: [] }

  wx.connectSocket = (opts: { url: string; success?: Cb; fail?: Cb }) => {
    bridge.socketUrls.push(opts.url)
    const ws = new WebSocket(options.server, { perMessageDeflate: false })
    bridge.sockets.push(ws)
    // WeChat only delivers to handlers registered by then; Taro registers them a tick after
    // `success`. Buffer the open so a fast localhost handshake is not lost.
    const handlers: Record<string, Cb[]> = { open: [], message: [], close: [], error: [] }
    let opened = false
    const fire = (name: string, arg?: unknown) => handlers[name]!.forEach((h) => h(arg))
    ws.on('open', () => {
      opened = true
      fire('open', {})
    })
    ws.on('message', (data, isBinary) => fire('message', { data: isBinary ? data : data.toString() }))
    ws.on('close', (code, reason) => fire('close', { code, reason: reason.toString() }))
    ws.on('error', (err) => fire('error', { errMsg: String(err) }))
    const task = {
      onOpen: (h: Cb) => {
        handlers.open!.push(h)
        if (opened) h({})
      },
      onMessage: (h: Cb) => handlers.message!.push(h),
      onClose: (h: Cb) => handlers.close!.push(h),
      onError: (h: Cb) => handlers.error!.push(h),
      send: (o: { data: string }) => ws.send(o.data),
      close: (o: { code?: number; reason?: string } = {}) => {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
        else ws.close(o.code || 1000, o.reason || '')
      },
    }
    setTimeout(() => opts.success?.({ errMsg: 'connectSocket:ok' }), 0)
    return task
  }

  wx.request = (opts: { url: string; success?: Cb; fail?: Cb; complete?: Cb }) => {
    bridge.requestUrls.push(opts.url)
    const u = new URL(opts.url)
    // Node's http, not fetch: the test environment's fetch applies browser CORS rules WeChat does not have.
    http
      .get(options.http + u.pathname + u.search, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          let data: unknown = text
          try {
            data = JSON.parse(text)
          } catch {}
          const out = { data, statusCode: res.statusCode, header: res.headers, errMsg: 'request:ok' }
          opts.success?.(out)
          opts.complete?.(out)
        })
      })
      .on('error', (err) => {
        opts.fail?.({ errMsg: 'request:fail ' + err.message })
        opts.complete?.({ errMsg: 'request:fail' })
      })
    return { abort() {} }
  }

  wx.createLivePusherContext = () => options.contexts.pusher()
  wx.createLivePlayerContext = (id: string, scope: unknown) => {
    bridge.playerContextScopes.push(scope)
    return options.contexts.player(id)
  }
  wx.openSetting = (opts: { success?: Cb; complete?: Cb }) => {
    bridge.openSettingCalls++
    const res = { authSetting: { 'scope.camera': true, 'scope.record': true }, errMsg: 'openSetting:ok' }
    setTimeout(() => {
      opts.success?.(res)
      opts.complete?.(res)
    }, 0)
  }
  wx.onNetworkStatusChange = () => undefined
  wx.offNetworkStatusChange = () => undefined
  // The app going to the background and back (wx.onAppHide / wx.onAppShow).
  const app = new Set<[string, () => void]>()
  wx.onAppShow = (fn: () => void) => app.add(['show', fn])
  wx.onAppHide = (fn: () => void) => app.add(['hide', fn])
  wx.offAppShow = wx.offAppHide = (fn: () => void) => app.forEach((l) => l[1] === fn && app.delete(l))
  bridge.appListeners = app
  return bridge
}
