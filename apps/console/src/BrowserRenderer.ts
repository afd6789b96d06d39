/**
 * The browser renderer: the engine's snapshot rendered into a BrowserPusher and one
 * BrowserPlayer per stream (see `SnapshotRenderer` in `@minirtc/core/renderer`), their events
 * forwarded back through the engine's single doors. The page places the `video` elements; this
 * class owns their lifecycle.
 */
import { SnapshotRenderer } from '@minirtc/core/renderer'
import { BrowserPlayer } from './BrowserPlayer'
import { BrowserPusher, type BrowserPusherOptions } from './BrowserPusher'

export interface BrowserRendererOptions {
  pusher: Omit<BrowserPusherOptions, 'onEvent'>
}

export class BrowserRenderer extends SnapshotRenderer<BrowserPusher, BrowserPlayer> {
  constructor(options: BrowserRendererOptions) {
    super({
      pusher: (onEvent) => new BrowserPusher({ ...options.pusher, onEvent }),
      player: (_streamId, onEvent) => new BrowserPlayer(onEvent),
    })
  }
}
