/**
 * The `wx` a page runs against under the simulator. Real where it can be: `connectSocket` is a
 * SocketTask over the `ws` package and `request` a Node HTTP request, both sent to the test
 * server whatever host the page has built in (the URLs it asked for are recorded). The live
 * contexts drive the virtual live components; the phone around the call (settings and authorize,
 * network type, screen, mute switch, base library) is @minirtc/headless's simulated phone.
 */
import http from 'node:http'
import WebSocket from 'ws'
import { createSimulatedPhone, type SimulatedPhone } from '@minirtc/headless'

/** Where the page's network calls go: a running MiniRTC server (`startServer()` gives both). */
export interface TestServer {
  /** Signaling URL, `ws://127.0.0.1:port/ws`. */
  url: string
  /** HTTP base, `http://127.0.0.1:port`. */
  httpUrl: string
}

export type ContextKind = 'pusher' | 'player'

/** One call of a live context method. */
export interface ContextCall {
  kind: ContextKind
  /** The id passed to `createLivePusherContext` / `createLivePlayerContext` ('' when none). */
  id: string
  /** The component passed as scope (`createLivePlayerContext(id, this)`), if any. */
  component: unknown
  method: string
}

/** What the page asked of `wx`, for assertions; `authSetting` is what `getSetting` / `openSetting` answer. */
export interface SimulatedWx {
  /** Every socket and request URL, in order, as the page asked for them (before redirection). */
  requested: Array<{ api: 'connectSocket' | 'request'; url: string }>
  contextCalls: ContextCall[]
  openSettingCalls: number
  /** The phone's settings (`phone.authSetting`): true allowed, false refused, absent never asked. */
  authSetting: Record<string, boolean | undefined>
  /**
   * What the user switches on or off in the settings page (`wx.openSetting`, a button of
   * open-type="openSetting") before coming back; applied to `authSetting` on the way.
   */
  settingsChoice: Record<string, boolean>
  /** The phone: authorize answers, privacy agreement, network type, screen, base library. */
  phone: SimulatedPhone
  toasts: string[]
  /** The sockets opened for the page. */
  sockets: WebSocket[]
  /** Play the app going to the background (`wx.onAppHide` listeners) and back (`wx.onAppShow`). */
  emitApp(event: 'show' | 'hide'): void
  /**
   * The settings page over the current page, as WeChat runs it: the page hides, the user's
   * `settingsChoice` is applied, the page shows again; resolves with the new `authSetting`.
   */
  openSettingsPage(): Promise<Record<string, boolean | undefined>>
}

/** Resolves a context method call to the native component it acts on. */
export type ContextResolver = (kind: ContextKind, id: string, component: unknown) => Record<string, unknown> | undefined

type Callbacks = { success?(res: unknown): void; fail?(res: unknown): void; complete?(res: unknown): void; [key: string]: unknown }

const CONTEXT_METHODS: Record<ContextKind, string[]> = {
  pusher: ['start', 'stop', 'pause', 'resume', 'switchCamera', 'snapshot', 'toggleTorch', 'sendMessage', 'startPreview', 'stopPreview', 'setMICVolume', 'playBGM', 'pauseBGM', 'resumeBGM', 'stopBGM', 'setBGMVolume'],
  player: ['play', 'stop', 'pause', 'resume', 'mute', 'snapshot', 'requestFullScreen', 'exitFullScreen', 'exitPictureInPicture'],
}

const SYSTEM_INFO = { platform: 'devtools', SDKVersion: '3.5.0', windowWidth: 375, windowHeight: 667, pixelRatio: 2, language: 'en', version: '8.0.50' }

function settle(o: Callbacks | undefined, ok: boolean, res: unknown) {
  if (!o) return
  if (ok && o.success) o.success(res)
  if (!ok && o.fail) o.fail(res)
  if (o.complete) o.complete(res)
}

/**
 * Install the network, context and settings APIs into the simulator's `wx` (load the simulator
 * first: it installs its own `wx`). `resolve` finds the virtual component a context acts on.
 */
