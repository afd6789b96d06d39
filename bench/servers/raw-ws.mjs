// The ceiling: a plain `ws` server with no framework, speaking just enough of the MiniRTC wire
// format for the same generator. Each frame is parsed, minimally validated, answered like
// MiniRTC answers it, and a broadcast is serialized once and sent to the other room members.
// No token check, no sequence numbers or resume buffers, one small object per connection.
// Streams (the stream-storm anchor): `publish` makes a stream live at once (no media server) and
// `unpublish` ends it, each serialized once as MiniRTC's `stream` ADD/DELETE push and sent to the
// other members; the owner gets `publishState` like MiniRTC's pusher does.
// Call setup's floor: a login with `playUrls` gets the play URL set for its room (`setPlay`).
import { WebSocketServer } from 'ws'
import { profilerHandlers, serveWorker, settledMemory } from '../lib.mjs'

const HEARTBEAT_TIMEOUT_MS = 30_000
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 })
const rooms = new Map()
const conns = new Set()
/** roomId → the play URL a login with `playUrls` gets (`setPlay`; call setup's floor). */
const playUrls = new Map()

wss.on('connection', (ws) => {
  const c = { ws, room: null, user: null, lastPing: Date.now(), messages: 0 }
  ws.on('error', () => {})
  conns.add(c)
  ws.on('close', () => {
    conns.delete(c)
    c.room?.members.delete(c)
    if (c.room) for (const [id, st] of c.room.streams) if (st.owner === c) endStream(c, id)
  })
  ws.on('message', (data, isBinary) => {
    if (isBinary) return
    let m
    try {
      m = JSON.parse(data.toString('utf8'))
    } catch {
      return
    }
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number' || typeof m.op !== 'string' || typeof m.d !== 'object') return
    c.messages++
    const reply = (d) => ws.send(JSON.stringify({ id: m.id, ok: true, d }))
    switch (m.op) {
      case 'ping':
        c.lastPing = Date.now()
        return reply({ t: c.lastPing })
      case 'login': {
        // Room membership only: the same frame MiniRTC gets, without verifying the token.
        if (typeof m.d.roomId !== 'string' || typeof m.d.user?.userId !== 'string') return
        let room = rooms.get(m.d.roomId)
        if (!room) rooms.set(m.d.roomId, (room = { members: new Set(), messageId: 0, streams: new Map() }))
        room.members.add(c)
        c.room = room
        c.user = { userId: m.d.user.userId, userName: String(m.d.user.userName ?? '') }
        const streams = [...room.streams.values()].map((st) => st.info)
        // Call setup's floor: the play URLs it was handed (`setPlay`), as MiniRTC's login reply with `playUrls`.
        const play = m.d.playUrls && playUrls.has(m.d.roomId) ? { play: [playUrls.get(m.d.roomId)] } : {}
        return reply({ sessionId: '', room: { users: [], streams, extraInfo: [], onlineCount: room.members.size, ownStreams: [] }, seq: 0, heartbeatIntervalMs: HEARTBEAT_TIMEOUT_MS / 3, ...play })
      }
      case 'broadcast': {
        if (!c.room || typeof m.d.message !== 'string' || m.d.message.length > 1024) return
        const messageId = ++c.room.messageId
        fanout(c, 'broadcast', { messages: [{ messageId, fromUser: c.user, message: m.d.message, sendTime: Date.now() }] })
        return reply({ messageId })
      }
      case 'publish': {
        if (!c.room || typeof m.d.streamId !== 'string' || m.d.streamId.length > 256) return
        const streamId = m.d.streamId
        const own = c.room.streams.get(streamId)
        if (own && own.owner !== c) return ws.send(JSON.stringify({ id: m.id, ok: false, error: { code: 104001, reason: 'stream id taken' } }))
        reply({ streamId, pushUrl: '', expiresAt: 0 })
        if (own) return
        const info = { streamId, user: c.user, extraInfo: typeof m.d.extraInfo === 'string' ? m.d.extraInfo : '' }
        c.room.streams.set(streamId, { owner: c, info })
        fanout(c, 'stream', { type: 'ADD', streams: [info] })
        return ws.send(JSON.stringify({ seq: 0, ev: 'publishState', d: { streamId, state: 'PUBLISHING' } }))
      }
      case 'unpublish': {
        const st = c.room?.streams.get(m.d.streamId)
        if (!st || st.owner !== c) return ws.send(JSON.stringify({ id: m.id, ok: false, error: { code: 104002, reason: 'stream not found' } }))
        endStream(c, m.d.streamId)
        return reply({})
      }
    }
  })
})
/** Serialize once, send to the other members of the sender's room. */
function fanout(c, ev, d) {
  const out = JSON.stringify({ seq: 0, ev, d })
  for (const o of c.room.members) if (o !== c) o.ws.send(out)
}

function endStream(c, streamId) {
  const st = c.room.streams.get(streamId)
  c.room.streams.delete(streamId)
  fanout(c, 'stream', { type: 'DELETE', streams: [st.info] })
}

// Heartbeat: connections that stopped pinging are closed (one sweep, not a timer per socket).
setInterval(() => {
  const dead = Date.now() - HEARTBEAT_TIMEOUT_MS
  for (const c of conns) if (c.lastPing < dead) c.ws.close(4006, 'heartbeat timeout')
}, 10_000).unref()

await new Promise((r) => wss.once('listening', r))
serveWorker(
  {
    ...profilerHandlers(),
    mem: settledMemory,
    /** The play URL a login into `roomId` with `playUrls` gets (one signed by MiniRTC's media server). */
    setPlay({ roomId, play }) {
      playUrls.set(roomId, play)
    },
    /** The streams live in a room (what every member's list should be). */
    streams({ roomId }) {
      return [...(rooms.get(roomId)?.streams.keys() ?? [])]
    },
    /** A heap snapshot to `path` (comparing per-connection memory with the MiniRTC server's). */
    async heapSnapshot({ path }) {
      globalThis.gc?.()
      const { writeHeapSnapshot } = await import('node:v8')
      return writeHeapSnapshot(path)
    },
    close() {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    },
  },
  { url: `ws://127.0.0.1:${wss.address().port}/ws` },
)
