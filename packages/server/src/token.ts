import { createHmac, timingSafeEqual } from 'node:crypto'
import { ErrorCode } from '@minirtc/protocol'

/** What a token lets its holder do. Mirrors LiveKit's `video` grant, trimmed to MiniRTC's needs. */
export interface TokenGrants {
  /** May log in to the room (`roomId`, or any room when the token has none). */
  login: boolean
  /** May publish streams. */
  publish: boolean
  /** May relay own streams to RTMP URLs (`addPublishCdnUrl`); false when left out. */
  relay?: boolean
}

export interface CreateTokenOptions {
  appId: string
  secret: string
  userId: string
  /** Restrict the token to one room; omit to allow any room of the app. */
  roomId?: string
  privileges: TokenGrants
  /** Only streamIds starting with this prefix may be published. */
  streamIdPrefix?: string
  ttlSeconds: number
  /** Issue time in seconds since the epoch (defaults to now); lets an app server back-date. */
  issuedAt?: number
}

/** Claims carried by a MiniRTC access token (`iss` = appId, `sub` = userId, like LiveKit). */
export interface TokenClaims {
  appId: string
  userId: string
  roomId?: string
  grants: TokenGrants
  streamIdPrefix?: string
  /** Expiry, seconds since the epoch. */
  exp: number
  /** Identifies this very token (its signature), for the per-token session cap. */
  tokenId: string
}

/**
 * The eight possible grant sets, made once and frozen: every session holds one of these instead
 * of an object of its own (48 bytes of each logged-in client).
 */
const GRANT_SETS: readonly TokenGrants[] = Array.from({ length: 8 }, (_, i) =>
  Object.freeze({ login: (i & 1) !== 0, publish: (i & 2) !== 0, ...(i & 4 ? { relay: true } : {}) }),
)

function grantsOf(login: boolean, publish: boolean, relay: boolean): TokenGrants {
  return GRANT_SETS[(login ? 1 : 0) | (publish ? 2 : 0) | (relay ? 4 : 0)]!
}

/** The private claim that holds the grants (short, because tokens travel in every login). */
const GRANT_CLAIM = 'rtc'

interface RtcClaim {
  room?: string
  login: boolean
  publish: boolean
  relay?: boolean
  prefix?: string
}

/**
 * HS256 by hand with node:crypto, synchronously: a login verifies its token on the main thread in
 * microseconds, where a WebCrypto verify went through the libuv thread pool (0.1 ms idle, 0.5 ms
 * under load, on the path of every call's setup). Only what MiniRTC mints is accepted: header
 * `alg` HS256, no `crit` extensions, canonical base64url, a JSON object payload; tokens from any
 * standard JWT library with the same claims verify (test/token.test.ts checks both ways with jose).
 */
const B64URL = /^[A-Za-z0-9_-]*$/

