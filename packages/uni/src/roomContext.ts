import type { ComponentInternalInstance } from 'vue'
import type { RtcEngine } from '@minirtc/core'
import type { RtcRoom } from '@minirtc/core/room'

/**
 * What `useRoom()` provides to `<rtc-pusher>` / `<rtc-player>` / `<rtc-players>` below it.
 * The components inject it by this string key (not a Symbol) because uni-app compiles their
 * `.vue` files itself and may load this module twice (src in a workspace, dist from npm).
 */
export const ROOM_CONTEXT_KEY = 'minirtc:room'

export interface RoomContext {
  engine: RtcEngine
  /** The room, shallow-reactive: its snapshot fields change in place. */
  room: RtcRoom
  /** Tell the platform which component renders element `id` (see `UniPlatform.own`). */
  own(id: string, instance: ComponentInternalInstance): () => void
}
