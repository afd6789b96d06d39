/**
 * A minimal RTMP client: plain handshake, chunk streams in both directions, the AMF0 commands
 * a live pusher/player needs, protocol control and user control messages.
 *
 * It speaks to node-media-server 4.x, nginx-rtmp and SRS alike; the comments name where they
 * differ. Not supported: the digest ("complex") handshake (servers fall back to the plain one),
 * AMF3 commands, RTMPS.
 */
import { EventEmitter } from 'node:events'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { decodeAmf0All, encodeAmf0Values, type Amf0Value } from './amf0.js'
import { MediaError } from './errors.js'
import { TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, type FlvTag } from './flv.js'

const HANDSHAKE_SIZE = 1536

// Message type ids.
const SET_CHUNK_SIZE = 1
const ABORT = 2
const ACK = 3
const USER_CONTROL = 4
const WINDOW_ACK_SIZE = 5
const SET_PEER_BANDWIDTH = 6
const DATA_AMF3 = 15
const COMMAND_AMF3 = 17
const COMMAND_AMF0 = 20
const AGGREGATE = 22

// Chunk stream ids, as Flash/FMLE used them; servers do not care but logs read better.
const CSID_CONTROL = 2
const CSID_COMMAND = 3
const CSID_AUDIO = 4
const CSID_VIDEO = 6
const CSID_DATA = 5

export interface RtmpUrl {
  host: string
  port: number
  app: string
  /** Stream name including the `?query` (NMS/nginx read auth parameters from it). */
  streamName: string
  /** `rtmp://host:port/app`, sent as tcUrl in `connect`. */
  tcUrl: string
}

/** Splits `rtmp://host[:port]/app/stream[?query]`. The app is the first path segment. */
export function parseRtmpUrl(url: string): RtmpUrl {
  let u: URL
  try {
    u = new URL(url)
  } catch (err) {
    throw new MediaError('BAD_URL', `not a URL: ${url}`, { cause: err })
  }
  if (u.protocol !== 'rtmp:') throw new MediaError('BAD_URL', `not an rtmp:// URL: ${url}`)
  const parts = u.pathname.split('/').filter(Boolean)
  if (parts.length < 2) throw new MediaError('BAD_URL', `RTMP URL needs /app/stream: ${url}`)
  const app = decodeURIComponent(parts[0]!)
  const streamName = parts.slice(1).map(decodeURIComponent).join('/') + u.search
  const port = u.port ? Number(u.port) : 1935
  return { host: u.hostname, port, app, streamName, tcUrl: `rtmp://${u.hostname}:${port}/${app}` }
}

/** An onStatus info object (`{level, code, description}`). */
export interface RtmpStatus {
  level: string
  code: string
  description?: string
  [key: string]: unknown
}

export interface RtmpClientOptions {
  /** Give up connect + handshake + `connect` after this long. Default 5000. */
  connectTimeoutMs?: number
  /** Our outgoing chunk size (sent with Set Chunk Size). Default 4096. */
  chunkSize?: number
}

export interface RtmpClientEvents {
  /** A status from the server: `NetStream.Publish.Start`, `NetStream.Play.Start`, `...BadName`. */
  status: [status: RtmpStatus]
  /** An audio, video or data message, as an FLV tag (aggregate messages are split). */
  tag: [tag: FlvTag, streamId: number]
  /** The connection ended. `error` is undefined after `close()`. */
  close: [error: MediaError | undefined]
}

interface InChunkStream {
  timestamp: number
  delta: number
  length: number
  typeId: number
  streamId: number
  extended: boolean
  parts: Buffer[]
  received: number
}

interface Pending {
  resolve: (values: Amf0Value[]) => void
  reject: (err: MediaError) => void
}

/**
 * One RTMP connection (NetConnection) with its streams.
 * @example
 * const c = new RtmpClient('rtmp://127.0.0.1:1935/live/room1')
 * await c.connect()
 * const sid = await c.createStream()
 * await c.publish(sid)             // resolves at NetStream.Publish.Start
 * c.writeTag(sid, tag)
 * c.close()
 */
