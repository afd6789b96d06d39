import { SEI_UUID_MESSAGE, SEI_UUID_WALLCLOCK, buildSeiNal } from '@minirtc/headless'
import { describe, expect, it } from 'vitest'
import { FlvSeiScanner } from '../src/FlvSeiScanner'

function tag(type: number, ts: number, data: Buffer): Buffer {
  const h = Buffer.alloc(11)
  h[0] = type
  h.writeUIntBE(data.length, 1, 3)
  h.writeUIntBE(ts & 0xffffff, 4, 3)
  h[7] = (ts >>> 24) & 0xff
  const prev = Buffer.alloc(4)
  prev.writeUInt32BE(11 + data.length)
  return Buffer.concat([h, data, prev])
}

/** An AVC NALU tag: 4-byte length prefixes, like every publisher here writes them. */
function avcFrame(ts: number, nals: Buffer[]): Buffer {
  const body = nals.flatMap((n) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(n.length)
    return [len, n]
  })
  return tag(9, ts, Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), ...body]))
}

describe('FlvSeiScanner', () => {
  it('reads wall-clock and message SEI across arbitrary chunk boundaries, counting audio and video bytes', () => {
    const header = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0])
    // AVCDecoderConfigurationRecord with lengthSizeMinusOne = 3.
    const config = tag(9, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0]))
    const audio = tag(8, 10, Buffer.from([0xaf, 1, 1, 2, 3]))
    const idr = Buffer.from([0x65, 0x88, 0x84, 0, 0, 0, 1])
    const stream = Buffer.concat([
      header,
      config,
      audio,
      avcFrame(40, [buildSeiNal(SEI_UUID_WALLCLOCK, Buffer.from('1764000000123')), idr]),
      avcFrame(0x1000000 + 80, [Buffer.from([0x41, 1, 2]), buildSeiNal(SEI_UUID_MESSAGE, Buffer.from('hello'))]),
    ])
    const seen: Array<[string, string, number]> = []
    const s = new FlvSeiScanner((uuid, payload, ts) => seen.push([uuid, Buffer.from(payload).toString(), ts]))
    for (let i = 0; i < stream.length; i += 7) s.push(stream.subarray(i, i + 7))
    expect(seen).toEqual([
      ['minirtc-wallclk1', '1764000000123', 40],
      ['minirtc-message1', 'hello', 0x1000000 + 80],
    ])
    // Tag payloads only: the audio tag's 5 bytes; the video tags' sizes from their headers.
    const videoSizes = [config, stream.subarray(header.length + config.length + audio.length)].reduce((n, b) => {
      for (let p = 0; p < b.length; p += 11 + b.readUIntBE(p + 1, 3) + 4) n += b.readUIntBE(p + 1, 3)
      return n
    }, 0)
    expect(s.bytes).toEqual({ audio: 5, video: videoSizes })
  })
})
