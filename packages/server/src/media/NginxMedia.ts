import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorReason } from '@minirtc/protocol'
import type { Logger } from 'pino'
import { sameSecret } from '../constantTime'
import type { Metrics } from '../metrics'
import type { MediaBackend, MediaGate } from './MediaBackend'

/** One nginx-rtmp media node. */
export interface NginxNode {
  /** Stable name (the `mediaNode` of its generated config); default: its index in `nodes`. */
  name?: string
  rtmpUrl: string
  flvUrl?: string
  controlUrl?: string
  /** Origin/edge: the RTMP base players of this node's streams get (its edges), if not rtmpUrl. */
  playRtmpUrl?: string
}

export interface NginxMediaOptions {
  /** A single media node (the original form); or use `nodes`. */
  rtmpUrl?: string
  flvUrl?: string
  controlUrl?: string
  /** Several media nodes: each stream goes to one of them by rendezvous hashing of its media name. */
  nodes?: NginxNode[]
  /**
   * Edge nodes: play hooks only (their streams come from the origins in `nodes`). `rtmpUrl`:
   * where the origins push to; an origin's relay to it plays without a signed URL.
   */
  edges?: { name: string; rtmpUrl?: string; controlUrl?: string }[]
  hookSecret: string
  gate: MediaGate
  log: Logger
  metrics: Metrics
  /**
   * Cluster: the internal HTTP base of the server node that holds the session with this media
   * URL reference, when it is another node; the hook is then forwarded there.
   */
  routeRef?: (ref: string) => Promise<string | undefined>
}

type Node = Required<Pick<NginxNode, 'name' | 'rtmpUrl'>> & NginxNode

/** Fields nginx-rtmp sends itself; everything else in the form is the URL's query. */
const NGINX_FIELDS = new Set(['call', 'addr', 'clientid', 'app', 'flashver', 'swfurl', 'tcurl', 'pageurl', 'name', 'type', 'start', 'duration', 'reset'])

/**
 * nginx + libnginx-mod-rtmp as the media server: nginx asks us over HTTP (`on_publish`, `on_play`)
 * and tells us when connections end (`on_publish_done`, `on_play_done`, which arrive at once).
 */
export class NginxMedia implements MediaBackend {
  /** mediaSessionId → what closeSession needs for nginx's control API. */
  private readonly conns = new Map<string, { app: string; name: string; clientid: string; publisher: boolean; controlUrl?: string }>()
  private readonly nodes: Node[]
  private readonly edges: Node[]
  private readonly relayAddrs = new Set<string>()

