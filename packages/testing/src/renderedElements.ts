/**
 * The elements a rendered page shows, found through every custom component's shadow tree (the
 * simulator's selectors stop at component boundaries), with what the template bound on them.
 */
import { simulator } from './simulator'

/** One built-in element of the rendered page (`<live-pusher>`, `<button>`, `<view>`...). */
export interface RenderedElement {
  tag: string
  /** The element's `id` attribute ('' when none). */
  id: string
  /**
   * The attributes as rendered, names camelCased (`enable-mic` → `enableMic`,
   * `data-stream-id` → `dataStreamId`), values as the template evaluated them.
   */
  attributes: Record<string, any>
  /** Names of the events the template binds (`bindstatechange` → `statechange`). */
  events: string[]
  /** The mini-program component whose template renders the element (its `this`: `data`, methods). */
  owner: any
  /** The exparser node (identity is stable while the element stays rendered). */
  node: any
  /** The element's text content, trimmed. */
  text(): string
  /** Fire an event on the element as WeChat does: handlers get `{ type, detail, currentTarget: { id, dataset } }`. */
  fire(name: string, detail?: Record<string, unknown>): void
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

function describe(node: any, host: any): RenderedElement {
  const { exparser } = simulator()
  return {
    tag: node.is,
    id: node.id || '',
    get attributes() {
      // j-component keeps the evaluated template node on the exparser node (`_vt`), across diffs.
      const out: Record<string, any> = {}
      // oxlint-disable-next-line no-underscore-dangle -- j-component's own field
      for (const { name, value } of node._vt ? node._vt.attrs : []) out[camel(name)] = value
      return out
    },
    get events() {
      // oxlint-disable-next-line no-underscore-dangle -- j-component's own field
      return node._vt ? Object.values(node._vt.event as Record<string, { name: string }>).map((e) => e.name) : []
    },
    owner: exparser.Element.getMethodCaller(host),
    node,
    text: () => String(node.$$ ? node.$$.textContent : '').trim(),
    fire: (name, detail = {}) => exparser.triggerEvent(node, name, detail),
  }
}

/** Every element (`tag`, or all when omitted) under `component` (a rendered j-component), in document order. */
export function renderedElements(component: any, tag?: string): RenderedElement[] {
  const found: RenderedElement[] = []
  const walk = (node: any, host: any) => {
    if (typeof node.is === 'string' && (!tag || node.is === tag)) found.push(describe(node, host))
    for (const child of node.childNodes || []) walk(child, host)
    if (node.shadowRoot && node !== host) walk(node.shadowRoot, node)
  }
  // oxlint-disable-next-line no-underscore-dangle -- j-component keeps the exparser tree here
  const root = component._exparserNode
  walk(root.shadowRoot, root)
  return found
}
