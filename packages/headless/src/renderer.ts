/**
 * The headless renderer: the engine's snapshot rendered into virtual live-pusher / live-player
 * components (see `SnapshotRenderer` in `@minirtc/core/renderer`), so a Node process behaves like
 * a mini-program page with real media.
 */
import { SnapshotRenderer } from '@minirtc/core/renderer'
import { VirtualPlayer, type VirtualPlayerOptions } from './virtual-player.js'
import { VirtualPusher, type VirtualPusherOptions } from './virtual-pusher.js'

export interface HeadlessRendererOptions {
  pusher?: Omit<VirtualPusherOptions, 'onEvent'>
  player?: Omit<VirtualPlayerOptions, 'onEvent'>
}

export class HeadlessRenderer extends SnapshotRenderer<VirtualPusher, VirtualPlayer> {
  constructor(options: HeadlessRendererOptions = {}) {
    super({
      pusher: (onEvent) => new VirtualPusher({ ...options.pusher, onEvent }),
      player: (_streamId, onEvent) => new VirtualPlayer({ ...options.player, onEvent }),
    })
  }
}
