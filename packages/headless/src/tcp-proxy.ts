import net from 'node:net'

/**
 * A TCP proxy in front of a local port, so a test or a benchmark can take a client's network away
 * for real: `cut()` destroys the connections and refuses new ones while down; `stall()` leaves them
 * open and silent, as a phone's socket after a Wi-Fi to 4G handover.
 * @example
 * const proxy = await new TcpProxy(serverPort).listen() // clients connect to proxy.port
 * proxy.stall()
 */
export class TcpProxy {
  private server: net.Server
  private sockets = new Set<net.Socket>()
  /** Each connection to the target, with the client it answers. */
  private upstreams = new Map<net.Socket, net.Socket>()
  down = false
  port = 0

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.down) return client.destroy()
      const upstream = net.connect(this.targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      this.upstreams.set(upstream, client)
      upstream.on('close', () => this.upstreams.delete(upstream))
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  }

  listen(): Promise<this> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = (this.server.address() as net.AddressInfo).port
      resolve(this)
    }))
  }

  /** Destroy every proxied connection and refuse new ones until `restore()`. */
  cut(): void {
    this.down = true
    for (const s of this.sockets) s.destroy()
  }

  /**
   * Black-hole every proxied connection without closing it: what a phone's socket does after Wi-Fi
   * handed over to 4G (the peer never hears a FIN, packets go nowhere). New connections pass.
   */
  stall(): void {
    for (const s of this.sockets) {
      s.unpipe()
      s.pause()
    }
  }

  /**
   * Pass what clients send, drop what the target answers, connections left open: a request that
   * arrived while its reply is lost (then `cut()` it, as a link that died right after sending).
   */
  dropReplies(): void {
    for (const [upstream, client] of this.upstreams) {
      upstream.unpipe(client)
      upstream.resume()
    }
  }

  restore(): void {
    this.down = false
  }

  close(): Promise<void> {
    this.cut()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
