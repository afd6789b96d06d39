import { LivePusher } from '@tarojs/components'
import { createElement, type CSSProperties } from 'react'
import type { NativeEventDetail, NativeEventKind } from '@minirtc/core'
import { PUSHER_NATIVE_KEYS, pickNativeAttributes } from './nativeAttributes'
import type { RtcRoom } from './useRtcRoom'

export interface RtcPusherProps {
  room: Pick<RtcRoom, 'pusher' | 'engine'>
  className?: string
  style?: CSSProperties | string
}

/**
 * A live-pusher with no height renders black on iPhone (NervJS/taro#5235), so every live view
 * gets a size unless the app styles it.
 */
export const DEFAULT_LIVE_VIEW_STYLE: CSSProperties = { width: '100%', height: '240px' }

/**
 * The local camera: `<live-pusher>` with every attribute of `room.pusher`, and its native events
 * forwarded to the engine. Needs the `@minirtc/taro/plugin` Taro plugin for the attributes Taro
 * itself drops.
 * @example
 * <RtcPusher room={room} style={{ width: '100%', height: '50vh' }} />
 */
export function RtcPusher({ room, className, style }: RtcPusherProps) {
  const engine = room.engine
  const forward = (kind: NativeEventKind) => (e: { detail: unknown }) => engine.handlePusherEvent(kind, e.detail as NativeEventDetail)
  // createElement with one props object: JSX spread would add a spread helper to the ES2017 output.
  return createElement(
    LivePusher,
    Object.assign(pickNativeAttributes(room.pusher, PUSHER_NATIVE_KEYS), {
      id: room.pusher.id,
      className,
      style: style || (className ? undefined : DEFAULT_LIVE_VIEW_STYLE),
      onStateChange: forward('statechange'),
      onNetStatus: forward('netstatus'),
      onError: forward('error'),
      onAudioVolumeNotify: forward('audiovolumenotify'),
    }),
  )
}
