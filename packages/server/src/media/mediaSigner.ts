import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ErrorCode } from '@minirtc/protocol'

export type MediaKind = 'publish' | 'play'

/** Query parameters of a signed media URL. Names are short: WeChat logs full URLs. */
export const MEDIA_QUERY = { ref: 'u', expires: 'e', sig: 's' } as const

/** Media names are what the media server sees: url-safe and unguessable (never the streamId). */
export function newMediaName(): string {
  return randomBytes(15).toString('base64url') // 20 chars of [A-Za-z0-9_-]
}

export interface MediaGrant {
  kind: MediaKind
  mediaName: string
  /** Public reference of the signaling session the URL was issued to (not the resume secret). */
  ref: string
  /** Expiry, seconds since the epoch. */
  expires: number
}

export type MediaCheck = { ok: true; grant: MediaGrant } | { ok: false; code: ErrorCode }

/**
 * Signs and checks media URLs with HMAC-SHA256 over (kind, mediaName, session ref, expiry).
 * The key is random per server start, so URLs die with the process that issued them.
 */
export class MediaSigner {
  private readonly key: Buffer

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key
  }

  private mac(g: MediaGrant): Buffer {
    return createHmac('sha256', this.key)
      .update(`${g.kind}\n${g.mediaName}\n${g.ref}\n${g.expires}`)
      .digest()
      .subarray(0, 18) // 144 bits is plenty and keeps URLs short
  }

  /** The query string (without '?') for a grant. */
  sign(g: MediaGrant): string {
    const q = new URLSearchParams()
    q.set(MEDIA_QUERY.ref, g.ref)
    q.set(MEDIA_QUERY.expires, String(g.expires))
    q.set(MEDIA_QUERY.sig, this.mac(g).toString('base64url'))
    return q.toString()
  }

  /**
   * Check the query a media server received. The signature is checked before the expiry so a
   * forged URL reports INVALID even when its claimed expiry has passed.
   */
  verify(kind: MediaKind, mediaName: string, query: Record<string, unknown>, nowMs = Date.now()): MediaCheck {
    const ref = one(query[MEDIA_QUERY.ref])
    const exp = one(query[MEDIA_QUERY.expires])
    const sig = one(query[MEDIA_QUERY.sig])
    if (ref === undefined && exp === undefined && sig === undefined) return { ok: false, code: ErrorCode.MEDIA_URL_UNSIGNED }
    if (!ref || !exp || !sig || !/^\d{1,12}$/.test(exp)) return { ok: false, code: ErrorCode.MEDIA_URL_INVALID }
    const grant: MediaGrant = { kind, mediaName, ref, expires: Number(exp) }
    const want = this.mac(grant)
    const got = Buffer.from(sig, 'base64url')
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, code: ErrorCode.MEDIA_URL_INVALID }
    if (grant.expires * 1000 < nowMs) return { ok: false, code: ErrorCode.MEDIA_URL_EXPIRED }
    return { ok: true, grant }
  }
}

/** Query values may arrive as arrays (`?s=a&s=b`); a repeated parameter is treated as invalid. */
function one(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return '' // present but ambiguous → invalid, never "unsigned"
  return undefined
}
