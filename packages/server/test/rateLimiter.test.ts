import { describe, expect, it } from 'vitest'
import { WindowCounter } from '../src/rateLimiter'

describe('WindowCounter', () => {
  it('counts the events of its window, sliding', () => {
    const c = new WindowCounter(1000)
    expect(c.hit(0)).toBe(1)
    expect(c.hit(400)).toBe(2)
    expect(c.hit(999)).toBe(3)
    expect(c.hit(1000)).toBe(3) // the event at 0 left the window
    expect(c.count(1400)).toBe(2)
    expect(c.count(2000)).toBe(0)
  })

  it('keeps only its newest `cap` events: a flood stays refused for as long as a full count would refuse it, in bounded memory', () => {
    const limit = 10
    const capped = new WindowCounter(60_000, limit + 1)
    const full = new WindowCounter(60_000)
    // 20,000 attempts over 10 s, then a few more as the window moves on: the verdicts (count > limit) agree.
    let refused = 0
    const attempt = (t: number) => {
      const verdict = capped.hit(t) > limit
      expect(verdict).toBe(full.hit(t) > limit)
      if (verdict) refused++
    }
    for (let i = 0; i < 20_000; i++) attempt(Math.floor(i / 2))
    expect(refused).toBe(20_000 - limit)
    expect(full.count(9_999)).toBe(20_000)
    expect(capped.count(9_999)).toBe(limit + 1) // all it holds
    for (const t of [30_000, 69_990, 69_995, 70_000, 80_000]) attempt(t)
    expect(capped.count(140_001)).toBe(0)
  })
})
