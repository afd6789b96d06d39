/**
 * FLV: the container of HTTP-FLV, and (tag by tag) the payload format of RTMP audio/video/data
 * messages. A tag body here is exactly an RTMP message body, which is why the RTMP client
 * exposes what it plays as FlvTags and publishes FlvTags unchanged.
 */
import { decodeAmf0All, type Amf0Value } from './amf0.js'
import { parseAvcDecoderConfig, parseSps } from './avc.js'

export const TAG_AUDIO = 8
export const TAG_VIDEO = 9
export const TAG_SCRIPT = 18
export type FlvTagType = typeof TAG_AUDIO | typeof TAG_VIDEO | typeof TAG_SCRIPT

export interface FlvTag {
  type: FlvTagType
  /** Decode timestamp in milliseconds (32 bits, FLV's extended byte included). */
  timestamp: number
  data: Buffer
}

export interface FlvHeader {
  version: number
  hasAudio: boolean
  hasVideo: boolean
}

export class FlvFormatError extends Error {
  override name = 'FlvFormatError'
}

/**
 * Incremental FLV parser for a byte stream (HTTP-FLV body, file). Feed chunks of any size with
 * `push()`; complete tags come back in order. Tags of unknown types are skipped.
 * @example
 * const parser = new FlvParser()
 * res.on('data', (chunk) => { for (const tag of parser.push(chunk)) handle(tag) })
 */
export class FlvParser {
  header: FlvHeader | null = null
  /** Total bytes consumed so far. */
  bytes = 0
  private buf: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): FlvTag[] {
    this.bytes += chunk.length
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const tags: FlvTag[] = []
    let p = 0
    if (this.header === null) {
      if (this.buf.length < 9) return tags
      if (this.buf.toString('latin1', 0, 3) !== 'FLV') throw new FlvFormatError('not an FLV stream (missing "FLV" signature)')
      const flags = this.buf[4]!
      const headerSize = this.buf.readUInt32BE(5)
      // The header is followed by PreviousTagSize0 (4 bytes, always 0).
      if (this.buf.length < headerSize + 4) return tags
      this.header = { version: this.buf[3]!, hasAudio: (flags & 4) !== 0, hasVideo: (flags & 1) !== 0 }
      p = headerSize + 4
    }
    while (this.buf.length - p >= 11) {
      const type = this.buf[p]! & 0x1f
      const size = this.buf.readUIntBE(p + 1, 3)
      if (this.buf.length - p < 11 + size + 4) break
      const timestamp = (this.buf.readUIntBE(p + 4, 3) | (this.buf[p + 7]! << 24)) >>> 0
      if (type === TAG_AUDIO || type === TAG_VIDEO || type === TAG_SCRIPT) {
        tags.push({ type, timestamp, data: Buffer.from(this.buf.subarray(p + 11, p + 11 + size)) })
      }
      p += 11 + size + 4
    }
    this.buf = p === 0 ? this.buf : this.buf.subarray(p)
    return tags
  }
}

/** Parses a whole FLV file in memory. */
export function parseFlvFile(data: Buffer): { header: FlvHeader; tags: FlvTag[] } {
  const parser = new FlvParser()
  const tags = parser.push(data)
  if (!parser.header) throw new FlvFormatError('truncated FLV header')
  return { header: parser.header, tags }
}

/** The 9-byte FLV header plus PreviousTagSize0. */
export function writeFlvHeader(opts: { audio?: boolean; video?: boolean } = {}): Buffer {
  const b = Buffer.from([0x46, 0x4c, 0x56, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0])
  b[4] = (opts.audio !== false ? 4 : 0) | (opts.video !== false ? 1 : 0)
  return b
}

/** One tag with its trailing PreviousTagSize. */
export function writeFlvTag(tag: FlvTag): Buffer {
  const b = Buffer.alloc(11 + tag.data.length + 4)
  b[0] = tag.type
  b.writeUIntBE(tag.data.length, 1, 3)
  b.writeUIntBE(tag.timestamp & 0xffffff, 4, 3)
  b[7] = (tag.timestamp >>> 24) & 0xff
  tag.data.copy(b, 11)
  b.writeUInt32BE(11 + tag.data.length, 11 + tag.data.length)
  return b
}

