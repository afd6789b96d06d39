/**
 * An mpegts.js loader that streams the URL with fetch (like its own fetch-stream-loader) and
 * shows every chunk to `tap` before the demuxer gets it: the console reads SEI from it.
 */
import mpegts from 'mpegts.js'

// mpegts.js's BaseLoader keeps its state in `_status` / `_needStash`; its IOController reads them.
/* eslint-disable no-underscore-dangle */

const kConnecting = 1
const kBuffering = 2
const kError = 3
const kComplete = 4

export function createTapLoader(tap: (chunk: Uint8Array) => void): mpegts.CustomLoaderConstructor {
  const Base = mpegts.BaseLoader as unknown as new (type: string) => mpegts.BaseLoader
  return class TapLoader extends Base {
    private abortController: AbortController | null = null
    private received = 0

    constructor(_seekHandler: mpegts.SeekHandler, _config: mpegts.Config) {
      super('minirtc-fetch-tap')
      this._needStash = false
    }

    override open(dataSource: { url: string }, range: { from: number }): void {
      const ac = new AbortController()
      this.abortController = ac
      this._status = kConnecting
      fetch(dataSource.url, { signal: ac.signal, mode: 'cors' })
        .then(async (res) => {
          if (!res.ok || !res.body) {
            this._status = kError
            this.onError?.({ HTTP_STATUS_CODE_INVALID: 'HttpStatusCodeInvalid' } as never, { code: res.status, msg: res.statusText })
            return
          }
          this._status = kBuffering
          const reader = res.body.getReader()
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            if (!value || !value.byteLength) continue
            tap(value)
            const start = range.from + this.received
            this.received += value.byteLength
            this.onDataArrival?.(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer, start, this.received)
          }
          this._status = kComplete
          this.onComplete?.(range.from, range.from + this.received - 1)
        })
        .catch((err: Error) => {
          if (ac.signal.aborted) return
          this._status = kError
          this.onError?.('Exception' as never, { code: -1, msg: err.message })
        })
    }

    override abort(): void {
      this.abortController?.abort()
      this._status = kComplete
    }

    override destroy(): void {
      this.abort()
      super.destroy()
    }
  } as unknown as mpegts.CustomLoaderConstructor
}