export class RtmpClient extends EventEmitter<RtmpClientEvents> {
  readonly url: RtmpUrl
  /** Bytes handed to the socket / read from it. */
  bytesWritten = 0
  bytesRead = 0
  private socket: net.Socket | null = null
  private readonly opts: Required<RtmpClientOptions>
  private phase: 'idle' | 'tcp' | 'handshake' | 'open' | 'closed' = 'idle'
  private inBuf: Buffer = Buffer.alloc(0)
  private inChunkSize = 128
  private outChunkSize = 128
  private readonly inStreams = new Map<number, InChunkStream>()
  private nextTransId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly streamWaiters = new Map<number, { ok: RegExp; resolve: () => void; reject: (e: MediaError) => void }>()
  private windowAckSize = 0
  private lastAckAt = 0
  private closeError: MediaError | undefined
  private handshakeDone: (() => void) | null = null

  constructor(url: string, opts: RtmpClientOptions = {}) {
    super()
    this.url = parseRtmpUrl(url)
    this.opts = { connectTimeoutMs: opts.connectTimeoutMs ?? 5000, chunkSize: opts.chunkSize ?? 4096 }
  }

  get isOpen(): boolean {
    return this.phase === 'open'
  }

  /** Socket bytes still queued in user space (backpressure indicator). */
  get writableLength(): number {
    return this.socket?.writableLength ?? 0
  }

