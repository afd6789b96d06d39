/**
 * AMF0 (Action Message Format, version 0): the encoding of RTMP commands and FLV script tags.
 * Covers what live streaming uses: numbers, booleans, strings (short and long), objects,
 * null/undefined, ECMA arrays (how onMetaData is usually written), strict arrays and dates.
 */

const NUMBER = 0x00
const BOOLEAN = 0x01
const STRING = 0x02
const OBJECT = 0x03
const NULL = 0x05
const UNDEFINED = 0x06
const REFERENCE = 0x07
const ECMA_ARRAY = 0x08
const OBJECT_END = 0x09
const STRICT_ARRAY = 0x0a
const DATE = 0x0b
const LONG_STRING = 0x0c

export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Amf0Value[]
  | Amf0EcmaArray
  | { [key: string]: Amf0Value }

/**
 * Marks an object to be written as an ECMA array (type 0x08) instead of an anonymous object.
 * FLV muxers write onMetaData this way; decoding returns a plain object either way.
 */
export class Amf0EcmaArray {
  constructor(public readonly entries: { [key: string]: Amf0Value }) {}
}

export class Amf0Error extends Error {
  override name = 'Amf0Error'
}

function encodeKey(key: string): Buffer {
  const s = Buffer.from(key, 'utf8')
  const len = Buffer.alloc(2)
  len.writeUInt16BE(s.length)
  return Buffer.concat([len, s])
}

function encodeProperties(obj: { [key: string]: Amf0Value }, out: Buffer[]): void {
  for (const [k, v] of Object.entries(obj)) {
    out.push(encodeKey(k))
    encodeInto(v, out)
  }
  out.push(Buffer.from([0x00, 0x00, OBJECT_END]))
}

function encodeInto(value: Amf0Value, out: Buffer[]): void {
  if (value === null) {
    out.push(Buffer.from([NULL]))
  } else if (value === undefined) {
    out.push(Buffer.from([UNDEFINED]))
  } else if (typeof value === 'number') {
    const b = Buffer.alloc(9)
    b[0] = NUMBER
    b.writeDoubleBE(value, 1)
    out.push(b)
  } else if (typeof value === 'boolean') {
    out.push(Buffer.from([BOOLEAN, value ? 1 : 0]))
  } else if (typeof value === 'string') {
    const s = Buffer.from(value, 'utf8')
    if (s.length > 0xffff) {
      const h = Buffer.alloc(5)
      h[0] = LONG_STRING
      h.writeUInt32BE(s.length, 1)
      out.push(h, s)
    } else {
      const h = Buffer.alloc(3)
      h[0] = STRING
      h.writeUInt16BE(s.length, 1)
      out.push(h, s)
    }
  } else if (value instanceof Date) {
    const b = Buffer.alloc(11)
    b[0] = DATE
    b.writeDoubleBE(value.getTime(), 1)
    b.writeInt16BE(0, 9)
    out.push(b)
  } else if (Array.isArray(value)) {
    const h = Buffer.alloc(5)
    h[0] = STRICT_ARRAY
    h.writeUInt32BE(value.length, 1)
    out.push(h)
    for (const v of value) encodeInto(v, out)
  } else if (value instanceof Amf0EcmaArray) {
    const h = Buffer.alloc(5)
    h[0] = ECMA_ARRAY
    h.writeUInt32BE(Object.keys(value.entries).length, 1)
    out.push(h)
    encodeProperties(value.entries, out)
  } else {
    out.push(Buffer.from([OBJECT]))
    encodeProperties(value, out)
  }
}

/** Encodes one AMF0 value. */
export function encodeAmf0(value: Amf0Value): Buffer {
  const out: Buffer[] = []
  encodeInto(value, out)
  return Buffer.concat(out)
}

/**
 * Encodes a sequence of values back to back, as RTMP commands are written
 * (`"connect", 1, {app...}`) and FLV script tags (`"onMetaData", {...}`).
 * @example encodeAmf0Values('createStream', 2, null)
 */
export function encodeAmf0Values(...values: Amf0Value[]): Buffer {
  const out: Buffer[] = []
  for (const v of values) encodeInto(v, out)
  return Buffer.concat(out)
}

/** Decodes the value at `offset`; returns it and the offset after it. Throws Amf0Error on truncation. */
export function decodeAmf0(buf: Buffer, offset = 0): { value: Amf0Value; offset: number } {
  const need = (n: number, at: number) => {
    if (at + n > buf.length) throw new Amf0Error(`truncated AMF0 data at byte ${at}`)
  }
  const readProps = (at: number): { value: { [key: string]: Amf0Value }; offset: number } => {
    const obj: { [key: string]: Amf0Value } = {}
    let p = at
    for (;;) {
      need(2, p)
      const klen = buf.readUInt16BE(p)
      p += 2
      if (klen === 0) {
        // Object end marker 0x09. Some muxers omit it at the very end of a tag: accept EOF too.
        if (p >= buf.length) return { value: obj, offset: p }
        if (buf[p] === OBJECT_END) return { value: obj, offset: p + 1 }
      }
      need(klen, p)
      const key = buf.toString('utf8', p, p + klen)
      p += klen
      const r = decodeAmf0(buf, p)
      obj[key] = r.value
      p = r.offset
    }
  }
  need(1, offset)
  const type = buf[offset]!
  let p = offset + 1
  switch (type) {
    case NUMBER:
      need(8, p)
      return { value: buf.readDoubleBE(p), offset: p + 8 }
    case BOOLEAN:
      need(1, p)
      return { value: buf[p] !== 0, offset: p + 1 }
    case STRING: {
      need(2, p)
      const len = buf.readUInt16BE(p)
      p += 2
      need(len, p)
      return { value: buf.toString('utf8', p, p + len), offset: p + len }
    }
    case LONG_STRING: {
      need(4, p)
      const len = buf.readUInt32BE(p)
      p += 4
      need(len, p)
      return { value: buf.toString('utf8', p, p + len), offset: p + len }
    }
    case OBJECT:
      return readProps(p)
    case ECMA_ARRAY:
      need(4, p)
      return readProps(p + 4) // the count is a hint only; the end marker terminates it
    case STRICT_ARRAY: {
      need(4, p)
      const n = buf.readUInt32BE(p)
      p += 4
      const arr: Amf0Value[] = []
      for (let i = 0; i < n; i++) {
        const r = decodeAmf0(buf, p)
        arr.push(r.value)
        p = r.offset
      }
      return { value: arr, offset: p }
    }
    case DATE:
      need(10, p)
      return { value: new Date(buf.readDoubleBE(p)), offset: p + 10 }
    case NULL:
      return { value: null, offset: p }
    case UNDEFINED:
      return { value: undefined, offset: p }
    case REFERENCE:
      need(2, p)
      return { value: undefined, offset: p + 2 }
    default:
      throw new Amf0Error(`unsupported AMF0 type 0x${type.toString(16)} at byte ${offset}`)
  }
}

/** Decodes every value in `buf` (a whole command or script tag body). */
export function decodeAmf0All(buf: Buffer): Amf0Value[] {
  const values: Amf0Value[] = []
  let p = 0
  while (p < buf.length) {
    const r = decodeAmf0(buf, p)
    values.push(r.value)
    p = r.offset
  }
  return values
}
