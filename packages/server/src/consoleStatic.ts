import { createReadStream, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
}

/**
 * Serves the built debug console (apps/console/dist) at `/console/`, so `minirtc-server` alone
 * gives developers the page; `/ws`, `/ingest` and `/dev/token` are then on the same origin.
 * Returns false when the request is not for the console.
 */
export function createConsoleHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const root = normalize(dir)
  return (req, res) => {
    const raw = (req.url ?? '/').split('?')[0]!
    if (raw !== '/console' && !raw.startsWith('/console/')) return false
    let path: string
    try {
      path = decodeURIComponent(raw)
    } catch {
      // `/console/%` and other broken escapes: a client error, never an exception out of here.
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad URL encoding')
      return true
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return true
    }
    if (path === '/console') {
      res.writeHead(301, { location: '/console/' + (req.url!.includes('?') ? req.url!.slice(req.url!.indexOf('?')) : '') }).end()
      return true
    }
    const rel = path.slice('/console/'.length) || 'index.html'
    const file = normalize(join(root, rel))
    // No path may leave the console directory (`..`, encoded or not).
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404).end()
      return true
    }
    let size: number
    try {
      const st = statSync(file)
      if (!st.isFile()) throw new Error('not a file')
      size = st.size
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return true
    }
    res.writeHead(200, { 'content-type': (Object.hasOwn(TYPES, extname(file)) ? TYPES[extname(file)] : undefined) ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-cache' })
    if (req.method === 'HEAD') res.end()
    else createReadStream(file).pipe(res)
    return true
  }
}
