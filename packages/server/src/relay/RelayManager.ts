import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { ErrorCode } from '@minirtc/protocol'
import type { Logger } from 'pino'
import { ServerError } from '../errors'
import type { ServerPlayers } from '../media/ServerPlayers'
import type { Metrics } from '../metrics'
import type { Session } from '../Session'
import type { RoomStore, StoredStream } from '../store/RoomStore'

/** Server-wide relay settings (`relay` in ServerOptions). */
export interface RelayOptions {
  /** Relays running at once on this server; one more is refused with TOO_MANY_RELAYS. */
  maxRelays?: number
  /** How often relays look at their stream (gone, publisher back). */
  pollMs?: number
}

export const relayDefaults = { maxRelays: 20, pollMs: 1000 } as const

export interface RelayInfo {
  relayId: string
  roomId: string
  streamId: string
  /** The RTMP URL the stream is pushed to (a CDN ingest, usually with its stream key). */
  url: string
  /** `waiting`: the stream has no publisher right now (it may come back within the media grace period). */
  state: 'waiting' | 'relaying' | 'stopped'
  startedAt: number
  stoppedAt?: number
  stopReason?: 'requested' | 'streamStopped' | 'shutdown'
  /** ffmpeg processes started for it (a publisher that comes back, or a failure, starts another). */
  starts: number
}

export interface RelayManagerDeps {
  opts: RelayOptions
  store: RoomStore
  players: ServerPlayers
  ffmpegPath: string
  log: Logger
  metrics: Metrics
}

interface Relay {
  info: RelayInfo
  appId: string
  playUrl(st: StoredStream): string
  child?: ChildProcess
  /** The publisher (media connection) the running ffmpeg pulls from. */
  publisher?: string
  /** Set once we asked the running ffmpeg to stop. */
  stopping?: boolean
  retryAt: number
  failures: number
}

/** ffmpeg copying one stream to an RTMP URL (FLV, as published: H.264 + AAC). */
export function relayArgs(playUrl: string, targetUrl: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rw_timeout', '10000000', '-i', playUrl, '-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-f', 'flv', targetUrl]
}

/** Target URLs: RTMP(S) only, no spaces or control characters. */
export function validRelayUrl(url: unknown): url is string {
  return typeof url === 'string' && url.length <= 2048 && /^rtmps?:\/\/[^\s/]+\/\S+$/.test(url)
}

/**
 * Relays of streams to RTMP URLs (a CDN): an ffmpeg per relay that pulls the stream through a URL
 * signed for it and pushes it on. A relay follows its stream: it waits while the publisher is
 * away (restarting when it returns within the media grace period) and ends when the stream does.
 */
export class RelayManager {
  private readonly relays = new Map<string, Relay>()
  private readonly timer: NodeJS.Timeout
  private polling = false
  private closed = false

  constructor(private readonly d: RelayManagerDeps) {
    this.timer = setInterval(() => void this.poll(), d.opts.pollMs ?? relayDefaults.pollMs)
    this.timer.unref()
  }

  private get active(): number {
    let n = 0
    for (const r of this.relays.values()) if (r.info.state !== 'stopped') n++
    return n
  }

  /** Start relaying a live or reserved stream of the room to `url`. */
  async add(appId: string, roomId: string, streamId: string, url: string): Promise<RelayInfo> {
    if (this.closed) throw new ServerError(ErrorCode.MEDIA_UNAVAILABLE, 'The server is shutting down.')
    if (!validRelayUrl(url)) throw new ServerError(ErrorCode.INVALID_FIELD, 'url must be an rtmp:// or rtmps:// URL with an app and stream name.')
    const st = await this.d.store.getStream(appId, streamId)
    if (!st || st.roomId !== roomId) throw new ServerError(ErrorCode.STREAM_NOT_FOUND)
    if (this.active >= (this.d.opts.maxRelays ?? relayDefaults.maxRelays)) throw new ServerError(ErrorCode.TOO_MANY_RELAYS)
    const relayId = `rly_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`
    const r: Relay = {
      info: { relayId, roomId, streamId, url, state: 'waiting', startedAt: Date.now(), starts: 0 },
      appId,
      playUrl: this.d.players.open(`rly:${relayId}`, appId, roomId),
      retryAt: 0,
      failures: 0,
    }
    this.relays.set(relayId, r)
    this.d.metrics.relaysActive.inc()
    this.d.log.info({ appId, roomId, streamId, relayId }, 'relay added')
    this.follow(r, st)
    return { ...r.info }
  }

