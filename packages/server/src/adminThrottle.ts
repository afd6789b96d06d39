import { WindowCounter } from './rateLimiter'

/**
 * Failed admin logins per client address. Past `maxFailures` within the window every admin
 * request from that address is refused (right secret or not) until the window has moved on, so
 * guessing an app secret runs at a handful of tries a minute instead of thousands a second.
 */
export class AdminThrottle {
  private readonly failures = new Map<string, WindowCounter>()

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Whether `address` is locked out now. */
  blocked(address: string): boolean {
    const c = this.failures.get(address)
    return c !== undefined && c.count() >= this.maxFailures
  }

  fail(address: string): void {
    let c = this.failures.get(address)
    if (!c) this.failures.set(address, (c = new WindowCounter(this.windowMs, this.maxFailures)))
    c.hit()
  }

  /** Forget addresses whose failures have aged out (called from the server's sweep). */
  sweep(): void {
    for (const [k, c] of this.failures) if (c.empty) this.failures.delete(k)
  }

  get size(): number {
    return this.failures.size
  }
}
