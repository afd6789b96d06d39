/**
 * RtmpClient's chunk reader against a scripted server that uses what NMS never sends: header
 * compression (chunk types 1, 2, 3), a small chunk size, interleaved chunk streams, extended
 * timestamps, aggregate messages, Abort, ping requests and a small acknowledgement window.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { FIXTURES, MediaReader, RtmpClient, RtmpPublisher, encodeAmf0Values, type FlvTag, type MediaError } from '../src/index.js'
import { waitUntil } from './helpers/nms.js'

const servers: net.Server[] = []
const sockets = new Set<net.Socket>()
afterEach(async () => {
  for (const s of sockets) s.destroy()
  sockets.clear()
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

/** A TCP server on a free 127.0.0.1 port whose sockets are destroyed after each test. */
async function listen(onSocket: (sock: net.Socket) => void): Promise<number> {
  const server = net.createServer((sock) => {
    sockets.add(sock)
    sock.on('error', () => {})
    onSocket(sock)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as net.AddressInfo).port
}

interface Msg {
  csid: number
  fmt: 0 | 1 | 2 | 3
  /** Absolute timestamp for fmt 0, delta for fmt 1/2 (ignored for 3). */
  ts: number
  type: number
  streamId: number
  body: Buffer
}

/** Serialises messages into chunks of `chunkSize`, the way a server with header compression would. */
function chunk(msgs: Msg[], chunkSize: number, interleave = false): Buffer {
  const per = msgs.map((m) => {
    const parts: Buffer[] = []
    const ext = m.fmt !== 3 && m.ts >= 0xffffff
    const first: number[] = [(m.fmt << 6) | m.csid]
    const hdr = Buffer.alloc(m.fmt === 0 ? 11 : m.fmt === 1 ? 7 : m.fmt === 2 ? 3 : 0)
    if (m.fmt <= 2) hdr.writeUIntBE(ext ? 0xffffff : m.ts, 0, 3)
    if (m.fmt <= 1) {
      hdr.writeUIntBE(m.body.length, 3, 3)
      hdr[6] = m.type
    }
    if (m.fmt === 0) hdr.writeUInt32LE(m.streamId, 7)
    const extB = Buffer.alloc(ext ? 4 : 0)
    if (ext) extB.writeUInt32BE(m.ts)
    for (let off = 0; off < m.body.length; off += chunkSize) {
      const head = off === 0 ? Buffer.concat([Buffer.from(first), hdr, extB]) : Buffer.concat([Buffer.from([0xc0 | m.csid]), extB])
      parts.push(Buffer.concat([head, m.body.subarray(off, off + chunkSize)]))
    }
    return parts
  })
  if (!interleave) return Buffer.concat(per.flat())
  // Round-robin the chunks of all messages (legal across different chunk streams).
  const out: Buffer[] = []
  for (let i = 0; per.some((p) => i < p.length); i++) for (const p of per) if (p[i]) out.push(p[i]!)
  return Buffer.concat(out)
}

function control(type: number, body: Buffer): Msg {
  return { csid: 2, fmt: 0, ts: 0, type, streamId: 0, body }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** Writes `data` in random slices with pauses, so the client sees arbitrary split points. */
async function trickle(sock: net.Socket, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const n = 1 + Math.floor(Math.random() * 9)
    sock.write(data.subarray(off, off + n))
    off += n
    if (Math.random() < 0.2) await new Promise((r) => setImmediate(r))
  }
}

async function scriptedServer(script: (sock: net.Socket, received: () => Buffer) => Promise<void>): Promise<number> {
  return listen((sock) => {
    let buf = Buffer.alloc(0)
    sock.on('data', (d) => (buf = Buffer.concat([buf, d])))
    void (async () => {
      await waitUntil(() => buf.length >= 1537, 5000, 'C0+C1')
      sock.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7), buf.subarray(1, 1537)]))
      await waitUntil(() => buf.length >= 1537 + 1536, 5000, 'C2')
      await script(sock, () => buf.subarray(3073))
    })().catch(() => sock.destroy())
  })
}

