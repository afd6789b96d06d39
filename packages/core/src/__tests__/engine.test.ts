import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@minirtc/protocol'
import { RtcError } from '../errors'
import { alice, bob, carol, createTestRig, loggedInRig, streamOf } from './harness'

describe('login', () => {
  it('goes CONNECTING → CONNECTED with LOGINING/LOGINED and renders the room it joined', async () => {
    const rig = createTestRig()
    rig.server.remoteUsers.push(bob)
    rig.server.streams.push(streamOf(bob))
    const p = rig.engine.loginRoom('room1', 'token', alice, { userUpdate: true })
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTING')
    rig.clock.flush()
    await expect(p).resolves.toBeUndefined()
    expect(rig.of('roomStateChanged').map((a) => a[1])).toEqual(['LOGINING', 'LOGINED'])
    expect(rig.of('roomStateUpdate').map((a) => a[1])).toEqual(['CONNECTING', 'CONNECTED'])
    expect(rig.of('roomUserUpdate')).toEqual([['room1', 'ADD', [bob]]])
    expect(rig.of('roomStreamUpdate')).toEqual([['room1', 'ADD', [streamOf(bob)], '']])
    const snap = rig.engine.getSnapshot()
    expect(snap.users).toEqual([bob])
    expect(snap.onlineCount).toBe(2)
    expect(snap.user).toEqual(alice)
  })

  it('sends the app id, room, token and user in the login request', async () => {
    const rig = createTestRig()
    const p = rig.engine.loginRoom('room1', 'tok', alice)
    rig.clock.flush()
    await p
    const login = rig.server.sockets[0]!.sent.find((m) => m.op === 'login')
    expect(login).toMatchObject({ v: 1, op: 'login', d: { appId: 'app1', roomId: 'room1', token: 'tok', user: alice, userUpdate: false } })
  })

  it('is idempotent while pending and resolves at once when already in the room', async () => {
    const rig = createTestRig()
    const a = rig.engine.loginRoom('room1', 'token', alice)
    const b = rig.engine.loginRoom('room1', 'token', alice)
    expect(b).toBe(a)
    rig.clock.flush()
    await a
    await expect(rig.engine.loginRoom('room1', 'token', alice)).resolves.toBeUndefined()
    expect(rig.server.log.filter((op) => op === 'login')).toHaveLength(1)
    await expect(rig.engine.loginRoom('room2', 'token', alice)).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE })
  })

  it('rejects with the server code and says LOGIN_FAILED', async () => {
    const rig = createTestRig()
    rig.server.opts.loginError = ErrorCode.TOKEN_EXPIRED
    const p = rig.engine.loginRoom('room1', 'token', alice)
    rig.clock.flush()
    const err = await p.catch((e) => e)
    expect(err).toBeInstanceOf(RtcError)
    expect(err).toMatchObject({ code: ErrorCode.TOKEN_EXPIRED, reason: 'TOKEN_EXPIRED' })
    expect(err.message).toMatch(/renewToken|new one/)
    expect(rig.of('roomStateChanged').map((a) => [a[1], a[2]])).toEqual([
      ['LOGINING', 0],
      ['LOGIN_FAILED', ErrorCode.TOKEN_EXPIRED],
    ])
    expect(rig.engine.getSnapshot().roomState).toBe('DISCONNECTED')
    expect(rig.engine.getSnapshot().error).toMatchObject({ code: ErrorCode.TOKEN_EXPIRED })
  })

  it('fails fast with NETWORK_ERROR when the server cannot be reached', async () => {
    const rig = createTestRig()
    rig.server.opts.down = true
    const p = rig.engine.loginRoom('room1', 'token', alice)
    rig.clock.flush()
    await expect(p).rejects.toMatchObject({ code: ErrorCode.NETWORK_ERROR })
  })

  it('times out when the server never answers', async () => {
    const rig = createTestRig()
    rig.server.opts.silentOps = ['login']
    const p = rig.engine.loginRoom('room1', 'token', alice)
    rig.clock.flush()
    rig.clock.advance(10_000)
    await expect(p).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT })
  })

  it('requires a user and a token before touching the network (the ID rules are the server\'s)', async () => {
    const rig = createTestRig()
    await expect(rig.engine.loginRoom('r', 't', undefined as never)).rejects.toMatchObject({ code: ErrorCode.INVALID_USER_ID })
    await expect(rig.engine.loginRoom('r', 't', { userId: '' })).rejects.toMatchObject({ code: ErrorCode.INVALID_USER_ID })
    await expect(rig.engine.loginRoom('r', '', alice)).rejects.toMatchObject({ code: ErrorCode.TOKEN_MISSING })
    expect(rig.server.sockets).toHaveLength(0)
  })

  it('logout while logging in rejects the login with ABORTED', async () => {
    const rig = createTestRig()
    const p = rig.engine.loginRoom('room1', 'token', alice)
    rig.engine.logoutRoom()
    await expect(p).rejects.toMatchObject({ code: ErrorCode.ABORTED })
    rig.clock.flush()
    expect(rig.engine.getSnapshot().roomState).toBe('DISCONNECTED')
  })
})

