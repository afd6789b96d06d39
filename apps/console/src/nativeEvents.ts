import type { NativeEventDetail, NativeEventKind } from '@minirtc/core'

/** How a browser stand-in for `<live-player>` / `<live-pusher>` reports, as `bind<kind>` would. */
export type NativeEventCallback = (kind: NativeEventKind, detail: NativeEventDetail) => void
