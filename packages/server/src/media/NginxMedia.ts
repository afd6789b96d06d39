import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorReason } from '@minirtc/protocol'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics'
import type { MediaBackend, MediaGate } from './MediaBackend'

export interface NginxMediaOptions {
  rtmpUrl: string
  flvUrl?: string
  controlUrl?: string
  hookSecret: string
  gate: MediaGate
  log: Logger
  metrics: Metrics
}

/** Fields nginx-rtmp sends itself; everything else in the form is the URL's query. */
const NGINX_FIELDS = new Set(['call', 'addr', 'clientid', 'app', 'flashver', 'swfurl', 'tcurl', 'pageurl', 'name', 'type', 'start', 'duration', 'reset'])

/**
 * nginx + libnginx-mod-rtmp as the media server: nginx asks us over HTTP (`on_publish`, `on_play`)
 * and tells us when connections end (`on_publish_done`, `on_play_done`, which arrive at once).
 */
export class NginxMedia implements MediaBackend {
  /** mediaSessionId → what closeSession needs for nginx's control API. */
  private readonly conns = new Map<string, { app: string; name: string; clientid: string; publisher: boolean }>()

  constructor(private readonly o: NginxMediaOptions) {
    if (!/^rtmps?:\/\//.test(o.rtmpUrl)) throw new Error('media.rtmpUrl must be an rtmp:// URL such as rtmp://media.example.com:1935/live')
  }


  urls(mediaName: string): { rtmp: string; flv: string } {
    return {
      rtmp: `${this.o.rtmpUrl.replace(/\/+$/, '')}/${mediaName}`,
      flv: this.o.flvUrl ? `${this.o.flvUrl.replace(/\/+$/, '')}/${mediaName}.flv` : '',
    }
  }

  closeSession(id: string): void {
    const c = this.conns.get(id)
    this.conns.delete(id)
    if (!c || !this.o.controlUrl) return
    const q = new URLSearchParams({ app: c.app, name: c.name, clientid: c.clientid })
    const url = `${this.o.controlUrl.replace(/\/+$/, '')}/drop/${c.publisher ? 'publisher' : 'subscriber'}?${q}`
    fetch(url).catch((e) => this.o.log.warn({ err: String(e) }, 'nginx control drop failed'))
  }

  async close(): Promise<void> {
    this.conns.clear()
  }

  /**
   * Handle `POST /hooks/nginx/<secret>/<call>`. Returns false when the path is not a hook.
   * A wrong secret is answered 404, like any unknown path.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string[]): boolean {
    if (path[0] !== 'hooks' || path[1] !== 'nginx' || path.length !== 4) return false
    if (req.method !== 'POST' || !safeEqual(path[2]!, this.o.hookSecret)) return false
    const call = path[3]!
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
      if (body.length > 16384) req.destroy()
    })
    req.on('end', () => {
      try {
        this.answerHook(call, body, res)
      } catch (e) {
        this.o.log.error({ err: e instanceof Error ? e.stack : String(e), call }, 'nginx hook failed')
        if (!res.headersSent) res.writeHead(500).end()
      }
    })
    return true
  }

  private answerHook(call: string, body: string, res: ServerResponse): void {
    const t0 = process.hrtime.bigint()
    const form = new URLSearchParams(body)
    const clientid = form.get('clientid') ?? ''
    const id = `nginx-${clientid}`
    const app = form.get('app') ?? ''
    const name = form.get('name') ?? ''
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text)
    }
    if (call === 'publish' || call === 'play') {
      // Null prototype: query keys come from the client (`?__proto__=` must stay a plain key).
      const query: Record<string, unknown> = Object.create(null)
      for (const [k, v] of form) if (!NGINX_FIELDS.has(k)) query[k] = Object.hasOwn(query, k) ? [query[k], v] : v
      const d = this.o.gate.authorize({ kind: call, app, mediaName: name, query, mediaSessionId: id, protocol: 'rtmp' })
      this.o.metrics.hookLatency.observe({ backend: 'nginx', kind: call }, Number(process.hrtime.bigint() - t0) / 1e9)
      if (!d.ok) return answer(403, `${d.code} ${errorReason(d.code)}\n`)
      this.conns.set(id, { app, name, clientid, publisher: call === 'publish' })
      // nginx starts the publish as soon as we answer 2xx; its own duplicate check is backed
      // up by ours (the stream now has a publisher, so a second one gets 5006 from the gate).
      if (call === 'publish') this.o.gate.publishStarted(name, id)
      return answer(200, 'ok\n')
    }
    if (call === 'publish_done' || call === 'play_done' || call === 'done') {
      this.conns.delete(id)
      this.o.gate.mediaEnded(id)
      return answer(200, 'ok\n')
    }
    answer(400, `${ErrorCode.INVALID_FIELD} unknown hook\n`)
  }
}

/** The RTMP application of an nginx base URL: its last path segment (`live` in `rtmp://h/live`). */
export function appFromRtmpUrl(rtmpUrl: string): string {
  return new URL(rtmpUrl.replace(/^rtmps?:/, 'http:')).pathname.split('/').filter(Boolean).pop() ?? 'live'
}

function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return d === 0
}
