/**
 * The headless renderer: watches the engine snapshot exactly as a Taro/uni component would and
 * "renders" it into virtual live-pusher / live-player components, forwarding their native events
 * back through the engine's single doors (`handlePusherEvent` / `handlePlayerEvent`).
 */
import type { EngineSnapshot, LivePlayerContextLike, LivePusherContextLike, PlayerViewModel, PusherViewModel, RtcEngine } from '@minirtc/core'
import { VirtualPlayer, type VirtualPlayerOptions } from './virtual-player.js'
import { VirtualPusher, type VirtualPusherOptions } from './virtual-pusher.js'

export interface HeadlessRendererOptions {
  pusher?: Omit<VirtualPusherOptions, 'onEvent'>
  player?: Omit<VirtualPlayerOptions, 'onEvent'>
}

export class HeadlessRenderer {
  /** The one live-pusher (WeChat allows one per page), created when first rendered. */
  pusher: VirtualPusher | null = null
  /** Rendered players by streamId. */
  readonly players = new Map<string, VirtualPlayer>()
  private engine: RtcEngine | null = null
  private unsubscribe: (() => void) | null = null
  private lastPusher: PusherViewModel | null = null
  private lastPlayers: EngineSnapshot['players'] = {}

  constructor(private readonly options: HeadlessRendererOptions = {}) {}

  /** Start rendering `engine`'s snapshot. */
  attach(engine: RtcEngine): this {
    this.engine = engine
    this.unsubscribe = engine.subscribe(() => this.render(engine.getSnapshot()))
    this.render(engine.getSnapshot())
    return this
  }

  pusherContext(id: string): LivePusherContextLike | null {
    return this.pusher && this.lastPusher && this.lastPusher.id === id ? this.pusher.context : null
  }

  playerContext(id: string): LivePlayerContextLike | null {
    for (const [streamId, vm] of Object.entries(this.lastPlayers)) if (vm.id === id) return this.players.get(streamId)?.context ?? null
    return null
  }

  /** Unmount everything (like leaving the page). */
  detach(): void {
    if (this.unsubscribe) this.unsubscribe()
    this.unsubscribe = null
    this.pusher?.destroy()
    this.pusher = null
    for (const p of this.players.values()) p.destroy()
    this.players.clear()
    this.lastPlayers = {}
    this.lastPusher = null
  }

  private render(snap: EngineSnapshot): void {
    const engine = this.engine
    if (!engine) return
    if (snap.pusher !== this.lastPusher) {
      if (!this.pusher) this.pusher = new VirtualPusher({ ...this.options.pusher, onEvent: (kind, detail) => engine.handlePusherEvent(kind, detail) })
      this.lastPusher = snap.pusher
      this.pusher.update(snap.pusher)
    }
    if (snap.players === this.lastPlayers) return
    for (const [streamId, player] of this.players) {
      if (!snap.players[streamId]) {
        player.destroy()
        this.players.delete(streamId)
      }
    }
    for (const [streamId, vm] of Object.entries(snap.players) as Array<[string, PlayerViewModel]>) {
      let player = this.players.get(streamId)
      if (!player) {
        player = new VirtualPlayer({ ...this.options.player, onEvent: (kind, detail) => engine.handlePlayerEvent(streamId, kind, detail) })
        this.players.set(streamId, player)
      }
      if (this.lastPlayers[streamId] !== vm) player.update(vm)
    }
    this.lastPlayers = snap.players
  }
}
