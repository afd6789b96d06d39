/** Where the console talks to: the signaling WebSocket, the HTTP API on the same port, the ingest. */

/** `?server=` when given, else the page's own host (the console served by minirtc-server at /console). */
export function defaultServer(loc: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const q = new URLSearchParams(loc.search).get('server')
  if (q) return q
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`
}

/**
 * The admin secret handed in as `#admin=<secret>` (the demo prints its console URL so). In the
 * fragment because browsers never send the fragment to a server: it stays out of requests, server
 * logs and Referer headers, and no server endpoint ever has to give the secret out.
 */
export function adminSecretFrom(loc: Pick<Location, 'hash'>): string {
  return new URLSearchParams(loc.hash.replace(/^#/, '')).get('admin') ?? ''
}

/** `ws://h:p/ws` → `http://h:p` (health, dev token and admin API share the signaling port). */
export function httpBase(server: string): string {
  const u = new URL(server)
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`
}

/** `ws://h:p/ingest?url=<pushUrl>`; `base` overrides the ingest endpoint (`?ingest=` on the page). */
export function ingestUrl(server: string, pushUrl: string, base?: string): string {
  const u = new URL(server)
  const root = base || `${u.protocol}//${u.host}/ingest`
  return `${root}${root.includes('?') ? '&' : '?'}url=${encodeURIComponent(pushUrl)}`
}

export interface DevToken {
  appId: string
  token: string
  expiresAt: number
}

/** The server's dev endpoint (`minirtc-server --dev`): a token for any room and user. */
export async function fetchDevToken(server: string, roomId: string, userId: string): Promise<DevToken> {
  const url = `${httpBase(server)}/dev/token?roomId=${encodeURIComponent(roomId)}&userId=${encodeURIComponent(userId)}`
  let res: Response
  try {
    res = await fetch(url)
  } catch (err) {
    throw new Error(`Could not reach ${httpBase(server)} for a dev token (${(err as Error).message}). Is the server running?`, { cause: err })
  }
  const body = (await res.json().catch(() => ({}))) as Partial<DevToken> & { error?: { message?: string } }
  if (!res.ok || !body.token || !body.appId)
    throw new Error(
      res.status === 404
        ? 'The server has no dev token endpoint (start it with --dev), so paste an app id and a token.'
        : `Dev token refused: ${body.error?.message ?? res.status}`,
    )
  return { appId: body.appId, token: body.token, expiresAt: body.expiresAt ?? 0 }
}

/** Admin API call with the app secret (`Authorization: Bearer`, `x-minirtc-app-id`). */
export async function adminPost(server: string, appId: string, secret: string, path: string): Promise<void> {
  const res = await fetch(`${httpBase(server)}/admin${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'x-minirtc-app-id': appId },
  })
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: number; message?: string } }
    throw new Error(`${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim())
  }
}