describe('room events', () => {
  it('follows users, online count, streams, extra info and IM pushes', async () => {
    const rig = await loggedInRig({ userUpdate: true })
    rig.events.length = 0
    rig.server.addUser(bob)
    rig.server.addStream(streamOf(bob, 'b1', 'hi'))
    rig.server.push('streamExtraInfo', { streams: [streamOf(bob, 'b1', 'new')] })
    rig.server.push('roomExtraInfo', { extraInfo: [{ key: 'topic', value: 'x', updateUser: bob, updateTime: 1 }] })
    rig.server.push('broadcast', { messages: [{ messageId: 1, fromUser: bob, message: 'yo', sendTime: 1 }] })
    rig.server.push('customCommand', { fromUser: bob, command: 'raise-hand' })
    rig.server.push('tokenWillExpire', { expiresAt: 1 })
    rig.server.removeUser('bob')
    expect(rig.events.map((e) => e.name)).toEqual([
      'roomUserUpdate',
      'roomOnlineUserCountUpdate',
      'roomStreamUpdate',
      'streamExtraInfoUpdate',
      'roomExtraInfoUpdate',
      'IMRecvBroadcastMessage',
      'IMRecvCustomCommand',
      'tokenWillExpire',
      'roomUserUpdate',
      'roomOnlineUserCountUpdate',
    ])
    const snap = rig.engine.getSnapshot()
    expect(snap.streams).toEqual([streamOf(bob, 'b1', 'new')])
    expect(snap.roomExtraInfo[0]).toMatchObject({ key: 'topic', value: 'x' })
    expect(snap.users).toEqual([])
    expect(rig.of('IMRecvCustomCommand')[0]).toEqual(['room1', bob, 'raise-hand'])
  })

  it('emits no roomUserUpdate without userUpdate, as vendor SDKs do', async () => {
    const rig = await loggedInRig({ userUpdate: false })
    rig.server.addUser(bob)
    expect(rig.of('roomUserUpdate')).toEqual([])
    expect(rig.engine.getSnapshot().users).toEqual([])
    expect(rig.of('roomOnlineUserCountUpdate').slice(-1)[0]).toEqual(['room1', 2])
  })

  it('ignores duplicated pushes (same seq)', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    const sock = rig.server.liveSockets[0]!
    const session = sock.session!
    sock.deliver(session.buffer.slice(-1)[0])
    expect(rig.of('roomStreamUpdate')).toHaveLength(1)
  })

  it('keeps the same snapshot reference until something changes', async () => {
    const rig = await loggedInRig()
    const a = rig.engine.getSnapshot()
    rig.engine.handlePusherEvent('netstatus', { info: { videoBitrate: 1 } })
    rig.server.push('broadcast', { messages: [] })
    expect(rig.engine.getSnapshot()).toBe(a)
    rig.server.addStream(streamOf(bob))
    expect(rig.engine.getSnapshot()).not.toBe(a)
    expect(Object.isFrozen(rig.engine.getSnapshot())).toBe(true)
  })

  it('notifies subscribers once per change and stops after unsubscribe', async () => {
    const rig = await loggedInRig()
    let calls = 0
    const off = rig.engine.subscribe(() => calls++)
    rig.server.addStream(streamOf(bob))
    expect(calls).toBeGreaterThan(0)
    const n = calls
    off()
    rig.server.addStream(streamOf(carol))
    expect(calls).toBe(n)
  })

  it('a throwing listener does not break the engine', async () => {
    const rig = await loggedInRig()
    rig.engine.on('roomStreamUpdate', () => {
      throw new Error('app bug')
    })
    rig.server.addStream(streamOf(bob))
    expect(rig.engine.getSnapshot().streams).toHaveLength(1)
  })

  it('sends IM and extra-info requests and surfaces server errors as RtcError', async () => {
    const rig = await loggedInRig()
    await expect(rig.engine.sendBroadcastMessage('room1', 'hello')).resolves.toEqual({ messageId: 1 })
    await expect(rig.engine.sendCustomCommand('room1', 'cmd', ['bob'])).resolves.toBeUndefined()
    await expect(rig.engine.setRoomExtraInfo('room1', 'k', 'v')).resolves.toBeUndefined()
    await expect(rig.engine.sendBroadcastMessage('other', 'x')).rejects.toMatchObject({ code: ErrorCode.NOT_LOGGED_IN })
    rig.engine.logoutRoom()
    await expect(rig.engine.sendBroadcastMessage('room1', 'x')).rejects.toMatchObject({ code: ErrorCode.NOT_LOGGED_IN })
  })

  it('kickout push ends the session with KICKOUT and no reconnect', async () => {
    const rig = await loggedInRig()
    rig.server.push('kickout', { code: ErrorCode.KICKED_OUT, reason: 'KICKED_OUT' })
    expect(rig.of('roomStateChanged').slice(-1)[0]!.slice(1, 3)).toEqual(['KICKOUT', ErrorCode.KICKED_OUT])
    rig.clock.advance(60_000)
    expect(rig.server.log.filter((op) => op === 'login' || op === 'resume')).toHaveLength(1)
  })

  it('a close with a kick code is KICKOUT too', async () => {
    const rig = await loggedInRig()
    rig.server.dropAll(4003)
    expect(rig.of('roomStateChanged').slice(-1)[0]!.slice(1, 3)).toEqual(['KICKOUT', ErrorCode.LOGGED_IN_ELSEWHERE])
  })
})

