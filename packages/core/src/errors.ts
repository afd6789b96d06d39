import { ErrorCode, clientErrorMessages, errorReason } from '@minirtc/protocol'
import type { ErrorInfo } from './types'

/**
 * The one error type the engine rejects with. `code` is stable (docs/errors.md), `reason` is its
 * name, and the message says what to do.
 * @example
 * try { await engine.loginRoom('r1', token, user) } catch (e) {
 *   if (e instanceof RtcError && e.code === ErrorCode.TOKEN_EXPIRED) token = await fetchToken()
 * }
 */
export class RtcError extends Error {
  readonly code: number
  readonly reason: string
  readonly streamId: string | undefined

  constructor(code: number, message?: string, options?: { cause?: unknown; streamId?: string }) {
    super(message || describe(code))
    this.name = 'RtcError'
    this.code = code
    this.reason = errorReason(code)
    this.streamId = options && options.streamId
    if (options && options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause
    // Keep instanceof working when the output is transpiled to ES5 by an app's own toolchain.
    Object.setPrototypeOf(this, RtcError.prototype)
  }

  static from(info: ErrorInfo): RtcError {
    return new RtcError(info.code, info.message, { streamId: info.streamId })
  }
}

/** Plain, serialisable error record (snapshots hold these, not Error objects). */
export function errorInfo(code: number, message?: string, streamId?: string): ErrorInfo {
  const info: ErrorInfo = {
    code,
    reason: errorReason(code),
    message: message || describe(code),
  }
  if (streamId !== undefined) info.streamId = streamId
  return info
}

/** Client-side codes carry their own advice; server codes normally arrive with the server's message. */
function describe(code: number): string {
  return clientErrorMessages[code] || errorReason(code) + ' (' + code + ')'
}

export { ErrorCode }
