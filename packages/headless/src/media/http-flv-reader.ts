/**
 * Pulls an HTTP(S)-FLV stream (`http://host:port/app/stream.flv`) with node:http and yields its
 * tags. One request, no retries.
 */
import { EventEmitter } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import { MediaError } from './errors.js'
import { FlvParser, type FlvTag } from './flv.js'

export interface HttpFlvReaderEvents {
  /** TCP connected (WeChat 2001). */
  connected: []
  /** 200 response headers received: pulling started (WeChat 2002). */
  started: []
  tag: [tag: FlvTag]
  /** Ended; `error` is undefined after `stop()`. */
  close: [error: MediaError | undefined]
}

export interface HttpFlvReaderOptions {
  /**
   * Fail with STALLED after this long without a byte once the response started (off by
   * default). NMS answers 200 for a stream nobody publishes and then sends nothing.
   */
  stallTimeoutMs?: number
}

/**
 * @example
 * const r = new HttpFlvReader('http://127.0.0.1:8000/live/s1.flv', { stallTimeoutMs: 5000 })
 * r.on('tag', (tag) => ...)
 * r.on('close', (err) => err && console.error(err.reason, err.httpStatus))
 * r.start()
 */
export class HttpFlvReader extends EventEmitter<HttpFlvReaderEvents> {
  bytesRead = 0
  private req: http.ClientRequest | null = null
  private closed = false
  private readonly parser = new FlvParser()
  private stallTimer: NodeJS.Timeout | null = null

  constructor(
    readonly url: string,
    private readonly opts: HttpFlvReaderOptions = {},
  ) {
    super()
  }

  private armStall(): void {
    const ms = this.opts.stallTimeoutMs
    if (!ms || this.closed) return
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = setTimeout(() => this.finish(new MediaError('STALLED', `no data from ${this.url} for ${ms} ms`)), ms)
  }

  start(): void {
    let u: URL
    try {
      u = new URL(this.url)
    } catch (err) {
      this.finish(new MediaError('BAD_URL', `not a URL: ${this.url}`, { cause: err }))
      return
    }
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null
    if (!mod) {
      this.finish(new MediaError('BAD_URL', `not an http(s):// URL: ${this.url}`))
      return
    }
    let connected = false
    // agent:false: a fresh connection per pull, as a player does; a pooled keep-alive socket
    // would hide connect failures and outlive stop().
    const req = mod.get(u, { agent: false, headers: { 'user-agent': 'MiniRTC-headless' } })
    this.req = req
    req.on('socket', (s) => {
      const onConnect = () => {
        connected = true
        if (!this.closed) this.emit('connected')
      }
      if ((s as { connecting?: boolean }).connecting) s.once('connect', onConnect)
      else onConnect()
    })
    req.on('error', (err) => this.finish(MediaError.fromSocketError(err, this.url, connected)))
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        this.finish(
          new MediaError('HTTP_STATUS', `HTTP ${res.statusCode} ${res.statusMessage ?? ''} from ${this.url}`.trim(), {
            httpStatus: res.statusCode,
          }),
        )
        return
      }
      this.emit('started')
      this.armStall()
      res.on('data', (chunk: Buffer) => {
        if (this.closed) return
        this.bytesRead += chunk.length
        this.armStall()
        let tags: FlvTag[]
        try {
          tags = this.parser.push(chunk)
        } catch (err) {
          this.finish(new MediaError('IO_ERROR', `bad FLV data from ${this.url}: ${(err as Error).message}`, { cause: err }))
          return
        }
        for (const t of tags) {
          if (this.closed) return
          this.emit('tag', t)
        }
      })
      res.on('end', () => this.finish(new MediaError('SERVER_CLOSED', `${this.url} ended the stream`)))
      res.on('error', (err) => this.finish(MediaError.fromSocketError(err, this.url, true)))
      res.on('close', () => this.finish(new MediaError('IO_ERROR', `connection to ${this.url} closed`)))
    })
  }

  /** Aborts the request. Idempotent; emits `close` without an error. */
  stop(): void {
    this.finish(undefined)
  }

  private finish(err: MediaError | undefined): void {
    if (this.closed) return
    this.closed = true
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.req?.destroy()
    this.emit('close', err)
  }
}
