import type { StoredStream } from '../store/RoomStore'
import type { MediaAuthority } from './MediaAuthority'

/** Play URLs of server-side players are checked once, when ffmpeg connects. */
const PLAY_URL_TTL_SECONDS = 60

/**
 * The server's own players (recorders, relays): each is a `ref` admitted to play the streams of
 * one room, pulling through URLs signed for it like any player's, from the media server that
 * holds the stream. Closing the ref drops its connections and voids its URLs.
 */
export class ServerPlayers {
  constructor(
    private readonly authority: MediaAuthority,
    /** RTMP base (without the media name) this process reaches a stream's media server on. */
    private readonly rtmpBase: (mediaName: string) => string,
  ) {}

  /** Admit `ref` to the room; returns the signed play URL of one of its streams. */
  open(ref: string, appId: string, roomId: string): (st: StoredStream) => string {
    this.authority.addViewer(ref, appId, roomId)
    return (st) => {
      const expires = Math.floor(Date.now() / 1000) + PLAY_URL_TTL_SECONDS
      const q = this.authority.signer.sign({ kind: 'play', mediaName: st.mediaName, ref, expires })
      return `${this.rtmpBase(st.mediaName)}/${st.mediaName}?${q}`
    }
  }

  close(ref: string): void {
    this.authority.removeViewer(ref)
  }
}