/** H.264 in FLV (CodecID 7). */
export function isAvc(tag: FlvTag): boolean {
  return tag.type === TAG_VIDEO && tag.data.length >= 2 && (tag.data[0]! & 0x0f) === 7
}

export function isAvcSequenceHeader(tag: FlvTag): boolean {
  return isAvc(tag) && tag.data[1] === 0
}

/** A coded video frame (not a sequence header / end of sequence). */
export function isVideoFrame(tag: FlvTag): boolean {
  if (tag.type !== TAG_VIDEO || tag.data.length < 1) return false
  return isAvc(tag) ? tag.data[1] === 1 : true
}

/** A coded keyframe (FrameType 1). Sequence headers are flagged as keyframes too: excluded here. */
export function isKeyframe(tag: FlvTag): boolean {
  return isVideoFrame(tag) && tag.data[0]! >> 4 === 1
}

/** AAC in FLV (SoundFormat 10). */
export function isAac(tag: FlvTag): boolean {
  return tag.type === TAG_AUDIO && tag.data.length >= 2 && tag.data[0]! >> 4 === 10
}

export function isAacSequenceHeader(tag: FlvTag): boolean {
  return isAac(tag) && tag.data[1] === 0
}

/** A coded audio frame (not the AAC AudioSpecificConfig). */
export function isAudioFrame(tag: FlvTag): boolean {
  if (tag.type !== TAG_AUDIO || tag.data.length < 1) return false
  return isAac(tag) ? tag.data[1] === 1 : true
}

/** The AVCC frame payload of an AVC video tag (after the 5-byte FLV video header). */
export function avcPayload(tag: FlvTag): Buffer {
  return tag.data.subarray(5)
}

/** Decodes a script tag: its name (`onMetaData`, `@setDataFrame`...) and the values after it. */
export function parseScriptTag(tag: FlvTag): { name: string; values: Amf0Value[] } | null {
  if (tag.type !== TAG_SCRIPT) return null
  try {
    const values = decodeAmf0All(tag.data)
    const name = values.shift()
    return typeof name === 'string' ? { name, values } : null
  } catch {
    return null
  }
}

export interface StreamMetadata {
  width?: number
  height?: number
  framerate?: number
  videodatarate?: number
  audiodatarate?: number
  audiosamplerate?: number
  [key: string]: unknown
}

/**
 * Reads onMetaData from a script tag. RTMP publishers send `@setDataFrame, onMetaData, {...}`;
 * FLV files and servers relaying to players send `onMetaData, {...}`: both are accepted.
 */
export function readMetadata(tag: FlvTag): StreamMetadata | null {
  const s = parseScriptTag(tag)
  if (!s) return null
  let values = s.values
  if (s.name === '@setDataFrame') {
    if (values[0] !== 'onMetaData') return null
    values = values.slice(1)
  } else if (s.name !== 'onMetaData') {
    return null
  }
  const obj = values[0]
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Date) return null
  return obj as StreamMetadata
}

/** Width/height from the SPS of an AVC sequence header tag, or null. */
export function readAvcResolution(tag: FlvTag): { width: number; height: number } | null {
  if (!isAvcSequenceHeader(tag)) return null
  try {
    const cfg = parseAvcDecoderConfig(tag.data.subarray(5))
    const sps = cfg.sps[0]
    if (!sps) return null
    const { width, height } = parseSps(sps)
    return { width, height }
  } catch {
    return null
  }
}

/** NAL length size declared by an AVC sequence header (default 4). */
export function readNalLengthSize(tag: FlvTag): number {
  try {
    return parseAvcDecoderConfig(tag.data.subarray(5)).nalLengthSize
  } catch {
    return 4
  }
}
