import { CloseCode, ErrorCode, errorReason } from '@minirtc/protocol'
import fc from 'fast-check'
import { connect } from 'node:net'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { Client, joined, start } from './helpers'

const KNOWN_CODES = new Set<number>(Object.values(ErrorCode))
const DOCUMENTED_CLOSES = new Set<number>([1000, 1005, 1006, 1009, ...Object.values(CloseCode)])
const RUNS = Number(process.env.MINIRTC_FUZZ_RUNS ?? 10_000)

let srv: RunningServer
beforeAll(async () => {
  // Generous limits so fuzz input reaches the handlers; the limits have their own test below.
  srv = await start({ rateLimit: { messagesPerSecond: 1e6, burst: 1e6, maxBadFrames: 1e6, connectionsPerMinute: 1e6 } })
})
afterAll(() => srv?.close())

/** Every frame the server sends must be a coded error, a valid result or a valid push. */
function checkServerFrame(raw: string): string | null {
  let m: any
  try {
    m = JSON.parse(raw)
  } catch {
    return `not JSON: ${raw.slice(0, 80)}`
  }
  if (typeof m !== 'object' || m === null) return 'not an object'
  if (typeof m.seq === 'number') return typeof m.ev === 'string' && typeof m.d === 'object' && m.d !== null ? null : 'bad push'
  if (typeof m.id !== 'number') return 'no id'
  if (m.ok === true) return typeof m.d === 'object' && m.d !== null ? null : 'ok without d'
  if (m.ok !== false || typeof m.error !== 'object') return 'neither ok nor error'
  const { code, reason, message } = m.error
  if (!KNOWN_CODES.has(code)) return `unknown code ${code}`
  if (reason !== errorReason(code) || typeof message !== 'string' || message === '') return 'bad error body'
  return null
}

// ---- generators ---------------------------------------------------------------------------
const idChars = fc.constantFrom(...'abcXYZ019~!@$%^&*()_+=-`;\',.<>/\\#? é中'.split(''))
const someId = fc.oneof(fc.string({ unit: idChars, minLength: 0, maxLength: 10 }), fc.string({ maxLength: 300 }))
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), someId, fc.integer(), fc.double(), fc.constant(undefined), fc.constant(null))
const templates = fc.constantFrom<{ op: string; d: Record<string, unknown> }>(
  { op: 'ping', d: { ack: 1 } },
  { op: 'broadcast', d: { message: 'hello' } },
  { op: 'customCommand', d: { command: 'x', toUserIds: ['peer'] } },
  { op: 'setRoomExtraInfo', d: { key: 'k', value: 'v' } },
  { op: 'setStreamExtraInfo', d: { streamId: 'fz-1', extraInfo: 'e' } },
  { op: 'publish', d: { streamId: 'fz-1', extraInfo: 'e' } },
  { op: 'unpublish', d: { streamId: 'fz-1' } },
  { op: 'play', d: { streamId: 'fz-1' } },
  { op: 'renewToken', d: { token: 'junk' } },
  { op: 'resume', d: { sessionId: 'nope', lastSeq: 0 } },
  { op: 'login', d: { appId: 'app-test', roomId: 'r', token: 't', user: { userId: 'u', userName: 'n' } } },
)

/** A valid request with one mutation: a field replaced, dropped or added, or the envelope bent. */
const mutated = fc
  .tuple(templates, fc.nat({ max: 7 }), anyValue, someId, fc.integer({ min: -5, max: 2 ** 53 + 5 }))
  .map(([t, how, value, key, n]) => {
    const d = { ...(t.d as Record<string, unknown>) }
    const keys = Object.keys(d)
    const k = keys[Math.abs(n) % Math.max(1, keys.length)] ?? 'x'
    const msg: Record<string, unknown> = { v: 1, id: 1, op: t.op, d }
    switch (how) {
      case 0: d[k] = value; break
      case 1: delete d[k]; break
      case 2: d[key] = value; break
      case 3: msg.v = value; break
      case 4: msg.id = n; break
      case 5: msg.op = key; break
      case 6: msg.d = value; break
      case 7: if (typeof d[k] === 'string') d[k] = 'x'.repeat(Math.abs(n) % 5000); break
    }
    return JSON.stringify(msg)
  })

