import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { HeadlessRenderer, createNodePlatform, waitFor, type Bot } from '@minirtc/headless'
import type { RunningServer } from '@minirtc/server'
import { useRoom, type UseRoomOptions } from '../useRoom'
import { APP, bot, next, start, tokenFor, until } from './helpers'

let srv: RunningServer
beforeAll(async () => {
  srv = await start()
})
afterAll(() => srv.close())

/** useRoom over a real engine: Node sockets to the real server, virtual live components. */
function roomIn(scope: ReturnType<typeof effectScope>, roomId: string, userId: string, extra: Partial<UseRoomOptions> = {}) {
  const renderer = new HeadlessRenderer({ pusher: { netstatusIntervalMs: 1000 }, player: { netstatusIntervalMs: 1000 } })
  const room = scope.run(() =>
    useRoom({
      server: srv.url,
      appId: APP.appId,
      roomId,
      user: { userId, userName: userId },
      token: ({ roomId: r, userId: u }) => tokenFor(u, r),
      platform: createNodePlatform({ contexts: renderer }),
      userUpdate: true,
      ...extra,
    }),
  )!
  renderer.attach(room.engine)
  return { room, renderer }
}

describe('useRoom over a real engine and server', () => {
  it('mirrors the snapshot into refs: login, users, remote stream auto-played, publish, mute, leave', async () => {
    const scope = effectScope()
    const { room, renderer } = roomIn(scope, 'uni-r1', 'ann')
    let alice: Bot | null = null
    try {
      expect(room.roomState).toBe('DISCONNECTED')
      await room.login()
      expect(room.roomState).toBe('CONNECTED')

      alice = await bot(srv, 'alice', 'uni-r1')
      await until(room.engine, () => room.users.some((u) => u.userId === 'alice'), 'alice in users')

      // autoPlay defaults to true: the player appears as soon as the stream does
      await alice.publish('alice_cam')
      await until(room.engine, () => room.players.alice_cam?.state === 'PLAYING', 'alice_cam PLAYING')
      expect(room.streams.map((s) => s.streamId)).toEqual(['alice_cam'])
      expect(Object.keys(room.players)).toEqual(['alice_cam'])
      const player = room.players.alice_cam!
      expect(player.streamId).toBe('alice_cam')
      expect(player.src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\//)
      expect(player.id).toBe(room.engine.getSnapshot().players.alice_cam!.id)

      // publish with the default stream id <userId>_main; resolves at PUBLISHING (media confirmed)
      await room.publish()
      expect(room.pusher.streamId).toBe('ann_main')
      expect(room.pusher.state).toBe('PUBLISHING')
      expect(room.pusher.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//)
      await until(alice.engine, () => alice!.engine.getSnapshot().streams.some((s) => s.streamId === 'ann_main'), 'alice sees ann_main')

      room.setMute({ audio: true })
      expect(room.pusher.enableMic).toBe(false)
      room.setMute({ video: true, audio: false })
      expect([room.pusher.enableCamera, room.pusher.enableMic]).toEqual([false, true])
      const position = room.pusher.devicePosition
      room.switchCamera()
      expect(room.pusher.devicePosition).not.toBe(position)

      // IM goes through the room the engine is in
      const got = next(alice.engine, 'IMRecvBroadcastMessage')
      await room.sendBroadcastMessage('hello from uni')
      expect((await got)[1][0]!.message).toBe('hello from uni')
      const cmd = next(alice.engine, 'IMRecvCustomCommand')
      await room.sendCustomCommand('ring', ['alice'])
      expect((await cmd)[2]).toBe('ring')
      const extra = next(alice.engine, 'streamExtraInfoUpdate')
      await room.setStreamExtraInfo('{"mic":false}') // our own stream by default
      expect((await extra)[1][0]!.extraInfo).toBe('{"mic":false}')

      // the remote side stops: DELETE removes the player
      alice.stopPublish()
      await until(room.engine, () => Object.keys(room.players).length === 0 && room.streams.length === 0, 'player removed')

      room.stopPublish()
      expect(room.pusher.state).toBe('NO_PUBLISH')
      room.logout()
      expect(room.roomState).toBe('DISCONNECTED')
    } finally {
      if (alice) await alice.leave()
      renderer.detach()
      scope.stop()
    }
  })

  it('play/stop by stream id when autoPlay is off', async () => {
    const scope = effectScope()
    const { room, renderer } = roomIn(scope, 'uni-r2', 'ben', { autoPlay: false })
    const carl = await bot(srv, 'carl', 'uni-r2')
    try {
      await room.login()
      await carl.publish('carl_cam')
      await until(room.engine, () => room.streams.length === 1, 'carl_cam listed')
      expect(room.players).toEqual({})
      await room.play('carl_cam')
      expect(room.players.carl_cam!.state).toBe('PLAYING')
      // with a stream id, setMute mutes what we receive
      room.setMute({ audio: true }, 'carl_cam')
      expect([room.players.carl_cam!.muteAudio, room.pusher.enableMic]).toEqual([true, true])
      room.stop('carl_cam')
      expect(room.players).toEqual({})
    } finally {
      await carl.leave()
      renderer.detach()
      scope.stop()
    }
  })

  it('renews the token from the provider on tokenWillExpire', async () => {
    const requests: string[] = []
    const scope = effectScope()
    const { room, renderer } = roomIn(scope, 'uni-r3', 'cat', {
      // 6 s tokens: the server warns 5 s before expiry, i.e. after about 1 s
      token: ({ roomId, userId }) => {
        requests.push(roomId + '/' + userId)
        return tokenFor(userId, roomId, 6)
      },
    })
    try {
      const warned = next(room.engine, 'tokenWillExpire')
      await room.login()
      await warned
      await waitFor(() => requests.length === 2, 5000, 'second token request')
      expect(requests).toEqual(['uni-r3/cat', 'uni-r3/cat'])
      expect(room.roomState).toBe('CONNECTED')
    } finally {
      renderer.detach()
      scope.stop()
    }
  })

  it('stopping the scope unsubscribes, logs out and destroys the engine', async () => {
    const scope = effectScope()
    const { room, renderer } = roomIn(scope, 'uni-r4', 'dan')
    const eve = await bot(srv, 'eve', 'uni-r4')
    try {
      await room.login()
      await until(eve.engine, () => eve.engine.getSnapshot().users.some((u) => u.userId === 'dan'), 'eve sees dan')
      scope.stop()
      expect(room.roomState).toBe('CONNECTED') // the last mirrored value; no more updates
      await until(eve.engine, () => !eve.engine.getSnapshot().users.some((u) => u.userId === 'dan'), 'dan left')
      room.setMute({ audio: true }) // destroyed: ignored, nothing mirrored
      expect(room.pusher.enableMic).toBe(true)
    } finally {
      await eve.leave()
      renderer.detach()
    }
  }, 30000)
})
