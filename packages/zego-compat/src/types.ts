import type { PlayerState, PublisherState, RoomState, RoomStateReason, UpdateType } from '@minirtc/core'

/** The vendor's user shape (`userID`, not MiniRTC's `userId`). */
export interface ZegoUser {
  userID: string
  userName: string
}

export interface ZegoStreamInfo {
  streamID: string
  user: ZegoUser
  extraInfo: string
}

export interface ZegoRoomExtraInfo {
  key: string
  value: string
  updateUser: ZegoUser
  updateTime: number
}

export interface ZegoBroadcastMessageInfo {
  fromUser: ZegoUser
  message: string
  sendTime: number
  messageID: number
}

export interface ZegoPublisherState {
  streamID: string
  state: PublisherState
  errorCode: number
  extendedData: string
}

export interface ZegoPlayerState {
  streamID: string
  state: PlayerState
  errorCode: number
  extendedData: string
}

/** `publishQualityUpdate` / `playQualityUpdate` figures, from the native `bindnetstatus`. */
export interface ZegoQualityStats {
  video: { videoBitrate: number; videoFPS: number; videoWidth: number; videoHeight: number; videoQuality: number }
  audio: { audioBitrate: number }
}

export interface ZegoSoundLevelInfo {
  streamID: string
  soundLevel: number
  type: 'pull'
}

/** The vendor's mini-program events, with its names and argument shapes. */
export interface ZegoEvents {
  roomStateUpdate(roomID: string, state: RoomState, errorCode: number, extendedData: string): void
  roomStateChanged(roomID: string, reason: RoomStateReason, errorCode: number, extendedData: string): void
  roomUserUpdate(roomID: string, updateType: UpdateType, userList: ZegoUser[]): void
  roomOnlineUserCountUpdate(roomID: string, count: number): void
  roomStreamUpdate(roomID: string, updateType: UpdateType, streamList: ZegoStreamInfo[], extendedData: string): void
  streamExtraInfoUpdate(roomID: string, streamList: ZegoStreamInfo[]): void
  roomExtraInfoUpdate(roomID: string, roomExtraInfoList: ZegoRoomExtraInfo[]): void
  publisherStateUpdate(result: ZegoPublisherState): void
  playerStateUpdate(result: ZegoPlayerState): void
  publishQualityUpdate(streamID: string, stats: ZegoQualityStats): void
  playQualityUpdate(streamID: string, stats: ZegoQualityStats): void
  tokenWillExpire(roomID: string): void
  IMRecvBroadcastMessage(roomID: string, chatData: ZegoBroadcastMessageInfo[]): void
  IMRecvCustomCommand(roomID: string, fromUser: ZegoUser, command: string): void
  soundLevelUpdate(soundLevelList: ZegoSoundLevelInfo[]): void
  capturedSoundLevelUpdate(soundLevel: number): void
  playerRecvSEI(streamID: string, data: string): void
}

/** What the vendor's server-side calls resolve with: failures resolve too, with a non-zero code. */
export interface ZegoServerResponse {
  errorCode: number
  extendedData: string
}

/** `initContext`: the page (or component) whose data the engine writes, and under which keys. */
export interface ZegoContextOptions {
  wxContext: { setData(data: Record<string, unknown>): void }
  /** Data key of the pusher object the page's `<live-pusher>` binds (`pusher.url`...). */
  pushAtr: string
  /** Data key of the player array the page's `wx:for` over `<live-player>` binds. */
  playAtr: string
}
