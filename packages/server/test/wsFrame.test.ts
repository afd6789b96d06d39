import type { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import * as ws from 'ws'
import { pushBody } from '../src/Session'
import { pushFrame, textFrame } from '../src/wsFrame'

/** ws's frame parser (ws exports it; @types/ws does not declare it). */
const { Receiver } = ws as unknown as { Receiver: new (o: { isServer: boolean; maxPayload: number }) => Writable }

/** The messages ws's own parser (a client's receiver: unmasked frames) reads from `bytes`. */
function parse(bytes: Buffer): string[] {
  const messages: string[] = []
  const r = new Receiver({ isServer: false, maxPayload: 0 })
  r.on('message', (data: Buffer, isBinary: boolean) => messages.push((isBinary ? 'binary:' : '') + data.toString('utf8')))
  r.on('error', (e: Error) => messages.push('error:' + e.message))
  r.write(bytes)
  return messages
}

// Payload sizes around the 7-bit, 16-bit and 64-bit length forms.
const sizes = [0, 1, 125, 126, 127, 65535, 65536, 70000]
/** A string of exactly `n` UTF-8 bytes, with multi-byte characters when it has room (the header counts bytes, not characters). */
const ofBytes = (n: number) => (n >= 6 ? 'ü😀' + 'a'.repeat(n - 6) : 'a'.repeat(n))

describe('textFrame', () => {
  it('is one text message, as ws parses it, at every length form', () => {
    for (const n of sizes) {
      expect(Buffer.byteLength(ofBytes(n))).toBe(n)
      expect(parse(textFrame(ofBytes(n)))).toEqual([ofBytes(n)])
    }
  })

  it('frames several messages back to back (one socket write each)', () => {
    expect(parse(Buffer.concat([textFrame('{"id":1}'), textFrame(''), textFrame('x'.repeat(300))]))).toEqual(['{"id":1}', '', 'x'.repeat(300)])
  })
})

describe('pushFrame', () => {
  it('is byte for byte the string frame JSON.stringify({ seq, ev, d }) gives, as ws parses it', () => {
    const body = pushBody('broadcast', { messages: [{ messageId: 1, fromUser: { userId: 'ü', userName: '用户 😀' }, message: 'héllo "x"\n', sendTime: 1 }] })
    for (const seq of [1, 9, 10, 99, 100, 12345, 2 ** 31, 2 ** 40 + 7]) {
      const [m] = parse(pushFrame(seq, Buffer.from(body)))
      expect(m).toBe('{"seq":' + seq + ',' + body)
      expect(JSON.parse(m!)).toEqual({ seq, ...JSON.parse('{' + body) })
    }
  })

  it('has the right length form when the seq digits cross a boundary', () => {
    // {"seq":N, is 9 bytes with one digit: 116 + 9 = 125 (7-bit), one more digit = 126 (16-bit).
    const body = '"ev":"x","d":"' + 'y'.repeat(116 - 16) + '"}'
    expect(Buffer.byteLength(body)).toBe(116)
    for (const seq of [9, 10, 99999, 100000]) expect(parse(pushFrame(seq, Buffer.from(body)))).toEqual(['{"seq":' + seq + ',' + body])
    // Frames of exactly each size: {"seq":7, is 9 bytes, '"ev":"x","d":""}' 16.
    for (const n of sizes.filter((x) => x >= 25)) {
      const exact = '"ev":"x","d":"' + ofBytes(n - 25) + '"}'
      expect(parse(pushFrame(7, Buffer.from(exact)))).toEqual(['{"seq":7,' + exact])
    }
  })
})
