import WebSocket from 'ws'
import { createToken, startServer, type RunningServer, type ServerOptions } from '../src/index'

export const APP = { appId: 'app-test', secret: 'test-secret-0123456789abcdef' }
export const OTHER_APP = { appId: 'app-other', secret: 'other-secret-0123456789abcdef' }

/** A server on free 127.0.0.1 ports with quiet logs. */
export function start(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rtmpPort: 0,
    flvPort: 0,
    apps: [APP, OTHER_APP],
    logger: { level: process.env.MINIRTC_TEST_LOG ?? 'silent' },
    ...extra,
  })
}

export function token(userId: string, roomId: string | undefined, o: Partial<Parameters<typeof createToken>[0]> = {}) {
  return createToken({
    ...APP,
    userId,
    ...(roomId !== undefined ? { roomId } : {}),
    privileges: { login: true, publish: true },
    ttlSeconds: 600,
    ...o,
  })
}

/** A push as the tests read it (payload loosely typed: tests assert its shape). */
export interface ServerPush {
  seq: number
  ev: string
  d: any
}

export interface Reply {
  id: number
  ok: boolean
  d?: any
  error?: { code: number; reason: string; message: string }
}

/** A protocol client over a real WebSocket that records every push and the close code. */
export class Client {
  readonly ws: WebSocket
  readonly pushes: ServerPush[] = []
  readonly replies: Reply[] = []
  /** Every frame in arrival order. */
  readonly frames: (Reply | ServerPush)[] = []
  private nextId = 1
  private waiters = new Map<number, (r: Reply) => void>()
  private pushWaiters: { pred: (p: ServerPush) => boolean; resolve: (p: ServerPush) => void }[] = []
  readonly opened: Promise<void>
  readonly closed: Promise<{ code: number; reason: string }>

  constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...(headers ? { headers } : {}) })
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    )
    this.ws.on('error', () => {})
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString())
      this.frames.push(m)
      if (typeof m.seq === 'number') {
        this.pushes.push(m)
        this.pushWaiters = this.pushWaiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true))
      } else {
        this.replies.push(m)
        const w = this.waiters.get(m.id)
        if (w) {
          this.waiters.delete(m.id)
          w(m)
        }
      }
    })
  }

  static async open(url: string, headers?: Record<string, string>): Promise<Client> {
    const c = new Client(url, headers)
    await c.opened
    return c
  }

  request(op: string, d: unknown, timeoutMs = 10_000): Promise<Reply> {
    const id = this.nextId++
    this.ws.send(JSON.stringify({ v: 1, id, op, d }))
    return this.waitReply(id, timeoutMs)
  }

  waitReply(id: number, timeoutMs = 10_000): Promise<Reply> {
    const have = this.replies.find((r) => r.id === id)
    if (have) return Promise.resolve(have)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to request ${id} within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.set(id, (r) => {
        clearTimeout(t)
        resolve(r)
      })
    })
  }

  /** Resolve with the first push (already received or future) matching `pred`. */
  waitPush(pred: (p: ServerPush) => boolean, timeoutMs = 10_000, since = 0): Promise<ServerPush> {
    const have = this.pushes.slice(since).find(pred)
    if (have) return Promise.resolve(have)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`push not received within ${timeoutMs} ms`)), timeoutMs)
      this.pushWaiters.push({
        pred,
        resolve: (p) => {
          clearTimeout(t)
          resolve(p)
        },
      })
    })
  }

  async login(roomId: string, userId: string, o: { token?: string; userUpdate?: boolean; appId?: string; playUrls?: boolean } = {}) {
    const tk = o.token ?? (await token(userId, roomId))
    return this.request('login', {
      appId: o.appId ?? APP.appId,
      roomId,
      token: tk,
      user: { userId, userName: `name-${userId}` },
      userUpdate: o.userUpdate ?? true,
      ...(o.playUrls !== undefined ? { playUrls: o.playUrls } : {}),
    })
  }

  close(): void {
    this.ws.terminate()
  }
}

/** Log in a fresh client and fail the test when the login is refused. */
export async function joined(srv: RunningServer, roomId: string, userId: string, o: { userUpdate?: boolean; playUrls?: boolean } = {}) {
  const c = await Client.open(srv.url)
  const r = await c.login(roomId, userId, o)
  if (!r.ok) throw new Error(`login failed: ${JSON.stringify(r.error)}`)
  return { c, login: r.d as import('@minirtc/protocol').LoginResult }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Poll until `fn` returns a truthy value or fail after `ms`. */
export async function eventually<T>(fn: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`)
    await sleep(25)
  }
}

export async function adminFetch(srv: RunningServer, path: string, init: RequestInit = {}, app = APP) {
  const res = await fetch(srv.httpUrl + path, {
    ...init,
    headers: { authorization: `Bearer ${app.secret}`, 'x-minirtc-app-id': app.appId, ...(init.headers as Record<string, string> | undefined) },
  })
  return { status: res.status, body: (await res.json()) as any }
}
