import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, isValidStreamId } from '@minirtc/protocol'
import { ServerError } from '../errors'
import { codedRoute, json } from '../httpReply'
import { readJson } from '../readJson'
import type { RelayManager } from './RelayManager'

const statusOf: Partial<Record<number, number>> = {
  [ErrorCode.RELAY_NOT_FOUND]: 404,
  [ErrorCode.STREAM_NOT_FOUND]: 404,
  [ErrorCode.TOO_MANY_RELAYS]: 429,
  [ErrorCode.MEDIA_UNAVAILABLE]: 503,
}

/**
 * Relays to RTMP URLs (already authenticated as `appId`); `p` is the path after
 * `/admin/rooms/:roomId`: POST `streams/:streamId/relays` `{ url }` adds one, GET `relays` lists
 * them, DELETE `relays/:relayId` removes one. Returns false for other paths.
 */
export async function relaysAdmin(req: IncomingMessage, res: ServerResponse, p: string[], appId: string, roomId: string, relays: RelayManager): Promise<boolean> {
  const method = req.method ?? 'GET'
  return codedRoute(res, statusOf, async () => {
    if (p.length === 3 && p[0] === 'streams' && p[2] === 'relays' && method === 'POST') {
      const streamId = p[1]!
      if (!isValidStreamId(streamId)) throw new ServerError(ErrorCode.INVALID_STREAM_ID)
      const body = await readJson(req)
      json(res, 201, { relay: await relays.add(appId, roomId, streamId, body.url as string) })
      return true
    }
    if (p.length === 1 && p[0] === 'relays' && method === 'GET') {
      json(res, 200, { relays: relays.list(appId, roomId) })
      return true
    }
    if (p.length === 2 && p[0] === 'relays' && method === 'DELETE') {
      const relay = await relays.remove(appId, roomId, p[1]!)
      if (!relay) throw new ServerError(ErrorCode.RELAY_NOT_FOUND)
      json(res, 200, { relay })
      return true
    }
    return false
  })
}
