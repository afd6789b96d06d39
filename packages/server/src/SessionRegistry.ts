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
   * Arrays, not Sets: nearly every token has one session and at most `maxSessionsPerToken`, and
   * a one-element array is a third of an empty Set's memory.
   */
  private readonly byToken = new Map<string, Session[]>()

  add(s: Session): void {
    this.byId.set(s.id, s)
    this.byRefMap.set(s.ref, s)
    const list = this.byToken.get(s.tokenId)
    if (!list) this.byToken.set(s.tokenId, [s])
    else if (!list.includes(s)) list.push(s)
  }

  remove(s: Session): void {
    this.byId.delete(s.id)
    this.byRefMap.delete(s.ref)
    const list = this.byToken.get(s.tokenId)
    const i = list ? list.indexOf(s) : -1
    if (i < 0) return
    if (list!.length === 1) this.byToken.delete(s.tokenId)
    else list!.splice(i, 1)
  }

  get(id: string): Session | undefined {
    return this.byId.get(id)
  }

  byRef(ref: string): Session | undefined {
    return this.byRefMap.get(ref)
  }

  /** Sessions logged in with `tokenId`, not counting `except` (a session about to be replaced). */
  countForToken(tokenId: string, except?: Session): number {
    const list = this.byToken.get(tokenId)
    if (!list) return 0
    return list.length - (except && list.includes(except) ? 1 : 0)
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
