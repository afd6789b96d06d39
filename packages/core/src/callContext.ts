import { ErrorCode, RtcError } from './errors'

/**
 * Call a WeChat live context method (`{ success, fail }` callbacks) as a Promise. A component that
 * is not rendered yet has no context: INVALID_STATE; WeChat's `fail`: DEVICE_ERROR with the cause.
 */
export function callContext<C extends object>(ctx: C | null, method: keyof C, opts?: object): Promise<unknown> {
  const fn = ctx && (ctx[method] as unknown as ((o: object) => void) | undefined)
  if (!fn) return Promise.reject(new RtcError(ErrorCode.INVALID_STATE, 'Render the live component first.'))
  return new Promise((resolve, reject) =>
    fn.call(ctx, Object.assign({}, opts, { success: resolve, fail: (err: unknown) => reject(new RtcError(ErrorCode.DEVICE_ERROR, undefined, { cause: err })) })),
  )
}
