import type { RateLimitOptions } from './options'

/** Defaults for every optional ServerOptions field (documented in docs/server.md). */
export const defaults = {
  host: '127.0.0.1',
  port: 8090,
  rtmpPort: 1935,
  flvPort: 8000,
  resumeWindowMs: 30_000,
  heartbeatTimeoutMs: 30_000,
  loginTimeoutMs: 10_000,
  tokenWillExpireSeconds: 30,
  mediaUrlTtlSeconds: 120,
  maxStreamsPerSession: 4,
  maxRoomExtraInfoKeys: 16,
  replayBufferSize: 2048,
  mediaGraceMs: 8000,
  nodeTtlMs: 15_000,
  clusterBatchMs: 20,
  maxUsersPerRoom: 5000,
  maxSessionsPerToken: 16,
  // Far above what a healthy client lags behind (pushes are small), far below what hurts the server.
  maxSendBufferBytes: 1024 * 1024,
  maxConnectionsPerAddress: 256,
  handshakeTimeoutMs: 10_000,
  maxPlayerBufferBytes: 8 * 1024 * 1024,
  mediaIdleTimeoutMs: 60_000,
  ingestIdleTimeoutMs: 15_000,
  adminFailuresPerMinute: 10,
  rateLimit: { messagesPerSecond: 30, burst: 60, maxBadFrames: 20, connectionsPerMinute: 600 } as RateLimitOptions,
} as const
