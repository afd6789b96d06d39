/**
 * Timers tied to one connection attempt (a "generation"). Starting a new attempt bumps `gen`, so
 * every callback still pending from the old one becomes a no-op: a late retry or netstatus tick
 * can never act on a connection that is already gone.
 */
export class GenerationTimers {
  gen = 0
  private readonly timers = new Set<NodeJS.Timeout>()

  /** Run `fn` once after `ms`, unless the generation changed meanwhile. */
  later(fn: () => void, ms: number): void {
    const gen = this.gen
    const t = setTimeout(() => {
      this.timers.delete(t)
      if (gen === this.gen) fn()
    }, ms)
    this.timers.add(t)
  }

  /** Run `fn` every `ms` while the generation stays the same. */
  every(fn: () => void, ms: number): void {
    const gen = this.gen
    const t = setInterval(() => {
      if (gen === this.gen) fn()
    }, ms)
    this.timers.add(t)
  }

  clear(): void {
    // clearTimeout also clears intervals in Node.
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}
