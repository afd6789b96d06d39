import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'
import { PLAYER_NATIVE_KEYS, PUSHER_NATIVE_KEYS } from './nativeAttributes'

/** A Taro component description: kebab-case attribute → default value expression ('' = none). */
export type TaroComponentAttributes = Record<string, string>

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())

/** Taro's template syntax for a default: strings quoted, numbers and booleans as literals. */
function defaultExpression(value: unknown): string {
  if (value === undefined || value === '') return ''
  return typeof value === 'string' ? "'" + value + "'" : String(value)
}

function describe(keys: readonly string[], defaults: object, events: readonly string[]): TaroComponentAttributes {
  const out: TaroComponentAttributes = {}
  for (const k of keys) out[kebab(k)] = defaultExpression((defaults as Record<string, unknown>)[k])
  // Taro binds every `bind*` entry to its single event handler `eh` (lower-cased in the template).
  for (const e of events) out['bind' + e] = ''
  return out
}

/**
 * What the MiniRTC Taro plugin merges into Taro's component list (build side: base.wxml; runtime
 * side: the prop → `pN` alias table). Stock Taro 4.2 drops `mute-audio`, `mute-video`,
 * `enable-recv-message`, `enable-metadata`, `bindmetadatachange` and `binderror` on live-player,
 * and `enable-ear-monitor`, `fps`, `voice-changer-type`, `debug`, `binderror` on live-pusher:
 * a prop Taro does not list never reaches WeChat. Derived from the engine's defaults, so an
 * attribute added to the core is bound without touching this file.
 */
export const LIVE_COMPONENTS: Record<'LivePusher' | 'LivePlayer', TaroComponentAttributes> = {
  LivePusher: describe(PUSHER_NATIVE_KEYS, { ...DEFAULT_PUSHER_ATTRIBUTES, autopush: false }, ['statechange', 'netstatus', 'error', 'audiovolumenotify']),
  LivePlayer: describe(PLAYER_NATIVE_KEYS, { ...DEFAULT_PLAYER_ATTRIBUTES, autoplay: false }, ['statechange', 'netstatus', 'error', 'audiovolumenotify', 'metadatachange']),
}
