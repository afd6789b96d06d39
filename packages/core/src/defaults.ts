import type { PlayerAttributes, PusherAttributes, ReconnectPolicy } from './types'

/** WeChat's own defaults, except where a call needs otherwise (mode RTC, voicecall volume). */
export const DEFAULT_PUSHER_ATTRIBUTES: PusherAttributes = {
  mode: 'RTC',
  enableCamera: true,
  enableMic: true,
  muted: false,
  autoFocus: true,
  orientation: 'vertical',
  beauty: 0,
  whiteness: 0,
  aspect: '9:16',
  minBitrate: 200,
  maxBitrate: 1000,
  audioQuality: 'high',
  waitingImage: '',
  waitingImageHash: '',
  zoom: false,
  devicePosition: 'front',
  backgroundMute: false,
  remoteMirror: false,
  localMirror: 'auto',
  audioReverbType: 0,
  enableAgc: false,
  enableAns: false,
  audioVolumeType: 'voicecall',
  videoWidth: 360,
  videoHeight: 640,
  beautyStyle: 'smooth',
  filter: 'standard',
  fps: 15,
  enableEarMonitor: false,
  voiceChangerType: 0,
  debug: false,
}

/** Call-friendly player defaults: RTC mode with a small buffer (WeChat's live default is 1-3 s). */
export const DEFAULT_PLAYER_ATTRIBUTES: PlayerAttributes = {
  mode: 'RTC',
  muted: false,
  muteAudio: false,
  muteVideo: false,
  orientation: 'vertical',
  objectFit: 'fillCrop',
  minCache: 0.2,
  maxCache: 0.8,
  soundMode: 'speaker',
  autoPauseIfNavigate: true,
  autoPauseIfOpenNative: true,
  enableRecvMessage: true,
  enableMetadata: false,
  debug: false,
  protocol: 'flv',
}

const DELAYS = [0, 300, 1200, 2700, 4800, 7000]

/**
 * Retries at 0, 0.3, 1.2, 2.7, 4.8 s and then every 7 s (with up to 1 s of jitter after the
 * first two, so a server restart is not met by every client at once); gives up after `maxMs`.
 */
export function createDefaultReconnectPolicy(maxMs = 90000, random: () => number = Math.random): ReconnectPolicy {
  return {
    nextRetryDelayMs(ctx) {
      if (ctx.elapsedMs > maxMs) return null
      const base = DELAYS[Math.min(ctx.retryCount, DELAYS.length - 1)]!
      return ctx.retryCount < 2 ? base : base + Math.floor(random() * 1000)
    },
  }
}