  /**
   * The client's `addPublishCdnUrl`: relay the session's own stream (RELAY_NOT_GRANTED without the
   * token's `relay` grant, NOT_STREAM_OWNER for another user's stream).
   */
  async addForSession(s: Session, streamId: string, url: string): Promise<{ relayId: string }> {
    if (!s.grants.relay) throw new ServerError(ErrorCode.RELAY_NOT_GRANTED)
    await this.ownStream(s, streamId)
    return { relayId: (await this.add(s.appId, s.roomId, streamId, url)).relayId }
  }

  /** The client's `removePublishCdnUrl`: stop the relays of its own stream to `url`. */
  async removeForSession(s: Session, streamId: string, url: string): Promise<Record<string, never>> {
    if (!s.grants.relay) throw new ServerError(ErrorCode.RELAY_NOT_GRANTED)
    await this.ownStream(s, streamId)
    const mine = [...this.relays.values()].filter((r) => r.appId === s.appId && r.info.streamId === streamId && r.info.url === url && r.info.state !== 'stopped')
    await Promise.all(mine.map((r) => this.end(r, 'requested')))
    return {}
  }

  private async ownStream(s: Session, streamId: string): Promise<void> {
    const st = await this.d.store.getStream(s.appId, streamId)
    if (!st || st.roomId !== s.roomId) throw new ServerError(ErrorCode.STREAM_NOT_FOUND)
    if (st.ownerSessionId !== s.id) throw new ServerError(ErrorCode.NOT_STREAM_OWNER)
  }

  list(appId: string, roomId: string): RelayInfo[] {
    return [...this.relays.values()].filter((r) => r.appId === appId && r.info.roomId === roomId).map((r) => ({ ...r.info }))
  }

  async remove(appId: string, roomId: string, relayId: string): Promise<RelayInfo | undefined> {
    const r = this.relays.get(relayId)
    if (!r || r.appId !== appId || r.info.roomId !== roomId) return undefined
    await this.end(r, 'requested')
    return { ...r.info }
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await Promise.all([...this.relays.values()].map((r) => this.end(r, 'shutdown')))
  }

  private async end(r: Relay, reason: NonNullable<RelayInfo['stopReason']>): Promise<void> {
    if (r.info.state === 'stopped') return
    r.info.state = 'stopped'
    r.info.stopReason = reason
    r.info.stoppedAt = Date.now()
    await this.stopChild(r)
    this.d.players.close(`rly:${r.info.relayId}`)
    this.d.metrics.relaysActive.dec()
    this.d.log.info({ relayId: r.info.relayId, reason }, 'relay stopped')
  }

  /** Match the relay's ffmpeg to its stream's publisher. */
  private follow(r: Relay, st: StoredStream | undefined): void {
    if (r.info.state === 'stopped') return
    // Never published yet (reserved) is worth waiting for; live and back to pending is the end.
    if (!st || st.roomId !== r.info.roomId || (st.state !== 'live' && r.info.starts > 0)) return void this.end(r, 'streamStopped')
    const publisher = st.state === 'live' ? st.mediaSessionId : undefined
    if (r.child && r.publisher === publisher) return
    if (r.child) void this.stopChild(r)
    if (!publisher || r.retryAt > Date.now()) {
      r.info.state = 'waiting'
      return
    }
    const child = spawn(this.d.ffmpegPath, relayArgs(r.playUrl(st), r.info.url), { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)))
    r.child = child
    r.publisher = publisher
    r.stopping = false
    r.info.state = 'relaying'
    r.info.starts++
    const done = (code: number | null) => {
      if (r.child !== child) return
      r.child = undefined
      r.publisher = undefined
      if (r.stopping) return
      // Ended by itself: the publisher left, or the target refused or failed. Back off and retry.
      r.failures++
      r.retryAt = Date.now() + Math.min(30_000, 1000 * 2 ** (r.failures - 1))
      if (r.info.state === 'relaying') r.info.state = 'waiting'
      this.d.metrics.relayFailures.inc()
      this.d.log.warn({ relayId: r.info.relayId, code, stderr: stderr.trim() }, 'relay ffmpeg ended')
    }
    child.once('close', done)
    child.once('error', (e) => {
      stderr += String(e)
      done(null)
    })
  }

  private stopChild(r: Relay): Promise<void> {
    const child = r.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
    r.stopping = true
    return new Promise((res) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('close', () => {
        clearTimeout(t)
        res()
      })
      child.kill('SIGINT')
    })
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return
    this.polling = true
    try {
      for (const r of this.relays.values()) {
        if (r.info.state === 'stopped') continue
        this.follow(r, await this.d.store.getStream(r.appId, r.info.streamId))
      }
    } catch (e) {
      this.d.log.error({ err: e instanceof Error ? e.stack : String(e) }, 'relay poll failed')
    } finally {
      this.polling = false
    }
  }
}
