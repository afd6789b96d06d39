import { createServer } from 'node:net'

/**
 * Resolve `port` to a port that is free on `host` right now (0 = any free port). Used before
 * starting node-media-server, which calls process.exit(1) when a port is taken.
 */
export function ensureFreePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? // code and port kept, so the CLI can name the flag that sets this port
            Object.assign(new Error(`Port ${host}:${port} is already in use; choose another port (0 picks a free one).`), { code: 'EADDRINUSE', port })
          : err,
      ),
    )
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address()
      const got = typeof addr === 'object' && addr ? addr.port : port
      srv.close(() => resolve(got))
    })
  })
}
