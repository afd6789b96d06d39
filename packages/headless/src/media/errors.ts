/**
 * Why a media connection failed. Each reason maps to the warning code a WeChat live-pusher /
 * live-player reports for it (§3/§4 of the WeChat tables): DNS 3001, connect 3002, handshake
 * 3003, server closed 3004 (pusher), read/write 3005.
 */
export type MediaErrorReason =
  | 'BAD_URL'
  | 'DNS_FAILED'
  | 'CONNECT_FAILED'
  | 'HANDSHAKE_FAILED'
  | 'SERVER_CLOSED'
  | 'IO_ERROR'
  | 'STATUS_ERROR'
  | 'HTTP_STATUS'
  | 'STALLED'
  | 'TIMEOUT'

const WECHAT_CODE: Record<MediaErrorReason, number> = {
  BAD_URL: 3002,
  DNS_FAILED: 3001,
  CONNECT_FAILED: 3002,
  HANDSHAKE_FAILED: 3003,
  SERVER_CLOSED: 3004,
  IO_ERROR: 3005,
  // A refused publish/play (NetStream.*.BadName, HTTP 403/404) is the server rejecting the URL:
  // WeChat reports it like a server-side close ("check the URL and anti-leech expiry").
  STATUS_ERROR: 3004,
  HTTP_STATUS: 3004,
  STALLED: 3005,
  TIMEOUT: 3002,
}

/**
 * A media connection error with a stable `reason`, the RTMP status code or HTTP status when the
 * server gave one, and the underlying `cause`.
 */
export class MediaError extends Error {
  override name = 'MediaError'
  readonly reason: MediaErrorReason
  /** `NetStream.Publish.BadName` and the like, when the server sent an error status. */
  readonly statusCode: string | undefined
  /** HTTP status for `HTTP_STATUS`. */
  readonly httpStatus: number | undefined

  constructor(
    reason: MediaErrorReason,
    message: string,
    opts: { cause?: unknown; statusCode?: string; httpStatus?: number } = {},
  ) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined)
    this.reason = reason
    this.statusCode = opts.statusCode
    this.httpStatus = opts.httpStatus
  }

  /** The 300x warning code WeChat's components report for this failure. */
  get wechatCode(): number {
    return WECHAT_CODE[this.reason]
  }

  /** Classifies a socket error from node:net / node:http. */
  static fromSocketError(err: unknown, url: string, connected: boolean): MediaError {
    const code = (err as NodeJS.ErrnoException | undefined)?.code
    const msg = err instanceof Error ? err.message : String(err)
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new MediaError('DNS_FAILED', `cannot resolve the host of ${url} (${msg})`, { cause: err })
    }
    if (!connected) {
      return new MediaError(
        'CONNECT_FAILED',
        `cannot connect to ${url} (${msg}): is the media server running and the port right?`,
        { cause: err },
      )
    }
    return new MediaError('IO_ERROR', `read/write failed on ${url} (${msg})`, { cause: err })
  }
}
