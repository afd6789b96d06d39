import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, isValidStreamId } from '@minirtc/protocol'
import { ServerError } from '../errors'
import { codedRoute, json } from '../httpReply'
import { readJson } from '../readJson'
import type { RecordingManager } from './RecordingManager'
import type { RecordingLayout } from './types'

/** HTTP status of each refusal the recordings API gives. */
const statusOf: Partial<Record<number, number>> = {
  [ErrorCode.RECORDING_NOT_CONFIGURED]: 501,
  [ErrorCode.RECORDING_NOT_FOUND]: 404,
  [ErrorCode.STREAM_NOT_FOUND]: 404,
  [ErrorCode.TOO_MANY_RECORDINGS]: 429,
  [ErrorCode.DISK_FULL]: 507,
  [ErrorCode.MEDIA_UNAVAILABLE]: 503,
}

/**
 * `/admin/rooms/:roomId/recordings[/:recordingId]` (already authenticated as `appId`):
 * POST starts, GET lists or shows one, DELETE stops one. Returns false for other paths.
 * `p` is the path after `/admin/rooms/:roomId`.
 */
export async function recordingsAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  p: string[],
  appId: string,
  roomId: string,
  recordings: RecordingManager | undefined,
): Promise<boolean> {
  if (p[0] !== 'recordings' || p.length > 2) return false
  const method = req.method ?? 'GET'
  return codedRoute(res, statusOf, async () => {
    if (!recordings) throw new ServerError(ErrorCode.RECORDING_NOT_CONFIGURED)
    if (p.length === 1 && method === 'GET') {
      json(res, 200, { recordings: recordings.list(appId, roomId) })
      return true
    }
    if (p.length === 1 && method === 'POST') {
      const body = await readJson(req)
      const layout = body.layout ?? 'separate'
      if (layout !== 'separate' && layout !== 'grid') throw new ServerError(ErrorCode.INVALID_FIELD, "layout must be 'separate' or 'grid'.")
      const streams = body.streams ?? null
      if (streams !== null && (!Array.isArray(streams) || streams.length === 0 || streams.length > 64 || !streams.every(isValidStreamId)))
        throw new ServerError(ErrorCode.INVALID_FIELD, 'streams must be a non-empty array of up to 64 streamIds (or left out for every stream).')
      const recording = await recordings.start(appId, roomId, { layout: layout as RecordingLayout, streams: streams as string[] | null })
      json(res, 201, { recording })
      return true
    }
    if (p.length === 2 && (method === 'GET' || method === 'DELETE')) {
      const id = p[1]!
      const recording = method === 'GET' ? recordings.get(appId, roomId, id) : await recordings.stop(appId, roomId, id)
      if (!recording) throw new ServerError(ErrorCode.RECORDING_NOT_FOUND)
      json(res, 200, { recording })
      return true
    }
    return false
  })
}
