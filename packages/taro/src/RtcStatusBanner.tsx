import { Text, View } from '@tarojs/components'
import type { CSSProperties } from 'react'
import type { RoomState } from '@minirtc/core'
import type { RtcRoom } from './useRtcRoom'

export interface RtcStatusBannerProps {
  room: Pick<RtcRoom, 'roomState' | 'error'>
  className?: string
  /** Text per room state (defaults in English). */
  labels?: Partial<Record<RoomState, string>>
}

const LABELS: Record<RoomState, string> = { DISCONNECTED: 'Not in a room', CONNECTING: 'Connecting…', CONNECTED: 'Connected' }
const COLORS: Record<RoomState, string> = { DISCONNECTED: '#888', CONNECTING: '#e6a23c', CONNECTED: '#07c160' }

/** One line: the connection state, and the last error's message when there is one. */
export function RtcStatusBanner({ room, className, labels }: RtcStatusBannerProps) {
  const style: CSSProperties | undefined = className ? undefined : { padding: '6px 12px', color: '#fff', background: COLORS[room.roomState] }
  return (
    <View className={className} style={style}>
      <Text>{(labels && labels[room.roomState]) || LABELS[room.roomState]}</Text>
      {room.error ? <Text>{' · ' + room.error.message}</Text> : null}
    </View>
  )
}
