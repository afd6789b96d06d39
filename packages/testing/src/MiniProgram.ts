/**
 * A mini-program under miniprogram-simulate: its `app.js` (when there is one), pages opened by
 * route, and the globals WeChat gives them (`App`, `Page`, `getApp`, `getCurrentPages`, `wx`).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { VirtualPlayer, VirtualPusher } from '@minirtc/headless'
import { NativeLiveComponents, type LiveComponentOptions } from './NativeLiveComponents'
import { compilerFor, resolveNpmComponents } from './npmComponents'
import { renderedElements, type RenderedElement } from './renderedElements'
import { useMiniprogramNpm } from './miniprogramNpm'
import { installWx, type ContextKind, type SimulatedWx, type TestServer } from './simulateWx'
import { simulator } from './simulator'

const require = createRequire(import.meta.url)

export interface MiniProgramOptions {
  /**
   * The mini-program's root folder: a build's output (Taro `dist`, uni-app `dist/build/mp-weixin`)
   * or a native project (WXML + `Page()` + custom components, no build step). npm components
   * (`"rtc-pusher": "@minirtc/weapp/rtc-pusher"`) come from `miniprogram_npm/` when DevTools'
   * "build npm" made one, else straight from the package's `miniprogram_dist` in node_modules.
   */
  root: string
  /** The server the page's `wx.connectSocket` / `wx.request` reach, whatever URL it has built in. */
  server: TestServer
  /** Options of the virtual live-pusher / live-player. */
  live?: LiveComponentOptions
}

/** A rendered page with its virtual live components. */
export interface SimulatedPage {
  route: string
  /** The j-component of the page (`querySelector`, `dom`, `setData`). */
  component: any
  /** The page's `this` (`data`, `setData`, handlers, lifecycle methods). */
  instance: any
  /** The page's native layer: virtual live components and the events they fired. */
  native: NativeLiveComponents
  /** Elements `tag` (or all) rendered anywhere in the page, custom components included. */
  elements(tag?: string): RenderedElement[]
  /** Attributes of the rendered `<live-pusher>`, or undefined when none is rendered. */
  pusher(): Record<string, any> | undefined
  /** Attributes of every rendered `<live-player>`, in order. */
  players(): Array<Record<string, any>>
  /** The virtual component behind the rendered `<live-pusher>` / the `<live-player>` with `id`. */
  virtualPusher(): VirtualPusher | undefined
  virtualPlayer(id: string): VirtualPlayer | undefined
  /** Tap the element with this id, or else the innermost element with a tap binding and this text. */
  tap(idOrText: string): void
  /** The page's text content. */
  text(): string
  /** Close the page as `wx.navigateBack` does: `onUnload`, the element goes, the page below gets `onShow`. */
  close(): void
}

export interface MiniProgram {
  /** What the pages asked of `wx` (URLs, context calls, settings), and `authSetting` to answer with. */
  wx: SimulatedWx
  /**
   * Open `route` (`pages/call/call`) as `wx.navigateTo` does: the current page's `onHide()`, then
   * the new one renders, attaches and gets `onLoad(query)`, `onShow()`, `onReady()`.
   */
  open(route: string, query?: Record<string, string>): Promise<SimulatedPage>
  /** Pages open now, oldest first (what `getCurrentPages()` returns, as instances). */
  pages(): SimulatedPage[]
  /** Close every open page. */
  close(): void
}

let appLoadedFrom: string | null = null

/**
 * Set up the simulated mini-program. One per test file: WeChat's globals are process-wide, and
 * the app's code is loaded once.
 *
 * @example
 * const mp = createMiniProgram({ root: 'dist', server: await startServer({ port: 0, rtmpPort: 0, flvPort: 0, dev: true }) })
 * const page = await mp.open('pages/call/call')
 * page.tap('Join')
 * await until(() => page.virtualPusher()?.publishCount, 'the page publishing real media')
 */
