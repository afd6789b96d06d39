/**
 * H.264 (AVC) helpers for FLV/RTMP payloads: the decoder configuration record of the AVC
 * sequence header, SPS width/height, and SEI "user data unregistered" messages, which is how
 * WeChat's `LivePusherContext.sendMessage()` carries app messages inside the video stream.
 */

/** Removes emulation-prevention bytes (00 00 03 → 00 00) from a NAL unit's RBSP. */
export function unescapeRbsp(nal: Buffer): Buffer {
  const out: number[] = []
  let zeros = 0
  for (const b of nal) {
    if (zeros >= 2 && b === 0x03) {
      zeros = 0
      continue
    }
    out.push(b)
    zeros = b === 0 ? zeros + 1 : 0
  }
  return Buffer.from(out)
}

/** Inserts emulation-prevention bytes so a payload cannot fake a start code. */
export function escapeRbsp(rbsp: Buffer): Buffer {
  const out: number[] = []
  let zeros = 0
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 0x03) {
      out.push(0x03)
      zeros = 0
    }
    out.push(b)
    zeros = b === 0 ? zeros + 1 : 0
  }
  return Buffer.from(out)
}

class BitReader {
  private pos = 0
  constructor(private readonly buf: Buffer) {}
  bit(): number {
    const byte = this.buf[this.pos >> 3]
    if (byte === undefined) throw new RangeError('SPS truncated')
    const v = (byte >> (7 - (this.pos & 7))) & 1
    this.pos++
    return v
  }
  bits(n: number): number {
    let v = 0
    for (let i = 0; i < n; i++) v = v * 2 + this.bit()
    return v
  }
  ue(): number {
    let zeros = 0
    while (this.bit() === 0) {
      zeros++
      if (zeros > 31) throw new RangeError('bad exp-Golomb code')
    }
    return 2 ** zeros - 1 + this.bits(zeros)
  }
  se(): number {
    const k = this.ue()
    return k & 1 ? (k + 1) / 2 : -(k / 2)
  }
}

export interface SpsInfo {
  profileIdc: number
  levelIdc: number
  width: number
  height: number
}

// Profiles whose SPS carries chroma format / bit depth / scaling matrices (H.264 7.3.2.1.1).
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135])

/**
 * Reads the coded picture size from an SPS NAL unit (with its 1-byte NAL header), applying
 * frame cropping: 360 is coded as 368 (23 macroblocks) with 8 lines cropped.
 */
export function parseSps(nal: Buffer): SpsInfo {
  const r = new BitReader(unescapeRbsp(nal.subarray(1)))
  const profileIdc = r.bits(8)
  r.bits(8) // constraint flags
  const levelIdc = r.bits(8)
  r.ue() // seq_parameter_set_id
  let chromaFormatIdc = 1
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue()
    if (chromaFormatIdc === 3) r.bit() // separate_colour_plane_flag
    r.ue() // bit_depth_luma_minus8
    r.ue() // bit_depth_chroma_minus8
    r.bit() // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12
      for (let i = 0; i < lists; i++) {
        if (!r.bit()) continue
        const size = i < 6 ? 16 : 64
        let last = 8
        let next = 8
        for (let j = 0; j < size; j++) {
          if (next !== 0) next = (last + r.se() + 256) % 256
          last = next === 0 ? last : next
        }
      }
    }
  }
  r.ue() // log2_max_frame_num_minus4
  const pocType = r.ue()
  if (pocType === 0) {
    r.ue()
  } else if (pocType === 1) {
    r.bit()
    r.se()
    r.se()
    const n = r.ue()
    for (let i = 0; i < n; i++) r.se()
  }
  r.ue() // max_num_ref_frames
  r.bit() // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1
  const heightMapUnits = r.ue() + 1
  const frameMbsOnly = r.bit()
  if (!frameMbsOnly) r.bit() // mb_adaptive_frame_field_flag
  r.bit() // direct_8x8_inference_flag
  let cropL = 0
  let cropR = 0
  let cropT = 0
  let cropB = 0
  if (r.bit()) {
    cropL = r.ue()
    cropR = r.ue()
    cropT = r.ue()
    cropB = r.ue()
  }
  const subWidthC = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1
  const subHeightC = chromaFormatIdc === 1 ? 2 : 1
  const cropUnitX = chromaFormatIdc === 0 ? 1 : subWidthC
  const cropUnitY = (chromaFormatIdc === 0 ? 1 : subHeightC) * (2 - frameMbsOnly)
  return {
    profileIdc,
    levelIdc,
    width: widthMbs * 16 - cropUnitX * (cropL + cropR),
    height: (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (cropT + cropB),
  }
}

