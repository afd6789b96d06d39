/**
 * The browser renderer: watches the engine snapshot as a Taro/uni component would and renders
 * it into a BrowserPusher and one BrowserPlayer per stream, forwarding their events back through
 * the engine's single doors (`handlePusherEvent` / `handlePlayerEvent`). The page places the
 * `video` elements; this class owns their lifecycle.
 */
import type { EngineSnapshot, LivePlayerContextLike, LivePusherContextLike, PlayerViewModel, PusherViewModel, RtcEngine } from '@minirtc/core'
import { BrowserPlayer } from './BrowserPlayer'
import { BrowserPusher, type BrowserPusherOptions } from './BrowserPusher'

export interface BrowserRendererOptions {
  pusher: Omit<BrowserPusherOptions, 'onEvent'>
}

export class BrowserRenderer {
  pusher: BrowserPusher | null = null
  readonly players = new Map<string, BrowserPlayer>()
  private engine: RtcEngine | null = null
  private unsubscribe: (() => void) | null = null
  private lastPusher: PusherViewModel | null = null
  private lastPlayers: EngineSnapshot['players'] = {}

  constructor(private readonly options: BrowserRendererOptions) {}

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

  detach(): void {
    this.unsubscribe?.()
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
      if (!this.pusher) this.pusher = new BrowserPusher({ ...this.options.pusher, onEvent: (kind, detail) => engine.handlePusherEvent(kind, detail) })
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
        player = new BrowserPlayer((kind, detail) => engine.handlePlayerEvent(streamId, kind, detail))
        this.players.set(streamId, player)
      }
      if (this.lastPlayers[streamId] !== vm) player.update(vm)
    }
    this.lastPlayers = snap.players
  }
}