describe('publisher', () => {
  it('PUBLISH_REQUESTING until the media server confirms; native 1002 alone is not enough', async () => {
    const rig = await loggedInRig()
    const pusher = rig.engine.createPusher({ beauty: 5 })
    const started = pusher.start('alice-cam', { extraInfo: 'front' })
    const vm = rig.engine.getSnapshot().pusher
    expect(vm).toMatchObject({ streamId: 'alice-cam', state: 'PUBLISH_REQUESTING', autopush: true, beauty: 5 })
    expect(vm.url).toMatch(/^rtmp:\/\/media\.test/)
    expect(rig.server.sockets[0]!.sent.find((m) => m.op === 'publish').d).toEqual({ streamId: 'alice-cam', extraInfo: 'front' })
    rig.engine.handlePusherEvent('statechange', { code: 1001 })
    rig.engine.handlePusherEvent('statechange', { code: 1002 })
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISH_REQUESTING')
    rig.server.confirmPublish('alice-cam')
    await expect(started).resolves.toBeUndefined()
    expect(rig.of('publisherStateUpdate').map((a: any) => a[0].state)).toEqual(['PUBLISH_REQUESTING', 'PUBLISHING'])
  })

  it('reports PUBLISHING from the server even when WeChat sends no 1002 (1005 only)', async () => {
    const rig = await loggedInRig()
    rig.engine.createPusher().start('s1')
    rig.engine.handlePusherEvent('statechange', { code: 1005 })
    rig.server.confirmPublish('s1')
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISHING')
  })

  it('native reconnect codes drop to PUBLISH_REQUESTING and any later progress code recovers', async () => {
    const rig = await loggedInRig()
    rig.engine.createPusher().start('s1')
    rig.server.confirmPublish('s1')
    rig.engine.handlePusherEvent('statechange', { code: 1102 })
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISH_REQUESTING')
    rig.engine.handlePusherEvent('statechange', { code: 3005 })
    rig.engine.handlePusherEvent('statechange', { code: 1005 })
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISHING')
    // WeChat's code travels in nativeCode, never in errorCode (MiniRTC's own codes).
    const states = rig.of('publisherStateUpdate').map((a: any) => [a[0].state, a[0].errorCode, a[0].nativeCode])
    expect(states).toEqual([
      ['PUBLISH_REQUESTING', 0, 0],
      ['PUBLISHING', 0, 0],
      ['PUBLISH_REQUESTING', 0, 1102],
      ['PUBLISHING', 0, 0],
    ])
  })

  it('server STOPPED then PUBLISHING (media reconnect) round-trips the state', async () => {
    const rig = await loggedInRig()
    rig.engine.createPusher().start('s1')
    rig.server.confirmPublish('s1')
    rig.server.confirmPublish('s1', 'STOPPED')
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISH_REQUESTING')
    rig.server.confirmPublish('s1')
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISHING')
  })

  it('-1307 restarts the push with a fresh URL, then gives up with PUSH_FAILED', async () => {
    const rig = await loggedInRig()
    const started = rig.engine.createPusher().start('s1')
    const urls = [rig.engine.getSnapshot().pusher.url]
    for (let i = 0; i < 3; i++) {
      rig.engine.handlePusherEvent('statechange', { code: -1307 })
      expect(rig.engine.getSnapshot().pusher).toMatchObject({ url: '', state: 'PUBLISH_REQUESTING' })
      rig.clock.advance(5000)
      urls.push(rig.engine.getSnapshot().pusher.url)
    }
    expect(new Set(urls).size).toBe(4)
    rig.engine.handlePusherEvent('statechange', { code: -1307 })
    await expect(started).rejects.toMatchObject({ code: ErrorCode.PUSH_FAILED })
    expect(rig.engine.getSnapshot().pusher).toMatchObject({ state: 'NO_PUBLISH', url: '' })
    expect(rig.engine.getSnapshot().error).toMatchObject({ code: ErrorCode.PUSH_FAILED, streamId: 's1' })
    expect(rig.server.log.filter((op) => op === 'unpublish')).toHaveLength(1)
  })

  it('camera denial (binderror 10001) stops with CAMERA_DENIED the app can act on', async () => {
    const rig = await loggedInRig()
    const started = rig.engine.createPusher().start('s1')
    rig.engine.handlePusherEvent('error', { errCode: 10001, errMsg: 'camera denied' })
    await expect(started).rejects.toMatchObject({ code: ErrorCode.CAMERA_DENIED, reason: 'CAMERA_DENIED' })
    expect(rig.engine.getSnapshot().error!.message).toMatch(/openSetting/)
  })

  it.each([
    [-1301, ErrorCode.CAMERA_DENIED],
    [-1302, ErrorCode.MICROPHONE_DENIED],
    [10002, ErrorCode.MICROPHONE_DENIED],
    [-1303, ErrorCode.DEVICE_ERROR],
  ])('native %i maps to error %i', async (code, expected) => {
    const rig = await loggedInRig()
    const started = rig.engine.createPusher().start('s1')
    if (code > 0) rig.engine.handlePusherEvent('error', { errCode: code })
    else rig.engine.handlePusherEvent('statechange', { code })
    await expect(started).rejects.toMatchObject({ code: expected })
  })

  it('refuses a taken streamId with the server code and leaves NO_PUBLISH', async () => {
    const rig = await loggedInRig()
    rig.server.streams.push(streamOf(bob, 'taken'))
    await expect(rig.engine.createPusher().start('taken')).rejects.toMatchObject({ code: ErrorCode.STREAM_ID_TAKEN })
    expect(rig.engine.getSnapshot().pusher.state).toBe('NO_PUBLISH')
  })

  it('requires a room to publish', async () => {
    const rig = createTestRig()
    await expect(rig.engine.createPusher().start('s1')).rejects.toMatchObject({ code: ErrorCode.NOT_LOGGED_IN })
  })

  it('stop() unpublishes, clears the URL and calls the context', async () => {
    const rig = await loggedInRig()
    const pusher = rig.engine.createPusher()
    pusher.start('s1')
    rig.server.confirmPublish('s1')
    pusher.stop()
    expect(rig.engine.getSnapshot().pusher).toMatchObject({ state: 'NO_PUBLISH', url: '', autopush: false, streamId: '' })
    expect(rig.server.log).toContain('unpublish')
    expect(rig.pusherContext.calls).toContain('stop')
    expect(rig.of('publisherStateUpdate').slice(-1)[0]![0]).toMatchObject({ streamId: 's1', state: 'NO_PUBLISH' })
  })

  it('setMute, switchCamera, setAttributes, SEI and snapshot drive attributes and the context', async () => {
    const rig = await loggedInRig()
    const pusher = rig.engine.createPusher()
    pusher.setMute({ audio: true, video: true })
    expect(rig.engine.getSnapshot().pusher).toMatchObject({ enableMic: false, muted: true, enableCamera: false })
    pusher.setMute({ audio: false })
    expect(rig.engine.getSnapshot().pusher).toMatchObject({ enableMic: true, muted: false })
    pusher.switchCamera()
    expect(rig.engine.getSnapshot().pusher.devicePosition).toBe('back')
    pusher.setAttributes({ fps: 20, enableEarMonitor: true })
    expect(rig.engine.getSnapshot().pusher).toMatchObject({ fps: 20, enableEarMonitor: true })
    await pusher.sendSEI('hello')
    await expect(pusher.snapshot()).resolves.toMatchObject({ tempImagePath: 'wxfile://tmp.jpg' })
    expect(rig.pusherContext.calls).toEqual(['switchCamera', 'sendMessage:hello', 'snapshot'])
  })

  it('reports quality and the captured sound level', async () => {
    const rig = await loggedInRig()
    rig.engine.createPusher().start('s1')
    rig.engine.handlePusherEvent('netstatus', { info: { videoBitrate: '800', audioBitrate: 64, videoFPS: 15, videoWidth: 640, videoHeight: 360, netJitter: 10 } })
    rig.engine.handlePusherEvent('audiovolumenotify', { volume: 42 })
    expect(rig.of('publishQualityUpdate')[0]).toEqual(['s1', expect.objectContaining({ videoBitrate: 800, videoFPS: 15, videoWidth: 640, quality: 1 })])
    expect(rig.of('capturedSoundLevelUpdate')).toEqual([[42]])
  })
})

