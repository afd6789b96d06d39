/**
 * The mini-program globals miniprogram-simulate does not provide. Taro pages call `Page()`, which
 * the simulator does not know: it is adapted to `Component()`, running onLoad/onShow/onReady when
 * attached and onUnload when detached, as WeChat does for a page.
 */
export interface SimulatedPages {
  /** Page instances, like getCurrentPages(). */
  stack: any[]
  /** Called after every setData of a page, once WeChat would have rendered it. */
  onRender: Set<(page: any) => void>
}

export function installMiniProgramGlobals(route: string): SimulatedPages {
  const g = globalThis as any
  const pages: SimulatedPages = { stack: [], onRender: new Set() }
  let app: any = {}
  g.App = (options: any) => {
    app = options
    options.onLaunch?.call(options, {})
    options.onShow?.call(options, {})
  }
  g.getApp = () => app
  g.getCurrentPages = () => pages.stack
  g.Page = (options: any) => {
    const methods: Record<string, unknown> = {}
    for (const k of Object.keys(options)) if (typeof options[k] === 'function') methods[k] = options[k]
    g.Component({
      data: options.data || {},
      methods,
      lifetimes: {
        attached(this: any) {
          // oxlint-disable-next-line no-underscore-dangle -- WeChat's own field name
          this.route = this.__route__ = route
          const setData = this.setData
          this.setData = (data: object, cb?: () => void) =>
            setData.call(this, data, () => {
              cb?.()
              pages.onRender.forEach((fn) => fn(this))
            })
          pages.stack.push(this)
          this.onLoad?.({})
          this.onShow?.()
          this.onReady?.()
        },
        detached(this: any) {
          this.onUnload?.()
          pages.stack.splice(pages.stack.indexOf(this), 1)
        },
      },
    })
  }
  return pages
}
