/**
 * The vendor's events over the engine's: same names for the room events, the vendor's argument
 * shapes (`streamID`, `userID`, nested quality stats), `playerRecvSEI` for the engine's recvSEI.
 */
import type { EngineEvents, QualityStats, StreamInfo, UserInfo } from '@minirtc/core'
import type { ZegoEvents, ZegoQualityStats, ZegoStreamInfo, ZegoUser } from './types'

export const zegoUser = (u: UserInfo): ZegoUser => ({ userID: u.userId, userName: u.userName })
const zegoStreams = (streams: StreamInfo[]): ZegoStreamInfo[] => streams.map((s) => ({ streamID: s.streamId, user: zegoUser(s.user), extraInfo: s.extraInfo }))
const zegoStats = (s: QualityStats): ZegoQualityStats => ({
  video: { videoBitrate: s.videoBitrate, videoFPS: s.videoFPS, videoWidth: s.videoWidth, videoHeight: s.videoHeight, videoQuality: s.quality },
  audio: { audioBitrate: s.audioBitrate },
})
const same = (...args: any[]) => args
const stateInfo = (i: { streamId: string; state: string; errorCode: number; extendedData: string }) => [{ streamID: i.streamId, state: i.state, errorCode: i.errorCode, extendedData: i.extendedData }]

/** Vendor event → the engine event it listens to and how the arguments are reshaped. */
export const ZEGO_EVENTS: { [K in keyof ZegoEvents]: [keyof EngineEvents, (...args: any[]) => unknown[]] } = {
  roomStateUpdate: ['roomStateUpdate', same],
  roomStateChanged: ['roomStateChanged', same],
  roomOnlineUserCountUpdate: ['roomOnlineUserCountUpdate', same],
  tokenWillExpire: ['tokenWillExpire', same],
  capturedSoundLevelUpdate: ['capturedSoundLevelUpdate', same],
  playerRecvSEI: ['recvSEI', same],
  roomUserUpdate: ['roomUserUpdate', (roomId: string, type, users: UserInfo[]) => [roomId, type, users.map(zegoUser)]],
  roomStreamUpdate: ['roomStreamUpdate', (roomId: string, type, streams: StreamInfo[], ext) => [roomId, type, zegoStreams(streams), ext]],
  streamExtraInfoUpdate: ['streamExtraInfoUpdate', (roomId: string, streams: StreamInfo[]) => [roomId, zegoStreams(streams)]],
  roomExtraInfoUpdate: ['roomExtraInfoUpdate', (roomId: string, list) => [roomId, list.map((i: any) => ({ key: i.key, value: i.value, updateUser: zegoUser(i.updateUser), updateTime: i.updateTime }))]],
  publisherStateUpdate: ['publisherStateUpdate', stateInfo],
  playerStateUpdate: ['playerStateUpdate', stateInfo],
  publishQualityUpdate: ['publishQualityUpdate', (streamId: string, stats: QualityStats) => [streamId, zegoStats(stats)]],
  playQualityUpdate: ['playQualityUpdate', (streamId: string, stats: QualityStats) => [streamId, zegoStats(stats)]],
  soundLevelUpdate: ['soundLevelUpdate', (streamId: string, level: number) => [[{ streamID: streamId, soundLevel: level, type: 'pull' }]]],
  IMRecvBroadcastMessage: ['IMRecvBroadcastMessage', (roomId: string, messages) =>
    [roomId, messages.map((m: any) => ({ fromUser: zegoUser(m.fromUser), message: m.message, sendTime: m.sendTime, messageID: m.messageId }))]],
  IMRecvCustomCommand: ['IMRecvCustomCommand', (roomId: string, from: UserInfo, command: string) => [roomId, zegoUser(from), command]],
}