describe('players', () => {
  it('autoPlay creates a player per remote stream, signs its URL, and 2004 makes it PLAYING', async () => {
    const rig = await loggedInRig({ autoPlay: true })
    rig.server.addStream(streamOf(bob))
    const p = rig.engine.getSnapshot().players['bob-cam']!
    expect(p).toMatchObject({ state: 'PLAY_REQUESTING', autoplay: true, mode: 'RTC', id: 'minirtc-player-1' })
    expect(p.src).toMatch(/^http:\/\/media\.test\/live\/d\d+\.flv/)
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: 2001 })
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: 2004 })
    expect(rig.engine.getSnapshot().players['bob-cam']!.state).toBe('PLAYING')
    rig.server.removeStream('bob-cam')
    expect(rig.engine.getSnapshot().players['bob-cam']).toBeUndefined()
    expect(rig.of('playerStateUpdate').map((a: any) => a[0].state)).toEqual(['PLAY_REQUESTING', 'PLAYING', 'NO_PLAY'])
  })

  it('autoPlay plays the URLs delivered with the login reply and stream ADDs: no play request', async () => {
    const rig = createTestRig()
    rig.server.streams.push(streamOf(bob))
    const p = rig.engine.loginRoom('room1', 'token', alice, { autoPlay: true })
    rig.clock.flush()
    await p
    rig.server.addStream(streamOf(carol))
    expect(rig.server.sockets[0]!.sent.find((m) => m.op === 'login').d.playUrls).toBe(true)
    const players = rig.engine.getSnapshot().players
    expect(players['bob-cam']).toMatchObject({ src: expect.stringMatching(/\/live\/d\d+\.flv\?/), autoplay: true })
    expect(players['carol-cam']).toMatchObject({ src: expect.stringMatching(/\/live\/d\d+\.flv\?/), autoplay: true })
    expect(rig.server.log).not.toContain('play')
  })

  it('without autoPlay the engine asks for no URLs; play() requests one', async () => {
    const rig = await loggedInRig({ autoPlay: false })
    rig.server.addStream(streamOf(bob))
    expect(rig.server.sockets[0]!.sent.find((m) => m.op === 'login').d.playUrls).toBe(false)
    const playing = rig.engine.getPlayerInstance('bob-cam').play()
    expect(rig.server.log.filter((op) => op === 'play')).toHaveLength(1)
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toMatch(/\/live\/p\d+\.flv\?/)
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: 2004 })
    await playing
  })

  it('a delivered URL about to expire falls back to a play request', async () => {
    const rig = createTestRig()
    rig.server.opts.playUrlTtlMs = 2000 // inside the engine's margin for a player to connect
    rig.server.streams.push(streamOf(bob))
    const p = rig.engine.loginRoom('room1', 'token', alice, { autoPlay: true })
    rig.clock.flush()
    await p
    expect(rig.server.log.filter((op) => op === 'play')).toHaveLength(1)
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toMatch(/\/live\/p\d+\.flv\?/)
  })

  it('delivered URLs expire on the server clock: a fast server clock is no reason to ask again', async () => {
    const rig = createTestRig()
    rig.server.opts.clockOffsetMs = 10 * 60_000
    const p = rig.engine.loginRoom('room1', 'token', alice, { autoPlay: true })
    rig.clock.flush()
    await p
    rig.server.addStream(streamOf(bob))
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toMatch(/\/live\/d\d+\.flv\?/)
    expect(rig.server.log).not.toContain('play')
  })

  it('an ADD replayed on resume after its URL expired plays through a play request', async () => {
    const rig = await loggedInRig({ autoPlay: true })
    rig.server.opts.playUrlTtlMs = 10_000
    rig.server.dropAll()
    rig.server.opts.down = true
    rig.server.addStream(streamOf(bob)) // buffered for the resume with a URL valid for 10 s
    rig.clock.advance(8000)
    rig.server.opts.down = false
    rig.clock.advance(5000)
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTED')
    expect(rig.server.log.filter((op) => op === 'resume').length).toBeGreaterThan(0)
    expect(rig.server.log.filter((op) => op === 'play')).toHaveLength(1)
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toMatch(/\/live\/p\d+\.flv\?/)
  })

  it('play() resolves at PLAYING; RTC-mode players that never send 2003/2004 count as playing once media flows', async () => {
    const rig = await loggedInRig({ autoPlay: false })
    rig.server.addStream(streamOf(bob))
    expect(rig.engine.getSnapshot().players).toEqual({})
    const player = rig.engine.getPlayerInstance('bob-cam')
    const playing = player.play({ protocol: 'rtmp', muteVideo: true })
    expect(rig.engine.getSnapshot().players['bob-cam']).toMatchObject({ muteVideo: true })
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toMatch(/^rtmp:/)
    rig.engine.handlePlayerEvent('bob-cam', 'netstatus', { info: { videoFPS: 0, videoBitrate: 0 } })
    expect(rig.engine.getSnapshot().players['bob-cam']!.state).toBe('PLAY_REQUESTING')
    rig.engine.handlePlayerEvent('bob-cam', 'netstatus', { info: { videoFPS: 15, videoBitrate: 500 } })
    await expect(playing).resolves.toBeUndefined()
    expect(rig.of('playQualityUpdate')).toHaveLength(2)
  })

  it('a player that asks for HTTP-FLV plays RTMP when the media server has no FLV URL', async () => {
    const rig = await loggedInRig({ autoPlay: true })
    rig.server.opts.noFlv = true
    rig.server.addStream(streamOf(bob))
    expect(rig.engine.getSnapshot().players['bob-cam']).toMatchObject({ protocol: 'flv', autoplay: true })
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toMatch(/^rtmp:\/\/media\.test\//)
  })

  it('play() of an unknown stream rejects with STREAM_NOT_FOUND', async () => {
    const rig = await loggedInRig()
    await expect(rig.engine.getPlayerInstance('nope').play()).rejects.toMatchObject({ code: ErrorCode.STREAM_NOT_FOUND })
  })

  it('setMute and setAttributes reach the view model; stop removes the player', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    const player = rig.engine.getPlayerInstance('bob-cam')
    player.setMute({ audio: true })
    player.setAttributes({ objectFit: 'contain' })
    expect(rig.engine.getSnapshot().players['bob-cam']).toMatchObject({ muteAudio: true, muteVideo: false, objectFit: 'contain' })
    player.stop()
    expect(rig.engine.getSnapshot().players['bob-cam']).toBeUndefined()
  })

  it('2103 while playing goes back to PLAY_REQUESTING; -2301 re-signs the URL, then PLAY_FAILED', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: 2004 })
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: 2103 })
    expect(rig.engine.getSnapshot().players['bob-cam']!.state).toBe('PLAY_REQUESTING')
    const first = rig.engine.getSnapshot().players['bob-cam']!.src
    for (let i = 0; i < 3; i++) {
      rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: -2301 })
      expect(rig.engine.getSnapshot().players['bob-cam']!.src).toBe('')
      rig.clock.advance(5000)
    }
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).not.toBe(first)
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: -2301 })
    expect(rig.engine.getSnapshot().players['bob-cam']).toBeUndefined()
    expect(rig.of('playerStateUpdate').slice(-1)[0]![0]).toMatchObject({ state: 'NO_PLAY', errorCode: ErrorCode.PLAY_FAILED })
  })

  it('delivers SEI (2012 or metadatachange) and sound levels', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    rig.engine.handlePlayerEvent('bob-cam', 'statechange', { code: 2012, message: 'sei-1' })
    rig.engine.handlePlayerEvent('bob-cam', 'metadatachange', { sei: 'sei-2' })
    rig.engine.handlePlayerEvent('bob-cam', 'audiovolumenotify', { volume: 7 })
    expect(rig.of('recvSEI')).toEqual([
      ['bob-cam', 'sei-1'],
      ['bob-cam', 'sei-2'],
    ])
    expect(rig.of('soundLevelUpdate')).toEqual([['bob-cam', 7]])
  })

  it('events for unknown players are ignored', async () => {
    const rig = await loggedInRig()
    const snap = rig.engine.getSnapshot()
    rig.engine.handlePlayerEvent('ghost', 'statechange', { code: 2004 })
    expect(rig.engine.getSnapshot()).toBe(snap)
  })
})