describe('RtmpClient chunk stream', () => {
  it('reads compressed headers, small chunks, interleaving, extended timestamps, aggregates; answers pings and acks', async () => {
    const video = (n: number) => Buffer.concat([Buffer.from([0x27, 1, 0, 0, 0]), Buffer.alloc(300 + n, n)])
    const port = await scriptedServer(async (sock, received) => {
      const has = (s: string) => received().includes(Buffer.from(s))
      await waitUntil(() => has('connect'), 5000, 'connect')
      await trickle(
        sock,
        chunk(
          [
            control(5, u32(2000)), // window ack size: the client must ack every 2000 bytes
            control(1, u32(64)), // set chunk size 64
          ],
          128,
        ),
      )
      await trickle(
        sock,
        chunk(
          [
            { csid: 3, fmt: 0, ts: 0, type: 20, streamId: 0, body: encodeAmf0Values('_result', 1, { fmsVer: 'test' }, { level: 'status', code: 'NetConnection.Connect.Success' }) },
          ],
          64,
        ),
      )
      await waitUntil(() => has('createStream'), 5000, 'createStream')
      await trickle(sock, chunk([{ csid: 3, fmt: 1, ts: 0, type: 20, streamId: 0, body: encodeAmf0Values('_result', 2, null, 1) }], 64))
      await waitUntil(() => has('play'), 5000, 'play')
      const ping = Buffer.from([0, 6, 0, 0, 0x12, 0x34])
      await trickle(
        sock,
        chunk(
          [
            { csid: 3, fmt: 1, ts: 0, type: 20, streamId: 0, body: encodeAmf0Values('onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Start' }) },
            control(4, ping),
            // video on csid 6: fmt 0 at 1000, then fmt 1 (+66, new length), fmt 2 (+66), fmt 3 (+66 again)
            { csid: 6, fmt: 0, ts: 1000, type: 9, streamId: 1, body: video(1) },
            { csid: 6, fmt: 1, ts: 66, type: 9, streamId: 1, body: video(2) },
            { csid: 6, fmt: 2, ts: 66, type: 9, streamId: 1, body: video(3).subarray(0, video(2).length) },
            { csid: 6, fmt: 3, ts: 0, type: 9, streamId: 1, body: video(4).subarray(0, video(2).length) },
          ],
          64,
        ),
      )
      // Interleaved audio (csid 4) and video (csid 7) with extended timestamps.
      await trickle(
        sock,
        chunk(
          [
            { csid: 4, fmt: 0, ts: 0x1000000, type: 8, streamId: 1, body: Buffer.concat([Buffer.from([0xaf, 1]), Buffer.alloc(150, 1)]) },
            { csid: 7, fmt: 0, ts: 0x1000010, type: 9, streamId: 1, body: video(5) },
          ],
          64,
          true,
        ),
      )
      // Abort a half-sent message on csid 8, then an aggregate of two tags at 5000 (+0, +40).
      const half = chunk([{ csid: 8, fmt: 0, ts: 1, type: 9, streamId: 1, body: video(6) }], 64).subarray(0, 12 + 64)
      await trickle(sock, Buffer.concat([half, chunk([control(2, u32(8))], 128)]))
      const tag = (type: number, ts: number, body: Buffer) => {
        const h = Buffer.alloc(11)
        h[0] = type
        h.writeUIntBE(body.length, 1, 3)
        h.writeUIntBE(ts, 4, 3)
        return Buffer.concat([h, body, u32(11 + body.length)])
      }
      const agg = Buffer.concat([tag(9, 100, video(7)), tag(8, 140, Buffer.from([0xaf, 1, 2, 3]))])
      await trickle(sock, chunk([{ csid: 9, fmt: 0, ts: 5000, type: 22, streamId: 1, body: agg }], 64))
    })

    const c = new RtmpClient(`rtmp://127.0.0.1:${port}/live/x`)
    const tags: FlvTag[] = []
    c.on('tag', (t) => tags.push(t))
    await c.connect()
    const sid = await c.createStream()
    expect(sid).toBe(1)
    await c.play(sid)
    await waitUntil(() => tags.length >= 8, 5000, '8 tags')
    expect(tags.map((t) => [t.type, t.timestamp, t.data.length])).toEqual([
      [9, 1000, 306],
      [9, 1066, 307],
      [9, 1132, 307],
      [9, 1198, 307],
      [8, 0x1000000, 152],
      [9, 0x1000010, 310],
      [9, 5000, 312],
      [8, 5040, 4],
    ])
    expect(tags[2]!.data[5]).toBe(3)
    expect(tags[3]!.data[5]).toBe(4)
    c.close()
  })

  it('answers a ping request with a ping response and acknowledges the window', async () => {
    let serverSaw: Buffer = Buffer.alloc(0)
    const port = await scriptedServer(async (sock, received) => {
      await waitUntil(() => received().includes(Buffer.from('connect')), 5000, 'connect')
      sock.write(chunk([control(5, u32(1000))], 128))
      sock.write(
        chunk(
          [{ csid: 3, fmt: 0, ts: 0, type: 20, streamId: 0, body: encodeAmf0Values('_result', 1, null, { level: 'status', code: 'NetConnection.Connect.Success' }) }],
          128,
        ),
      )
      sock.write(chunk([control(4, Buffer.from([0, 6, 0xde, 0xad, 0xbe, 0xef]))], 128))
      // 3000 bytes of padding in an unknown message type so the client crosses the ack window.
      sock.write(chunk([{ csid: 10, fmt: 0, ts: 0, type: 0x7f, streamId: 0, body: Buffer.alloc(3000) }], 128))
      await waitUntil(() => received().includes(Buffer.from([0, 7, 0xde, 0xad, 0xbe, 0xef])), 5000, 'ping response')
      await waitUntil(() => received().includes(Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 3])), 5000, 'acknowledgement')
      serverSaw = received()
    })
    const c = new RtmpClient(`rtmp://127.0.0.1:${port}/live/x`)
    await c.connect()
    await waitUntil(() => serverSaw.length > 0, 5000, 'server saw ping response and ack')
    c.close()
  })

  it('rejects a server that answers the handshake with the wrong version', async () => {
    const port = await listen((sock) => sock.once('data', () => sock.write(Buffer.alloc(3073, 0x48))))
    const c = new RtmpClient(`rtmp://127.0.0.1:${port}/live/x`)
    const err = await c.connect().catch((e: Error & { reason?: string }) => e)
    expect((err as { reason?: string }).reason).toBe('HANDSHAKE_FAILED')
    expect(String((err as Error).message)).toMatch(/not an RTMP server/)
  })

  it('publisher and reader time out when the server never answers createStream', async () => {
    const port = await scriptedServer(async (sock, received) => {
      await waitUntil(() => received().includes(Buffer.from('connect')), 5000, 'connect')
      sock.write(
        chunk(
          [{ csid: 3, fmt: 0, ts: 0, type: 20, streamId: 0, body: encodeAmf0Values('_result', 1, null, { level: 'status', code: 'NetConnection.Connect.Success' }) }],
          128,
        ),
      )
    })
    const pub = new RtmpPublisher({ url: `rtmp://127.0.0.1:${port}/live/x`, source: FIXTURES.camera320x240, connectTimeoutMs: 400 })
    const perr = (await pub.start().catch((e: unknown) => e)) as MediaError
    expect(perr.reason).toBe('TIMEOUT')
    const reader = new MediaReader({ url: `rtmp://127.0.0.1:${port}/live/x`, connectTimeoutMs: 400 })
    const rerr = (await reader.start().catch((e: unknown) => e)) as MediaError
    expect(rerr.reason).toBe('TIMEOUT')
    expect(reader.isClosed).toBe(true)
  })

  it('a connect that never completes times out', async () => {
    let serverSide: net.Socket | null = null
    const port = await listen((sock) => {
      serverSide = sock
      sock.resume() // read (and drop) so the client's FIN is seen
    }) // accepts, never answers
    const c = new RtmpClient(`rtmp://127.0.0.1:${port}/live/x`, { connectTimeoutMs: 300 })
    const err = (await c.connect().catch((e: unknown) => e)) as { reason?: string; message: string }
    expect(err.reason).toBe('HANDSHAKE_FAILED')
    expect(err.message).toMatch(/timed out/)
    // The client let go of its socket: the server side sees the close.
    await waitUntil(() => (serverSide as net.Socket | null)?.destroyed === true || (serverSide as net.Socket | null)?.readableEnded === true, 3000, 'server side closed')
  })
})
