import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Compare a presented secret with the expected one in time that depends on neither (no early
 * exit at the first differing byte, and no length leak: both sides are hashed to 32 bytes first).
 */
export function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
