/**
 * The components render the engine's view models verbatim and forward native events to the
 * engine's doors. `@tarojs/components` only exists in a Taro build, so its live components are
 * replaced by recorders of the props they receive; the compiled-page tests (packages/taro-sim)
 * cover the real template.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, render } from '@testing-library/react'
import { createElement } from 'react'
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES, ErrorCode, type PlayerViewModel, type PusherViewModel } from '@minirtc/core'
import { RtcPermissionPrompt, RtcPlayer, RtcPlayers, RtcPusher, RtcStatusBanner } from '../index'

const rendered = vi.hoisted(() => ({ props: [] as Array<{ tag: string; props: Record<string, any> }> }))
vi.mock('@tarojs/components', () => {
  const host = (tag: string) => (props: Record<string, any>) => {
    rendered.props.push({ tag, props })
    return createElement(tag, { id: props.id, onClick: props.onClick }, props.children)
  }
  return { LivePusher: host('live-pusher'), LivePlayer: host('live-player'), View: host('view'), Text: host('text'), Button: host('button') }
})
vi.mock('@tarojs/taro', () => ({ default: {}, useUnload() {}, useDidShow() {} }))
vi.mock('@tarojs/runtime', () => ({ getCurrentInstance: () => ({ page: null }) }))

afterEach(() => {
  cleanup()
  rendered.props.length = 0
})

const last = (tag: string) => rendered.props.filter((r) => r.tag === tag).at(-1)!.props
const engine = () => ({ handlePusherEvent: vi.fn(), handlePlayerEvent: vi.fn() })

const pusher: PusherViewModel = { ...DEFAULT_PUSHER_ATTRIBUTES, enableMic: false, fps: 20, id: 'minirtc-pusher', url: 'rtmp://h/live/s?sig', autopush: true, streamId: 's', state: 'PUBLISH_REQUESTING' }
const player: PlayerViewModel = {
  ...DEFAULT_PLAYER_ATTRIBUTES,
  muteAudio: true,
  id: 'minirtc-player-1',
  streamId: 'b',
  src: 'http://h/live/b.flv?sig',
  autoplay: true,
  state: 'PLAYING',
  stream: { streamId: 'b', user: { userId: 'bob', userName: 'Bob' }, extraInfo: '' },
}

describe('RtcPusher', () => {
  it('renders every pusher attribute of the view model and no engine bookkeeping', () => {
    render(<RtcPusher room={{ pusher, engine: engine() as never }} />)
    const props = last('live-pusher')
    for (const k of Object.keys(DEFAULT_PUSHER_ATTRIBUTES)) expect([k, props[k]]).toEqual([k, pusher[k as keyof PusherViewModel]])
    expect(props).toMatchObject({ id: 'minirtc-pusher', url: 'rtmp://h/live/s?sig', autopush: true })
    expect(props).not.toHaveProperty('streamId')
    expect(props).not.toHaveProperty('state')
    // A live-pusher without a height renders black on iPhone.
    expect(props.style).toEqual({ width: '100%', height: '240px' })
  })

  it('forwards statechange, netstatus, error and audiovolumenotify to the engine', () => {
    const e = engine()
    render(<RtcPusher room={{ pusher, engine: e as never }} className='preview' />)
    const props = last('live-pusher')
    expect(props.className).toBe('preview')
    expect(props.style).toBeUndefined()
    props.onStateChange({ detail: { code: 1002 } })
    props.onNetStatus({ detail: { info: { videoFPS: 15 } } })
    props.onError({ detail: { errCode: 10001 } })
    props.onAudioVolumeNotify({ detail: { volume: 30 } })
    expect(e.handlePusherEvent.mock.calls).toEqual([
      ['statechange', { code: 1002 }],
      ['netstatus', { info: { videoFPS: 15 } }],
      ['error', { errCode: 10001 }],
      ['audiovolumenotify', { volume: 30 }],
    ])
  })
})

describe('RtcPlayer / RtcPlayers', () => {
  it('renders every native player attribute; protocol, stream and state stay in the engine', () => {
    render(<RtcPlayer room={{ players: { b: player }, engine: engine() as never }} streamId='b' />)
    const props = last('live-player')
    for (const k of Object.keys(DEFAULT_PLAYER_ATTRIBUTES).filter((name) => name !== 'protocol')) expect([k, props[k]]).toEqual([k, player[k as keyof PlayerViewModel]])
    expect(props).toMatchObject({ id: 'minirtc-player-1', src: 'http://h/live/b.flv?sig', autoplay: true, muteAudio: true })
    for (const k of ['protocol', 'stream', 'state', 'streamId']) expect(props).not.toHaveProperty(k)
  })

  it('renders nothing for a stream the engine has no player for', () => {
    render(<RtcPlayer room={{ players: {}, engine: engine() as never }} streamId='x' />)
    expect(rendered.props.filter((r) => r.tag === 'live-player')).toEqual([])
  })

  it('forwards player events with the stream id, metadatachange included', () => {
    const e = engine()
    render(<RtcPlayer room={{ players: { b: player }, engine: e as never }} streamId='b' />)
    const props = last('live-player')
    props.onStateChange({ detail: { code: 2004 } })
    props.onMetaDataChange({ detail: { sei: 'hi' } })
    expect(e.handlePlayerEvent.mock.calls).toEqual([
      ['b', 'statechange', { code: 2004 }],
      ['b', 'metadatachange', { sei: 'hi' }],
    ])
  })

  it('RtcPlayers renders one player per stream; a tap toggles that stream\'s audio', () => {
    const setMute = vi.fn()
    const players = { b: player, c: { ...player, id: 'minirtc-player-2', streamId: 'c', muteAudio: false } }
    render(<RtcPlayers room={{ players, engine: engine() as never, setMute }} />)
    const tiles = rendered.props.filter((r) => r.tag === 'live-player').map((r) => r.props)
    expect(tiles.map((p) => p.id)).toEqual(['minirtc-player-1', 'minirtc-player-2'])
    tiles[0]!.onTap()
    tiles[1]!.onTap()
    expect(setMute.mock.calls).toEqual([
      [{ audio: false }, 'b'],
      [{ audio: true }, 'c'],
    ])
  })
})

describe('RtcStatusBanner / RtcPermissionPrompt', () => {
  it('shows the connection state and the last error', () => {
    const { container, rerender } = render(<RtcStatusBanner room={{ roomState: 'CONNECTING', error: null }} />)
    expect(container.textContent).toBe('Connecting…')
    rerender(<RtcStatusBanner room={{ roomState: 'DISCONNECTED', error: { code: 1002, reason: 'X', message: 'Token expired.' } }} />)
    expect(container.textContent).toBe('Not in a room · Token expired.')
  })

  it('appears only for a refused camera, microphone or privacy agreement: the settings button, or the agreement button that publishes again', () => {
    const publish = vi.fn(() => Promise.resolve())
    const { container, rerender } = render(<RtcPermissionPrompt room={{ error: { code: 1002, reason: 'X', message: 'x' }, publish }} />)
    expect(container.textContent).toBe('')
    rerender(<RtcPermissionPrompt room={{ error: { code: ErrorCode.CAMERA_DENIED, reason: 'CAMERA_DENIED', message: 'x', streamId: 'me_main' }, publish }} />)
    expect(container.textContent).toContain('Camera access is off.')
    // WeChat opens the settings from the button itself; the room publishes when the page shows again.
    expect(last('button').openType).toBe('openSetting')
    rerender(<RtcPermissionPrompt room={{ error: { code: ErrorCode.MICROPHONE_DENIED, reason: 'MICROPHONE_DENIED', message: 'x' }, publish }} />)
    expect(container.textContent).toContain('Microphone access is off.')
    rerender(<RtcPermissionPrompt room={{ error: { code: ErrorCode.PRIVACY_DENIED, reason: 'PRIVACY_DENIED', message: 'x' }, publish }} />)
    expect(container.textContent).toContain('The privacy agreement was declined.')
    expect(last('button').openType).toBe('agreePrivacyAuthorization')
    last('button').onAgreePrivacyAuthorization()
    expect(publish).toHaveBeenCalledTimes(1)
  })
})
