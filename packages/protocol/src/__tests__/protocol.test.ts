import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CloseCode,
  ErrorCode,
  ID_PUNCTUATION,
  Limits,
  checkIds,
  errorMessages,
  errorReason,
  isValidRoomId,
  isValidStreamId,
  isValidUserId,
  isValidUserName,
  parseClientMessage,
  parseServerMessage,
  utf8Length,
} from '../index'

describe('error codes', () => {
  it('are unique, stable numbers with a message that says what to do', () => {
    const codes = Object.values(ErrorCode)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) {
      expect(errorMessages[code], String(code)).toMatch(/\w{3}/)
      expect(ErrorCode[errorReason(code)]).toBe(code)
    }
    expect(ErrorCode.TOKEN_EXPIRED).toBe(102003)
    expect(ErrorCode.STREAM_ID_TAKEN).toBe(104001)
    expect(errorReason(123456)).toBe('INTERNAL')
  })
  it('close codes are in the application range or RFC 6455', () => {
    for (const c of Object.values(CloseCode)) expect(c === 1000 || c === 1009 || (c >= 4000 && c < 5000)).toBe(true)
  })
})

describe('ID rules', () => {
  it('accepts letters, digits and the vendor punctuation set', () => {
    expect(isValidStreamId('abc-DEF_123' + ID_PUNCTUATION)).toBe(true)
    expect(isValidRoomId('r'.repeat(Limits.roomIdBytes))).toBe(true)
    expect(isValidUserId('u'.repeat(Limits.userIdBytes))).toBe(true)
    expect(isValidStreamId('s'.repeat(Limits.streamIdBytes))).toBe(true)
  })
  it.each(['', ' ', 'a b', 'a#b', 'a?b', 'a"b', 'a|b', '中文', 'a\nb', 'a{b}', 'a:b'])('rejects %j', (id) => {
    expect(isValidStreamId(id)).toBe(false)
    expect(isValidRoomId(id)).toBe(false)
    expect(isValidUserId(id)).toBe(false)
  })
  it('enforces the byte limits', () => {
    expect(isValidRoomId('r'.repeat(129))).toBe(false)
    expect(isValidUserId('u'.repeat(65))).toBe(false)
    expect(isValidStreamId('s'.repeat(257))).toBe(false)
    expect(isValidUserName('名'.repeat(85))).toBe(true) // 255 bytes
    expect(isValidUserName('名'.repeat(86))).toBe(false) // 258 bytes
    expect(isValidRoomId(42)).toBe(false)
  })
  it('refuses control and bidi characters in user names, keeps other Unicode', () => {
    for (const bad of ['a\u0000b', 'tab\there', 'line\nbreak', '\u001b[31mred', 'c1\u0085', 'evil\u202egnp.exe', 'iso\u2066x\u2069', 'mark\u200f', 'alm\u061c'])
      expect(isValidUserName(bad), JSON.stringify(bad)).toBe(false)
    for (const good of ['', 'Zoë', '名字', 'family 👨\u200d👩\u200d👧', 'عربي', 'a b'])
      expect(isValidUserName(good), JSON.stringify(good)).toBe(true)
  })
  it('counts UTF-8 bytes like Buffer does', () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"))
    }))
  })
  it('checkIds names the first broken rule', () => {
    expect(checkIds({ roomId: 'ok', userId: 'ok', streamId: 'ok' })).toBeNull()
    expect(checkIds({ roomId: 'bad room' })).toBe(ErrorCode.INVALID_ROOM_ID)
    expect(checkIds({ roomId: 'ok', userId: '' })).toBe(ErrorCode.INVALID_USER_ID)
    expect(checkIds({ userName: 'x'.repeat(300) })).toBe(ErrorCode.INVALID_USER_NAME)
    expect(checkIds({ streamId: 'a#' })).toBe(ErrorCode.INVALID_STREAM_ID)
  })
})

const req = (op: string, d: unknown, extra: object = {}) => JSON.stringify({ v: 1, id: 7, op, d, ...extra })

