/** Largest delay setTimeout accepts; longer delays fire immediately in Node, so we re-arm. */
const MAX_DELAY = 2 ** 31 - 1

export interface Cancel {
  (): void
}

/** setTimeout for an absolute time, safe for delays beyond ~24.8 days (long token TTLs). */
export function at(timeMs: number, fn: () => void): Cancel {
  let t: NodeJS.Timeout
  const arm = () => {
    const delay = timeMs - Date.now()
    if (delay > MAX_DELAY) t = setTimeout(arm, MAX_DELAY)
    else t = setTimeout(fn, Math.max(0, delay))
    t.unref()
  }
  arm()
  return () => clearTimeout(t)
}
