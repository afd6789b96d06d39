import { ErrorCode, errorMessages, errorReason, type ErrorBody } from '@minirtc/protocol'
import type { Logger } from 'pino'

/** A refusal with a protocol error code; handlers throw it and the dispatcher replies with it. */
export class ServerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? errorMessages[code])
    this.name = 'ServerError'
  }
}

export function errorBody(code: number, message?: string): ErrorBody {
  return {
    code,
    reason: errorReason(code),
    message: message ?? (errorMessages as Record<number, string>)[code] ?? errorMessages[ErrorCode.INTERNAL],
  }
}

/**
 * The code for a request that failed unexpectedly, logged once: SERVICE_UNAVAILABLE (a warning)
 * while this cluster node cannot reach Redis (`healthy` false: the outage, not a bug; the client
 * may try again), else INTERNAL (an error, with the stack).
 */
export function unexpectedFailure(e: unknown, healthy: (() => boolean) | undefined, log: Logger, context: Record<string, unknown>): ErrorCode {
  if (healthy?.() === false) {
    log.warn({ err: e instanceof Error ? e.message : String(e), ...context }, 'request failed: redis unreachable')
    return ErrorCode.SERVICE_UNAVAILABLE
  }
  log.error({ err: e instanceof Error ? e.stack : String(e), ...context }, 'request failed')
  return ErrorCode.INTERNAL
}
