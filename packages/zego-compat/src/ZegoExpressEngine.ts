import { ErrorCode, RtcEngine, RtcError, callContext, type EngineEvents, type LivePusher, type RtcEngineOptions } from '@minirtc/core'
import { createMiniProgramPlatform } from '@minirtc/core/miniprogram'
import { ZEGO_EVENTS } from './events'
import { playerAttributes, playerList, pusherAttributes, pusherData, type ZegoPlayerData, type ZegoPusherData } from './pageData'
import type { ZegoContextOptions, ZegoEvents, ZegoServerResponse, ZegoUser } from './types'

declare const wx: any

type Native = { detail?: Record<string, unknown> }

const notSupported = (call: string) => new RtcError(ErrorCode.NOT_SUPPORTED, call + ' is not supported by MiniRTC; see docs/migrating-from-zego.md.')
/** Vendor calls MiniRTC has no equivalent for reject with NOT_SUPPORTED, never silently. */
const unsupported = (call: string): Promise<never> => Promise.reject(notSupported(call))

/** The engine event behind a vendor event name; undefined for a name MiniRTC does not have. */
const eventOf = (name: string) => (Object.prototype.hasOwnProperty.call(ZEGO_EVENTS, name) ? ZEGO_EVENTS[name as keyof ZegoEvents] : undefined)

/** `sendBroadcastMessage` & co. resolve with the vendor's `{ errorCode, extendedData }`, failures too. */
function serverCall<T extends object>(promise: Promise<T | void>): Promise<ZegoServerResponse & T> {
  return promise.then(
    (res) => Object.assign({ errorCode: 0, extendedData: '' }, res) as ZegoServerResponse & T,
    (err: RtcError) => ({ errorCode: err.code, extendedData: err.message }) as ZegoServerResponse & T,
  )
}

const PUSHER_CONTEXT = ['pause', 'resume', 'toggleTorch', 'startPreview', 'stopPreview', 'playBGM', 'pauseBGM', 'resumeBGM', 'stopBGM', 'setBGMVolume', 'setMICVolume'] as const
const PLAYER_CONTEXT = ['pause', 'resume', 'mute', 'snapshot', 'requestFullScreen', 'exitFullScreen', 'exitPictureInPicture'] as const
/** Calls passed to the native live context, as the vendor does; they settle with WeChat's callbacks. */
type ContextCalls<M extends string> = { [K in M]: (options?: object) => Promise<unknown> }

/** `base` plus each of `methods` calling the live context that `ctx()` returns. */
function withContextCalls<B extends object, M extends string>(base: B, methods: readonly M[], ctx: () => any): B & ContextCalls<M> {
  const out = base as B & ContextCalls<M>
  for (const method of methods) (out as Record<string, unknown>)[method] = (options?: object) => callContext(ctx(), method, options)
  return out
}

/** The local pusher, as `createPusher()` returns it. */
export interface ZegoPusher extends ContextCalls<(typeof PUSHER_CONTEXT)[number]> {
  /** Publish as `streamID`; resolves at PUBLISHING (the page must render `pusher.url` and forward its events). */
  start(streamID: string, options?: { extraInfo?: string }): Promise<void>
  stop(): void
  switchCamera(): void
  snapshot(): Promise<unknown>
  setPusherAttributes(attributes: ZegoPusherData): void
}

/** A remote stream's player, as `getPlayerInstance(streamID)` returns it. */
export interface ZegoPlayer extends ContextCalls<(typeof PLAYER_CONTEXT)[number]> {
  /** Resolves at PLAYING (the page must render the player list and forward its events). */
  play(): Promise<void>
  stop(): void
  setPlayerAttributes(attributes: ZegoPlayerData): void
  /** WeChat's LivePlayerContext has none (picture-in-picture is the `picture-in-picture-mode` attribute): NOT_SUPPORTED. */
  requestPictureInPicture(): Promise<never>
}