describe('parseClientMessage', () => {
  const valid: Array<[string, unknown]> = [
    ['login', { appId: 'a', roomId: 'r', token: 't', user: { userId: 'u', userName: 'U' }, userUpdate: true }],
    ['resume', { sessionId: 's', lastSeq: 3 }],
    ['logout', {}],
    ['ping', {}],
    ['ping', { ack: 9 }],
    ['renewToken', { token: 't' }],
    ['publish', { streamId: 's1' }],
    ['publish', { streamId: 's1', extraInfo: 'x' }],
    ['unpublish', { streamId: 's1' }],
    ['play', { streamId: 's1' }],
    ['setStreamExtraInfo', { streamId: 's1', extraInfo: '' }],
    ['setRoomExtraInfo', { key: 'k', value: 'v' }],
    ['broadcast', { message: 'hi' }],
    ['customCommand', { command: 'c', toUserIds: ['a', 'b'] }],
  ]
  it.each(valid)('accepts a valid %s', (op, d) => {
    const r = parseClientMessage(req(op, d))
    expect(r).toMatchObject({ ok: true, value: { op, id: 7 } })
  })

  it('takes an acknowledgement on any request, and refuses a malformed one with the request id', () => {
    expect(parseClientMessage(req('broadcast', { message: 'hi' }, { ack: 42 }))).toMatchObject({ ok: true, value: { op: 'broadcast', ack: 42 } })
    expect(parseClientMessage(req('publish', { streamId: 's1' }, { ack: 0 }))).toMatchObject({ ok: true, value: { ack: 0 } })
    for (const ack of [-1, 1.5, '3', null, 2 ** 53, {}, [1]])
      expect(parseClientMessage(req('broadcast', { message: 'hi' }, { ack }))).toEqual({ ok: false, code: ErrorCode.MALFORMED_MESSAGE, id: 7, field: 'ack' })
  })

  it.each([
    ['not json', '{', ErrorCode.MALFORMED_MESSAGE],
    ['array', '[1]', ErrorCode.MALFORMED_MESSAGE],
    ['no id', JSON.stringify({ v: 1, op: 'ping', d: {} }), ErrorCode.MALFORMED_MESSAGE],
    ['negative id', JSON.stringify({ v: 1, id: -1, op: 'ping', d: {} }), ErrorCode.MALFORMED_MESSAGE],
    ['version', req('ping', {}, { v: 2 }), ErrorCode.UNSUPPORTED_VERSION],
    ['unknown op', req('fly', {}), ErrorCode.UNKNOWN_OPERATION],
    ['proto op', req('__proto__', {}), ErrorCode.UNKNOWN_OPERATION],
    ['toString op', req('toString', {}), ErrorCode.UNKNOWN_OPERATION],
    ['missing d', JSON.stringify({ v: 1, id: 7, op: 'ping' }), ErrorCode.INVALID_FIELD],
    ['missing field', req('publish', {}), ErrorCode.INVALID_FIELD],
    ['mistyped field', req('resume', { sessionId: 's', lastSeq: '3' }), ErrorCode.INVALID_FIELD],
    ['bad room', req('login', { appId: 'a', roomId: 'a b', token: 't', user: { userId: 'u', userName: '' } }), ErrorCode.INVALID_ROOM_ID],
    ['bad user', req('login', { appId: 'a', roomId: 'r', token: 't', user: { userId: '', userName: '' } }), ErrorCode.INVALID_USER_ID],
    ['bad name', req('login', { appId: 'a', roomId: 'r', token: 't', user: { userId: 'u', userName: 'x'.repeat(257) } }), ErrorCode.INVALID_USER_NAME],
    ['bad stream', req('play', { streamId: 'a#b' }), ErrorCode.INVALID_STREAM_ID],
    ['big message', req('broadcast', { message: 'x'.repeat(1025) }), ErrorCode.PAYLOAD_TOO_LARGE],
    ['big extra', req('setStreamExtraInfo', { streamId: 's', extraInfo: 'x'.repeat(1025) }), ErrorCode.PAYLOAD_TOO_LARGE],
    ['too many targets', req('customCommand', { command: 'c', toUserIds: Array.from({ length: 65 }, (_, i) => 'u' + i) }), ErrorCode.INVALID_FIELD],
    ['bad target', req('customCommand', { command: 'c', toUserIds: ['a b'] }), ErrorCode.INVALID_USER_ID],
    ['frame too big', 'x'.repeat(Limits.maxMessageBytes + 1), ErrorCode.MESSAGE_TOO_LARGE],
  ])('rejects %s with its code', (_name, raw, code) => {
    const r = parseClientMessage(raw)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.code).toBe(code)
  })

  it('returns the request id with field errors so the reply can be correlated', () => {
    const r = parseClientMessage(req('play', { streamId: 1 }))
    expect(r).toEqual({ ok: false, code: ErrorCode.INVALID_FIELD, id: 7, field: 'd' })
  })

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ v: 1, id: 1, op: 'login', d: v }))), (raw) => {
        const r = parseClientMessage(raw)
        expect(typeof r.ok).toBe('boolean')
      }),
      { numRuns: 3000 },
    )
  })
})

describe('parseServerMessage', () => {
  it('accepts replies and pushes, rejects anything else', () => {
    expect(parseServerMessage('{"id":1,"ok":true,"d":{}}')).toMatchObject({ id: 1 })
    expect(parseServerMessage('{"seq":1,"ev":"user","d":{}}')).toMatchObject({ seq: 1 })
    expect(parseServerMessage('{"seq":1,"ev":"user"}')).toBeNull()
    expect(parseServerMessage('nope')).toBeNull()
    expect(parseServerMessage('null')).toBeNull()
  })
})

describe('docs/errors.md', () => {
  it('is generated from the tables and up to date (run scripts/gen-error-docs.mjs)', async () => {
    const { readFileSync } = await import('node:fs')
    const { renderErrorDocs } = await import('../errorDocs')
    const file = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')
    expect(file).toBe(renderErrorDocs())
    for (const code of Object.values(ErrorCode)) expect(file).toContain(`| ${code} |`)
  })
})
