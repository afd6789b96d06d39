/**
 * WeChat context methods take `{success, fail, complete}` and return nothing (no Promises);
 * `complete` runs after either. Callbacks run asynchronously, as the native bridge does, so
 * code that works here does not accidentally rely on synchronous callbacks.
 */
import type { ContextCallOptions, NativeEventDetail, NativeEventKind } from '@minirtc/core'

/** How a virtual component reports what WeChat delivers through `bind<kind>`. */
export type NativeEventCallback = (kind: NativeEventKind, detail: NativeEventDetail) => void

export function settle(opts: ContextCallOptions | undefined, method: string, result: { ok: true; res?: object } | { ok: false; reason: string }): void {
  if (!opts) return
  setTimeout(() => {
    if (result.ok) {
      const res = { errMsg: `${method}:ok`, ...result.res }
      opts.success?.(res)
      opts.complete?.(res)
    } else {
      const err = { errMsg: `${method}:fail ${result.reason}` }
      opts.fail?.(err)
      opts.complete?.(err)
    }
  }, 0)
}