/**
 * ZEGO's mini-program engine over MiniRTC: the vendor's methods, events and page data, so a page
 * written for `zego-express-engine-miniprogram` moves by changing its import, server URL and
 * token source (tokens come from your MiniRTC server, `createToken()`).
 *
 * @example
 * const zg = new ZegoExpressEngine('my-app', 'wss://rtc.example.com/ws')
 * zg.initContext({ wxContext: this, pushAtr: 'pusher', playAtr: 'playerList' })
 * zg.on('roomStreamUpdate', (roomID, type, list) => list.forEach((s) => type === 'ADD' ? zg.getPlayerInstance(s.streamID).play() : zg.getPlayerInstance(s.streamID).stop()))
 * await zg.loginRoom('room-1', token, { userID: 'u1', userName: 'Ann' }, { userUpdate: true })
 * await zg.createPusher().start('u1-main')
 */
export class ZegoExpressEngine {
  private readonly engine: RtcEngine
  private context: ZegoContextOptions | null = null
  private rendered = ''
  private pusher: ZegoPusher | null = null
  private readonly listeners: Array<{ name: string; fn: unknown; wrapper: (...args: any[]) => void }> = []

  constructor(appID: number | string, server: string | string[], options: Partial<Pick<RtcEngineOptions, 'logger' | 'reconnectPolicy'>> = {}) {
    const platform = createMiniProgramPlatform(wx, {
      createPusherContext: () => wx.createLivePusherContext(),
      // The page's WXML gives each live-player the stream id (`id="{{item.id}}"`).
      createPlayerContext: (id) => {
        const players = this.engine.getSnapshot().players
        const streamID = Object.keys(players).filter((s) => players[s]!.id === id)[0] || id
        return wx.createLivePlayerContext(streamID, this.context && this.context.wxContext)
      },
    })
    this.engine = new RtcEngine(Object.assign({ appId: String(appID), server: Array.isArray(server) ? server[0]! : server, platform }, options))
    this.engine.subscribe(() => this.render())
  }

  /** Register a vendor event (`roomStreamUpdate`, `publisherStateUpdate`...); false for an event MiniRTC does not have. */
  on<K extends keyof ZegoEvents>(name: K, fn: ZegoEvents[K]): boolean {
    const known = eventOf(name)
    if (!known) return false
    const wrapper = (...args: any[]) => (fn as (...a: unknown[]) => void)(...known[1](...args))
    this.listeners.push({ name, fn, wrapper })
    this.engine.on(known[0], wrapper as EngineEvents[keyof EngineEvents])
    return true
  }

  off<K extends keyof ZegoEvents>(name: K, fn?: ZegoEvents[K]): boolean {
    const known = eventOf(name)
    if (!known) return false
    for (const l of this.listeners.slice())
      if (l.name === name && (!fn || l.fn === fn)) {
        this.engine.off(known[0], l.wrapper as EngineEvents[keyof EngineEvents])
        this.listeners.splice(this.listeners.indexOf(l), 1)
      }
    return true
  }

  /** Resolves true once in the room; rejects with an RtcError (a MiniRTC token is required). `maxMemberCount` is the server's configuration here. */
  loginRoom(roomID: string, token: string, user: ZegoUser, config: { userUpdate?: boolean; maxMemberCount?: number } = {}): Promise<boolean> {
    return this.engine.loginRoom(roomID, token, { userId: user.userID, userName: user.userName }, { userUpdate: !!config.userUpdate }).then(() => true)
  }

  logoutRoom(roomID?: string): void {
    this.engine.logoutRoom(roomID)
  }

  /** Hand the server a fresh MiniRTC token (after `tokenWillExpire`). */
  renewToken(token: string, roomID?: string): Promise<void> {
    if (roomID && roomID !== this.engine.getSnapshot().roomId) return Promise.reject(new RtcError(ErrorCode.NOT_LOGGED_IN))
    return this.engine.renewToken(token)
  }

  /**
   * Write the room into the page: under `pushAtr` the object the `<live-pusher>` binds (its
   * `url` stays '' until publishing), under `playAtr` the array the `<live-player>`s bind. Only
   * those two keys, on every change.
   */
  initContext(options: ZegoContextOptions): void {
    this.context = options
    this.rendered = ''
    this.render()
  }

