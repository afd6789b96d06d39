/**
 * WeChat's native layer for a rendered page: the simulator's own `<live-pusher>` / `<live-player>`
 * are empty tags, so every rendered one gets a headless VirtualPusher / VirtualPlayer (real RTMP
 * push, real HTTP-FLV or RTMP pull against the test server's media server) fed with the
 * element's rendered attributes. Their native events (WeChat's status codes) are fired on the
 * element, so they travel the page's own `bindstatechange` / `bindnetstatus` / ... bindings.
 */
import { VirtualPlayer, VirtualPusher, type VirtualPlayerOptions, type VirtualPusherOptions } from '@minirtc/headless'
import type { NativeEventDetail, NativeEventKind } from '@minirtc/core'
import { renderedElements, type RenderedElement } from './renderedElements'

export type LiveTag = 'live-pusher' | 'live-player'

/** Options of the virtual components (defaults: 3 retries 300 ms apart, netstatus every 500 ms). */
export interface LiveComponentOptions {
  pusher?: Omit<VirtualPusherOptions, 'onEvent'>
  player?: Omit<VirtualPlayerOptions, 'onEvent'>
}

/** One native event fired on a live element. */
export interface NativeEvent {
  tag: LiveTag
  /** The element's id. */
  id: string
  kind: NativeEventKind
  detail: NativeEventDetail
}

interface Live<C> {
  component: C
  element: RenderedElement
}

const PUSHER_DEFAULTS = { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500 }
const PLAYER_DEFAULTS = { retries: 3, retryDelayMs: 300, netstatusIntervalMs: 500, stallTimeoutMs: 2500 }

export class NativeLiveComponents {
  readonly pushers = new Map<any, Live<VirtualPusher>>()
  readonly players = new Map<any, Live<VirtualPlayer>>()
  /** Every native event fired on a live element, in order. */
  readonly events: NativeEvent[] = []
  /** Simulate the user refusing a permission for pushers created from now on (binderror 10001/10002). */
  deny: VirtualPusherOptions['deny'] = undefined
  private background = false
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    private readonly component: any,
    private readonly options: LiveComponentOptions = {},
  ) {
    this.timer = setInterval(() => this.sync(), 20)
  }

  /**
   * Mirror the rendered page into the virtual components (WeChat's part of rendering): create
   * one per new element, feed it the element's attributes, destroy it when the element goes.
   * Runs every 20 ms; call it to apply a render at once.
   */
  sync(): void {
    this.mirror('live-pusher', this.pushers, (element) => {
      const pusher = new VirtualPusher({ ...PUSHER_DEFAULTS, deny: this.deny, ...this.options.pusher, onEvent: this.forward('live-pusher', element) })
      if (this.background) pusher.setBackground(true)
      return pusher
    })
    this.mirror('live-player', this.players, (element) => new VirtualPlayer({ ...PLAYER_DEFAULTS, ...this.options.player, onEvent: this.forward('live-player', element) }))
  }

  /** The virtual pusher behind a rendered `<live-pusher>`. */
  pusher(element: RenderedElement): VirtualPusher | undefined {
    this.sync()
    const live = this.pushers.get(element.node)
    return live && live.component
  }

  /** The virtual player behind a rendered `<live-player>`. */
  player(element: RenderedElement): VirtualPlayer | undefined {
    this.sync()
    const live = this.players.get(element.node)
    return live && live.component
  }

  /** The app goes to the background or comes back: every pusher hears it (5000, waiting-image). */
  setBackground(hidden: boolean): void {
    this.background = hidden
    for (const live of this.pushers.values()) live.component.setBackground(hidden)
  }

  /** Drop every virtual component; rendered elements get fresh ones (the native layer was recreated, e.g. after the settings page). */
  remount(): void {
    this.clear()
    this.sync()
  }

  destroy(): void {
    clearInterval(this.timer)
    this.clear()
  }

  private clear(): void {
    for (const live of [...this.pushers.values(), ...this.players.values()]) live.component.destroy()
    this.pushers.clear()
    this.players.clear()
  }

  private mirror<C extends { update(attributes: object): void; destroy(): void }>(tag: LiveTag, live: Map<any, Live<C>>, create: (element: RenderedElement) => C): void {
    const seen = new Set<any>()
    for (const element of renderedElements(this.component, tag)) {
      seen.add(element.node)
      let entry = live.get(element.node)
      if (!entry) live.set(element.node, (entry = { component: create(element), element }))
      entry.component.update(element.attributes)
    }
    for (const [node, entry] of live) {
      if (seen.has(node)) continue
      entry.component.destroy()
      live.delete(node)
    }
  }

  private forward(tag: LiveTag, element: RenderedElement) {
    return (kind: NativeEventKind, detail: NativeEventDetail) => {
      this.events.push({ tag, id: element.node.id || '', kind, detail })
      element.fire(kind, detail)
    }
  }
}