export interface AvcDecoderConfig {
  profileIdc: number
  levelIdc: number
  /** Bytes of each NAL length prefix in frames (almost always 4). */
  nalLengthSize: number
  sps: Buffer[]
  pps: Buffer[]
}

/** Parses an AVCDecoderConfigurationRecord (the body of an FLV AVC sequence header). */
export function parseAvcDecoderConfig(record: Buffer): AvcDecoderConfig {
  if (record.length < 7 || record[0] !== 1) throw new RangeError('not an AVCDecoderConfigurationRecord')
  const nalLengthSize = (record[4]! & 0x03) + 1
  const sps: Buffer[] = []
  const pps: Buffer[] = []
  let p = 5
  const numSps = record[p++]! & 0x1f
  for (let i = 0; i < numSps; i++) {
    const len = record.readUInt16BE(p)
    p += 2
    sps.push(record.subarray(p, p + len))
    p += len
  }
  const numPps = record[p++] ?? 0
  for (let i = 0; i < numPps; i++) {
    const len = record.readUInt16BE(p)
    p += 2
    pps.push(record.subarray(p, p + len))
    p += len
  }
  return { profileIdc: record[1]!, levelIdc: record[3]!, nalLengthSize, sps, pps }
}

/** Splits a length-prefixed (AVCC) frame into NAL units. Stops at a malformed length. */
export function splitNalUnits(frame: Buffer, lengthSize = 4): Buffer[] {
  const nals: Buffer[] = []
  let p = 0
  while (p + lengthSize <= frame.length) {
    const len = frame.readUIntBE(p, lengthSize)
    p += lengthSize
    if (len === 0 || p + len > frame.length) break
    nals.push(frame.subarray(p, p + len))
    p += len
  }
  return nals
}

/** 16-byte UUID of MiniRTC app messages (`sendMessage`), written as SEI user data unregistered. */
export const SEI_UUID_MESSAGE = Buffer.from('minirtc-message1', 'ascii')
/** 16-byte UUID of the wall-clock stamp the FLV source writes per video frame (latency benchmarks). */
export const SEI_UUID_WALLCLOCK = Buffer.from('minirtc-wallclk1', 'ascii')

/** Builds a SEI NAL unit (type 6) with one user_data_unregistered message (payload type 5). */
export function buildSeiNal(uuid: Buffer, payload: Buffer): Buffer {
  if (uuid.length !== 16) throw new RangeError('SEI uuid must be 16 bytes')
  let size = 16 + payload.length
  const sizeBytes: number[] = []
  while (size >= 255) {
    sizeBytes.push(255)
    size -= 255
  }
  sizeBytes.push(size)
  const rbsp = Buffer.concat([Buffer.from([5, ...sizeBytes]), uuid, payload, Buffer.from([0x80])])
  return Buffer.concat([Buffer.from([0x06]), escapeRbsp(rbsp)])
}

export interface SeiMessage {
  /** The 16-byte UUID as hex. */
  uuid: string
  payload: Buffer
}

/** Reads every user_data_unregistered SEI message from an AVCC frame. */
export function readSeiMessages(frame: Buffer, lengthSize = 4): SeiMessage[] {
  const out: SeiMessage[] = []
  for (const nal of splitNalUnits(frame, lengthSize)) {
    if ((nal[0]! & 0x1f) !== 6) continue
    const rbsp = unescapeRbsp(nal.subarray(1))
    let p = 0
    // Stop before the rbsp_stop_one_bit byte (0x80) at the end.
    while (p < rbsp.length - 1) {
      let type = 0
      while (rbsp[p] === 0xff) type += rbsp[p++]!
      type += rbsp[p++] ?? 0
      let size = 0
      while (rbsp[p] === 0xff) size += rbsp[p++]!
      size += rbsp[p++] ?? 0
      if (p + size > rbsp.length) break
      if (type === 5 && size >= 16) {
        out.push({ uuid: rbsp.toString('hex', p, p + 16), payload: Buffer.from(rbsp.subarray(p + 16, p + size)) })
      }
      p += size
    }
  }
  return out
}

/**
 * Returns a copy of an AVCC frame with a SEI NAL inserted before the first picture NAL
 * (after an access unit delimiter if there is one, as H.264 7.4.1.2.3 orders them).
 */
export function insertSeiNal(frame: Buffer, sei: Buffer, lengthSize = 4): Buffer {
  const nals = splitNalUnits(frame, lengthSize)
  const idx = nals.length > 0 && (nals[0]![0]! & 0x1f) === 9 ? 1 : 0
  nals.splice(idx, 0, sei)
  return Buffer.concat(
    nals.flatMap((n) => {
      const len = Buffer.alloc(lengthSize)
      len.writeUIntBE(n.length, 0, lengthSize)
      return [len, n]
    }),
  )
}
