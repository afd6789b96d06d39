import { randomBytes } from 'node:crypto'
import { CloseCode, ErrorCode, type PushEvent, type Pushes, type ServerPush, type UserInfo } from '@minirtc/protocol'
import type { Cancel } from './timers'
import type { TokenGrants } from './token'

/** Why a session ends; decides the kickout push, the close code and what others see. */
export type EndReason = 'logout' | 'resumeExpired' | 'kicked' | 'roomClosed' | 'replaced' | 'tokenExpired'

/** The kickout code pushed and the close code sent for each forced end (none for a normal leave). */
export const endCodes: Record<EndReason, { code?: ErrorCode; close?: number }> = {
  logout: {},
  resumeExpired: {},
  kicked: { code: ErrorCode.KICKED_OUT, close: CloseCode.KICKED_OUT },
  roomClosed: { code: ErrorCode.ROOM_CLOSED, close: CloseCode.ROOM_CLOSED },
  replaced: { code: ErrorCode.LOGGED_IN_ELSEWHERE, close: CloseCode.REPLACED },
  tokenExpired: { code: ErrorCode.TOKEN_EXPIRED, close: CloseCode.TOKEN_EXPIRED },
}

/**
 * A push frame without its seq: `"ev":…,"d":…}`. A fan-out builds it once; each recipient's
 * frame is `{"seq":N,` + this (wsFrame's `pushFrame`, `frame` as a string), byte for byte what `JSON.stringify({ seq, ev, d })` gives.
 * Sliced off one flat JSON.stringify result, so the buffers that share it retain that one string
 * (a `+` concatenation would retain a V8 cons string and its pieces).
 */
export function pushBody<E extends PushEvent>(ev: E, d: Pushes[E]): string {
  return JSON.stringify({ ev, d }).slice(1)
}

/**
 * `pushBody` around a payload serialized already (`dJson`), for one recipient's own variant of a
 * fan-out (play URLs signed for it); the same bytes as `pushBody(ev, JSON.parse(dJson))`.
 */
export function pushBodyJson(ev: PushEvent, dJson: string): string {
  return '"ev":"' + ev + '","d":' + dJson + '}'
}

function frame(seq: number, body: string): string {
  return '{"seq":' + seq + ',' + body
}

/** Transport a session writes to: the WebSocket connection it is currently attached to. */
export interface SessionSink {
  /** One push: `{"seq":<seq>,` + `body` (a `pushBody`'s UTF-8 bytes; a fan-out's are shared by every recipient). */
  sendPush(seq: number, body: Buffer): void
  close(code: number, reason: string): void
}

export type SessionState = 'active' | 'detached' | 'ended'

/**
 * One logged-in user in one room. It outlives its WebSocket: after a drop it is `detached`
 * for the resume window and keeps numbering and buffering pushes so `resume` can replay them.
 */
export class Session {
  /** Resume credential; only the client that logged in knows it. */
  readonly id = randomBytes(18).toString('base64url')
  /**
   * Public reference used in media URLs and logs (leaking it does not allow a resume). In a
   * cluster it starts with `<nodeId>.` so a media hook that lands on any node finds the session's node.
   */
  readonly ref: string
  state: SessionState = 'active'
  seq = 0
  /** The highest seq the client acknowledged. */
  acked = 0
  /**
   * Pushes not yet acknowledged by the client, oldest first, as their frame bodies (`pushBody`):
   * `buffer[i]` has seq `bufferStart + i`. A fan-out builds one body and every recipient's buffer
   * points at it, so a broadcast to a room of 100 retains one string, not 100 frames (at 90k
   * deliveries/s and one ack per heartbeat that was ~900k strings, most of the server's RSS).
   * Strings, not objects: they carry no pointers for V8's old-space GC to trace.
   */
  private readonly buffer: string[] = []
  private bufferStart = 1
  /** Lowest seq still resumable (pushes before it were dropped from a full buffer). */
  firstResumableSeq = 1
  /** StreamIds this session has reserved; made on the first (most sessions only watch). */
  streams: Set<string> | undefined
  /** Media connections (publishers and players) opened with this session's URLs; made on the first. */
  mediaSessions: Set<string> | undefined
  sink: SessionSink | undefined
  /**
   * The client asked for play URLs with the room's streams (login `playUrls`): the login reply
   * and `stream` ADD pushes carry one signed for this session.
   */
  playUrls = false
  /** The login token (TokenClaims.tokenId) this session counts against. */
  tokenId = ''
  /** Cancels the resume window's timer (armed only while detached). */
  resumeTimer: Cancel | undefined
  /**
   * `tokenWillExpire` went out for the current token. Token expiry has no timer per session:
   * Rooms checks every session's `tokenExp` once a second (see Rooms.expireTokens).
   */
  tokenWarned = false