  /**
   * TCP connect, handshake, then the `connect` command. Resolves at
   * `NetConnection.Connect.Success`; rejects with CONNECT_FAILED / HANDSHAKE_FAILED /
   * STATUS_ERROR (`NetConnection.Connect.Rejected`) / TIMEOUT.
   */
  async connect(): Promise<void> {
    if (this.phase !== 'idle') throw new Error('RtmpClient.connect() can be called once')
    const timer = setTimeout(() => {
      const stage = this.phase === 'tcp' ? 'TCP connect' : this.phase === 'handshake' ? 'RTMP handshake' : 'connect command'
      this.fail(
        new MediaError(
          this.phase === 'handshake' ? 'HANDSHAKE_FAILED' : 'TIMEOUT',
          `${stage} to ${this.url.tcUrl} timed out after ${this.opts.connectTimeoutMs} ms`,
        ),
      )
    }, this.opts.connectTimeoutMs)
    try {
      await this.openSocket()
      await this.handshake()
      const res = await this.command(
        'connect',
        {
          app: this.url.app,
          type: 'nonprivate',
          flashVer: 'FMLE/3.0 (compatible; MiniRTC headless)',
          tcUrl: this.url.tcUrl,
          fpad: false,
          capabilities: 15,
          audioCodecs: 0x0fff,
          videoCodecs: 0x00ff,
          videoFunction: 1,
          objectEncoding: 0,
        },
        [],
      )
      const info = res[1] as RtmpStatus | undefined
      if (info && typeof info === 'object' && typeof info.code === 'string' && info.code !== 'NetConnection.Connect.Success') {
        throw new MediaError('STATUS_ERROR', `RTMP connect refused: ${info.code} ${info.description ?? ''}`, {
          statusCode: info.code,
        })
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /** `createStream`; resolves with the new message stream id. */
  async createStream(): Promise<number> {
    const res = await this.command('createStream', null, [])
    const id = res[1]
    if (typeof id !== 'number') throw new MediaError('STATUS_ERROR', 'createStream returned no stream id')
    return id
  }

  /**
   * `publish(name, 'live')` on stream `streamId`; resolves at `NetStream.Publish.Start`.
   * Note NMS 4.4.3 answers Publish.Start *before* its auth / duplicate-name checks and then just
   * closes the socket, so a rejected publish there shows up as a `close` soon after.
   */
  publish(streamId: number, name = this.url.streamName): Promise<void> {
    // releaseStream/FCPublish are what FMLE and OBS send first; nginx-rtmp and SRS expect them,
    // NMS ignores them. They get no answer we need to wait for.
    this.sendCommand(0, 'releaseStream', this.nextTransId++, null, [name])
    this.sendCommand(0, 'FCPublish', this.nextTransId++, null, [name])
    const started = this.waitStreamStatus(streamId, /^NetStream\.Publish\.Start$/)
    this.sendCommand(streamId, 'publish', 0, null, [name, 'live'])
    return started
  }

  /** `play(name)` on `streamId`; resolves at `NetStream.Play.Start`. */
  play(streamId: number, name = this.url.streamName): Promise<void> {
    const started = this.waitStreamStatus(streamId, /^NetStream\.Play\.Start$/)
    this.sendCommand(streamId, 'play', 0, null, [name, -1000])
    // Set Buffer Length (user control 3): nginx-rtmp paces delivery by it; 1 s like a live player.
    const b = Buffer.alloc(10)
    b.writeUInt16BE(3, 0)
    b.writeUInt32BE(streamId, 2)
    b.writeUInt32BE(1000, 6)
    this.sendMessage(CSID_CONTROL, USER_CONTROL, 0, 0, b)
    return started
  }

  deleteStream(streamId: number): void {
    if (this.phase !== 'open') return
    this.sendCommand(0, 'deleteStream', 0, null, [streamId])
  }

  /** Sends an FLV tag as the matching RTMP message (audio 8, video 9, data 18) on `streamId`. */
  writeTag(streamId: number, tag: FlvTag): void {
    const csid = tag.type === TAG_AUDIO ? CSID_AUDIO : tag.type === TAG_VIDEO ? CSID_VIDEO : CSID_DATA
    this.sendMessage(csid, tag.type, streamId, tag.timestamp, tag.data)
  }

  /** Closes the connection; emits `close` with no error. Idempotent. */
  close(): void {
    if (this.phase === 'closed') return
    this.finish(undefined)
  }

  /** Closes the connection as failed: pending commands reject and `close` carries `error`. */
  destroy(error: MediaError): void {
    this.fail(error)
  }

  // ---- internals ---------------------------------------------------------------------------

  private openSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.phase = 'tcp'
      const socket = net.connect({ host: this.url.host, port: this.url.port })
      this.socket = socket
      socket.setNoDelay(true)
      let connected = false
      const onceConnectFailed = (err: MediaError) => reject(err)
      this.once('close', (err) => {
        if (!connected) onceConnectFailed(err ?? new MediaError('CONNECT_FAILED', 'closed while connecting'))
      })
      socket.once('connect', () => {
        connected = true
        resolve()
      })
      socket.on('data', (d) => this.onData(d))
      socket.on('error', (err) => this.fail(MediaError.fromSocketError(err, this.url.tcUrl, connected)))
      socket.on('close', () => {
        if (this.phase === 'closed') return
        if (this.phase === 'handshake') {
          this.fail(new MediaError('HANDSHAKE_FAILED', `${this.url.tcUrl} closed the connection during the RTMP handshake`))
        } else {
          this.fail(new MediaError('SERVER_CLOSED', `${this.url.tcUrl} closed the connection`))
        }
      })
    })
  }

  private handshake(): Promise<void> {
    this.phase = 'handshake'
    const c1 = Buffer.alloc(HANDSHAKE_SIZE)
    c1.writeUInt32BE(0, 0) // time
    c1.writeUInt32BE(0, 4) // zero: marks the plain (non-digest) handshake
    randomBytes(HANDSHAKE_SIZE - 8).copy(c1, 8)
    this.write(Buffer.concat([Buffer.from([3]), c1]))
    return new Promise((resolve, reject) => {
      this.handshakeDone = resolve
      this.once('close', (err) => {
        if (this.phase !== 'open') reject(err ?? new MediaError('HANDSHAKE_FAILED', 'closed during handshake'))
      })
    })
  }

