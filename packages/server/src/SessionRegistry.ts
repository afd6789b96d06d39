import type { Session } from './Session'

/**
 * This node's live sessions, found by their resume id, by their public ref (media URLs carry it)
 * and by the token they logged in with (the per-token cap). Room logic and media authorization
 * both read it; only the room logic adds and removes.
 */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>()
  private readonly byRefMap = new Map<string, Session>()
  /**
   * The session itself while a token has one (nearly every token), an array beyond: a
   * one-element array costs a JSArray and its elements, ~64 bytes per session.
   */
  private readonly byToken = new Map<string, Session | Session[]>()

  add(s: Session): void {
    this.byId.set(s.id, s)
    this.byRefMap.set(s.ref, s)
    const cur = this.byToken.get(s.tokenId)
    if (!cur) this.byToken.set(s.tokenId, s)
    else if (Array.isArray(cur)) {
      if (!cur.includes(s)) cur.push(s)
    } else if (cur !== s) this.byToken.set(s.tokenId, [cur, s])
  }

  remove(s: Session): void {
    this.byId.delete(s.id)
    this.byRefMap.delete(s.ref)
    const cur = this.byToken.get(s.tokenId)
    if (cur === s) this.byToken.delete(s.tokenId)
    else if (Array.isArray(cur)) {
      const i = cur.indexOf(s)
      if (i < 0) return
      cur.splice(i, 1)
      if (cur.length === 1) this.byToken.set(s.tokenId, cur[0]!)
    }
  }

  get(id: string): Session | undefined {
    return this.byId.get(id)
  }

  byRef(ref: string): Session | undefined {
    return this.byRefMap.get(ref)
  }

  /** Sessions logged in with `tokenId`, not counting `except` (a session about to be replaced). */
  countForToken(tokenId: string, except?: Session): number {
    const cur = this.byToken.get(tokenId)
    if (!cur) return 0
    if (!Array.isArray(cur)) return cur === except ? 0 : 1
    return cur.length - (except && cur.includes(except) ? 1 : 0)
  }

  all(): Session[] {
    return [...this.byId.values()]
  }

  /** Every session, without copying (a live view of the registry). */
  values(): IterableIterator<Session> {
    return this.byId.values()
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
