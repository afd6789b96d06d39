import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

/**
 * A WebSocket client written by hand on a TCP socket, for clients that misbehave on purpose: it
 * never answers pings and can stop reading (`pause()`), which no well-behaved library allows.
 */
export class RawWs {
  private buf = Buffer.alloc(0)
  private readonly texts: string[] = []
  private waiting: (() => void) | undefined
  /** Close code of the server's close frame, once one arrived. */
  closeCode: number | undefined
  /** Pings the server sent (none of them answered). */
  pings = 0

  /** Resolves when the TCP connection is gone (only observed while reading). */
  readonly closed: Promise<void>

  private constructor(readonly socket: Socket, rest: Buffer) {
    this.closed = new Promise((r) => socket.once('close', () => r()))
    socket.on('data', (d: Buffer) => this.onData(d))
    if (rest.length) this.onData(rest)
  }

  /** Parse server frames (never masked); pings are read and deliberately not answered. */
  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d])
    for (;;) {
      if (this.buf.length < 2) return
      let len = this.buf[1]! & 0x7f
      let off = 2
      if (len === 126) {
        if (this.buf.length < 4) return
        len = this.buf.readUInt16BE(2)
        off = 4
      } else if (len === 127) {
        if (this.buf.length < 10) return
        len = Number(this.buf.readBigUInt64BE(2))
        off = 10
      }
      if (this.buf.length < off + len) return
      const op = this.buf[0]! & 0x0f
      const payload = this.buf.subarray(off, off + len)
      this.buf = this.buf.subarray(off + len)
      if (op === 1) this.texts.push(payload.toString('utf8'))
      if (op === 8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005
      if (op === 9) this.pings++
      this.waiting?.()
    }
  }

  /** The next text frame (JSON-parsed). */
  async next(timeoutMs = 5000): Promise<any> {
    const end = Date.now() + timeoutMs
    while (this.texts.length === 0) {
      if (Date.now() > end) throw new Error('no frame within ' + timeoutMs + ' ms')
      await new Promise<void>((r) => {
        this.waiting = r
        setTimeout(r, 50)
      })
    }
    return JSON.parse(this.texts.shift()!)
  }

  static async open(url: string, path = new URL(url).pathname + new URL(url).search): Promise<RawWs> {
    const u = new URL(url)
    const socket = connect(Number(u.port), u.hostname)
    socket.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    )
    let rest = Buffer.alloc(0)
    const head = await new Promise<string>((resolve, reject) => {
      let buf = ''
      const onData = (d: Buffer) => {
        buf += d.toString('latin1')
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        socket.off('data', onData)
        rest = Buffer.from(buf.slice(end + 4), 'latin1')
        resolve(buf.slice(0, end))
      }
      socket.on('data', onData)
      socket.once('close', () => reject(new Error('closed during the upgrade: ' + buf)))
    })
    if (!head.startsWith('HTTP/1.1 101')) throw new Error('upgrade refused: ' + head.split('\r\n')[0])
    return new RawWs(socket, rest)
  }

  /** Send one masked text frame (clients must mask). */
  sendText(text: string): void {
    const payload = Buffer.from(text)
    const mask = randomBytes(4)
    const len = payload.length
    const header = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff])
    const body = Buffer.alloc(len)
    for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i % 4]!
    this.socket.write(Buffer.concat([header, mask, body]))
  }

  /** `ack`: the envelope's acknowledgement of the pushes applied so far. */
  request(id: number, op: string, d: unknown, ack?: number): void {
    this.sendText(JSON.stringify({ v: 1, id, op, d, ...(ack === undefined ? {} : { ack }) }))
  }

  /** The text frames received so far (JSON-parsed), taken. */
  drain(): any[] {
    return this.texts.splice(0).map((t) => JSON.parse(t))
  }

  /** Stop reading: the kernel buffers fill up, then the server's send queue grows. */
  pause(): void {
    this.socket.pause()
  }

  /** Whether the server has closed or reset the TCP connection (seen even while paused). */
  get gone(): boolean {
    return this.socket.destroyed || this.socket.readableEnded
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** A bare TCP connection that sends `bytes` (or nothing) and then stays silent. */
export async function silentTcp(host: string, port: number, bytes?: Buffer | string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const t0 = Date.now()
  const socket = connect(port, host)
  socket.on('error', () => {})
  socket.resume()
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - t0)))
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve)
    socket.once('close', () => resolve())
  })
  if (bytes !== undefined && !socket.destroyed) socket.write(bytes)
  return { socket, closed }
}