  private onData(d: Buffer): void {
    this.bytesRead += d.length
    this.inBuf = this.inBuf.length === 0 ? d : Buffer.concat([this.inBuf, d])
    if (this.phase === 'handshake') {
      if (this.inBuf.length < 1 + 2 * HANDSHAKE_SIZE) return
      if (this.inBuf[0] !== 3) {
        this.fail(
          new MediaError('HANDSHAKE_FAILED', `${this.url.tcUrl} is not an RTMP server (S0 version ${this.inBuf[0]}, expected 3)`),
        )
        return
      }
      const s1 = this.inBuf.subarray(1, 1 + HANDSHAKE_SIZE)
      // C2 echoes S1. Servers that check it (nginx-rtmp does not, SRS does) compare time + random.
      this.write(Buffer.from(s1))
      this.inBuf = this.inBuf.subarray(1 + 2 * HANDSHAKE_SIZE)
      this.phase = 'open'
      // Our chunk size first, so the connect command already uses it.
      this.outChunkSize = this.opts.chunkSize
      const cs = Buffer.alloc(4)
      cs.writeUInt32BE(this.outChunkSize)
      this.sendMessage(CSID_CONTROL, SET_CHUNK_SIZE, 0, 0, cs, true)
      const done = this.handshakeDone
      this.handshakeDone = null
      done?.()
    }
    if (this.phase === 'open') {
      try {
        this.readChunks()
      } catch (err) {
        this.fail(new MediaError('IO_ERROR', `malformed RTMP data from ${this.url.tcUrl}: ${(err as Error).message}`, { cause: err }))
        return
      }
      this.maybeAck()
    }
  }

  /** Parses as many complete chunks as the buffer holds. */
  private readChunks(): void {
    let p = 0
    const buf = this.inBuf
    for (;;) {
      const start = p
      if (buf.length - p < 1) break
      const b0 = buf[p]!
      const fmt = b0 >> 6
      let csid = b0 & 0x3f
      p++
      if (csid === 0) {
        if (buf.length - p < 1) { p = start; break }
        csid = 64 + buf[p]!
        p++
      } else if (csid === 1) {
        if (buf.length - p < 2) { p = start; break }
        csid = 64 + buf[p]! + buf[p + 1]! * 256
        p += 2
      }
      const hdrLen = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0
      if (buf.length - p < hdrLen) { p = start; break }
      let st = this.inStreams.get(csid)
      if (!st) {
        if (fmt !== 0) throw new Error(`chunk stream ${csid} starts with a type-${fmt} header`)
        st = { timestamp: 0, delta: 0, length: 0, typeId: 0, streamId: 0, extended: false, parts: [], received: 0 }
      }
      let tsField = -1
      let length = st.length
      let typeId = st.typeId
      let streamId = st.streamId
      if (fmt <= 2) tsField = buf.readUIntBE(p, 3)
      if (fmt <= 1) {
        length = buf.readUIntBE(p + 3, 3)
        typeId = buf[p + 6]!
      }
      if (fmt === 0) streamId = buf.readUInt32LE(p + 7)
      p += hdrLen
      const extended = fmt <= 2 ? tsField === 0xffffff : st.extended
      let ext = 0
      if (extended) {
        if (buf.length - p < 4) { p = start; break }
        ext = buf.readUInt32BE(p)
        p += 4
      }
      const firstChunk = st.received === 0
      const want = Math.min(this.inChunkSize, length - st.received)
      if (buf.length - p < want) { p = start; break }
      // Commit the header only once the whole chunk is here.
      this.inStreams.set(csid, st)
      st.length = length
      st.typeId = typeId
      st.streamId = streamId
      st.extended = extended
      if (firstChunk) {
        const value = extended ? ext : tsField
        if (fmt === 0) {
          st.timestamp = value
          st.delta = 0
        } else if (fmt === 1 || fmt === 2) {
          st.delta = value
          st.timestamp = (st.timestamp + value) >>> 0
        } else {
          // Type 3 starting a new message repeats the previous delta.
          st.timestamp = (st.timestamp + st.delta) >>> 0
        }
      }
      st.parts.push(buf.subarray(p, p + want))
      st.received += want
      p += want
      if (st.received >= st.length) {
        const body = st.parts.length === 1 ? Buffer.from(st.parts[0]!) : Buffer.concat(st.parts)
        st.parts = []
        st.received = 0
        this.onMessage(st.typeId, st.timestamp, st.streamId, body)
        if (this.phase !== 'open') return
      }
    }
    this.inBuf = p === 0 ? buf : Buffer.from(buf.subarray(p))
  }

