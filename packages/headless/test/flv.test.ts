import { readFileSync, statSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  Amf0EcmaArray,
  FIXTURES,
  FlvParser,
  buildSeiNal,
  decodeAmf0All,
  encodeAmf0Values,
  insertSeiNal,
  isAacSequenceHeader,
  isAvcSequenceHeader,
  isKeyframe,
  isVideoFrame,
  loadFlvClip,
  parseFlvFile,
  readAvcResolution,
  readMetadata,
  readSeiMessages,
  writeFlvHeader,
  writeFlvTag,
  escapeRbsp,
  unescapeRbsp,
  SEI_UUID_MESSAGE,
} from '../src/index.js'

describe('AMF0', () => {
  it('round-trips numbers, strings, booleans, null, objects, ECMA and strict arrays', () => {
    const values = [
      'connect',
      1,
      { app: 'live', fpad: false, capabilities: 15, nested: { a: null } },
      new Amf0EcmaArray({ width: 640, height: 360, encoder: 'x' }),
      [1, 'two', true],
      null,
      'x'.repeat(70000),
    ]
    const decoded = decodeAmf0All(encodeAmf0Values(...values))
    expect(decoded.slice(0, 3)).toEqual(values.slice(0, 3))
    expect(decoded[3]).toEqual({ width: 640, height: 360, encoder: 'x' })
    expect(decoded[4]).toEqual([1, 'two', true])
    expect(decoded[5]).toBeNull()
    expect(decoded[6]).toHaveLength(70000)
  })
})

describe('FLV fixtures', () => {
  it('are small and what the tests expect (640x360 / 320x240, 15 fps, GOP 1 s, AAC)', () => {
    expect(statSync(FIXTURES.camera640x360).size).toBeLessThan(400 * 1024)
    const big = loadFlvClip(FIXTURES.camera640x360)
    expect([big.width, big.height]).toEqual([640, 360])
    expect(big.metadata?.framerate).toBe(15)
    expect(big.durationMs).toBeGreaterThan(3800)
    expect(big.durationMs).toBeLessThan(4300)
    const keys = big.frames.filter(isKeyframe).map((t) => t.timestamp)
    expect(keys.length).toBe(4)
    expect(keys[1]! - keys[0]!).toBeGreaterThan(900)
    expect(keys[1]! - keys[0]!).toBeLessThan(1100)
    expect(big.frames.filter(isVideoFrame).length).toBe(60)
    expect(isAacSequenceHeader(big.aacHeader!)).toBe(true)
    const small = loadFlvClip(FIXTURES.camera320x240)
    expect([small.width, small.height]).toEqual([320, 240])
  })

  it('parses incrementally byte by byte the same as in one piece', () => {
    const data = readFileSync(FIXTURES.camera320x240)
    const whole = parseFlvFile(data).tags
    const p = new FlvParser()
    const pieces = []
    for (let i = 0; i < data.length; i += 7) pieces.push(...p.push(data.subarray(i, i + 7)))
    expect(pieces.length).toBe(whole.length)
    expect(pieces.map((t) => t.timestamp)).toEqual(whole.map((t) => t.timestamp))
    expect(p.header).toEqual({ version: 1, hasAudio: true, hasVideo: true })
  })

  it('reads width/height from the SPS and from onMetaData', () => {
    const { tags } = parseFlvFile(readFileSync(FIXTURES.camera640x360))
    const seq = tags.find(isAvcSequenceHeader)!
    expect(readAvcResolution(seq)).toEqual({ width: 640, height: 360 })
    const md = readMetadata(tags[0]!)
    expect(md?.width).toBe(640)
    expect(md?.height).toBe(360)
  })

  it('writes tags that parse back', () => {
    const tag = { type: 9 as const, timestamp: 0x1234567, data: Buffer.from([0x17, 1, 0, 0, 0, 1, 2, 3]) }
    const p = new FlvParser()
    const out = p.push(Buffer.concat([writeFlvHeader(), writeFlvTag(tag)]))
    expect(out).toEqual([tag])
  })
})

describe('SEI', () => {
  it('escapes emulation-prevention bytes reversibly', () => {
    const raw = Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 5])
    const esc = escapeRbsp(raw)
    expect(esc.includes(Buffer.from([0, 0, 1]))).toBe(false)
    expect(unescapeRbsp(esc)).toEqual(raw)
  })

  it('inserts a message into a frame and reads it back', () => {
    const { tags } = parseFlvFile(readFileSync(FIXTURES.camera320x240))
    const frame = tags.find(isKeyframe)!
    const text = 'hello 世界 ' + 'x'.repeat(300)
    const payload = insertSeiNal(frame.data.subarray(5), buildSeiNal(SEI_UUID_MESSAGE, Buffer.from(text)))
    const msgs = readSeiMessages(payload).filter((m) => m.uuid === SEI_UUID_MESSAGE.toString('hex'))
    expect(msgs.map((m) => m.payload.toString())).toEqual([text])
  })
})
