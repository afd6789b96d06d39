import { View } from '@tarojs/components'
import type { CSSProperties } from 'react'
import { RtcPlayer } from './RtcPlayer'
import type { RtcRoom } from './useRtcRoom'

export interface RtcPlayersProps {
  room: Pick<RtcRoom, 'players' | 'engine' | 'setMute'>
  className?: string
  /** Style of each player (default: two per row, 4:3). */
  playerStyle?: CSSProperties | string
}

const GRID: CSSProperties = { display: 'flex', flexWrap: 'wrap' }
const TILE: CSSProperties = { width: '50%', height: '270px' }

/**
 * Every remote player in a grid, in the order the streams appeared. Tapping a player mutes or
 * unmutes its audio (`mute-audio`), as in a group call.
 */
export function RtcPlayers({ room, className, playerStyle }: RtcPlayersProps) {
  return (
    <View className={className} style={className ? undefined : GRID}>
      {Object.keys(room.players).map((streamId) => (
        <RtcPlayer
          key={streamId}
          room={room}
          streamId={streamId}
          style={playerStyle || TILE}
          onTap={() => room.setMute({ audio: !room.players[streamId]!.muteAudio }, streamId)}
        />
      ))}
    </View>
  )
}
