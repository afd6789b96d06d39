/**
 * The page data the vendor's WXML binds, derived from the engine's snapshot: a pusher object
 * (`<live-pusher wx:if="{{pusher.url}}" url="{{pusher.url}}" enable-camera="{{pusher.enableCamera}}" ...>`)
 * and a player array (`<live-player wx:for="{{playerList}}" id="{{item.id}}" src="{{item.url}}" ...>`).
 */
import type { EngineSnapshot, PlayerAttributes, PlayerViewModel, PusherAttributes, PusherViewModel } from '@minirtc/core'

/** Vendor pusher key → engine attribute, where the names differ (`frontCamera` is derived from devicePosition). */
const PUSHER_RENAMED: { [zego: string]: keyof PusherAttributes } = {
  enableAutoFocus: 'autoFocus',
  enableZoom: 'zoom',
  beautyLevel: 'beauty',
  whitenessLevel: 'whiteness',
  videoOrientation: 'orientation',
  videoAspect: 'aspect',
  enableRemoteMirror: 'remoteMirror',
  enableBackgroundMute: 'backgroundMute',
}

/** Pusher keys the vendor and the engine name alike. */
const PUSHER_SAME = ['mode', 'enableCamera', 'enableMic', 'enableAgc', 'enableAns', 'enableEarMonitor', 'minBitrate', 'maxBitrate', 'videoWidth', 'videoHeight', 'localMirror', 'audioQuality', 'audioVolumeType', 'audioReverbType', 'waitingImage', 'beautyStyle', 'filter'] as const

/** Player keys the vendor and the engine name alike (`id`, `streamID`, `url` are derived). */
const PLAYER_SAME = ['autoplay', 'muteAudio', 'muteVideo', 'orientation', 'objectFit', 'minCache', 'maxCache', 'soundMode', 'enableRecvMessage', 'autoPauseIfNavigate', 'autoPauseIfOpenNative'] as const

export type ZegoPusherData = Record<string, unknown>
export type ZegoPlayerData = Record<string, unknown>

export function pusherData(vm: PusherViewModel): ZegoPusherData {
  const out: ZegoPusherData = { url: vm.url, autopush: vm.autopush }
  for (const key of PUSHER_SAME) out[key] = vm[key]
  for (const zego of Object.keys(PUSHER_RENAMED)) out[zego] = vm[PUSHER_RENAMED[zego]!]
  out.frontCamera = vm.devicePosition === 'front'
  return out
}

/** Items carry `id` = stream id: pages forward `updatePlayerState(e.currentTarget.id, e)`. */
export function playerData(vm: PlayerViewModel): ZegoPlayerData {
  const out: ZegoPlayerData = { id: vm.streamId, streamID: vm.streamId, url: vm.src }
  for (const key of PLAYER_SAME) out[key] = vm[key]
  return out
}

export function playerList(snapshot: EngineSnapshot): ZegoPlayerData[] {
  return Object.keys(snapshot.players).map((id) => playerData(snapshot.players[id]!))
}

/** `setPusherAttributes({ frontCamera: false, beautyLevel: 3 })` in the vendor's names → engine attributes. */
export function pusherAttributes(zego: ZegoPusherData): Partial<PusherAttributes> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(zego)) {
    if (key === 'frontCamera') out.devicePosition = zego[key] ? 'front' : 'back'
    else if (PUSHER_RENAMED[key]) out[PUSHER_RENAMED[key]!] = zego[key]
    else if ((PUSHER_SAME as readonly string[]).indexOf(key) >= 0) out[key] = zego[key]
  }
  return out as Partial<PusherAttributes>
}

/** `setPlayerAttributes(streamID, { muteAudio: true })`: the engine-controlled keys only. */
export function playerAttributes(zego: ZegoPlayerData): Partial<PlayerAttributes> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(zego)) if (key !== 'autoplay' && (PLAYER_SAME as readonly string[]).indexOf(key) >= 0) out[key] = zego[key]
  return out as Partial<PlayerAttributes>
}
