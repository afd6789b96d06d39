/**
 * The Node `Platform` for `@minirtc/core`: WebSockets through `ws`, timers and clock from Node,
 * live contexts from the headless renderer's virtual components (what
 * `wx.createLivePusherContext()` / `wx.createLivePlayerContext(id)` return in a mini-program), and
 * a simulated phone (permissions, network type, screen) through core's own mini-program code.
 */
import WebSocket from 'ws'
import type { HostLifecycleEvent, LivePlayerContextLike, LivePusherContextLike, Platform } from '@minirtc/core'
import { miniProgramPhone, type MiniProgramApi } from '@minirtc/core/miniprogram'
import { createSimulatedPhone, type SimulatedPhone } from './simulated-phone.js'

export interface NodePlatformOptions {
  /** Where live contexts come from; the headless renderer provides them. */
  contexts?: {
    pusherContext(id: string): LivePusherContextLike | null
    playerContext(id: string): LivePlayerContextLike | null
  }
  /** Extra `ws` client options (headers, agent...). */
  wsOptions?: WebSocket.ClientOptions
}

/** The Node platform, plus what a phone would do to a page: show, hide, unload it. */
export interface NodePlatform extends Platform {
  /** Play the host's lifecycle (a page hidden and shown again, the page unloaded) to the room. */
  emitLifecycle(event: HostLifecycleEvent): void
  /** The phone the room runs on: settings, authorize answers, network type, screen. */
  phone: SimulatedPhone
}

export function createNodePlatform(options: NodePlatformOptions = {}): NodePlatform {
  const lifecycle = new Set<(event: HostLifecycleEvent) => void>()
  const phone = createSimulatedPhone()
  return Object.assign(miniProgramPhone(phone.api as unknown as MiniProgramApi), {
    phone,
    connect(url, handlers) {
      // permessage-deflate costs far more than it saves on small signaling frames.
      const ws = new WebSocket(url, { perMessageDeflate: false, ...options.wsOptions })
      let closed = false
      const close = (code: number, reason: string) => {
        if (closed) return
        closed = true
        handlers.onClose(code, reason)
      }
      ws.on('open', () => handlers.onOpen())
      ws.on('message', (data, isBinary) => {
        if (!isBinary) handlers.onMessage(data.toString())
      })
      ws.on('close', (code, reason) => close(code, reason.toString()))
      // 'close' follows 'error' in ws; keep the error from being thrown as unhandled.
      ws.on('error', () => undefined)
      return {
        send: (data) => ws.send(data),
        close: (code = 1000, reason = '') => {
          if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
          else ws.close(code, reason)
        },
      }
    },
    createPusherContext: (id) => (options.contexts ? options.contexts.pusherContext(id) : null),
    createPlayerContext: (id) => (options.contexts ? options.contexts.playerContext(id) : null),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    now: () => Date.now(),
    onLifecycle(listener) {
      lifecycle.add(listener)
      return () => void lifecycle.delete(listener)
    },
    emitLifecycle: (event: HostLifecycleEvent) => lifecycle.forEach((l) => l(event)),
  } as Omit<NodePlatform, keyof ReturnType<typeof miniProgramPhone>>)
}
