/**
 * How `<rtc-pusher>` / `<rtc-player>` find their room: `createRoom` registers the engine under a
 * key that travels in the page data (`rtc.key`), so the components need nothing but the
 * `room="{{rtc}}"` binding. Entries go when the page unloads.
 */
import type { RtcEngine } from '@minirtc/core'

export interface RegisteredRoom {
  engine: RtcEngine
  /** Element id → the component that renders it (the scope of `wx.createLivePlayerContext`). */
  owners: Map<string, unknown>
}

const rooms = new Map<string, RegisteredRoom>()
let next = 1

export function register(engine: RtcEngine, owners: Map<string, unknown>): string {
  const key = 'minirtc-room-' + next++
  rooms.set(key, { engine, owners })
  return key
}

export function unregister(key: string): void {
  rooms.delete(key)
}

/** The room a component was bound to (`room="{{rtc}}"`), or undefined before `createRoom`. */
export function roomByKey(key: string | undefined): RegisteredRoom | undefined {
  return key ? rooms.get(key) : undefined
}
