import net from 'node:net'

/**
 * A TCP proxy in front of a local port, so a test can cut one client's network for real:
 * existing connections are destroyed and, while down, new ones are refused.
 */
export class TcpProxy {
  private readonly server: net.Server
  private readonly sockets = new Set<net.Socket>()
  private down = false
  port = 0

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.down) return void client.destroy()
      const upstream = net.connect(this.targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  }

  listen(): Promise<this> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port
        resolve(this)
      }),
    )
  }

  cut(): void {
    this.down = true
    for (const s of this.sockets) s.destroy()
  }

  restore(): void {
    this.down = false
  }

  close(): Promise<void> {
    this.cut()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
