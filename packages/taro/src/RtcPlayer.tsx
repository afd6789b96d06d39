import { LivePlayer } from '@tarojs/components'
import { createElement, type CSSProperties } from 'react'
import type { NativeEventDetail, NativeEventKind } from '@minirtc/core'
import { PLAYER_NATIVE_KEYS, pickNativeAttributes } from './nativeAttributes'
import { DEFAULT_LIVE_VIEW_STYLE } from './RtcPusher'
import type { RtcRoom } from './useRtcRoom'

export interface RtcPlayerProps {
  room: Pick<RtcRoom, 'players' | 'engine'>
  streamId: string
  className?: string
  style?: CSSProperties | string
  onTap?: () => void
}

/**
 * One remote stream: `<live-player>` with every attribute of `room.players[streamId]`, and its
 * native events forwarded to the engine. Renders nothing until the engine has a player for it.
 * @example
 * {room.streams.map((s) => <RtcPlayer key={s.streamId} room={room} streamId={s.streamId} />)}
 */
export function RtcPlayer({ room, streamId, className, style, onTap }: RtcPlayerProps) {
  const vm = room.players[streamId]
  if (!vm) return null
  const engine = room.engine
  const forward = (kind: NativeEventKind) => (e: { detail: unknown }) => engine.handlePlayerEvent(streamId, kind, e.detail as NativeEventDetail)
  // createElement with one props object: JSX spread would add a spread helper to the ES2017 output.
  return createElement(
    LivePlayer,
    Object.assign(pickNativeAttributes(vm, PLAYER_NATIVE_KEYS), {
      id: vm.id,
      className,
      style: style || (className ? undefined : DEFAULT_LIVE_VIEW_STYLE),
      onTap,
      onStateChange: forward('statechange'),
      onNetStatus: forward('netstatus'),
      onError: forward('error'),
      onAudioVolumeNotify: forward('audiovolumenotify'),
      // Taro's types spell it onMetaDataChange; Taro lower-cases either spelling to `metadatachange`.
      onMetaDataChange: forward('metadatachange'),
    }),
  )
}
