import { FIXTURES, MediaReader, RtmpPublisher, isAvcSequenceHeader, readAvcResolution, type FlvTag } from '@minirtc/headless'
import type { RunningServer } from '../src/index'
import { sleep, type Client } from './helpers'

export { FIXTURES }

/** Start pushing a fixture; resolves with the publisher whether or not the server keeps it. */
export async function push(url: string, source: string = FIXTURES.camera640x360): Promise<RtmpPublisher> {
  const p = new RtmpPublisher({ url, source, connectTimeoutMs: 10_000 })
  await p.start().catch(() => {})
  return p
}

/**
 * `c` publishes `streamId` and pushes a fixture to its URL; resolves once the server says
 * PUBLISHING (the media server took the push).
 */
export async function publishing(c: Client, streamId: string, source?: string, timeoutMs = 10_000): Promise<RtmpPublisher> {
  const pub = await c.request('publish', { streamId })
  const pusher = await push(pub.d.pushUrl, source)
  await c.waitPush((p) => p.ev === 'publishState' && p.d.state === 'PUBLISHING', timeoutMs)
  return pusher
}

/** A viewer that records the AVC sequence headers and media tags it receives. */
export class Viewer {
  readonly reader: MediaReader
  readonly seqHeaders: Buffer[] = []
  readonly resolutions: { width: number; height: number }[] = []
  mediaTags = 0
  ended = false

  constructor(url: string) {
    this.reader = new MediaReader({ url, stallTimeoutMs: 60_000, connectTimeoutMs: 10_000 })
    this.reader.on('tag', (t: FlvTag) => {
      if (t.type === 8 || t.type === 9) this.mediaTags++
      if (isAvcSequenceHeader(t)) {
        this.seqHeaders.push(Buffer.from(t.data))
        const r = readAvcResolution(t)
        if (r) this.resolutions.push(r)
      }
    })
    this.reader.on('close', () => {
      this.ended = true
    })
  }

  start(): Promise<void> {
    return this.reader.start().catch(() => {})
  }

  stop(): void {
    this.reader.stop()
  }
}

/** Bytes an HTTP-FLV URL delivers within `ms` (a refused play must deliver none). */
export async function flvBytes(url: string, ms = 1500): Promise<{ status: number; bytes: number }> {
  const ac = new AbortController()
  const t = setTimeout(() => ac.abort(), ms)
  let bytes = 0
  let status = 0
  try {
    const res = await fetch(url, { signal: ac.signal })
    status = res.status
    const reader = res.body!.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
    }
  } catch {
    /* aborted after `ms`: the count so far is the answer */
  } finally {
    clearTimeout(t)
  }
  return { status, bytes }
}

/** Media tags an RTMP play URL delivers within `ms`. */
export async function rtmpMediaTags(url: string, ms = 1500): Promise<number> {
  const v = new Viewer(url)
  void v.start()
  await sleep(ms)
  v.stop()
  return v.mediaTags
}

/** Current value of a media auth counter, from /metrics. */
export async function mediaAuthCount(srv: RunningServer, kind: string, result: string): Promise<number> {
  const text = await (await fetch(`${srv.httpUrl}/metrics`)).text()
  const m = text.match(new RegExp(`minirtc_media_auth_total\\{kind="${kind}",result="${result}"\\} (\\d+)`))
  return m ? Number(m[1]) : 0
}