  constructor(private readonly o: NginxMediaOptions) {
    const list: NginxNode[] = o.nodes?.length ? o.nodes : o.rtmpUrl ? [{ rtmpUrl: o.rtmpUrl, flvUrl: o.flvUrl, controlUrl: o.controlUrl }] : []
    if (list.length === 0) throw new Error('media: { kind: "nginx" } needs rtmpUrl or nodes: [{ rtmpUrl }]')
    this.nodes = list.map((n, i) => ({ ...n, name: n.name ?? String(i) }))
    for (const n of this.nodes)
      if (!/^rtmps?:\/\//.test(n.rtmpUrl)) throw new Error('media.rtmpUrl must be an rtmp:// URL such as rtmp://media.example.com:1935/live')
    this.edges = (o.edges ?? []).map((e) => ({ ...e, rtmpUrl: e.rtmpUrl ?? '' }))
    // nginx reports an origin's push relay as a local "play" whose addr is the target (host:port/app).
    for (const e of this.edges) if (e.rtmpUrl) this.relayAddrs.add(e.rtmpUrl.replace(/^rtmps?:\/\//, '').replace(/\/+$/, ''))
    const names = [...this.nodes, ...this.edges].map((n) => n.name)
    if (new Set(names).size !== names.length) throw new Error('media.nodes and media.edges: names must be unique')
  }

  /**
   * The media node for a media name: rendezvous (highest random weight) hashing, a form of
   * consistent hashing. Every server node computes the same answer from the same node list, and
   * adding or removing a node moves only the streams that hash to it.
   */
  nodeFor(mediaName: string): Node {
    let best = this.nodes[0]!
    let bestScore = -1n
    if (this.nodes.length === 1) return best
    for (const n of this.nodes) {
      const score = createHash('sha256').update(`${n.name}\n${mediaName}`).digest().readBigUInt64BE(0)
      if (score > bestScore) [best, bestScore] = [n, score]
    }
    return best
  }

  urls(mediaName: string): { rtmp: string; flv: string } {
    const n = this.nodeFor(mediaName)
    return {
      rtmp: `${n.rtmpUrl.replace(/\/+$/, '')}/${mediaName}`,
      flv: n.flvUrl ? `${n.flvUrl.replace(/\/+$/, '')}/${mediaName}.flv` : '',
      ...(n.playRtmpUrl ? { playRtmp: `${n.playRtmpUrl.replace(/\/+$/, '')}/${mediaName}` } : {}),
    }
  }

  closeSession(id: string): void {
    const c = this.conns.get(id)
    this.conns.delete(id)
    if (!c || !c.controlUrl) return
    const q = new URLSearchParams({ app: c.app, name: c.name, clientid: c.clientid })
    const url = `${c.controlUrl.replace(/\/+$/, '')}/drop/${c.publisher ? 'publisher' : 'subscriber'}?${q}`
    fetch(url).catch((e) => this.o.log.warn({ err: String(e) }, 'nginx control drop failed'))
  }

  async close(): Promise<void> {
    this.conns.clear()
  }

  /**
   * Handle `POST /hooks/nginx/<secret>/[<media node>/]<call>`. Returns false when the path is
   * not a hook. A wrong secret is answered 404, like any unknown path.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string[]): boolean {
    if (path[0] !== 'hooks' || path[1] !== 'nginx' || (path.length !== 4 && path.length !== 5)) return false
    if (req.method !== 'POST' || !sameSecret(path[2]!, this.o.hookSecret)) return false
    const call = path[path.length - 1]!
    const nodeName = path.length === 5 ? path[3]! : undefined
    const edge = nodeName !== undefined && this.edges.find((n) => n.name === nodeName)
    const node = nodeName === undefined ? this.nodes[0] : (edge || this.nodes.find((n) => n.name === nodeName))
    if (!node) return false
    // Edges only ever play: nothing may publish through them with our URLs.
    if (edge && (call === 'publish' || call === 'publish_done')) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${ErrorCode.MEDIA_NOT_AUTHORIZED} ${errorReason(ErrorCode.MEDIA_NOT_AUTHORIZED)}\n`)
      return true
    }
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
      if (body.length > 16384) req.destroy()
    })
    req.on('end', () => {
      this.answerHook(call, nodeName, node, body, req, res).catch((e: unknown) => {
        this.o.log.error({ err: e instanceof Error ? e.stack : String(e), call }, 'nginx hook failed')
        if (!res.headersSent) res.writeHead(500).end()
      })
    })
    return true
  }

  private async answerHook(call: string, nodeName: string | undefined, node: Node, body: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = process.hrtime.bigint()
    const form = new URLSearchParams(body)
    const clientid = form.get('clientid') ?? ''
    // nginx clientids are per nginx process: with several media nodes the id names the node.
    const id = nodeName === undefined ? `nginx-${clientid}` : `nginx-${nodeName}-${clientid}`
    const app = form.get('app') ?? ''
    const name = form.get('name') ?? ''
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text)
    }
    // An origin relaying a stream to its edge: the relay is not a client and carries no URL.
    if ((call === 'play' || call === 'play_done') && this.relayAddrs.has(form.get('addr') ?? '')) return answer(200, 'ok\n')
    if (call === 'publish' || call === 'play') {
      // Null prototype: query keys come from the client (`?__proto__=` must stay a plain key).
      const query: Record<string, unknown> = Object.create(null)
      for (const [k, v] of form) if (!NGINX_FIELDS.has(k)) query[k] = Object.hasOwn(query, k) ? [query[k], v] : v
      // Cluster: the node that holds the URL's session decides (its sessions are in its memory).
      const ref = query.u
      if (typeof ref === 'string' && this.o.routeRef && req.headers['x-minirtc-forwarded'] === undefined) {
        const target = await this.o.routeRef(ref)
        if (target) return this.forward(target, req.url ?? '', body, res)
      }
      const mreq = { kind: call, app, mediaName: name, query, mediaSessionId: id, protocol: 'rtmp' } as const
      const d = this.o.gate.authorizeAsync ? await this.o.gate.authorizeAsync(mreq) : this.o.gate.authorize(mreq)
      this.o.metrics.hookLatency.observe({ backend: 'nginx', kind: call }, Number(process.hrtime.bigint() - t0) / 1e9)
      if (!d.ok) return answer(403, `${d.code} ${errorReason(d.code)}\n`)
      this.conns.set(id, { app, name, clientid, publisher: call === 'publish', ...(node.controlUrl ? { controlUrl: node.controlUrl } : {}) })
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

  /** Relay a hook to the server node that holds the session, and its answer back to nginx. */
  private async forward(target: string, path: string, body: string, res: ServerResponse): Promise<void> {
    try {
      const r = await fetch(target.replace(/\/+$/, '') + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-minirtc-forwarded': '1' },
        body,
        signal: AbortSignal.timeout(5000),
      })
      res.writeHead(r.status, { 'content-type': 'text/plain' }).end(await r.text())
    } catch (e) {
      this.o.log.warn({ err: String(e), target }, 'forwarding a media hook failed')
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${ErrorCode.MEDIA_NOT_AUTHORIZED} ${errorReason(ErrorCode.MEDIA_NOT_AUTHORIZED)}\n`)
    }
  }
}

/** The RTMP application of an nginx base URL: its last path segment (`live` in `rtmp://h/live`). */
export function appFromRtmpUrl(rtmpUrl: string): string {
  return new URL(rtmpUrl.replace(/^rtmps?:/, 'http:')).pathname.split('/').filter(Boolean).pop() ?? 'live'
}

