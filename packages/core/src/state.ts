import { dict } from './assign'
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from './defaults'
import type { EngineSnapshot, PlayerAttributes, PusherViewModel, RoomStateReason } from './types'

/** Where the signaling connection is, finer than the public RoomState. */
export type Phase = 'idle' | 'connecting' | 'loggingIn' | 'resuming' | 'connected' | 'waitingRetry'

/**
 * The whole engine state. Public parts carry the snapshot's field names so the snapshot is a
 * plain selection; the rest is bookkeeping the transition needs.
 */
export interface EngineState extends EngineSnapshot {
  /** Why roomState last changed, and the code that came with it (for the room events). */
  roomReason: RoomStateReason
  roomErrorCode: number
  phase: Phase
  appId: string
  token: string
  userUpdate: boolean
  autoPlay: boolean
  playerDefaults: PlayerAttributes
  /** True once a login succeeded in this room: later drops reconnect instead of failing. */
  loggedIn: boolean
  sessionId: string
  /** Highest push seq applied; pushes at or below it are duplicates. */
  lastSeq: number
  /** Identifies the current socket; events from older sockets are ignored. */
  socketEpoch: number
  retryCount: number
  outageStartedAt: number
  heartbeatMs: number
  /** Server clock minus ours at the last login: delivered play URLs expire on the server's clock. */
  clockSkew: number
  /** Publisher bookkeeping: extra info to publish with, restarts after -1307, confirmations. */
  publishExtraInfo: string
  /** The media server confirmed our push (publishState PUBLISHING) and has not lost it since. */
  mediaConfirmed: boolean
  /** The native pusher reported it is reconnecting (1102/300x) and has not recovered yet. */
  nativeReconnecting: boolean
  publishRequested: boolean
  pushRestarts: number
  /** Per player: a play request is in flight, and restarts after -2301. */
  playRequested: { readonly [streamId: string]: true }
  playRestarts: { readonly [streamId: string]: number }
  nextPlayerNo: number
  /**
   * Code that came with the last publisher / player state change (for the state events): a
   * MiniRTC code (six digits) or a WeChat native code, told apart by range (see `eventCodes`).
   */
  pusherCode: number
  playerCodes: { readonly [streamId: string]: number }
}

export const PUSHER_ELEMENT_ID = 'minirtc-pusher'

export function initialPusher(attrs = DEFAULT_PUSHER_ATTRIBUTES): PusherViewModel {
  return Object.assign({}, attrs, { id: PUSHER_ELEMENT_ID, url: '', autopush: false, streamId: '', state: 'NO_PUBLISH' as const })
}

export function initialState(): EngineState {
  return {
    roomId: '',
    roomState: 'DISCONNECTED',
    roomReason: 'LOGOUT',
    roomErrorCode: 0,
    user: null,
    users: [],
    onlineCount: 0,
    streams: [],
    roomExtraInfo: [],
    pusher: initialPusher(),
    players: dict(),
    error: null,
    phase: 'idle',
    appId: '',
    token: '',
    userUpdate: false,
    autoPlay: false,
    playerDefaults: DEFAULT_PLAYER_ATTRIBUTES,
    loggedIn: false,
    sessionId: '',
    lastSeq: 0,
    socketEpoch: 0,
    retryCount: 0,
    outageStartedAt: 0,
    heartbeatMs: 10000,
    clockSkew: 0,
    publishExtraInfo: '',
    mediaConfirmed: false,
    nativeReconnecting: false,
    publishRequested: false,
    pushRestarts: 0,
    playRequested: dict(),
    playRestarts: dict(),
    nextPlayerNo: 1,
    pusherCode: 0,
    playerCodes: dict(),
  }
}

const SNAPSHOT_KEYS = [
  'roomId',
  'roomState',
  'user',
  'users',
  'onlineCount',
  'streams',
  'roomExtraInfo',
  'pusher',
  'players',
  'error',
] as const

/**
 * The public snapshot of `state`, reusing `prev` when no public field changed so adapters
 * (useSyncExternalStore, shallowRef) re-render only on real changes.
 */
export function selectSnapshot(state: EngineState, prev: EngineSnapshot | null): EngineSnapshot {
  if (prev && SNAPSHOT_KEYS.every((k) => prev[k] === state[k])) return prev
  const snap = {} as Record<string, unknown>
  for (const k of SNAPSHOT_KEYS) snap[k] = state[k]
  return Object.freeze(snap) as unknown as EngineSnapshot
}
