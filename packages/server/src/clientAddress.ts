import type { IncomingMessage } from 'node:http'

/**
 * The client's address. With `trustProxy`, the right-most X-Forwarded-For entry: the one our own
 * proxy appended (entries to its left were sent by the client and can be forged).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const direct = req.socket.remoteAddress ?? 'unknown'
  if (!trustProxy) return direct
  const xff = req.headers['x-forwarded-for']
  const raw = Array.isArray(xff) ? xff.join(',') : xff
  if (!raw) return direct
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean)
  const last = parts[parts.length - 1]
  return last && last.length <= 64 ? last : direct
}
