import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, isValidRoomId, isValidUserId } from '@minirtc/protocol'
import type { AppCredentials } from './options'
import { createToken } from './token'
import { fail, json } from './httpReply'

/**
 * The app `/dev/token` signs for, or undefined when dev mode is off. Only ever one app, named
 * explicitly or unambiguous: a config that turns dev mode on next to production apps must not
 * hand out tokens for them.
 */
export function resolveDevApp(dev: boolean | { appId: string } | undefined, apps: AppCredentials[]): AppCredentials | undefined {
  if (!dev) return undefined
  if (typeof dev === 'object') {
    const app = apps.find((a) => a.appId === dev.appId)
    if (!app) throw new Error(`startServer: dev.appId "${dev.appId}" is not among the configured apps`)
    return app
  }
  if (apps.length === 1) return apps[0]
  const named = apps.find((a) => a.appId === 'dev')
  if (named) return named
  throw new Error('startServer: dev: true with several apps; name the dev app with dev: { appId } (never a production app)')
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Pages allowed to read a dev token: no Origin (curl, the WeChat simulator's wx.request, node),
 * a page on this machine, or a page served by this server (the console, also over a LAN address).
 * Anything else would let any web site a developer visits mint tokens from their dev server.
 */
export function originAllowed(req: IncomingMessage): string | true | false {
  const origin = req.headers.origin
  if (origin === undefined) return true
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    return false
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false
  if (LOOPBACK.has(u.hostname) || /^127\.\d+\.\d+\.\d+$/.test(u.hostname)) return origin
  if (req.headers.host !== undefined && u.host === req.headers.host) return origin
  return false
}

/** `GET /dev/token?roomId=&userId=`: a one-hour login + publish token for the dev app. */
export async function serveDevToken(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, app: AppCredentials): Promise<void> {
  res.setHeader('vary', 'Origin')
  const origin = originAllowed(req)
  if (origin === false) return fail(res, 403, ErrorCode.ORIGIN_NOT_ALLOWED)
  if (origin !== true) res.setHeader('access-control-allow-origin', origin)
  const roomId = query.get('roomId') ?? ''
  const userId = query.get('userId') ?? ''
  if (!isValidRoomId(roomId)) return fail(res, 400, ErrorCode.INVALID_ROOM_ID)
  if (!isValidUserId(userId)) return fail(res, 400, ErrorCode.INVALID_USER_ID)
  const ttlSeconds = 3600
  const token = await createToken({ ...app, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds })
  json(res, 200, { appId: app.appId, roomId, userId, token, expiresAt: Date.now() + ttlSeconds * 1000 })
}
