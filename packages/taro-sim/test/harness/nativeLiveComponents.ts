/**
 * Native live components for the simulator, whose own `<live-pusher>`/`<live-player>` are empty
 * stubs. After every render, the page data of each live node is read through the compiled
 * template's attribute → pN map and applied to a headless VirtualPusher/VirtualPlayer, which
 * pushes and pulls real RTMP/HTTP-FLV; their native events are dispatched on the rendered element,
 * so they travel the compiled `bindstatechange="eh"` path into the React tree and the engine.
 */
import { VirtualPlayer, VirtualPusher } from '@minirtc/headless'
import type { NativeEventDetail, NativeEventKind } from '@minirtc/core'
import { camel, type CompiledComponent } from './baseWxml'

export interface LiveNode {
  uid: string
  /** The node's attributes by name (kebab-case), read through the template's pN keys. */
  attributes: Record<string, unknown>
}

const fast = { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 }

export class NativeLiveComponents {
  readonly pushers = new Map<string, VirtualPusher>()
  readonly players = new Map<string, VirtualPlayer>()
  /** Every event dispatched on a live element, in order. */
  readonly dispatched: Array<{ id: string; kind: NativeEventKind; detail: NativeEventDetail }> = []

  constructor(
    private readonly pusherTemplate: CompiledComponent,
    private readonly playerTemplate: CompiledComponent,
    private readonly element: (id: string) => { dispatchEvent(name: string, init: object): void } | undefined,
  ) {}

  /** Live nodes of one kind in the page data, in render order. */
  nodes(data: any, kind: 'live-pusher' | 'live-player'): LiveNode[] {
    const template = kind === 'live-pusher' ? this.pusherTemplate : this.playerTemplate
    const out: LiveNode[] = []
    const walk = (node: any) => {
      if (!node || typeof node !== 'object') return
      if (node.nn === template.nn) {
        const attributes: Record<string, unknown> = {}
        for (const [name, key] of Object.entries(template.dataKeys)) attributes[name] = node[key]
        out.push({ uid: node.uid || node.sid, attributes })
      }
      if (Array.isArray(node.cn)) node.cn.forEach(walk)
    }
    walk(data.root)
    return out
  }

  /** Mirror the rendered page into the virtual components (WeChat's part of rendering). */
  sync(data: any): void {
    this.mirror(this.nodes(data, 'live-pusher'), this.pushers, (id) => new VirtualPusher({ ...fast, onEvent: this.forward(id) }))
    this.mirror(this.nodes(data, 'live-player'), this.players, (id) => new VirtualPlayer({ ...fast, stallTimeoutMs: 2500, onEvent: this.forward(id) }))
  }

  destroy(): void {
    for (const c of [...this.pushers.values(), ...this.players.values()]) c.destroy()
    this.pushers.clear()
    this.players.clear()
  }

  private mirror<C extends { update(vm: object): void; destroy(): void }>(nodes: LiveNode[], live: Map<string, C>, create: (id: string) => C) {
    const seen = new Set<string>()
    for (const node of nodes) {
      seen.add(node.uid)
      let c = live.get(node.uid)
      if (!c) live.set(node.uid, (c = create(node.uid)))
      const vm: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(node.attributes)) vm[camel(name)] = value
      c.update(vm)
    }
    for (const [id, c] of live) {
      if (seen.has(id)) continue
      c.destroy()
      live.delete(id)
    }
  }

  private forward(id: string) {
    return (kind: NativeEventKind, detail: NativeEventDetail) => {
      const el = this.element(id)
      if (!el) return
      this.dispatched.push({ id, kind, detail })
      el.dispatchEvent(kind, { detail })
    }
  }
}