  private maybeAck(): void {
    // Window Acknowledgement: tell the server what we have read every `windowAckSize` bytes, or
    // a strict server (Adobe, SRS) stops sending. NMS sets 5 000 000 and never checks.
    if (this.windowAckSize > 0 && this.bytesRead - this.lastAckAt >= this.windowAckSize) {
      this.lastAckAt = this.bytesRead
      const b = Buffer.alloc(4)
      b.writeUInt32BE(this.bytesRead >>> 0)
      this.sendMessage(CSID_CONTROL, ACK, 0, 0, b)
    }
  }

  private onMessage(typeId: number, timestamp: number, streamId: number, body: Buffer): void {
    switch (typeId) {
      case SET_CHUNK_SIZE:
        this.inChunkSize = body.readUInt32BE(0) & 0x7fffffff
        break
      case ABORT: {
        const st = this.inStreams.get(body.readUInt32BE(0))
        if (st) {
          st.parts = []
          st.received = 0
        }
        break
      }
      case ACK:
        break
      case USER_CONTROL:
        this.onUserControl(body)
        break
      case WINDOW_ACK_SIZE:
        this.windowAckSize = body.readUInt32BE(0)
        break
      case SET_PEER_BANDWIDTH: {
        // Answer with our own window size, as Flash did; some servers wait for it.
        const b = Buffer.alloc(4)
        b.writeUInt32BE(body.readUInt32BE(0))
        this.sendMessage(CSID_CONTROL, WINDOW_ACK_SIZE, 0, 0, b)
        break
      }
      case COMMAND_AMF0:
      case COMMAND_AMF3:
        this.onCommand(typeId === COMMAND_AMF3 ? body.subarray(1) : body)
        break
      case TAG_AUDIO:
      case TAG_VIDEO:
      case TAG_SCRIPT:
        this.emit('tag', { type: typeId, timestamp, data: body }, streamId)
        break
      case DATA_AMF3:
        this.emit('tag', { type: TAG_SCRIPT, timestamp, data: body.subarray(1) }, streamId)
        break
      case AGGREGATE:
        this.onAggregate(timestamp, streamId, body)
        break
      default:
        break
    }
  }

  /** Aggregate message: FLV tags back to back; their timestamps are relative to the first. */
  private onAggregate(timestamp: number, streamId: number, body: Buffer): void {
    let p = 0
    let base: number | null = null
    while (body.length - p >= 11) {
      const type = body[p]!
      const size = body.readUIntBE(p + 1, 3)
      const ts = (body.readUIntBE(p + 4, 3) | (body[p + 7]! << 24)) >>> 0
      if (p + 11 + size > body.length) break
      if (base === null) base = ts
      if (type === TAG_AUDIO || type === TAG_VIDEO || type === TAG_SCRIPT) {
        this.emit('tag', { type, timestamp: (timestamp + ts - base) >>> 0, data: Buffer.from(body.subarray(p + 11, p + 11 + size)) }, streamId)
      }
      p += 11 + size + 4
    }
  }

  private onUserControl(body: Buffer): void {
    const event = body.readUInt16BE(0)
    if (event === 6) {
      // PingRequest → PingResponse with the same timestamp, or the server drops us as dead.
      const b = Buffer.alloc(6)
      b.writeUInt16BE(7, 0)
      body.copy(b, 2, 2, 6)
      this.sendMessage(CSID_CONTROL, USER_CONTROL, 0, 0, b)
    }
  }