  constructor(
    readonly appId: string,
    readonly roomId: string,
    public user: UserInfo,
    readonly userUpdate: boolean,
    public grants: TokenGrants,
    public streamIdPrefix: string | undefined,
    /** Token expiry, seconds since the epoch. */
    public tokenExp: number,
    public address: string,
    private readonly maxBuffer: number,
    refPrefix = '',
  ) {
    this.ref = refPrefix + randomBytes(9).toString('base64url')
  }

  /** Number, buffer and (when attached) send one push. */
  push<E extends PushEvent>(ev: E, d: Pushes[E]): void {
    this.pushBody(pushBody(ev, d))
  }

  /**
   * `push` of a body built once (`pushBody`) for every recipient of a fan-out, with its UTF-8
   * `bytes` when the fan-out encoded it.
   */
  pushBody(body: string, bytes?: Buffer): void {
    if (this.state === 'ended') return
    const seq = ++this.seq
    this.buffer.push(body)
    if (this.buffer.length > this.maxBuffer) {
      // The client is not acking; keep memory bounded and make an older resume impossible.
      const n = this.buffer.length - this.maxBuffer
      this.buffer.splice(0, n)
      this.bufferStart += n
      this.firstResumableSeq = this.bufferStart
    }
    // A push of one recipient (no bytes) is encoded here, once.
    this.sink?.sendPush(seq, bytes ?? Buffer.from(body))
  }

  /**
   * Start sending to `sink`, first the pushes after `afterSeq` that were numbered while no
   * socket was attached. Called right after the login/resume reply went out, so a client never
   * sees a push before the reply that tells it where the sequence stands.
   */
  attach(sink: SessionSink, afterSeq: number): void {
    this.sink = sink
    for (let i = Math.max(0, afterSeq + 1 - this.bufferStart); i < this.buffer.length; i++) sink.sendPush(this.bufferStart + i, Buffer.from(this.buffer[i]!))
  }

  /** The client applied every push up to `seq`: forget them. */
  ack(seq: number): void {
    seq = Math.min(seq, this.seq)
    if (seq > this.acked) this.acked = seq
    // Acked pushes are forgotten, so a later resume must not claim to be behind them.
    if (seq + 1 > this.firstResumableSeq) this.firstResumableSeq = seq + 1
    const n = Math.min(this.buffer.length, seq + 1 - this.bufferStart)
    if (n > 0) {
      this.buffer.splice(0, n)
      this.bufferStart += n
    }
  }

  /** Pushes after `lastSeq`, or null when some of them are no longer buffered. */
  missedSince(lastSeq: number): ServerPush[] | null {
    if (lastSeq > this.seq) return null
    if (lastSeq + 1 < this.firstResumableSeq) return null
    this.ack(lastSeq)
    return this.buffer.map((body, i) => JSON.parse(frame(this.bufferStart + i, body)) as ServerPush)
  }

  /** Pushes numbered but not yet acknowledged (for tests and metrics). */
  get unacked(): number {
    return this.buffer.length
  }

  clearTimers(): void {
    this.resumeTimer?.()
    this.resumeTimer = undefined
  }
}