  createPusher(attributes?: ZegoPusherData): ZegoPusher {
    const inner: LivePusher = this.engine.createPusher()
    if (!this.pusher) {
      const base = {
        start: (streamID: string, options?: { extraInfo?: string }) => inner.start(streamID, options),
        stop: () => inner.stop(),
        switchCamera: () => inner.switchCamera(),
        snapshot: () => inner.snapshot(),
        setPusherAttributes: (attrs: ZegoPusherData) => inner.setAttributes(pusherAttributes(attrs)),
      }
      this.pusher = withContextCalls(base, PUSHER_CONTEXT, () => wx.createLivePusherContext())
    }
    if (attributes) this.pusher.setPusherAttributes(attributes)
    return this.pusher
  }

  getPusherInstance(): ZegoPusher {
    return this.createPusher()
  }

  /** `wxContext`: the component rendering this `<live-player>`, when it is not the initContext page. */
  getPlayerInstance(streamID: string, wxContext?: unknown): ZegoPlayer {
    const inner = this.engine.getPlayerInstance(streamID)
    const base = {
      play: () => inner.play(),
      stop: () => inner.stop(),
      setPlayerAttributes: (attrs: ZegoPlayerData) => inner.setAttributes(playerAttributes(attrs)),
      requestPictureInPicture: () => unsupported('requestPictureInPicture'),
    }
    const scope = wxContext || (this.context && this.context.wxContext)
    return withContextCalls(base, PLAYER_CONTEXT, () => wx.createLivePlayerContext(streamID, scope))
  }

  /** Forward `bindstatechange` of the `<live-pusher>` (with its stream id) or of a `<live-player>`. */
  updatePlayerState(streamID: string, e: Native): void {
    this.forward(streamID, 'statechange', e)
  }

  /** Forward `bindnetstatus`: quality events come from here. */
  updatePlayerNetStatus(streamID: string, e: Native): void {
    this.forward(streamID, 'netstatus', e)
  }

  /** Forward `bindaudiovolumenotify`: sound level events come from here. */
  updateAudioVolumeNotify(streamID: string, e: Native): void {
    this.forward(streamID, 'audiovolumenotify', e)
  }

  startPublishingStream(streamID: string, options?: { extraInfo?: string }): Promise<{ streamID: string; url: string }> {
    return this.createPusher()
      .start(streamID, options)
      .then(() => ({ streamID, url: this.engine.getSnapshot().pusher.url }))
  }

  stopPublishingStream(streamID: string): boolean {
    if (this.engine.getSnapshot().pusher.streamId !== streamID) return false
    this.engine.createPusher().stop()
    return true
  }

  startPlayingStream(streamID: string): Promise<{ streamID: string; url: string }> {
    return this.engine
      .getPlayerInstance(streamID)
      .play()
      .then(() => ({ streamID, url: this.engine.getSnapshot().players[streamID]!.src }))
  }

  stopPlayingStream(streamID: string): void {
    this.engine.getPlayerInstance(streamID).stop()
  }

  mutePublishStreamAudio(mute: boolean): boolean {
    this.engine.createPusher().setMute({ audio: mute })
    return true
  }

  mutePublishStreamVideo(mute: boolean): boolean {
    this.engine.createPusher().setMute({ video: mute })
    return true
  }

  mutePlayStreamAudio(streamID: string, mute: boolean): boolean {
    this.engine.getPlayerInstance(streamID).setMute({ audio: mute })
    return true
  }

  mutePlayStreamVideo(streamID: string, mute: boolean): boolean {
    this.engine.getPlayerInstance(streamID).setMute({ video: mute })
    return true
  }

  setPusherAttributes(attributes: ZegoPusherData): void {
    this.createPusher().setPusherAttributes(attributes)
  }

  setPlayerAttributes(streamID: string, attributes: ZegoPlayerData): void {
    this.getPlayerInstance(streamID).setPlayerAttributes(attributes)
  }

  /** What the page's player list holds. */
  getPlayerList(): ZegoPlayerData[] {
    return playerList(this.engine.getSnapshot())
  }

