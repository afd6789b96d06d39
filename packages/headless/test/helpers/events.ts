import type { NativeEventDetail, NativeEventKind } from '@minirtc/core'
import { waitUntil } from './nms.js'

export interface Recorded {
  kind: NativeEventKind
  detail: NativeEventDetail
  at: number
}

/** Records a virtual component's events; `codes()` lists statechange codes in order. */
export function recorder() {
  const events: Recorded[] = []
  return {
    events,
    onEvent: (kind: NativeEventKind, detail: NativeEventDetail) => {
      events.push({ kind, detail, at: Date.now() })
    },
    codes: () => events.filter((e) => e.kind === 'statechange').map((e) => e.detail.code as number),
    of: (kind: NativeEventKind) => events.filter((e) => e.kind === kind),
    waitCode: (code: number, timeoutMs = 10000) =>
      waitUntil(() => events.some((e) => e.kind === 'statechange' && e.detail.code === code), timeoutMs, `statechange ${code}`),
    waitKind: (kind: NativeEventKind, count = 1, timeoutMs = 10000) =>
      waitUntil(() => events.filter((e) => e.kind === kind).length >= count, timeoutMs, `${count} × ${kind}`),
  }
}

/** True if `sub` appears in `seq` in this order (other codes may sit in between). */
export function inOrder(seq: number[], sub: number[]): boolean {
  let i = 0
  for (const c of seq) if (c === sub[i]) i++
  return i === sub.length
}
