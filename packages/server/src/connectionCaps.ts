import type { Server } from 'node:net'
import type { Socket } from 'node:net'

/** Open connections per client address, with a cap (one per listener). */
export class AddressCounter {
  private readonly open = new Map<string, number>()

  constructor(readonly max: number) {}

  /** Count a new connection from `address`; false (and not counted) when it is over the cap. */
  tryOpen(address: string): boolean {
    const n = this.open.get(address) ?? 0
    if (n >= this.max) return false
    this.open.set(address, n + 1)
    return true
  }

  release(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1
    if (n > 0) this.open.set(address, n)
    else this.open.delete(address)
  }

  /** Addresses with open connections (for tests: nothing may be left behind). */
  get size(): number {
    return this.open.size
  }
}

export interface ListenerLimits {
  /** Open TCP connections per remote address. */
  maxPerAddress: number
  /**
   * Until `authorized(socket)` is called, the connection must get that far within this time
   * (a half-done handshake, or nothing at all, is dropped; checked at most 1/8 of it late).
   */
  handshakeTimeoutMs: number
  /** After that, dropped after this long without traffic in either direction. */
  idleTimeoutMs: number
  /** Called for every connection dropped by a limit (logging, metrics). */
  onDrop?: (why: 'cap' | 'timeout', address: string) => void
}

/**
 * Per-address caps and handshake/idle timeouts on a raw listener (the embedded RTMP and HTTP-FLV
 * servers, which have none of their own): a thousand silent connections must not be able to
 * exhaust the process's file descriptors. Install before the listener's own 'connection' handler.
 * Returns `authorized(socket)`: switch a connection from the handshake to the idle timeout.
 */
export function limitListener(
  server: Server,
  limits: ListenerLimits,
): { authorized(socket: Socket): void; released(socket: Socket): void; counter: AddressCounter } {
  const counter = new AddressCounter(limits.maxPerAddress)
  // One listener for every socket ('timeout' is emitted on the socket), not a closure each:
  // the signaling listener holds tens of thousands of sockets.
  function onTimeout(this: Socket): void {
    limits.onDrop?.('timeout', this.remoteAddress ?? 'unknown')
    this.destroy()
  }
  // Handshake deadlines are swept for all sockets at once instead of a socket.setTimeout each:
  // once armed, a socket keeps its Timeout object and bound callback for life, even after
  // setTimeout(0), which is ~200 bytes on every long-lived WebSocket. Every socket gets the same
  // timeout, so the map (insertion-ordered) is also ordered by deadline.
  const pending = new Map<Socket, number>()
  let sweep: NodeJS.Timeout | undefined
  function expire(): void {
    const now = Date.now()
    for (const [socket, deadline] of pending) {
      if (deadline > now) break
      pending.delete(socket)
      onTimeout.call(socket)
    }
    if (pending.size === 0) {
      clearInterval(sweep)
      sweep = undefined
    }
  }
  // Shared, not a closure per socket: the address read above is cached by the socket
  // (`_peername`), so it is still there once the socket has closed.
  function onClose(this: Socket): void {
    counter.release(this.remoteAddress ?? 'unknown')
    pending.delete(this)
  }
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown'
    if (!counter.tryOpen(address)) {
      limits.onDrop?.('cap', address)
      socket.destroy()
      return
    }
    // `on`, not `once`: a socket closes once, and once() adds a wrapper object per socket.
    socket.on('close', onClose)
    pending.set(socket, Date.now() + limits.handshakeTimeoutMs)
    if (!sweep) {
      sweep = setInterval(expire, Math.max(20, Math.min(1000, Math.floor(limits.handshakeTimeoutMs / 8))))
      sweep.unref()
    }
  })
  return {
    counter,
    authorized(socket) {
      // Once per socket: the idle timeout (inactivity, so it need not be re-armed) and its
      // listener; a keep-alive socket's later requests must not add a listener each.
      if (pending.delete(socket)) socket.setTimeout(limits.idleTimeoutMs, onTimeout)
    },
    /** The socket left the listener's protocol (a WebSocket upgrade); its new owner times it. */
    released(socket) {
      pending.delete(socket)
    },
  }
}