  sendBroadcastMessage(roomID: string, message: string): Promise<ZegoServerResponse & { messageID?: number }> {
    return serverCall(this.engine.sendBroadcastMessage(roomID, message).then((r) => ({ messageID: r.messageId })))
  }

  sendCustomCommand(roomID: string, command: string, toUserIDList: string[]): Promise<ZegoServerResponse> {
    return serverCall(this.engine.sendCustomCommand(roomID, command, toUserIDList))
  }

  setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ZegoServerResponse> {
    return serverCall(this.engine.setRoomExtraInfo(roomID, key, value))
  }

  setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ZegoServerResponse> {
    return serverCall(this.engine.setStreamExtraInfo(streamID, extraInfo))
  }

  /**
   * The MiniRTC server relays the stream (the token needs the `relay` grant). A plain request:
   * the engine has no method for it, so that the core bundle does not carry one for every app.
   */
  addPublishCdnUrl(streamID: string, targetURL: string): Promise<ZegoServerResponse> {
    return serverCall(this.engine.request('addPublishCdnUrl', { streamId: streamID, url: targetURL }))
  }

  removePublishCdnUrl(streamID: string, targetURL: string): Promise<ZegoServerResponse> {
    return serverCall(this.engine.request('removePublishCdnUrl', { streamId: streamID, url: targetURL }))
  }

  /** MiniRTC keeps no remote logs: accepted and ignored (the engine takes a `logger` option). */
  setLogConfig(): boolean {
    return true
  }

  setDebugVerbose(): void {}

  getVersion(): string {
    return 'minirtc-zego-compat 0.1.0'
  }

  /** Log out and release everything; the page data is cleared. */
  destroyEngine(): void {
    this.engine.destroy()
    this.render()
    this.context = null
  }

  // ---- no MiniRTC equivalent (docs/migrating-from-zego.md says what to use instead)


  startMixerTask(): Promise<never> {
    return unsupported('startMixerTask')
  }

  stopMixerTask(): Promise<never> {
    return unsupported('stopMixerTask')
  }

  setMixerTaskConfig(): Promise<never> {
    return unsupported('setMixerTaskConfig')
  }

  startAutoMixerTask(): Promise<never> {
    return unsupported('startAutoMixerTask')
  }

  stopAutoMixerTask(): Promise<never> {
    return unsupported('stopAutoMixerTask')
  }

  sendBarrageMessage(): Promise<never> {
    return unsupported('sendBarrageMessage')
  }

  getNextUrl(): Promise<never> {
    return unsupported('getNextUrl')
  }

  checkSystemRequirements(): Promise<never> {
    return unsupported('checkSystemRequirements')
  }

  enableMultiRoom(): Promise<never> {
    return unsupported('enableMultiRoom')
  }

  static setCloudProxyConfig(): never {
    throw notSupported('setCloudProxyConfig')
  }

  static setLocalProxyConfig(): never {
    throw notSupported('setLocalProxyConfig')
  }

  static setEngineOptions(): never {
    throw notSupported('setEngineOptions')
  }

  static setGeoFence(): never {
    throw notSupported('setGeoFence')
  }

  static use(): never {
    throw notSupported('use')
  }

  private forward(streamID: string, kind: 'statechange' | 'netstatus' | 'audiovolumenotify', e: Native): void {
    const detail = (e && e.detail) || {}
    if (streamID === this.engine.getSnapshot().pusher.streamId) this.engine.handlePusherEvent(kind, detail)
    else this.engine.handlePlayerEvent(streamID, kind, detail)
  }

  private render(): void {
    const context = this.context
    if (!context) return
    const snapshot = this.engine.getSnapshot()
    const data: Record<string, unknown> = {}
    data[context.pushAtr] = pusherData(snapshot.pusher)
    data[context.playAtr] = playerList(snapshot)
    // setData crosses to the render thread: only when something the WXML binds changed.
    const json = JSON.stringify(data)
    if (json === this.rendered) return
    this.rendered = json
    context.wxContext.setData(data)
  }
}

