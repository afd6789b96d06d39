import type { ServerResponse } from 'node:http'
import { errorBody } from './errors'

/** A JSON answer that no cache keeps. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(text)
}

/** A coded refusal: `{ error: { code, reason, message } }`. */
export function fail(res: ServerResponse, status: number, code: number, message?: string): void {
  json(res, status, { error: errorBody(code, message) })
}
