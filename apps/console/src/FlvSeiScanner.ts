/**
 * Reads SEI user-data messages out of an HTTP-FLV byte stream as it arrives, before mpegts.js
 * gets it (mpegts.js reports SEI only for MPEG-TS). MiniRTC publishers put two kinds there:
 * `minirtc-message1` (what `pusher.sendSEI()` sends, WeChat's 2012 on players) and
 * `minirtc-wallclk1` (a headless publisher's wall clock per frame, for latency figures).
 * It also counts the audio and video bytes it reads, for bitrates per kind (mpegts.js reports
 * only the total speed for a live stream, and no audio data rate).
 */
export const SEI_MESSAGE_UUID = 'minirtc-message1'
export const SEI_WALLCLOCK_UUID = 'minirtc-wallclk1'

export type SeiCallback = (uuid: string, payload: Uint8Array, timestampMs: number) => void

export class FlvSeiScanner {
  private buf = new Uint8Array(0)
  private headerDone = false
  private lengthSize = 4
  private readonly ascii = new TextDecoder('latin1')
  /** Payload bytes of the audio (tag 8) and video (tag 9) tags read so far. */
  readonly bytes = { audio: 0, video: 0 }

  constructor(private readonly onSei: SeiCallback) {}

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buf.length + chunk.length)
    joined.set(this.buf)
    joined.set(chunk, this.buf.length)
    let p = 0
    if (!this.headerDone) {
      if (joined.length < 13) return void (this.buf = joined)
      p = 13 // FLV header (9) + PreviousTagSize0 (4)
      this.headerDone = true
    }
    while (joined.length - p >= 11) {
      const type = joined[p]! & 0x1f
      const size = (joined[p + 1]! << 16) | (joined[p + 2]! << 8) | joined[p + 3]!
      if (joined.length - p < 11 + size + 4) break
      const ts = ((joined[p + 7]! << 24) | (joined[p + 4]! << 16) | (joined[p + 5]! << 8) | joined[p + 6]!) >>> 0
      if (type === 8) this.bytes.audio += size
      if (type === 9) {
        this.bytes.video += size
        this.video(joined.subarray(p + 11, p + 11 + size), ts)
      }
      p += 11 + size + 4
    }
    this.buf = joined.slice(p)
  }

  private video(d: Uint8Array, ts: number): void {
    if (d.length < 5 || (d[0]! & 0x0f) !== 7) return // AVC only
    if (d[1] === 0) {
      // AVCDecoderConfigurationRecord: lengthSizeMinusOne in the low bits of byte 4.
      if (d.length > 9) this.lengthSize = (d[9]! & 3) + 1
      return
    }
    if (d[1] !== 1) return
    let p = 5
    const ls = this.lengthSize
    while (p + ls <= d.length) {
      let n = 0
      for (let i = 0; i < ls; i++) n = n * 256 + d[p + i]!
      p += ls
      if (n <= 0 || p + n > d.length) return
      if ((d[p]! & 0x1f) === 6) this.sei(unescapeRbsp(d.subarray(p + 1, p + n)), ts)
      p += n
    }
  }

  private sei(r: Uint8Array, ts: number): void {
    let p = 0
    while (p < r.length - 1) {
      let type = 0
      while (r[p] === 0xff) type += r[p++]!
      type += r[p++] ?? 0
      let size = 0
      while (r[p] === 0xff) size += r[p++]!
      size += r[p++] ?? 0
      if (p + size > r.length) return
      if (type === 5 && size >= 16) this.onSei(this.ascii.decode(r.subarray(p, p + 16)), r.subarray(p + 16, p + size), ts)
      p += size
    }
  }
}

/** Drop H.264 emulation-prevention bytes (00 00 03 → 00 00). */
function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length)
  let o = 0
  let zeros = 0
  for (const b of nal) {
    if (zeros >= 2 && b === 3) {
      zeros = 0
      continue
    }
    zeros = b === 0 ? zeros + 1 : 0
    out[o++] = b
  }
  return out.subarray(0, o)
}
