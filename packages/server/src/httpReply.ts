import type { ServerResponse } from 'node:http'
import { ServerError, errorBody } from './errors'

/** A JSON answer that no cache keeps. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(text)
}

/** A coded refusal: `{ error: { code, reason, message } }`. */
export function fail(res: ServerResponse, status: number, code: number, message?: string): void {
  json(res, status, { error: errorBody(code, message) })
}

/**
 * Run an admin route: a ServerError it throws becomes a coded refusal with the route's HTTP status
 * for that code (400 when unlisted). Resolves what the route does (false: not its path).
 */
export async function codedRoute(res: ServerResponse, statusOf: Partial<Record<number, number>>, route: () => Promise<boolean>): Promise<boolean> {
  try {
    return await route()
  } catch (e) {
    if (!(e instanceof ServerError)) throw e
    fail(res, statusOf[e.code] ?? 400, e.code, e.message)
    return true
  }
}
