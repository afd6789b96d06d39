import { describe, expect, it } from 'vitest'
import { MemoryRoomStore, type RoomStore, type StoredStream } from '../src/index'

/**
 * The RoomStore contract. Any implementation (a Redis store later) must pass the same checks:
 * call `roomStoreContract('name', () => new MyStore())`.
 */
export function roomStoreContract(name: string, make: () => RoomStore | Promise<RoomStore>) {
  const user = (userId: string, sessionId: string) => ({ user: { userId, userName: userId }, sessionId, joinedAt: 1, address: '127.0.0.1' })
  const stream = (streamId: string, roomId: string, ownerSessionId: string, mediaName: string): StoredStream => ({
    appId: 'app',
    roomId,
    streamId,
    user: { userId: 'u', userName: 'u' },
    ownerSessionId,
    mediaName,
    extraInfo: '',
    state: 'pending',
    createdAt: 1,
  })

  describe(`RoomStore contract: ${name}`, () => {
    it('keeps one membership per user and removes it only for the owning session', async () => {
      const s = await make()
      expect(await s.putUser('app', 'r', user('u1', 's1'))).toBeUndefined()
      expect((await s.putUser('app', 'r', user('u1', 's2')))?.sessionId).toBe('s1')
      expect(await s.removeUser('app', 'r', 'u1', 's1')).toBe(false)
      expect(await s.countUsers('app', 'r')).toBe(1)
      expect(await s.removeUser('app', 'r', 'u1', 's2')).toBe(true)
      expect(await s.listUsers('app', 'r')).toEqual([])
      // Apps are separate namespaces.
      await s.putUser('other', 'r', user('u1', 's3'))
      expect(await s.countUsers('app', 'r')).toBe(0)
    })

    it('reserves streamIds atomically across the app and maps media names', async () => {
      const s = await make()
      const results = await Promise.all([
        s.reserveStream(stream('cam', 'r1', 'a', 'm1')),
        s.reserveStream(stream('cam', 'r2', 'b', 'm2')),
      ])
      expect(results[0]!.ownerSessionId).toBe(results[1]!.ownerSessionId) // exactly one winner
      const owner = results[0]!
      expect((await s.getStreamByMediaName(owner.mediaName))?.streamId).toBe('cam')
      expect(await s.updateStream('app', 'cam', { state: 'live', mediaSessionId: 'x' })).toMatchObject({ state: 'live', mediaSessionId: 'x' })
      expect((await s.updateStream('app', 'cam', { mediaSessionId: undefined }))?.mediaSessionId).toBeUndefined()
      expect((await s.listStreams('app', owner.roomId)).map((x) => x.streamId)).toEqual(['cam'])
      expect(await s.deleteStream('app', 'cam', 'not-the-owner')).toBeUndefined()
      expect((await s.deleteStream('app', 'cam'))?.streamId).toBe('cam')
      expect(await s.getStreamByMediaName(owner.mediaName)).toBeUndefined()
    })

    it('returns copies, lists rooms and forgets a deleted room', async () => {
      const s = await make()
      await s.putUser('app', 'r', user('u1', 's1'))
      const got = (await s.getUser('app', 'r', 'u1'))!
      got.user.userName = 'mutated'
      expect((await s.getUser('app', 'r', 'u1'))!.user.userName).toBe('u1')
      await s.setRoomExtraInfo('app', 'r', { key: 'k', value: 'v', updateUser: { userId: 'u1', userName: 'u1' }, updateTime: 1 })
      await s.reserveStream(stream('st', 'r', 's1', 'm9'))
      await s.updateStream('app', 'st', { state: 'live' })
      expect(await s.listRooms('app')).toEqual([{ roomId: 'r', userCount: 1, streamCount: 1 }])
      await s.deleteRoom('app', 'r')
      expect(await s.listRooms('app')).toEqual([])
      expect(await s.listRoomExtraInfo('app', 'r')).toEqual([])
      expect(await s.getStream('app', 'st')).toBeUndefined()
    })
  })
}

roomStoreContract('MemoryRoomStore', () => new MemoryRoomStore())
