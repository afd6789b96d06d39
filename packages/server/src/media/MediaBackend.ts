import type { ErrorCode } from '@minirtc/protocol'
import type { MediaKind } from './mediaSigner'

/** A connection attempt the media server asks us about. */
export interface MediaRequest {
  kind: MediaKind
  /** RTMP application (`live`). */
  app: string
  mediaName: string
  query: Record<string, unknown>
  /** The media server's id for this connection (NMS session id, nginx clientid). */
  mediaSessionId: string
  protocol: 'rtmp' | 'flv'
}

export type MediaDecision = { ok: true } | { ok: false; code: ErrorCode }

/** What the media layer calls into: the room logic's view of media connections. */
export interface MediaGate {
  /** Decide synchronously (NMS needs the answer before it sends a single byte). */
  authorize(req: MediaRequest): MediaDecision
  /** Decide when the media server can wait (HTTP hooks): may consult the shared store. */
  authorizeAsync?(req: MediaRequest): Promise<MediaDecision>
  /** The media server made this connection the stream's publisher. */
  publishStarted(mediaName: string, mediaSessionId: string): void
  /** A publisher or player connection ended. */
  mediaEnded(mediaSessionId: string): void
}

/** A running media server the room logic can hand URLs out for and drop connections on. */
export interface MediaBackend {
  /**
   * Unsigned URLs for a media name (the signed query is appended by the caller). `playRtmp`:
   * where players go when it differs from the publish URL (the edges of an origin).
   */
  urls(mediaName: string): { rtmp: string; flv: string; playRtmp?: string }
  /** Drop a publisher or player connection now. */
  closeSession(mediaSessionId: string): void
  close(): Promise<void>
}
