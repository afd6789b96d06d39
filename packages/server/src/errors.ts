import { ErrorCode, errorMessages, errorReason, type ErrorBody } from '@minirtc/protocol'

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
