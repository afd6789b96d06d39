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

/** Counts events in a sliding window (bad frames per connection, connections per address). */
export class WindowCounter {
  private times: number[] = []

  constructor(private readonly windowMs: number) {}

  /** Record one event; returns how many fall inside the window. */
  hit(now = Date.now()): number {
    this.times.push(now)
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift()
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