export function createMiniProgram(options: MiniProgramOptions): MiniProgram {
  const { simulate, utils } = simulator()
  const root = path.resolve(options.root)
  resolveNpmComponents(utils, root)
  useMiniprogramNpm(root)
  const open: SimulatedPage[] = []
  const g = globalThis as any
  let app: any = {}
  const launch = { path: '', query: {}, scene: 1001 }
  /** Run a lifecycle hook of the app or a page, if it has one. */
  const hook = (target: any, name: string, arg?: unknown) => {
    if (target && typeof target[name] === 'function') target[name](arg)
  }
  g.App = (appOptions: any) => {
    app = appOptions
    hook(app, 'onLaunch', launch)
    hook(app, 'onShow', launch)
  }
  g.getApp = () => app
  g.getCurrentPages = () => open.map((p) => p.instance)
  // The simulator knows only Component(). A page's options are WeChat's Page() options: functions
  // are its methods and handlers, `data` its data; open() runs the page lifecycle.
  g.Page = (pageOptions: any) => {
    const methods: Record<string, unknown> = {}
    for (const key of Object.keys(pageOptions)) if (typeof pageOptions[key] === 'function') methods[key] = pageOptions[key]
    g.Component({ data: pageOptions.data || {}, methods })
  }

  const wx = installWx(options.server, (kind: ContextKind, id: string, component: unknown) => {
    // WeChat looks the element up in the current page (a pusher) or the open pages (a player),
    // and only inside `component` when one is given.
    const pages = kind === 'pusher' ? open.slice(-1) : open.toReversed()
    for (const page of pages) {
      const element = page.elements(kind === 'pusher' ? 'live-pusher' : 'live-player').find((e) => (kind === 'pusher' || e.id === id) && (!component || e.owner === component))
      // The virtual component's own context: what WeChat's LivePusherContext / LivePlayerContext drive.
      const virtual = element && (kind === 'pusher' ? page.native.pusher(element) : page.native.player(element))
      if (virtual) return virtual.context as unknown as Record<string, unknown>
    }
    return undefined
  })

  // The settings page is a page over the current one: it hides, and shows again on the way back.
  wx.openSettingsPage = async () => {
    wx.openSettingCalls++
    const page = open[open.length - 1]
    hook(page && page.instance, 'onHide')
    await simulate.sleep(0)
    Object.assign(wx.authSetting, wx.settingsChoice)
    hook(page && page.instance, 'onShow')
    return wx.authSetting
  }

  // Background and foreground as WeChat orders them: the current page's onHide, then the app's;
  // the app's onShow (and wx.onAppShow listeners), then the page's.
  const emitApp = wx.emitApp
  wx.emitApp = (event) => {
    const page = open[open.length - 1]
    // The native pushers see it too: 5000, and the waiting-image instead of the camera.
    for (const p of open) p.native.setBackground(event === 'hide')
    if (event === 'hide') {
      hook(page && page.instance, 'onHide')
      hook(app, 'onHide')
      emitApp(event)
    } else {
      hook(app, 'onShow', launch)
      emitApp(event)
      hook(page && page.instance, 'onShow')
    }
  }

  const appJs = path.join(root, 'app.js')
  if (existsSync(appJs) && appLoadedFrom !== appJs) {
    require(appJs)
    appLoadedFrom = appJs
  }

  return {
    wx,
    pages: () => [...open],
    async open(route, query = {}) {
      const file = path.join(root, route)
      if (!existsSync(file + '.json') && !existsSync(file + '.wxml')) throw new Error(`No page ${route} in ${root} (looked for ${file}.json). Build the mini-program first.`)
      const id = simulate.load(file, 'page-' + route.replace(/\W/g, '-'), { rootPath: root, compiler: compilerFor(utils, file) })
      const component = simulate.render(id)
      const instance = component.instance
      // oxlint-disable-next-line no-underscore-dangle -- WeChat's own field name
      instance.route = instance.__route__ = route
      instance.options = query
      const native = new NativeLiveComponents(component, options.live)
      const page: SimulatedPage = {
        route,
        component,
        instance,
        native,
        elements: (tag) => renderedElements(component, tag),
        pusher: () => {
          const [element] = renderedElements(component, 'live-pusher')
          return element && element.attributes
        },
        players: () => renderedElements(component, 'live-player').map((e) => e.attributes),
        virtualPusher() {
          const [element] = renderedElements(component, 'live-pusher')
          return element && native.pusher(element)
        },
        virtualPlayer(playerId) {
          const element = renderedElements(component, 'live-player').find((e) => e.id === playerId)
          return element && native.player(element)
        },
        tap(idOrText) {
          const all = renderedElements(component)
          // Tappable: what binds tap, and buttons WeChat acts on by themselves (open-type).
          const tappable = all.filter((e) => e.events.includes('tap') || (e.tag === 'button' && e.attributes.openType))
          const target = all.find((e) => e.id === idOrText) || tappable.filter((e) => e.text() === idOrText).pop()
          if (!target) throw new Error(`Nothing to tap with id or text "${idOrText}"; tappable: ${tappable.filter((e) => e.text()).map((e) => JSON.stringify(e.text())).join(', ')}`)
          target.fire('tap', {})
          // WeChat's own button actions: the settings page, the privacy agreement.
          const openType = target.tag === 'button' ? target.attributes.openType : undefined
          if (openType === 'openSetting') void wx.openSettingsPage().then((authSetting) => target.fire('opensetting', { authSetting: { ...authSetting }, errMsg: 'openSetting:ok' }))
          if (openType === 'agreePrivacyAuthorization') {
            wx.phone.privacyAgreed = true
            target.fire('agreeprivacyauthorization', {})
          }
        },
        text: () => String(component.dom.textContent),
        close() {
          const at = open.indexOf(page)
          if (at < 0) return
          hook(instance, 'onUnload')
          open.splice(at, 1)
          native.destroy()
          component.detach()
          // navigateBack: the page below shows again.
          if (at === open.length) hook(open[at - 1] && open[at - 1]!.instance, 'onShow')
        },
      }
      // navigateTo: the current page hides under the new one.
      hook(open.length ? open[open.length - 1]!.instance : undefined, 'onHide')
      open.push(page)
      component.attach(document.createElement('parent-wrapper'))
      hook(instance, 'onLoad', query)
      hook(instance, 'onShow')
      hook(instance, 'onReady')
      await simulate.sleep(0)
      return page
    },
    close() {
      for (const page of open.toReversed()) page.close()
    },
  }
}
