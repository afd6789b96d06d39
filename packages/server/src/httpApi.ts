import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, isValidRoomId, isValidUserId } from '@minirtc/protocol'
import type { Logger } from 'pino'
import type { AdminThrottle } from './adminThrottle'
import { sameSecret } from './constantTime'
import { serveDevToken } from './devToken'
import { unexpectedFailure } from './errors'
import { fail, json } from './httpReply'
import type { NginxMedia } from './media/NginxMedia'
import type { Metrics } from './metrics'
import type { AppCredentials } from './options'
import { recordingsAdmin } from './recording/recordingsAdmin'
import type { RecordingManager } from './recording/RecordingManager'
import { relaysAdmin } from './relay/relaysAdmin'
import type { RelayManager } from './relay/RelayManager'
import type { Rooms } from './Rooms'

export interface HttpApiDeps {
  rooms: Rooms
  apps: Map<string, string>
  metrics: Metrics
  log: Logger
  nginx: NginxMedia | undefined
  /** The one app `/dev/token` signs for; undefined outside dev mode. */
  devApp: AppCredentials | undefined
  adminThrottle: AdminThrottle
  address: (req: IncomingMessage) => string
  /** Undefined when recording is not configured (its routes then answer RECORDING_NOT_CONFIGURED). */
  recordings?: RecordingManager | undefined
  relays: RelayManager
  /** Cluster: false while this node cannot reach Redis (healthz then answers 503, and so does a request that fails). */
  healthy?: () => boolean
}

/**
 * The app an admin request is authenticated for: `Authorization: Bearer <secret>` with
 * `x-minirtc-app-id: <appId>`, or HTTP basic `appId:secret`.
 */
function adminApp(req: IncomingMessage, apps: Map<string, string>): string | undefined {
  const auth = req.headers.authorization ?? ''
  let appId: string | undefined
  let secret: string | undefined
  if (auth.startsWith('Bearer ')) {
    secret = auth.slice(7).trim()
    const h = req.headers['x-minirtc-app-id']
    appId = Array.isArray(h) ? h[0] : h
  } else if (auth.startsWith('Basic ')) {
    const dec = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8')
    const i = dec.indexOf(':')
    if (i > 0) {
      appId = dec.slice(0, i)
      secret = dec.slice(i + 1)
    }
  }
  if (!appId || !secret) return undefined
  const want = apps.get(appId)
  return want !== undefined && sameSecret(secret, want) ? appId : undefined
}

/**
 * HTTP side of the signaling port: health, metrics, admin API, dev tokens and nginx hooks.
 * Room and user IDs are URL-encoded path segments (IDs may contain `/`, `%` and the like).
 */
export function createHttpHandler(deps: HttpApiDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const rawPath = q >= 0 ? url.slice(0, q) : url
    const query = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '')
    let path: string[]
    try {
      path = rawPath.split('/').filter((p) => p !== '').map(decodeURIComponent)
    } catch {
      return fail(res, 400, ErrorCode.INVALID_FIELD, 'Bad URL encoding.')
    }
    const method = req.method ?? 'GET'
    try {
      if (deps.nginx?.handle(req, res, path)) return
      if (method === 'GET' && rawPath === '/healthz') {
        // A load balancer should stop sending clients to a cluster node that lost Redis.
        const ok = deps.healthy?.() ?? true
        return json(res, ok ? 200 : 503, ok ? { ok } : { ok, reason: 'redis unreachable' })
      }
      if (method === 'GET' && rawPath === '/metrics') {
        const text = await deps.metrics.registry.metrics()
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text)
        return
      }
      if (method === 'GET' && rawPath === '/dev/token' && deps.devApp) return await serveDevToken(req, res, query, deps.devApp)
      if (path[0] === 'admin') {
        const address = deps.address(req)
        if (deps.adminThrottle.blocked(address)) {
          deps.metrics.authFailures.inc({ reason: 'RATE_LIMITED' })
          res.setHeader('retry-after', '60')
          return fail(res, 429, ErrorCode.RATE_LIMITED, 'Too many failed admin logins from this address; wait a minute.')
        }
        const appId = adminApp(req, deps.apps)
        if (!appId) {
          deps.adminThrottle.fail(address)
          deps.metrics.authFailures.inc({ reason: 'ADMIN_AUTH_FAILED' })
          deps.log.warn({ address, path: rawPath }, 'admin auth failed')
          res.setHeader('www-authenticate', 'Basic realm="minirtc"')
          return fail(res, 401, ErrorCode.ADMIN_AUTH_FAILED)
        }
        return await admin(req, res, path.slice(1), appId, deps)
      }
      fail(res, 404, ErrorCode.UNKNOWN_OPERATION, 'No such endpoint.')
    } catch (e) {
      const code = unexpectedFailure(e, deps.healthy, deps.log, { path: rawPath })
      if (res.headersSent) res.destroy()
      else fail(res, code === ErrorCode.SERVICE_UNAVAILABLE ? 503 : 500, code)
    }
  }
}

async function admin(req: IncomingMessage, res: ServerResponse, p: string[], appId: string, deps: HttpApiDeps) {
  const method = req.method ?? 'GET'
  const { rooms, log } = deps
  if (p.length === 1 && p[0] === 'rooms' && method === 'GET') return json(res, 200, { rooms: await rooms.listRooms(appId) })
  if (p[0] !== 'rooms' || p.length < 2) return fail(res, 404, ErrorCode.UNKNOWN_OPERATION, 'No such endpoint.')
  const roomId = p[1]!
  if (!isValidRoomId(roomId)) return fail(res, 400, ErrorCode.INVALID_ROOM_ID)
  if (await recordingsAdmin(req, res, p.slice(2), appId, roomId, deps.recordings)) return
  if (await relaysAdmin(req, res, p.slice(2), appId, roomId, deps.relays)) return
  if (p.length === 3 && p[2] === 'users' && method === 'GET')
    return json(res, 200, { users: await rooms.listUsers(appId, roomId) })
  if (p.length === 3 && p[2] === 'streams' && method === 'GET')
    return json(res, 200, { streams: await rooms.listStreams(appId, roomId) })
  if (p.length === 3 && p[2] === 'close' && method === 'POST') {
    const closed = await rooms.closeRoom(appId, roomId)
    log.info({ appId, roomId, closed }, 'admin closed room')
    return json(res, 200, { closed })
  }
  if (p.length === 5 && p[2] === 'users' && p[4] === 'kick' && method === 'POST') {
    const userId = p[3]!
    if (!isValidUserId(userId)) return fail(res, 400, ErrorCode.INVALID_USER_ID)
    if (!(await rooms.kick(appId, roomId, userId))) return fail(res, 404, ErrorCode.USER_NOT_FOUND)
    log.info({ appId, roomId, userId }, 'admin kicked user')
    return json(res, 200, {})
  }
  fail(res, 404, ErrorCode.UNKNOWN_OPERATION, 'No such endpoint.')
}