export function installWx(server: TestServer, resolve: ContextResolver): SimulatedWx {
  const wx = (globalThis as any).wx
  const phone = createSimulatedPhone()
  const state: SimulatedWx = {
    requested: [],
    contextCalls: [],
    openSettingCalls: 0,
    get authSetting() {
      return phone.authSetting
    },
    set authSetting(value) {
      phone.authSetting = value
    },
    settingsChoice: {},
    phone,
    toasts: [],
    sockets: [],
    emitApp: () => undefined,
    openSettingsPage: () => Promise.resolve(phone.authSetting),
  }

  for (const name of ['getSystemInfoSync', 'getWindowInfo', 'getDeviceInfo']) wx[name] = () => Object.assign({}, SYSTEM_INFO, { SDKVersion: phone.baseLibrary })
  Object.assign(wx, phone.api)

  wx.connectSocket = (opts: Callbacks & { url: string }) => {
    state.requested.push({ api: 'connectSocket', url: opts.url })
    const ws = new WebSocket(server.url, { perMessageDeflate: false })
    state.sockets.push(ws)
    // WeChat delivers events only to handlers registered by then, and frameworks register them
    // after `success` (Taro) or right away (uni-app): keep the open for late handlers.
    const handlers: Record<string, Array<(res: unknown) => void>> = { open: [], message: [], close: [], error: [] }
    let opened = false
    const fire = (name: string, res: unknown) => handlers[name]!.forEach((h) => h(res))
    ws.on('open', () => {
      opened = true
      fire('open', {})
    })
    ws.on('message', (data, isBinary) => fire('message', { data: isBinary ? data : data.toString() }))
    ws.on('close', (code, reason) => fire('close', { code, reason: reason.toString() }))
    ws.on('error', (err) => fire('error', { errMsg: String(err) }))
    const task = {
      onOpen(h: (res: unknown) => void) {
        handlers.open!.push(h)
        if (opened) h({})
      },
      onMessage: (h: (res: unknown) => void) => handlers.message!.push(h),
      onClose: (h: (res: unknown) => void) => handlers.close!.push(h),
      onError: (h: (res: unknown) => void) => handlers.error!.push(h),
      send: (o: Callbacks & { data: string }) => {
        ws.send(o.data)
        settle(o, true, { errMsg: 'sendSocketMessage:ok' })
      },
      close: (o: Callbacks & { code?: number; reason?: string } = {}) => {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
        else ws.close(o.code || 1000, o.reason || '')
      },
    }
    setTimeout(() => settle(opts, true, { errMsg: 'connectSocket:ok' }), 0)
    return task
  }

  wx.request = (opts: Callbacks & { url: string; data?: Record<string, string> | string; method?: string }) => {
    state.requested.push({ api: 'request', url: opts.url })
    const u = new URL(opts.url)
    // wx.request puts a GET's object data into the query string.
    if (opts.data && typeof opts.data === 'object') for (const [k, v] of Object.entries(opts.data)) u.searchParams.set(k, String(v))
    // Node's http, not fetch: the test DOM's fetch applies browser CORS rules WeChat does not have.
    http
      .get(server.httpUrl + u.pathname + u.search, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          let data: unknown = text
          try {
            data = JSON.parse(text)
          } catch {}
          settle(opts, true, { data, statusCode: res.statusCode, header: res.headers, errMsg: 'request:ok' })
        })
      })
      .on('error', (err) => settle(opts, false, { errMsg: 'request:fail ' + err.message }))
    return { abort() {} }
  }

  const context = (kind: ContextKind, id: unknown, component: unknown) => {
    const ctx: Record<string, (o?: Callbacks) => void> = {}
    const elementId = typeof id === 'string' ? id : ''
    for (const method of CONTEXT_METHODS[kind])
      ctx[method] = (o?: Callbacks) => {
        state.contextCalls.push({ kind, id: elementId, component, method })
        // Looked up at call time: the element may render after the context was created.
        const native = resolve(kind, elementId, component)
        const fn = native && native[method]
        if (typeof fn === 'function') return fn.call(native, o)
        if (native) return settle(o, true, { errMsg: method + ':ok' }) // accepted; nothing to emulate (picture-in-picture, mute)
        settle(o, false, { errMsg: `${method}:fail no rendered live-${kind}` })
      }
    return ctx
  }
  // WeChat's createLivePusherContext() takes no arguments (one pusher per page); uni-app passes an id and its component.
  wx.createLivePusherContext = (id?: unknown, component?: unknown) => context('pusher', id, component)
  wx.createLivePlayerContext = (id: string, component?: unknown) => context('player', id, component)

  wx.openSetting = (opts: Callbacks) => {
    void state.openSettingsPage().then((authSetting) => settle(opts, true, { authSetting: { ...authSetting }, errMsg: 'openSetting:ok' }))
  }
  wx.showToast = (opts: Callbacks & { title: string }) => {
    state.toasts.push(opts.title)
    settle(opts, true, { errMsg: 'showToast:ok' })
  }
  const app = { show: new Set<() => void>(), hide: new Set<() => void>() }
  wx.onAppShow = (fn: () => void) => app.show.add(fn)
  wx.onAppHide = (fn: () => void) => app.hide.add(fn)
  wx.offAppShow = (fn: () => void) => app.show.delete(fn)
  wx.offAppHide = (fn: () => void) => app.hide.delete(fn)
  state.emitApp = (event) => app[event].forEach((fn) => fn())
  return state
}
