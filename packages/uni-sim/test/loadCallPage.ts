/**
 * Load the compiled demo page (apps/uni-demo/dist/build/mp-weixin) under miniprogram-simulate:
 * uni-app's runtime, the page and the @minirtc/uni components exactly as WeChat would run them.
 */
import path from 'node:path'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'

const require = createRequire(import.meta.url)
export const simulate = require('miniprogram-simulate')
import { layout } from './layout'

let appLoaded = false
const pages: any[] = []

/** The globals miniprogram-simulate does not provide. */
function installAppGlobals() {
  const g = globalThis as any
  let app: any = {}
  g.App = (options: any) => {
    app = options
    if (options.onLaunch) options.onLaunch.call(options, { path: 'pages/call/call', query: {}, scene: 1001 })
  }
  g.getApp = () => app
  g.getCurrentPages = () => pages
  // uni's vendor.js wraps the global Page at load time; pages themselves are built with Component()
  g.Page = (options: any) => g.Component(options)
}

export interface LoadedPage {
  /** The page component (j-component). */
  page: any
  /** Data of the custom component `selector` inside `parent` (default: the page). */
  find(selector: string, parent?: any): any
  html(): string
}

/** Load `route` (default the call page) as a fresh page instance. */
export async function loadCallPage(route = 'pages/call/call'): Promise<LoadedPage> {
  const distRoot = layout().dist
  if (!existsSync(path.join(distRoot, 'app.js'))) throw new Error('Build the demo first: pnpm --filter @minirtc/uni-demo build')
  if (!appLoaded) {
    installAppGlobals()
    require(path.join(distRoot, 'app.js'))
    appLoaded = true
  }
  const id = simulate.load(path.join(distRoot, route), 'page-' + route.split('/').pop(), { rootPath: distRoot })
  const page = simulate.render(id)
  pages.length = 0
  pages.push(page.instance)
  page.attach(document.createElement('parent-wrapper'))
  await simulate.sleep(0)
  return {
    page,
    find: (selector, parent = page) => parent.querySelector(selector),
    html: () => page.dom.innerHTML,
  }
}

const exparser = createRequire(require.resolve('j-component'))('miniprogram-exparser')

/** A built-in element rendered somewhere in the page, with the custom component that renders it. */
export interface RenderedElement {
  node: any
  /** The mini-program component instance whose template contains the element (its `data`, `is`). */
  owner: any
  /** Fire a native component event, as WeChat does (`bindstatechange` etc.). */
  fire(name: string, detail: Record<string, unknown>): void
}

/** Every `<tag>` in the page, through custom components' shadow trees (selectors stop at them). */
export function findAll(page: any, tag: string): RenderedElement[] {
  const found: RenderedElement[] = []
  const walk = (node: any, host: any) => {
    if (node.is === tag) found.push({ node, owner: exparser.Element.getMethodCaller(host), fire: (name, detail) => exparser.triggerEvent(node, name, detail) })
    for (const child of node.childNodes || []) walk(child, host)
    if (node.shadowRoot && node !== host) walk(node.shadowRoot, node)
  }
  // j-component keeps the exparser tree behind `_exparserNode`; selectors cannot cross shadow roots
  // oxlint-disable-next-line no-underscore-dangle
  const root = page._exparserNode
  walk(root.shadowRoot, root)
  return found
}
