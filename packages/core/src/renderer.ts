/**
 * A renderer for hosts without a UI framework (Node bots, the browser console): it watches the
 * engine snapshot exactly as a Taro/uni component tree would, keeps one pusher component and one
 * player component per stream in step with the view models, and forwards their native events
 * back through the engine's single doors. Mini-program adapters do not need it: React and Vue
 * already render the snapshot.
 *
 * Separate entry (`@minirtc/core/renderer`), so mini-program bundles never carry it.
 */
import type { RtcEngine } from './RtcEngine'
import type { LivePlayerContextLike, LivePusherContextLike } from './platform'
import type { EngineSnapshot, NativeEventDetail, NativeEventKind, PlayerViewModel, PusherViewModel } from './types'

/** How a rendered component reports what WeChat delivers through `bind<kind>`. */
export type NativeEventHandler = (kind: NativeEventKind, detail: NativeEventDetail) => void

/** A component that renders a view model: the host's stand-in for `<live-pusher>`/`<live-player>`. */
export interface RenderedComponent<VM, Ctx> {
  readonly context: Ctx
  /** Called with every new view model (like a re-render with new attributes). */
  update(vm: VM): void
  /** Unmount. */
  destroy(): void
}

export interface ComponentFactories<P extends RenderedComponent<PusherViewModel, LivePusherContextLike>, L extends RenderedComponent<PlayerViewModel, LivePlayerContextLike>> {
  pusher(onEvent: NativeEventHandler): P
  player(streamId: string, onEvent: NativeEventHandler): L
}

export class SnapshotRenderer<
  P extends RenderedComponent<PusherViewModel, LivePusherContextLike>,
  L extends RenderedComponent<PlayerViewModel, LivePlayerContextLike>,
> {
  /** The one pusher (one live-pusher per page), created when first rendered. */
  pusher: P | null = null
  /** Rendered players by streamId. */
  readonly players = new Map<string, L>()
  private engine: RtcEngine | null = null
  private unsubscribe: (() => void) | null = null
  private lastPusher: PusherViewModel | null = null
  private lastPlayers: EngineSnapshot['players'] = {}

  constructor(private readonly make: ComponentFactories<P, L>) {}

  /** Start rendering `engine`'s snapshot. */
  attach(engine: RtcEngine): this {
    this.engine = engine
    this.unsubscribe = engine.subscribe(() => this.render(engine.getSnapshot()))
    this.render(engine.getSnapshot())
    return this
  }

  /** What `wx.createLivePusherContext()` returns for the rendered pusher with element id `id`. */
  pusherContext(id: string): LivePusherContextLike | null {
    return this.pusher && this.lastPusher && this.lastPusher.id === id ? this.pusher.context : null
  }

  /** What `wx.createLivePlayerContext(id)` returns for the rendered player with element id `id`. */
  playerContext(id: string): LivePlayerContextLike | null {
    for (const streamId of Object.keys(this.lastPlayers)) {
      const player = this.players.get(streamId)
      if (this.lastPlayers[streamId]!.id === id && player) return player.context
    }
    return null
  }

  /** Unmount everything (like leaving the page). */
  detach(): void {
    if (this.unsubscribe) this.unsubscribe()
    this.unsubscribe = null
    if (this.pusher) this.pusher.destroy()
    this.pusher = null
    this.players.forEach((p) => p.destroy())
    this.players.clear()
    this.lastPlayers = {}
    this.lastPusher = null
  }

  private render(snap: EngineSnapshot): void {
    const engine = this.engine
    if (!engine) return
    if (snap.pusher !== this.lastPusher) {
      if (!this.pusher) this.pusher = this.make.pusher((kind, detail) => engine.handlePusherEvent(kind, detail))
      this.lastPusher = snap.pusher
      this.pusher.update(snap.pusher)
    }
    if (snap.players === this.lastPlayers) return
    this.players.forEach((player, streamId) => {
      if (snap.players[streamId]) return
      player.destroy()
      this.players.delete(streamId)
    })
    for (const streamId of Object.keys(snap.players)) {
      const vm = snap.players[streamId]!
      let player = this.players.get(streamId)
      if (!player) {
        player = this.make.player(streamId, (kind, detail) => engine.handlePlayerEvent(streamId, kind, detail))
        this.players.set(streamId, player)
      }
      if (this.lastPlayers[streamId] !== vm) player.update(vm)
    }
    this.lastPlayers = snap.players
  }
}
