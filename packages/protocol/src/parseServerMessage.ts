import type { ServerMessage } from './messages'

/**
 * Light structural check of a server frame on the client (the server is trusted; this guards
 * against proxies and version skew, not attackers).
 */
export function parseServerMessage(raw: string): ServerMessage | null {
  let m: unknown
  try {
    m = JSON.parse(raw)
  } catch {
    return null
  }
  if (typeof m !== 'object' || m === null) return null
  const r = m as Record<string, unknown>
  if (typeof r.id === 'number' && typeof r.ok === 'boolean') return m as ServerMessage
  if (typeof r.seq === 'number' && typeof r.ev === 'string' && typeof r.d === 'object' && r.d !== null)
    return m as ServerMessage
  return null
}
