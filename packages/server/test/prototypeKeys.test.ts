import { afterAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index'
import { Client, adminFetch, eventually, joined, start } from './helpers'
import { flvBytes, push } from './mediaHelpers'

/**
 * IDs are remote input, and `constructor`, `__proto__` and `toString` are valid IDs: every map
 * the server keys by one (rooms, users, streams, sessions, extra info, media names) must treat
 * them as plain strings. Through the real server, with real media.
 */
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']
let srv: RunningServer | undefined
afterAll(() => srv?.close())

describe('prototype keys as IDs', () => {
  it('log in, publish, play, set extra info, message and kick users, rooms and streams named after Object.prototype', async () => {
    srv = await start()
    const room = '__proto__'
    const users = await Promise.all(NAMES.map((u) => joined(srv!, room, u)))
    // Everybody sees everybody else, and the counts are right (a prototype key would have been
    // swallowed by an object map: a missing user or a wrong count).
    const last = await joined(srv, room, 'isPrototypeOf-not')
    expect(last.login.room.onlineCount).toBe(NAMES.length + 1)
    expect(last.login.room.users.map((u) => u.userId).sort()).toEqual([...NAMES].sort())
    await last.c.request('logout', {})
    last.c.close()
    const listed = (await adminFetch(srv, `/admin/rooms/${encodeURIComponent(room)}/users`)).body.users as { userId: string }[]
    expect(listed.map((u) => u.userId).sort()).toEqual([...NAMES].sort())
    const rooms = (await adminFetch(srv, '/admin/rooms')).body.rooms as { roomId: string; userCount: number }[]
    expect(rooms).toEqual([expect.objectContaining({ roomId: room, userCount: NAMES.length })])

    // Streams named after prototype keys: publish, push real media, play it.
    const [a, b] = [users[0]!, users[1]!]
    const pubs = []
    for (const streamId of ['constructor', '__proto__', 'toString']) {
      const p = await a.c.request('publish', { streamId })
      expect(p.ok, streamId).toBe(true)
      pubs.push(await push(p.d.pushUrl))
      await b.c.waitPush((x) => x.ev === 'stream' && x.d.type === 'ADD' && x.d.streams[0].streamId === streamId)
      const play = await b.c.request('play', { streamId })
      expect(play.ok, streamId).toBe(true)
      expect((await flvBytes(play.d.urls.flv, 1500)).bytes, streamId).toBeGreaterThan(0)
    }
    const streams = (await adminFetch(srv, `/admin/rooms/${encodeURIComponent(room)}/streams`)).body.streams as { streamId: string; state: string }[]
    expect(streams.map((s) => s.streamId).sort()).toEqual(['__proto__', 'constructor', 'toString'])
    // Someone else cannot take a stream whose id is a prototype key.
    expect((await b.c.request('publish', { streamId: 'constructor' })).error?.reason).toBe('STREAM_ID_TAKEN')

    // Room extra info keys, custom commands to such users.
    for (const key of ['__proto__', 'constructor']) expect((await a.c.request('setRoomExtraInfo', { key, value: 'v-' + key })).ok).toBe(true)
    const late = await joined(srv, room, 'late')
    expect(late.login.room.extraInfo.map((i) => i.key).sort()).toEqual(['__proto__', 'constructor'])
    expect((await a.c.request('customCommand', { command: 'hi', toUserIds: ['__proto__', 'toString'] })).ok).toBe(true)
    expect((await a.c.request('customCommand', { command: 'hi', toUserIds: ['isPrototypeOf'] })).error?.reason).toBe('USER_NOT_FOUND')

    // Kick one, the others stay; a session id that is a prototype key resumes nothing.
    expect((await adminFetch(srv, `/admin/rooms/${encodeURIComponent(room)}/users/toString/kick`, { method: 'POST' })).status).toBe(200)
    expect((await adminFetch(srv, `/admin/rooms/${encodeURIComponent(room)}/users/isPrototypeOf/kick`, { method: 'POST' })).status).toBe(404)
    const ghost = await Client.open(srv.url)
    for (const sessionId of ['__proto__', 'constructor', 'toString'])
      expect((await ghost.request('resume', { sessionId, lastSeq: 0 })).error?.reason).toBe('SESSION_EXPIRED')
    ghost.close()

    // Leaving empties the room completely: nothing left keyed by those names.
    for (const p of pubs) p.stop()
    for (const u of [...users, late]) if (u.login.room && u !== users[NAMES.indexOf('toString')]) await u.c.request('logout', {})
    await eventually(async () => ((await adminFetch(srv!, '/admin/rooms')).body.rooms as unknown[]).length === 0, 5000, 'room gone')
    for (const u of [...users, late]) u.c.close()
  })
})
