import type { IncomingMessage } from 'node:http'
import { ErrorCode } from '@minirtc/protocol'
import { ServerError } from './errors'

/**
 * The JSON object of a request body (admin API). An empty body is `{}`; a body over `maxBytes`,
 * not JSON or not an object is refused with INVALID_FIELD / MESSAGE_TOO_LARGE.
 */
export async function readJson(req: IncomingMessage, maxBytes = 16_384): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > maxBytes) throw new ServerError(ErrorCode.MESSAGE_TOO_LARGE, `The request body exceeds ${maxBytes} bytes.`)
    chunks.push(c)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new ServerError(ErrorCode.INVALID_FIELD, 'The request body is not JSON.')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ServerError(ErrorCode.INVALID_FIELD, 'The request body must be a JSON object.')
  return v as Record<string, unknown>
}
