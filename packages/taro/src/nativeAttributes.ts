import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'
import type { PlayerAttributes, PlayerViewModel, PusherViewModel } from '@minirtc/core'

/**
 * Player attributes that steer the engine only and are no `<live-player>` attribute:
 * `protocol` chooses which signed URL goes into `src`.
 */
const ENGINE_ONLY_PLAYER_KEYS: ReadonlyArray<keyof PlayerAttributes> = ['protocol']

/** Every `<live-pusher>` attribute the engine controls (camelCase), plus the engine-owned ones. */
export const PUSHER_NATIVE_KEYS = (Object.keys(DEFAULT_PUSHER_ATTRIBUTES) as Array<keyof PusherViewModel>).concat(['url', 'autopush'])

/** Every `<live-player>` attribute the engine controls (camelCase), plus the engine-owned ones. */
export const PLAYER_NATIVE_KEYS = (Object.keys(DEFAULT_PLAYER_ATTRIBUTES) as Array<keyof PlayerViewModel>)
  .filter((k) => ENGINE_ONLY_PLAYER_KEYS.indexOf(k as keyof PlayerAttributes) < 0)
  .concat(['src', 'autoplay'])

/** The props a view model renders as: only native attributes, so Taro sets nothing it would drop. */
export function pickNativeAttributes<T extends object>(vm: T, keys: ReadonlyArray<keyof T>): Record<string, unknown> {
  const props: Record<string, unknown> = {}
  for (const k of keys) props[k as string] = vm[k]
  return props
}
