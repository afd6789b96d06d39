/** Summary of per-frame latency samples (ms). */
export interface LatencySummary {
  count: number
  last: number
  min: number
  max: number
  avg: number
  p50: number
  p95: number
}

/** Collects latency samples; keeps the last `cap` for percentiles. */
export class LatencyStats {
  private samples: number[] = []
  private count = 0
  private sum = 0
  private min = Infinity
  private max = -Infinity
  private last = 0

  constructor(private readonly cap = 10000) {}

  add(ms: number): void {
    this.count++
    this.sum += ms
    this.last = ms
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
    this.samples.push(ms)
    if (this.samples.length > this.cap) this.samples.splice(0, this.samples.length - this.cap)
  }

  summary(): LatencySummary | null {
    if (this.count === 0) return null
    const sorted = [...this.samples].sort((a, b) => a - b)
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
    return {
      count: this.count,
      last: this.last,
      min: this.min,
      max: this.max,
      avg: Math.round((this.sum / this.count) * 10) / 10,
      p50: pct(50),
      p95: pct(95),
    }
  }
}