function b64urlJson(part: string): unknown {
  if (!B64URL.test(part)) return undefined
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

function hs256(secret: string, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest()
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * Mint an HS256 access token on your app server. Never ship the secret to the mini-program.
 * @example
 * const token = await createToken({ appId, secret, userId: 'u1', roomId: 'room-1',
 *   privileges: { login: true, publish: true }, ttlSeconds: 3600 })
 */
export async function createToken(opts: CreateTokenOptions): Promise<string> {
  if (!opts.appId || !opts.secret) throw new Error('createToken: appId and secret are required')
  if (!opts.userId) throw new Error('createToken: userId is required')
  if (!(opts.ttlSeconds > 0)) throw new Error('createToken: ttlSeconds must be a positive number')
  const iat = Math.floor(opts.issuedAt ?? Date.now() / 1000)
  const rtc: RtcClaim = { login: !!opts.privileges.login, publish: !!opts.privileges.publish }
  if (opts.privileges.relay) rtc.relay = true
  if (opts.roomId !== undefined) rtc.room = opts.roomId
  if (opts.streamIdPrefix !== undefined) rtc.prefix = opts.streamIdPrefix
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
  const body = Buffer.from(JSON.stringify({ [GRANT_CLAIM]: rtc, iss: opts.appId, sub: opts.userId, iat, exp: iat + Math.ceil(opts.ttlSeconds) })).toString('base64url')
  return `${head}.${body}.${hs256(opts.secret, head + '.' + body).toString('base64url')}`
}

export type VerifyTokenResult = { ok: true; claims: TokenClaims } | { ok: false; code: ErrorCode }

export interface VerifyTokenOptions {
  /** Secret for an appId, or undefined when the app is unknown. */
  secretFor: (appId: string) => string | undefined
  /** When set, the token must have been issued for this app. */
  appId?: string
}

/**
 * Verify a token and map every failure to a protocol error code (never throws).
 * Order: unknown app (APP_UNKNOWN), bad signature or shape (TOKEN_INVALID), expired (TOKEN_EXPIRED).
 * @example
 * const r = await verifyToken(token, { secretFor: (id) => apps.get(id) })
 * if (!r.ok) reply(r.code)
 */
export async function verifyToken(token: string, opts: VerifyTokenOptions): Promise<VerifyTokenResult> {
  if (typeof token !== 'string' || token === '') return { ok: false, code: ErrorCode.TOKEN_MISSING }
  const parts = token.split('.')
  if (parts.length !== 3) return { ok: false, code: ErrorCode.TOKEN_INVALID }
  const [headPart, bodyPart, sigPart] = parts as [string, string, string]
  const header = b64urlJson(headPart)
  const payload = b64urlJson(bodyPart)
  if (!isObject(header) || header.alg !== 'HS256' || header.crit !== undefined || !isObject(payload)) return { ok: false, code: ErrorCode.TOKEN_INVALID }
  const iss = payload.iss
  if (typeof iss !== 'string') return { ok: false, code: ErrorCode.TOKEN_INVALID }
  if (opts.appId !== undefined && iss !== opts.appId) return { ok: false, code: ErrorCode.TOKEN_INVALID }
  const secret = opts.secretFor(iss)
  if (secret === undefined) return { ok: false, code: ErrorCode.APP_UNKNOWN }
  // Canonical encodings only: the signature must re-encode to exactly what was sent.
  const sig = B64URL.test(sigPart) ? Buffer.from(sigPart, 'base64url') : undefined
  const sigText = sig ? sig.toString('base64url') : ''
  const expected = hs256(secret, headPart + '.' + bodyPart)
  if (!sig || sigText !== sigPart || sig.length !== expected.length || !timingSafeEqual(sig, expected))
    return { ok: false, code: ErrorCode.TOKEN_INVALID }
  const rtc = payload[GRANT_CLAIM] as Partial<RtcClaim> | undefined
  const { sub, exp, nbf, iat } = payload
  if (
    typeof sub !== 'string' ||
    typeof exp !== 'number' ||
    !Number.isFinite(exp) ||
    (nbf !== undefined && typeof nbf !== 'number') ||
    (iat !== undefined && typeof iat !== 'number') ||
    !isObject(rtc) ||
    (rtc.room !== undefined && typeof rtc.room !== 'string') ||
    (rtc.prefix !== undefined && typeof rtc.prefix !== 'string')
  )
    return { ok: false, code: ErrorCode.TOKEN_INVALID }
  const now = Math.floor(Date.now() / 1000)
  if (typeof nbf === 'number' && nbf > now) return { ok: false, code: ErrorCode.TOKEN_INVALID }
  if (exp <= now) return { ok: false, code: ErrorCode.TOKEN_EXPIRED }
  const claims: TokenClaims = {
    appId: iss,
    userId: sub,
    grants: grantsOf(rtc.login === true, rtc.publish === true, rtc.relay === true),
    exp,
    // The signature is unique per minted token and public anyway (it travels in the token). A
    // fresh string: `sigPart` is a slice that would keep the whole token alive with the session.
    tokenId: sigText,
  }
  if (rtc.room !== undefined) claims.roomId = rtc.room
  if (rtc.prefix !== undefined) claims.streamIdPrefix = rtc.prefix
  return { ok: true, claims }
}
