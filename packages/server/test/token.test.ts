// Token verification is MiniRTC's own HS256 (synchronous, node:crypto): interoperable with a
// standard JWT library both ways, and strict with everything else an attacker can send.
import { createHmac } from 'node:crypto'
import { ErrorCode } from '@minirtc/protocol'
import { SignJWT, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createToken, verifyToken } from '../src/token'

const appId = 'app-1'
const secret = 'token-test-secret-0123456789abcdef'
const opts = { secretFor: (id: string) => (id === appId ? secret : undefined) }
const now = () => Math.floor(Date.now() / 1000)
const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
const grants = { rtc: { login: true, publish: true } }

/** A token with any header and payload, correctly signed with the app's secret. */
function sign(header: unknown, payload: unknown, key = secret): string {
  const input = b64(header) + '.' + b64(payload)
  return input + '.' + createHmac('sha256', key).update(input).digest('base64url')
}
const good = (extra: Record<string, unknown> = {}) => ({ iss: appId, sub: 'u1', iat: now(), exp: now() + 60, ...grants, ...extra })
const HS = { alg: 'HS256', typ: 'JWT' }
const code = async (token: string) => {
  const r = await verifyToken(token, opts)
  return r.ok ? 'ok' : r.code
}

describe('verifyToken', () => {
  it('accepts what createToken mints, with its claims', async () => {
    const token = await createToken({ appId, secret, userId: 'u1', roomId: 'r1', privileges: { login: true, publish: false, relay: true }, streamIdPrefix: 'u1_', ttlSeconds: 60 })
    const r = await verifyToken(token, { ...opts, appId })
    expect(r).toMatchObject({ ok: true, claims: { appId, userId: 'u1', roomId: 'r1', streamIdPrefix: 'u1_', grants: { login: true, publish: false, relay: true } } })
    if (r.ok) expect(r.claims.tokenId).toBe(token.split('.')[2])
  })

  it('interoperates with a standard JWT library both ways (jose)', async () => {
    const key = new TextEncoder().encode(secret)
    const theirs = await new SignJWT(grants).setProtectedHeader({ alg: 'HS256' }).setIssuer(appId).setSubject('u2').setIssuedAt().setExpirationTime('1m').sign(key)
    expect(await verifyToken(theirs, opts)).toMatchObject({ ok: true, claims: { userId: 'u2' } })
    const ours = await createToken({ appId, secret, userId: 'u3', privileges: { login: true, publish: true }, ttlSeconds: 60 })
    const { payload } = await jwtVerify(ours, key, { algorithms: ['HS256'], issuer: appId })
    expect(payload).toMatchObject({ sub: 'u3', rtc: { login: true, publish: true } })
  })

  it('refuses hostile or malformed tokens with TOKEN_INVALID, and expired ones with TOKEN_EXPIRED', async () => {
    const valid = sign(HS, good())
    const [h, p, s] = valid.split('.') as [string, string, string]
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1)
    const cases: [string, string, ErrorCode | 'ok'][] = [
      ['valid', valid, 'ok'],
      ['empty', '', ErrorCode.TOKEN_MISSING],
      ['two parts', `${h}.${p}`, ErrorCode.TOKEN_INVALID],
      ['four parts', `${valid}.x`, ErrorCode.TOKEN_INVALID],
      ['alg none, no signature', `${b64({ alg: 'none' })}.${p}.`, ErrorCode.TOKEN_INVALID],
      ['alg none, signed', sign({ alg: 'none' }, good()), ErrorCode.TOKEN_INVALID],
      ['alg HS512 header', sign({ alg: 'HS512' }, good()), ErrorCode.TOKEN_INVALID],
      ['alg RS256 header', sign({ alg: 'RS256' }, good()), ErrorCode.TOKEN_INVALID],
      ['crit extension', sign({ alg: 'HS256', crit: ['b64'], b64: false }, good()), ErrorCode.TOKEN_INVALID],
      ['signature bit flipped', `${h}.${p}.${flipped}`, ErrorCode.TOKEN_INVALID],
      ['signature padded', `${valid}=`, ErrorCode.TOKEN_INVALID],
      ['signature in base64 alphabet', `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`, ErrorCode.TOKEN_INVALID],
      ['signature truncated', `${h}.${p}.${s.slice(0, 20)}`, ErrorCode.TOKEN_INVALID],
      ['wrong secret', sign(HS, good(), secret + 'x'), ErrorCode.TOKEN_INVALID],
      ['header not JSON', `${b64('{')}.${p}.${s}`, ErrorCode.TOKEN_INVALID],
      ['header an array', sign(['HS256'], good()), ErrorCode.TOKEN_INVALID],
      ['payload null', sign(HS, null), ErrorCode.TOKEN_INVALID],
      ['payload an array', sign(HS, [good()]), ErrorCode.TOKEN_INVALID],
      ['payload with a control character outside base64url', `${h}.${p}\u0000.${s}`, ErrorCode.TOKEN_INVALID],
      ['exp a string', sign(HS, good({ exp: String(now() + 60) })), ErrorCode.TOKEN_INVALID],
      ['exp missing', sign(HS, { ...good(), exp: undefined }), ErrorCode.TOKEN_INVALID],
      ['exp Infinity (1e400)', sign(HS, '{"iss":"app-1","sub":"u1","exp":1e400,"rtc":{"login":true}}'), ErrorCode.TOKEN_INVALID],
      ['nbf in the future', sign(HS, good({ nbf: now() + 3600 })), ErrorCode.TOKEN_INVALID],
      ['nbf a string', sign(HS, good({ nbf: '0' })), ErrorCode.TOKEN_INVALID],
      ['iat a string', sign(HS, good({ iat: 'now' })), ErrorCode.TOKEN_INVALID],
      ['sub missing', sign(HS, { ...good(), sub: undefined }), ErrorCode.TOKEN_INVALID],
      ['grants missing', sign(HS, { ...good(), rtc: undefined }), ErrorCode.TOKEN_INVALID],
      ['room a number', sign(HS, good({ rtc: { login: true, room: 5 } })), ErrorCode.TOKEN_INVALID],
      ['iss a number', sign(HS, good({ iss: 1 })), ErrorCode.TOKEN_INVALID],
      ['unknown app', sign(HS, good({ iss: 'other' })), ErrorCode.APP_UNKNOWN],
      ['iss __proto__', sign(HS, good({ iss: '__proto__' })), ErrorCode.APP_UNKNOWN],
      ['expired now', sign(HS, good({ exp: now() })), ErrorCode.TOKEN_EXPIRED],
      ['expired, nbf past', sign(HS, good({ exp: now() - 10, nbf: now() - 100 })), ErrorCode.TOKEN_EXPIRED],
    ]
    const got = await Promise.all(cases.map(async ([name, token]) => [name, await code(token)]))
    expect(got).toEqual(cases.map(([name, , want]) => [name, want]))
  })

  it('grants only what is literally true, and a token for another app is refused when the app is fixed', async () => {
    const r = await verifyToken(sign(HS, good({ rtc: { login: 'true', publish: 1, relay: {} } })), opts)
    expect(r).toMatchObject({ ok: true, claims: { grants: { login: false, publish: false } } })
    if (r.ok) expect(r.claims.grants.relay).toBeUndefined()
    expect(await verifyToken(sign(HS, good()), { ...opts, appId: 'other' })).toEqual({ ok: false, code: ErrorCode.TOKEN_INVALID })
  })
})
