import { ErrorCode } from '@minirtc/protocol'
import { MEDIA_QUERY, type MediaCheck, type MediaKind } from '../media/mediaSigner'

/** A push URL the ingest accepted: what ffmpeg needs to rebuild it against the internal RTMP base. */
export interface PushTarget {
  app: string
  mediaName: string
  /** The signed query exactly as issued (`u=…&e=…&s=…`), forwarded to the media gate unchanged. */
  query: string
  /** The session reference the URL was signed for (set once the signature is verified). */
  ref?: string
}

export type PushUrlCheck = ({ ok: true } & PushTarget) | { ok: false; code: ErrorCode }

/** Anything that checks a signed media URL the way `MediaSigner.verify` does. */
export interface MediaUrlVerifier {
  verify(kind: MediaKind, mediaName: string, query: Record<string, unknown>, nowMs?: number): MediaCheck
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Split a push URL (`rtmp://host:port/<app>/<mediaName>?u=…&e=…&s=…`) into its parts. Host and
 * port are ignored on purpose: ffmpeg always writes to the server's own RTMP base, so a client
 * cannot point the server's ffmpeg at another host.
 */
export function parsePushUrl(url: string): PushUrlCheck {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { ok: false, code: ErrorCode.MEDIA_URL_INVALID }
  }
  if (u.protocol !== 'rtmp:' && u.protocol !== 'rtmps:') return { ok: false, code: ErrorCode.MEDIA_URL_INVALID }
  const parts = u.pathname.split('/').filter((p) => p !== '')
  if (parts.length !== 2 || !NAME.test(parts[0]!) || !NAME.test(parts[1]!)) return { ok: false, code: ErrorCode.MEDIA_URL_INVALID }
  const names = [...u.searchParams.keys()]
  const signed = names.includes(MEDIA_QUERY.ref) || names.includes(MEDIA_QUERY.expires) || names.includes(MEDIA_QUERY.sig)
  if (!signed) return { ok: false, code: ErrorCode.MEDIA_URL_UNSIGNED }
  return { ok: true, app: parts[0]!, mediaName: parts[1]!, query: u.searchParams.toString() }
}

/**
 * The check the ingest runs before it spawns anything: the URL is a push URL of `app` signed by
 * `signer` (the same MediaSigner the rooms sign with) and not expired.
 * @example
 * const verifyPushUrl = createPushUrlVerifier({ signer, app: 'live' })
 */
export function createPushUrlVerifier(opts: { signer: MediaUrlVerifier; app: string }): (url: string) => PushUrlCheck {
  return (url) => {
    const p = parsePushUrl(url)
    if (!p.ok) return p
    if (p.app !== opts.app) return { ok: false, code: ErrorCode.MEDIA_NOT_AUTHORIZED }
    // Null prototype: a `__proto__` parameter must stay a plain key.
    const query: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    for (const [k, v] of new URLSearchParams(p.query)) {
      const prev = query[k]
      query[k] = prev === undefined ? v : ([] as unknown[]).concat(prev, v)
    }
    const check = opts.signer.verify('publish', p.mediaName, query)
    return check.ok ? { ...p, ref: check.grant.ref } : check
  }
}