  private onCommand(body: Buffer): void {
    let values: Amf0Value[]
    try {
      values = decodeAmf0All(body)
    } catch {
      return
    }
    const [name, transId] = values
    if ((name === '_result' || name === '_error') && typeof transId === 'number') {
      const p = this.pending.get(transId)
      if (!p) return
      this.pending.delete(transId)
      if (name === '_result') {
        p.resolve(values.slice(2))
      } else {
        const info = values[3] as RtmpStatus | undefined
        p.reject(
          new MediaError('STATUS_ERROR', `RTMP command failed: ${info?.code ?? 'unknown'} ${info?.description ?? ''}`.trim(), {
            statusCode: info?.code,
          }),
        )
      }
      return
    }
    if (name === 'onStatus') {
      const info = values[3]
      if (!info || typeof info !== 'object' || Array.isArray(info)) return
      const status = info as RtmpStatus
      this.emit('status', status)
      // The server does not always echo the stream id in the status message: match by code.
      for (const [sid, w] of this.streamWaiters) {
        if (w.ok.test(status.code)) {
          this.streamWaiters.delete(sid)
          w.resolve()
        } else if (status.level === 'error' || /BadName|Failed|StreamNotFound|Rejected/.test(status.code)) {
          this.streamWaiters.delete(sid)
          w.reject(
            new MediaError('STATUS_ERROR', `${status.code}: ${status.description ?? 'refused by the server'}`, {
              statusCode: status.code,
            }),
          )
        }
      }
      return
    }
    if (name === 'close') {
      this.fail(new MediaError('SERVER_CLOSED', `${this.url.tcUrl} sent "close"`))
    }
  }

  private waitStreamStatus(streamId: number, ok: RegExp): Promise<void> {
    if (this.phase !== 'open') return Promise.reject(this.closeError ?? new MediaError('IO_ERROR', 'RTMP connection is not open'))
    return new Promise((resolve, reject) => {
      this.streamWaiters.set(streamId, { ok, resolve, reject })
    })
  }

  private command(name: string, cmdObj: Amf0Value, args: Amf0Value[]): Promise<Amf0Value[]> {
    if (this.phase !== 'open') return Promise.reject(this.closeError ?? new MediaError('IO_ERROR', 'RTMP connection is not open'))
    const id = this.nextTransId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.sendCommand(0, name, id, cmdObj, args)
    })
  }

  private sendCommand(streamId: number, name: string, transId: number, cmdObj: Amf0Value, args: Amf0Value[]): void {
    this.sendMessage(CSID_COMMAND, COMMAND_AMF0, streamId, 0, encodeAmf0Values(name, transId, cmdObj, ...args))
  }

  /** Writes one message: a type-0 chunk header, then type-3 continuation chunks. */
  private sendMessage(csid: number, typeId: number, streamId: number, timestamp: number, body: Buffer, force = false): void {
    if (this.phase !== 'open' && !force) return
    const ts = timestamp >>> 0
    const extended = ts >= 0xffffff
    const out: Buffer[] = []
    const h = Buffer.alloc(12 + (extended ? 4 : 0))
    h[0] = csid // fmt 0
    h.writeUIntBE(extended ? 0xffffff : ts, 1, 3)
    h.writeUIntBE(body.length, 4, 3)
    h[7] = typeId
    h.writeUInt32LE(streamId, 8)
    if (extended) h.writeUInt32BE(ts, 12)
    out.push(h)
    const cont = Buffer.alloc(1 + (extended ? 4 : 0))
    cont[0] = 0xc0 | csid
    // Continuation chunks repeat the extended timestamp (what Flash, FFmpeg and NMS expect).
    if (extended) cont.writeUInt32BE(ts, 1)
    for (let off = 0; off < body.length || off === 0; off += this.outChunkSize) {
      if (off > 0) out.push(cont)
      out.push(body.subarray(off, off + this.outChunkSize))
      if (body.length === 0) break
    }
    this.write(Buffer.concat(out))
  }

  private write(b: Buffer): void {
    const s = this.socket
    if (!s || s.destroyed) return
    this.bytesWritten += b.length
    s.write(b)
  }

  private fail(err: MediaError): void {
    if (this.phase === 'closed') return
    this.finish(err)
  }

  private finish(err: MediaError | undefined): void {
    this.phase = 'closed'
    this.closeError = err
    const reason = err ?? new MediaError('IO_ERROR', 'RTMP connection closed by the client')
    for (const p of this.pending.values()) p.reject(reason)
    this.pending.clear()
    for (const w of this.streamWaiters.values()) w.reject(reason)
    this.streamWaiters.clear()
    this.socket?.destroy()
    this.emit('close', err)
  }
}
