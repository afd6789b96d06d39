/**
 * Plays WeChat's native layer for the compiled page: every rendered `<live-pusher>` /
 * `<live-player>` gets a headless virtual component (real RTMP / HTTP-FLV against the test
 * server's media server) fed with the element's rendered attributes, and the virtual component's
 * native events are fired on the rendered element, so they travel through the compiled
 * `bindstatechange` etc. into the page's engine.
 */
import { VirtualPlayer, VirtualPusher, type VirtualPusherOptions } from '@minirtc/headless'
import { compiledBindings, renderedAttributes } from './compiledBindings'
import { findAll } from './loadCallPage'

export const pusherBindings = () => compiledBindings('rtc-pusher', 'live-pusher')
export const playerBindings = () => compiledBindings('rtc-player', 'live-player')

export class NativeLayer {
  pusher: VirtualPusher | null = null
  readonly players = new Map<any, VirtualPlayer>()
  /** Simulate the user refusing a permission on the next pusher. */
  deny: VirtualPusherOptions['deny'] = undefined
  private timer: ReturnType<typeof setInterval>
  private readonly bindings = { pusher: pusherBindings(), player: playerBindings() }

  constructor(private readonly page: any) {
    this.timer = setInterval(() => this.sync(), 20)
  }

  /** Push the rendered attributes into the virtual components; create/destroy them as elements come and go. */
  sync(): void {
    const [pusherEl] = findAll(this.page, 'live-pusher')
    if (pusherEl) {
      if (!this.pusher) {
        const el = pusherEl
        this.pusher = new VirtualPusher({ deny: this.deny, netstatusIntervalMs: 1000, retries: 3, retryDelayMs: 500, onEvent: (kind, detail) => el.fire(kind, detail) })
      }
      this.pusher.update(renderedAttributes(pusherEl.owner, this.bindings.pusher))
    } else if (this.pusher) {
      // the element was removed (v-if): so is the native component
      this.pusher.destroy()
      this.pusher = null
    }
    const seen = new Set<any>()
    for (const el of findAll(this.page, 'live-player')) {
      seen.add(el.node)
      let player = this.players.get(el.node)
      if (!player) {
        player = new VirtualPlayer({ netstatusIntervalMs: 1000, retries: 3, retryDelayMs: 500, stallTimeoutMs: 2500, onEvent: (kind, detail) => el.fire(kind, detail) })
        this.players.set(el.node, player)
      }
      player.update(renderedAttributes(el.owner, this.bindings.player))
    }
    for (const [node, player] of this.players)
      if (!seen.has(node)) {
        player.destroy()
        this.players.delete(node)
      }
  }

  /** Replace the pusher (after the user changed a permission in the settings page). */
  remountPusher(): void {
    if (this.pusher) this.pusher.destroy()
    this.pusher = null
  }

  destroy(): void {
    clearInterval(this.timer)
    if (this.pusher) this.pusher.destroy()
    for (const p of this.players.values()) p.destroy()
    this.players.clear()
  }
}
