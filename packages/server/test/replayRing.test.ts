import { describe, expect, it } from 'vitest'
import { Session, pushBody, type SessionSink } from '../src/Session'

/** A session with a replay buffer of `max` pushes, its sink recording the frames it is sent. */
function session(max: number) {
  const s = new Session('app', 'room', { userId: 'u', userName: 'u' }, false, { login: true } as never, undefined, 0, '127.0.0.1', max)
  const sent: Array<{ seq: number; d: { n: number } }> = []
  const sink: SessionSink = { sendPush: (seq, body) => sent.push(JSON.parse(`{"seq":${seq},${body}`)), close: () => undefined }
  s.attach(sink, 0)
  const push = (n: number) => s.pushBody(pushBody('onlineCount', { count: n }))
  const seqsOf = (pushes: Array<{ seq: number }> | null) => pushes && pushes.map((p) => p.seq)
  return { s, sent, push, seqsOf }
}

describe('the replay ring', () => {
  it('keeps every unacked push in order as it wraps around and grows', () => {
    const { s, push, seqsOf } = session(1000)
    // Acks in between move the ring's head, so later pushes wrap past its end before it grows.
    for (let n = 1; n <= 6; n++) push(n)
    s.ack(5)
    for (let n = 7; n <= 13; n++) push(n) // 8 buffered: the ring is full and wrapped
    expect(s.unacked).toBe(8)
    push(14) // grows with the oldest first
    for (let n = 15; n <= 40; n++) push(n)
    expect(s.unacked).toBe(35)
    expect(seqsOf(s.missedSince(20))).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i))
    expect(s.unacked).toBe(20)
    const bodies = s.missedSince(20)!.map((p) => (p.d as { count: number }).count)
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i))
  })

  it('replays to a new sink only what follows the seq it resumes from', () => {
    const { s, push } = session(1000)
    for (let n = 1; n <= 12; n++) push(n)
    s.ack(3)
    const again: number[] = []
    s.attach({ sendPush: (seq) => again.push(seq), close: () => undefined }, 9)
    expect(again).toEqual([10, 11, 12])
  })

  it('drops the oldest pushes past its bound, and a resume from before them is refused', () => {
    const { s, push, seqsOf, sent } = session(10)
    for (let n = 1; n <= 25; n++) push(n)
    expect(sent.map((f) => f.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1)) // all were sent
    expect(s.unacked).toBe(10)
    expect(s.firstResumableSeq).toBe(16)
    expect(s.missedSince(14)).toBeNull()
    expect(seqsOf(s.missedSince(15))).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
    // An ack beyond what was sent acks everything, and the ring empties.
    s.ack(999)
    expect(s.unacked).toBe(0)
    expect(seqsOf(s.missedSince(25))).toEqual([])
    push(26)
    expect(seqsOf(s.missedSince(25))).toEqual([26])
  })
})
