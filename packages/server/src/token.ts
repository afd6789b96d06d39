import { webcrypto } from 'node:crypto'
import { SignJWT, decodeJwt, errors as joseErrors, jwtVerify } from 'jose'
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

/** The private claim that holds the grants (short, because tokens travel in every login). */
const GRANT_CLAIM = 'rtc'

interface RtcClaim {
  room?: string
  login: boolean
  publish: boolean
  relay?: boolean
  prefix?: string
}

const enc = new TextEncoder()

/**
 * HMAC keys imported once per secret: handing jose the raw secret makes it import the key on
 * every login, one more asynchronous WebCrypto round trip on the path of every call's setup.
 * Bounded, since apps' secrets can be replaced at runtime.
 */
const verifyKeys = new Map<string, Promise<webcrypto.CryptoKey>>()
function verifyKey(secret: string): Promise<webcrypto.CryptoKey> {
  let key = verifyKeys.get(secret)
  if (!key) {
    if (verifyKeys.size >= 256) verifyKeys.clear()
    key = webcrypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    verifyKeys.set(secret, key)
  }
  return key
}

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
  return new SignJWT({ [GRANT_CLAIM]: rtc })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(opts.appId)
    .setSubject(opts.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.ceil(opts.ttlSeconds))
    .sign(enc.encode(opts.secret))
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
  let iss: unknown
  try {
    iss = decodeJwt(token).iss
  } catch {
    return { ok: false, code: ErrorCode.TOKEN_INVALID }
  }
  if (typeof iss !== 'string') return { ok: false, code: ErrorCode.TOKEN_INVALID }
  if (opts.appId !== undefined && iss !== opts.appId) return { ok: false, code: ErrorCode.TOKEN_INVALID }
  const secret = opts.secretFor(iss)
  if (secret === undefined) return { ok: false, code: ErrorCode.APP_UNKNOWN }
  try {
    const { payload } = await jwtVerify(token, await verifyKey(secret), { algorithms: ['HS256'], issuer: iss })
    const rtc = payload[GRANT_CLAIM] as Partial<RtcClaim> | undefined
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.exp !== 'number' ||
      typeof rtc !== 'object' ||
      rtc === null ||
      (rtc.room !== undefined && typeof rtc.room !== 'string') ||
      (rtc.prefix !== undefined && typeof rtc.prefix !== 'string')
    )
      return { ok: false, code: ErrorCode.TOKEN_INVALID }
    const claims: TokenClaims = {
      appId: iss,
      userId: payload.sub,
      grants: { login: rtc.login === true, publish: rtc.publish === true, ...(rtc.relay === true ? { relay: true } : {}) },
      exp: payload.exp,
      // The signature is unique per minted token and public anyway (it travels in the token).
      tokenId: token.slice(token.lastIndexOf('.') + 1),
    }
    if (rtc.room !== undefined) claims.roomId = rtc.room
    if (rtc.prefix !== undefined) claims.streamIdPrefix = rtc.prefix
    return { ok: true, claims }
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return { ok: false, code: ErrorCode.TOKEN_EXPIRED }
    return { ok: false, code: ErrorCode.TOKEN_INVALID }
  }
}
