import type { Logger } from 'pino'
import type { AppRecordingOptions, RecordingOptions } from './recording/types'
import type { RelayOptions } from './relay/RelayManager'
import type { RoomStore } from './store/RoomStore'

export interface AppCredentials {
  appId: string
  secret: string
  /** Where recording events are POSTed, signed with `secret` (docs/server.md, "Webhooks"). */
  webhookUrl?: string
  /** Record this app's rooms automatically (needs the server's `recording.dir`). */
  recording?: AppRecordingOptions
}

/** Media backend: node-media-server in this process (default) or an external nginx-rtmp. */
export type MediaOptions =
  | { kind: 'embedded' }
  | {
      kind: 'nginx'
      /** RTMP base clients push to and play from, e.g. `rtmp://media.example.com:1935/live`. */
      rtmpUrl?: string
      /** Optional HTTP-FLV base when a FLV-capable module serves it; empty `flv` URLs otherwise. */
      flvUrl?: string
      /** nginx-rtmp control endpoint (`rtmp_control`), used to drop publishers and players. */
      controlUrl?: string
      /**
       * Several nginx-rtmp media nodes instead of one `rtmpUrl`: each stream is published to one
       * of them (rendezvous hashing of its media name) and its play URLs point there. Give every
       * node a `name` and generate its config with the same `mediaNode` name.
       */
      nodes?: { name?: string; rtmpUrl: string; flvUrl?: string; controlUrl?: string; playRtmpUrl?: string }[]
      /**
       * Edge nginx-rtmp nodes of an origin/edge tree (generateNginxConfig `edgeOf`): their
       * on_play hooks are accepted, and players on them can be dropped. Point an origin's
       * `playRtmpUrl` at its edges (or at a TCP load balancer over them).
       */
      edges?: { name: string; rtmpUrl?: string; controlUrl?: string }[]
      /** Shared path secret the hooks must carry (generateNginxConfig puts it in the URLs). */
      hookSecret: string
    }

export interface RateLimitOptions {
  /** Sustained requests per second per connection. */
  messagesPerSecond: number
  /** Requests a connection may send in a burst. */
  burst: number
  /** Malformed or rate-limited frames within 10 s before the connection is closed with 4004. */
  maxBadFrames: number
  /** New WebSocket connections per client address per minute. */
  connectionsPerMinute: number
}