describe('reconnect', () => {
  it('resumes the session and applies exactly what was missed, once', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    rig.events.length = 0
    rig.server.dropAll()
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTING')
    rig.server.addStream(streamOf(carol))
    rig.server.removeStream('bob-cam')
    rig.clock.advance(100)
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTED')
    expect(rig.server.log.filter((op) => op === 'resume')).toHaveLength(1)
    expect(rig.of('roomStateChanged').map((a) => a[1])).toEqual(['RECONNECTING', 'RECONNECTED'])
    // Both changes arrive in one resume reply: one DELETE and one ADD, derived from the difference.
    expect(rig.of('roomStreamUpdate').map((a) => [a[1], (a[2] as any[]).map((s) => s.streamId)])).toEqual([
      ['DELETE', ['bob-cam']],
      ['ADD', ['carol-cam']],
    ])
    expect(Object.keys(rig.engine.getSnapshot().players)).toEqual(['carol-cam'])
  })

  it('logs in again when the session expired and emits only the differences', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    rig.server.addUser(bob)
    rig.events.length = 0
    rig.server.dropAll()
    rig.server.forgetSessions()
    rig.server.removeStream('bob-cam')
    rig.server.streams.push(streamOf(carol))
    rig.clock.advance(100)
    // The new login reply carries carol-cam's play URL: no play request follows it.
    expect(rig.server.log.slice(-2)).toEqual(['resume', 'login'])
    expect(rig.of('roomStreamUpdate').map((a) => [a[1], (a[2] as any[]).map((s) => s.streamId)])).toEqual([
      ['DELETE', ['bob-cam']],
      ['ADD', ['carol-cam']],
    ])
    expect(rig.of('roomUserUpdate')).toEqual([])
    expect(rig.of('roomStateChanged').map((a) => a[1])).toEqual(['RECONNECTING', 'RECONNECTED'])
  })

  it('after a full re-login every player plays the new session\'s URL, the one delivered with the login reply', async () => {
    const rig = await loggedInRig({ autoPlay: true })
    rig.server.addStream(streamOf(bob))
    const old = rig.engine.getSnapshot().players['bob-cam']!
    expect(old.src).toMatch(/\/live\/d\d+\.flv\?/)
    rig.server.dropAll()
    rig.server.forgetSessions()
    rig.clock.advance(100)
    expect(rig.server.log.slice(-2)).toEqual(['resume', 'login'])
    const renewed = rig.engine.getSnapshot().players['bob-cam']!
    // The same player (no remove and re-add), on a URL of the new session, asked for nothing.
    expect(renewed.id).toBe(old.id)
    expect(renewed.src).toMatch(/\/live\/d\d+\.flv\?/)
    expect(renewed.src).not.toBe(old.src)
    expect(rig.server.log.filter((op) => op === 'play')).toHaveLength(0)
  })

  it('after a full re-login a player without a delivered URL asks for one; a resume keeps the URL', async () => {
    const rig = await loggedInRig({ autoPlay: false })
    rig.server.addStream(streamOf(bob))
    rig.engine.getPlayerInstance('bob-cam').play()
    const first = rig.engine.getSnapshot().players['bob-cam']!.src
    rig.server.dropAll()
    rig.clock.advance(100)
    expect(rig.server.log.slice(-1)).toEqual(['resume'])
    expect(rig.engine.getSnapshot().players['bob-cam']!.src).toBe(first)
    rig.server.dropAll()
    rig.server.forgetSessions()
    rig.clock.advance(100)
    expect(rig.server.log.slice(-3)).toEqual(['resume', 'login', 'play'])
    const renewed = rig.engine.getSnapshot().players['bob-cam']!.src
    expect(renewed).toMatch(/\/live\/p\d+\.flv\?/)
    expect(renewed).not.toBe(first)
  })

  it('re-publishes after a full re-login and keeps PUBLISH_REQUESTING until confirmed again', async () => {
    const rig = await loggedInRig()
    const pusher = rig.engine.createPusher()
    pusher.start('s1')
    rig.server.confirmPublish('s1')
    const url = rig.engine.getSnapshot().pusher.url
    rig.server.dropAll()
    rig.server.forgetSessions()
    rig.clock.advance(100)
    expect(rig.engine.getSnapshot().pusher).toMatchObject({ state: 'PUBLISH_REQUESTING', streamId: 's1' })
    expect(rig.engine.getSnapshot().pusher.url).not.toBe(url)
    rig.server.confirmPublish('s1')
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISHING')
  })

  it('a resumed session keeps publishing without a new publish request', async () => {
    const rig = await loggedInRig()
    rig.engine.createPusher().start('s1')
    rig.server.confirmPublish('s1')
    rig.server.dropAll()
    rig.clock.advance(100)
    expect(rig.engine.getSnapshot().pusher.state).toBe('PUBLISHING')
    expect(rig.server.log.filter((op) => op === 'publish')).toHaveLength(1)
  })

  it('re-issues a publish request that the drop swallowed', async () => {
    const rig = await loggedInRig()
    rig.server.opts.silentOps = ['publish']
    rig.engine.createPusher().start('s1')
    rig.server.opts.silentOps = []
    rig.server.dropAll()
    rig.clock.advance(100)
    expect(rig.engine.getSnapshot().pusher.url).toMatch(/^rtmp:/)
  })

  it('follows the policy and gives up with RECONNECT_FAILED', async () => {
    const rig = await loggedInRig()
    rig.server.opts.down = true
    rig.server.dropAll()
    rig.clock.advance(120_000)
    expect(rig.engine.getSnapshot().roomState).toBe('DISCONNECTED')
    expect(rig.of('roomStateChanged').slice(-1)[0]!.slice(1, 3)).toEqual(['RECONNECT_FAILED', ErrorCode.RECONNECT_FAILED])
    const attempts = rig.server.sockets.length - 1
    expect(attempts).toBeGreaterThan(3)
    rig.clock.advance(120_000)
    expect(rig.server.sockets.length - 1).toBe(attempts)
  })

  it('a missing pong makes the engine drop the socket and reconnect', async () => {
    const rig = await loggedInRig()
    rig.server.opts.silentOps = ['ping']
    rig.clock.advance(10_000 + 10_000 - 1)
    expect(rig.server.sockets).toHaveLength(1)
    rig.clock.advance(2)
    expect(rig.server.sockets[0]!.closed).toBe(true)
    // The policy's first delay is 0: the resume runs within the same tick.
    expect(rig.of('roomStateChanged').map((a) => a[1])).toEqual(['LOGINING', 'LOGINED', 'RECONNECTING', 'RECONNECTED'])
    expect(rig.server.log.filter((op) => op === 'resume')).toHaveLength(1)
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTED')
  })

  it('heartbeats acknowledge the last seq so the server can trim its replay buffer', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    rig.clock.advance(10_001)
    const ping = rig.server.sockets[0]!.sent.find((m) => m.op === 'ping')
    expect(ping.d).toEqual({ ack: 1 })
  })

  it('every request after login acknowledges the pushes applied so far; login and resume do not', async () => {
    const rig = await loggedInRig()
    const sock = rig.server.sockets[0]!
    expect(sock.sent.find((m) => m.op === 'login').ack).toBeUndefined()
    await rig.engine.sendBroadcastMessage('', 'before any push')
    expect(sock.sent.find((m) => m.op === 'broadcast').ack).toBeUndefined()
    rig.server.addStream(streamOf(bob))
    rig.server.addStream(streamOf(carol))
    await rig.engine.sendBroadcastMessage('', 'after two')
    expect(sock.sent.filter((m) => m.op === 'broadcast')[1].ack).toBe(2)
    rig.server.dropAll()
    rig.clock.advance(1)
    expect(rig.server.sockets[1]!.sent.find((m) => m.op === 'resume').ack).toBeUndefined()
  })

  it('network offline drops a connected socket at once; online retries immediately', async () => {
    const rig = await loggedInRig()
    rig.server.opts.down = true
    rig.setOnline(false)
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTING')
    rig.clock.advance(50)
    rig.server.opts.down = false
    const before = rig.server.sockets.length
    rig.setOnline(true)
    expect(rig.server.sockets.length).toBe(before + 1)
    rig.clock.flush()
    expect(rig.engine.getSnapshot().roomState).toBe('CONNECTED')
  })

  it('logout during an outage stops retrying', async () => {
    const rig = await loggedInRig()
    rig.server.opts.down = true
    rig.server.dropAll()
    rig.engine.logoutRoom()
    const n = rig.server.sockets.length
    rig.clock.advance(60_000)
    expect(rig.server.sockets.length).toBe(n)
    expect(rig.of('roomStateChanged').slice(-1)[0]![1]).toBe('LOGOUT')
    expect(rig.clock.pending()).toBe(0)
  })
})

