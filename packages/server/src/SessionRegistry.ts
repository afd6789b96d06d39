import type { Session } from './Session'

/**
 * This node's live sessions, found by their resume id, by their public ref (media URLs carry it)
 * and by the token they logged in with (the per-token cap). Room logic and media authorization
 * both read it; only the room logic adds and removes.
 */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>()
  private readonly byRefMap = new Map<string, Session>()
  private readonly byToken = new Map<string, Set<Session>>()

  add(s: Session): void {
    this.byId.set(s.id, s)
    this.byRefMap.set(s.ref, s)
    let set = this.byToken.get(s.tokenId)
    if (!set) this.byToken.set(s.tokenId, (set = new Set()))
    set.add(s)
  }

  remove(s: Session): void {
    this.byId.delete(s.id)
    this.byRefMap.delete(s.ref)
    const set = this.byToken.get(s.tokenId)
    if (set?.delete(s) && set.size === 0) this.byToken.delete(s.tokenId)
  }

  get(id: string): Session | undefined {
    return this.byId.get(id)
  }

  byRef(ref: string): Session | undefined {
    return this.byRefMap.get(ref)
  }

  /** Sessions logged in with `tokenId`, not counting `except` (a session about to be replaced). */
  countForToken(tokenId: string, except?: Session): number {
    const set = this.byToken.get(tokenId)
    if (!set) return 0
    return set.size - (except && set.has(except) ? 1 : 0)
  }

  all(): Session[] {
    return [...this.byId.values()]
  }

  get size(): number {
    return this.byId.size
  }

  clear(): void {
    this.byId.clear()
    this.byRefMap.clear()
    this.byToken.clear()
  }
}
