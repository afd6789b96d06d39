/** Token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number
  private last = Date.now()

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst
  }

  take(): boolean {
    const now = Date.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/**
 * Counts events in a sliding window (bad frames per connection, connections per address), keeping
 * only the newest `cap`: the count is min(events in the window, cap), which decides `count > limit`
 * exactly as the full count would when `cap` is one more than the limit, while a client hammering
 * the server costs it a bounded array, not one timestamp per attempt for a whole window (5,000
 * refused connections a second from one address were 300,000 timestamps a minute).
 */
export class WindowCounter {
  private times: number[] = []

  constructor(
    private readonly windowMs: number,
    private readonly cap = Number.POSITIVE_INFINITY,
  ) {}

  /** Record one event; returns how many fall inside the window (at most `cap`). */
  hit(now = Date.now()): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift()
    if (this.times.length >= this.cap) this.times.shift()
    this.times.push(now)
    return this.times.length
  }

  /** Events inside the window now, without recording one. */
  count(now = Date.now()): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift()
    return this.times.length
  }

  get empty(): boolean {
    return this.times.length === 0 || this.times[this.times.length - 1]! <= Date.now() - this.windowMs
  }
}
