import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics'

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the app secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-minirtc-signature'

function mac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
}

/** The signature header value for a body sent at `t` (seconds since the epoch). */
export function signWebhook(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${mac(secret, t, body)}`
}

/**
 * For webhook receivers: whether `header` (the `x-minirtc-signature` value) signs the raw `body`
 * with the app secret, and was made within `toleranceSeconds` (a replayed old delivery fails).
 * @example
 * if (!verifyWebhook(rawBody, req.headers['x-minirtc-signature'], secret)) return res.writeHead(401).end()
 */
export function verifyWebhook(body: string, header: string | undefined, secret: string, toleranceSeconds = 300, nowMs = Date.now()): boolean {
  if (!header) return false
  const parts = new Map(header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const))
  const t = Number(parts.get('t'))
  const v1 = parts.get('v1') ?? ''
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(v1)) return false
  return timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(mac(secret, t, body), 'hex'))
}

export interface WebhookSenderOptions {
  log: Logger
  metrics: Metrics
  /** Attempts per delivery (the first one included). */
  attempts: number
  /** Delay before the first retry; doubles for each further one. */
  retryBaseMs: number
  timeoutMs?: number
}

/**
 * Delivers signed JSON events to an app's webhook URL: POST, retried with exponential backoff
 * until the receiver answers 2xx or the attempts run out. Deliveries still retrying at shutdown
 * get one last immediate attempt (`flush`).
 */
export class WebhookSender {
  private readonly pending = new Set<{ wake(): void; done: Promise<void> }>()
  private closing = false

  constructor(private readonly o: WebhookSenderOptions) {}

  send(url: string, secret: string, event: string, data: Record<string, unknown>): void {
    const id = randomUUID()
    const body = JSON.stringify({ id, event, createdAt: Date.now(), data })
    let wake = () => {}
    const entry = { wake: () => wake(), done: Promise.resolve() }
    entry.done = (async () => {
      for (let attempt = 1; ; attempt++) {
        const status = await this.post(url, secret, event, id, body)
        const ok = status >= 200 && status < 300
        this.o.metrics.webhooks.inc({ event, result: ok ? 'delivered' : 'failed' })
        if (ok) return
        this.o.log.warn({ url, event, id, attempt, status }, 'webhook not accepted')
        if (attempt >= this.o.attempts || this.closing) return
        const delay = this.o.retryBaseMs * 2 ** (attempt - 1)
        await new Promise<void>((r) => {
          const t = setTimeout(r, delay)
          wake = () => {
            clearTimeout(t)
            r()
          }
        })
      }
    })()
    this.pending.add(entry)
    void entry.done.finally(() => this.pending.delete(entry))
  }

  /** Status of one attempt; 0 when the receiver could not be reached. */
  private async post(url: string, secret: string, event: string, id: string, body: string): Promise<number> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-minirtc-event': event,
          'x-minirtc-delivery': id,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body),
        },
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      })
      await res.arrayBuffer().catch(() => {})
      return res.status
    } catch {
      return 0
    }
  }

  /** Retry waiting deliveries once, now, and wait for every delivery in flight. */
  async flush(): Promise<void> {
    this.closing = true
    const all = [...this.pending]
    for (const e of all) e.wake()
    await Promise.all(all.map((e) => e.done))
  }
}