describe('logout', () => {
  it('stops the pusher and players, clears the room and emits the matching deletes', async () => {
    const rig = await loggedInRig()
    rig.server.addStream(streamOf(bob))
    const started = rig.engine.createPusher().start('s1')
    rig.engine.logoutRoom()
    await expect(started).rejects.toMatchObject({ code: ErrorCode.ABORTED })
    const snap = rig.engine.getSnapshot()
    expect(snap).toMatchObject({ roomState: 'DISCONNECTED', streams: [], players: {} })
    expect(snap.pusher).toMatchObject({ url: '', state: 'NO_PUBLISH' })
    expect(rig.of('playerStateUpdate').slice(-1)[0]![0]).toMatchObject({ state: 'NO_PLAY' })
    expect(rig.of('roomStateChanged').slice(-1)[0]![1]).toBe('LOGOUT')
    expect(rig.server.log).toContain('logout')
    // A new login works on the same engine.
    const p = rig.engine.loginRoom('room2', 'token', alice)
    rig.clock.flush()
    await p
    expect(rig.engine.getSnapshot().roomId).toBe('room2')
  })
})

describe('destroy', () => {
  it('a destroyed engine refuses to log in instead of hanging', async () => {
    const rig = createTestRig()
    rig.engine.destroy()
    await expect(rig.engine.loginRoom('room1', 'token', { userId: 'solo' })).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE })
  })
})
