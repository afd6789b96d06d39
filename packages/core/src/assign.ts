/**
 * `{ ...base, ...patch }` for the engine's immutable updates. Object spread is ES2018 and the
 * output targets ES2017, where esbuild would inline helpers at every use; Object.assign is the
 * same operation, native everywhere WeChat runs.
 */
export const assign: <T>(target: {}, base: T, ...patches: Array<Partial<NoInfer<T>> | undefined>) => T = Object.assign

/** A copy of `map` without `key`. */
export function without<V>(map: { readonly [key: string]: V }, key: string): { [key: string]: V } {
  const out = assign({}, map) as { [key: string]: V }
  delete out[key]
  return out
}