export interface ServerOptions {
  /** Interface for every listener (signaling, RTMP, HTTP-FLV). */
  host?: string
  /** Signaling + HTTP port (WebSocket at `/ws`, admin API, metrics, hooks). 0 picks a free port. */
  port?: number
  /** Embedded RTMP port. 0 picks a free port. */
  rtmpPort?: number
  /** Embedded HTTP-FLV port. 0 picks a free port. */
  flvPort?: number
  apps: AppCredentials[]
  media?: MediaOptions
  /** How long a dropped session can be resumed before the user leaves the room. */
  resumeWindowMs?: number
  /** Close a connection with 4006 when no `ping` arrives within this time. */
  heartbeatTimeoutMs?: number
  /** Close a connection with 4005 when it does not log in within this time. */
  loginTimeoutMs?: number
  /** Push `tokenWillExpire` this many seconds before the token expires. */
  tokenWillExpireSeconds?: number
  /** Lifetime of signed push and play URLs. */
  mediaUrlTtlSeconds?: number
  /** Host name put into media URLs (defaults to `host`, or 127.0.0.1 for a wildcard host). */
  publicHost?: string
  /**
   * Public bases of the embedded media server's URLs when clients reach it through a proxy,
   * e.g. `{ flv: 'https://rtc.example.com/live' }` behind TLS. Default: publicHost + ports.
   */
  publicMediaUrls?: { rtmp?: string; flv?: string }
  /** Take the client address from X-Forwarded-For (only behind a proxy you control). */
  trustProxy?: boolean
  /** Log level (`silent` in tests) or a ready pino logger. */
  logger?: { level?: string } | Logger
  /** Room state store; defaults to MemoryRoomStore (ignored when `redis` is set). */
  store?: RoomStore
  /**
   * Default store only: keep room extra info in this file so a restart does not lose it (users
   * and streams come back with their clients; extra info has no client to bring it back).
   */
  stateFile?: string
  /**
   * Run as one node of a cluster on this Redis (`redis://host:6379`): rooms, users and streams
   * are shared, room events reach every node, dead nodes are reaped. See docs/scaling.md.
   */
  redis?: string
  /** Cluster: a node that misses heartbeats for this long is dead and its users and streams are removed. */
  nodeTtlMs?: number
  /**
   * Cluster: the least time (ms) between two publishing commands of a node. Under load, room
   * events and broadcast messageIds wait up to this long (1.5 times when no further event comes)
   * to go to Redis together; an event after a quiet spell goes at once. Larger: less CPU per
   * cross-node push, more latency; 0 sends each at once. See docs/scaling.md.
   */
  clusterBatchMs?: number
  /** Cluster: key and channel prefix in Redis (several deployments on one Redis). */
  redisPrefix?: string
  /**
   * Cluster: the HTTP base other nodes use to reach this node (forwarded media hooks). Default:
   * `http://<publicHost>:<port>`.
   */
  internalUrl?: string
  rateLimit?: Partial<RateLimitOptions>
  /** Streams one session may hold at once. */
  maxStreamsPerSession?: number
  /** Room extra info keys per room. */
  maxRoomExtraInfoKeys?: number
  /** Unacknowledged pushes kept per session for resume. */
  replayBufferSize?: number
  /**
   * How long a stream stays in the room after its publisher's media connection dropped without
   * an unpublish, before others get DELETE (the pusher reconnects by itself meanwhile). 0 = at once.
   */
  mediaGraceMs?: number
  /** Users one room may hold; a login beyond it is refused with ROOM_FULL. */
  maxUsersPerRoom?: number
  /**
   * Sessions one token may hold at once (a token without a roomId could otherwise log in to
   * any number of rooms); a login beyond it is refused with TOO_MANY_SESSIONS.
   */
  maxSessionsPerToken?: number
  /**
   * Bytes a signaling connection may have queued but unsent (its client stopped reading). Past it
   * the connection is closed with 4009 SLOW_CONSUMER; the session stays for the resume window,
   * so the client resumes and gets the pushes it missed (or logs in again: a full resync).
   */
  maxSendBufferBytes?: number
  /** Open connections per client address on each listener (signaling, RTMP, HTTP-FLV, ingest). */
  maxConnectionsPerAddress?: number
  /**
   * Every new TCP connection must get somewhere within this time: an HTTP request or WebSocket
   * upgrade on the signaling port, an authorized publish or play on RTMP and HTTP-FLV. Silent
   * and half-done handshakes are dropped.
   */
  handshakeTimeoutMs?: number
  /** Authorized media connections (RTMP, HTTP-FLV) without traffic either way for this long are dropped. */
  mediaIdleTimeoutMs?: number
  /** Media bytes queued for an RTMP/HTTP-FLV player that stopped reading before it is dropped (it reconnects). */
  maxPlayerBufferBytes?: number
  /** A browser publisher (`/ingest`) that sends no media for this long is closed with MEDIA_IDLE. */
  ingestIdleTimeoutMs?: number
  /** Failed admin logins per client address per minute before its admin requests get 429. */
  adminFailuresPerMinute?: number
  /** Recordings (admin API, `recording.auto` per app); off without `dir`. See docs/server.md. */
  recording?: RecordingOptions
  /** Relays of streams to RTMP URLs (admin API): limits. See docs/server.md. */
  relay?: RelayOptions
  /** ffmpeg for browser publishers (the console's `/ingest`); default `ffmpeg` from PATH. */
  ffmpegPath?: string
  /** Serve these static files (the built console, `apps/console/dist`) at `/console/`. */
  consoleDir?: string
  /**
   * Serve `GET /dev/token` (never in production). It signs tokens for one app only, the dev app:
   * `{ appId }` names it; `true` means the only configured app (or the one called `dev`), and
   * startServer refuses `true` when several apps leave it ambiguous. Answers only requests
   * without an Origin or from a loopback or same-origin page.
   */
  dev?: boolean | { appId: string }
}
