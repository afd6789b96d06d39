/**
 * `{ ...base, ...patch }` for the engine's immutable updates. Object spread is ES2018 and the
 * output targets ES2017, where esbuild would inline helpers at every use; Object.assign is the
 * same operation, native everywhere WeChat runs.
 */
export const assign: <T>(target: {}, base: T, ...patches: Array<Partial<NoInfer<T>> | undefined>) => T = Object.assign

/**
 * Maps keyed by remote ids (stream ids, user ids) are null-prototype objects: a stream named
 * `constructor` or `__proto__` must be an ordinary key, not `Object.prototype`'s member or setter.
 */
export type Dict<V> = { readonly [key: string]: V }

/** A copy of `map` with `key` set to `value` (or removed when `value` is undefined). */
export function put<V>(map: Dict<V>, key: string, value: V | undefined): Dict<V> {
  const out: { [key: string]: V } = Object.create(null)
  for (const k of Object.keys(map)) out[k] = map[k]!
  if (value === undefined) delete out[key]
  else out[key] = value
  return out
}

/** A copy of `map` without `key`. */
export const without = <V>(map: Dict<V>, key: string): Dict<V> => put(map, key, undefined)

/** An empty id-keyed map. */
export const dict = <V>(): Dict<V> => Object.create(null)