type Frame = { text: string } | { binary: Uint8Array }
const frames: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 5, arbitrary: mutated.map((text) => ({ text })) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => ({ text: JSON.stringify(v) ?? 'null' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((binary) => ({ binary })) },
  { weight: 1, arbitrary: fc.constant({ text: '{"v":1,"id":7,"op":"broadcast","d":{"message":"' + 'x'.repeat(17_000) + '"}}' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"v":1,"id":1,"op":"__proto__","d":{}}', '{"v":1,"id":1,"op":"constructor","d":{}}', '{"__proto__":{"x":1},"v":1,"id":2,"op":"ping","d":{}}', '[]', '""', '{}', '{"v":1,"id":1e400,"op":"ping","d":{}}').map((text) => ({ text })),
  },
)

// ---- the fuzz client ----------------------------------------------------------------------
class FuzzPeer {
  c!: Client
  problems: string[] = []
  closes: number[] = []
  reconnects = 0
  private sentinel = 1_000_000_000

  async connect(): Promise<void> {
    this.c = await Client.open(srv.url)
    this.c.ws.on('message', (data, isBinary) => {
      const p = isBinary ? 'binary frame from server' : checkServerFrame(data.toString())
      if (p) this.problems.push(p)
    })
    void this.c.closed.then(({ code }) => this.closes.push(code))
    const r = await this.c.login('fuzz-room', `fuzzer-${this.reconnects}`)
    if (!r.ok) this.problems.push(`login failed ${JSON.stringify(r.error)}`)
  }

  async send(f: Frame): Promise<void> {
    if (this.c.ws.readyState !== this.c.ws.OPEN) {
      this.reconnects++
      await this.connect()
    }
    if ('binary' in f) this.c.ws.send(f.binary, { binary: true })
    else this.c.ws.send(f.text)
    // A ping after every input: its reply proves all replies to the input came before it.
    const id = ++this.sentinel
    this.c.ws.send(JSON.stringify({ v: 1, id, op: 'ping', d: {} }))
    const res = await Promise.race([this.c.waitReply(id, 10_000).then(() => 'reply' as const), this.c.closed.then(() => 'closed' as const)])
    if (res === 'closed') {
      const { code } = await this.c.closed
      if (!DOCUMENTED_CLOSES.has(code)) this.problems.push(`undocumented close ${code}`)
    }
  }
}

describe('fuzz against the running server', () => {
  it(`answers ${RUNS} generated frames with coded errors or valid results, and stays healthy`, async () => {
    const healthy = await joined(srv, 'healthy-room', 'h1')
    const peer = await joined(srv, 'healthy-room', 'h2')
    const fz = new FuzzPeer()
    await fz.connect()
    const fuzzFriend = await joined(srv, 'fuzz-room', 'peer') // target of customCommand
    let n = 0
    await fc.assert(
      fc.asyncProperty(frames, async (f) => {
        await fz.send(f)
        if (++n % 1000 === 0) {
          // Another room keeps working while the fuzzer hammers its own.
          const r = await healthy.c.request('broadcast', { message: `still here ${n}` })
          expect(r.ok).toBe(true)
          await healthy.c.request('ping', {})
          await peer.c.request('ping', {})
          await fuzzFriend.c.request('ping', {})
        }
        expect(fz.problems).toEqual([])
      }),
      { numRuns: RUNS, seed: Number(process.env.MINIRTC_FUZZ_SEED ?? 20261125), endOnFailure: true },
    )
    expect(n).toBeGreaterThanOrEqual(RUNS)
    expect(fz.problems).toEqual([])
    // The oversized frames closed the fuzzer with 1009 at least once, and it got back in.
    expect(fz.closes).toContain(CloseCode.MESSAGE_TOO_LARGE)
    expect((await healthy.c.request('broadcast', { message: 'after fuzz' })).ok).toBe(true)
    const got = await peer.c.waitPush((p) => p.ev === 'broadcast' && p.d.messages[0]!.message === 'after fuzz')
    expect(got).toBeTruthy()
    const fresh = await joined(srv, 'after-fuzz', 'late')
    expect(fresh.login.room.onlineCount).toBe(1)
    console.log(`fuzz: ${n} inputs, ${fz.reconnects} reconnects, closes seen: ${[...new Set(fz.closes)].join(',')}`)
    for (const c of [healthy.c, peer.c, fuzzFriend.c, fz.c, fresh.c]) c.close()
  }, 600_000)
})

describe('junk at the embedded media ports', () => {
  it('survives random RTMP bytes and unsafe WS-FLV/HTTP-FLV names', async () => {
    const rtmp = new URL(srv.rtmpUrl.replace('rtmp:', 'http:'))
    const blobs = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4000 }), { numRuns: 200, seed: 7 })
    // A valid RTMP C0 (version 3) followed by junk reaches the parser past the handshake too.
    blobs.push(Uint8Array.from([3, ...new Uint8Array(1536), ...new Uint8Array(1536), ...Buffer.from('garbage-after-handshake')]))
    await Promise.all(
      blobs.map(
        (b) =>
          new Promise<void>((resolve) => {
            const sock = connect(Number(rtmp.port), '127.0.0.1', () => sock.end(b))
            sock.on('error', () => resolve())
            sock.on('close', () => resolve())
            sock.setTimeout(3000, () => sock.destroy())
            sock.resume()
          }),
      ),
    )
    const flvBase = srv.flvUrl
    const bad = new WebSocket(flvBase.replace('http:', 'ws:') + '/bad!name.flv')
    await new Promise((r) => { bad.on('close', r); bad.on('error', r) })
    const res = await fetch(flvBase + '/bad!name.flv').catch(() => null)
    await res?.body?.cancel().catch(() => {})
    const { c } = await joined(srv, 'after-junk', 'ok')
    expect((await c.request('ping', {})).ok).toBe(true)
    c.close()
  })
})

describe('floods', () => {
  let limited: RunningServer
  beforeAll(async () => {
    limited = await start({
      media: { kind: 'nginx', rtmpUrl: 'rtmp://127.0.0.1:1/live', hookSecret: 'unused-hook-secret-0123' },
      rateLimit: { messagesPerSecond: 5, burst: 10, maxBadFrames: 20 },
    })
  })
  afterAll(() => limited?.close())

  it('rate-limits a request flood with 6001 and closes a bad-frame flood with 4004', async () => {
    const { c } = await joined(limited, 'flood', 'f1')
    const replies = await Promise.all(Array.from({ length: 15 }, () => c.request('ping', {})))
    const limitedCount = replies.filter((r) => r.error?.code === ErrorCode.RATE_LIMITED).length
    expect(limitedCount).toBeGreaterThan(0)
    const bad = await Client.open(limited.url)
    for (let i = 0; i < 30; i++) bad.ws.send('not json')
    expect((await bad.closed).code).toBe(CloseCode.RATE_LIMITED)
    expect(bad.replies.every((r) => r.error?.code === ErrorCode.MALFORMED_MESSAGE && r.id === 0)).toBe(true)
    // An oversized frame closes with 1009.
    const big = await Client.open(limited.url)
    big.ws.send('x'.repeat(20_000))
    expect((await big.closed).code).toBe(1009)
    c.close()
  })
})
