import { createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { start } from './helpers'

// Lose the race on purpose: the free-port check says "free" (as it would when another process
// grabs the port right after the check), so node-media-server itself meets EADDRINUSE. NMS's
// own handler would call process.exit(1); ours must turn it into a rejected startServer.
vi.mock('../src/media/freePort', () => ({ ensureFreePort: async (_host: string, port: number) => port }))

const held: Server[] = []
afterAll(() => Promise.all(held.map((s) => new Promise((r) => s.close(r)))))

function hold(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    held.push(s)
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port))
  })
}

describe('node-media-server listen failures', () => {
  it('reject startServer instead of exiting the process (RTMP and HTTP-FLV ports)', async () => {
    const a = await hold()
    const b = await hold()
    const freePort = () =>
      new Promise<number>((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port
          s.close(() => resolve(p))
        })
      })
    const free = await freePort()
    await expect(start({ rtmpPort: a, flvPort: free })).rejects.toThrow(/EADDRINUSE/)
    await expect(start({ rtmpPort: free, flvPort: b })).rejects.toThrow(/EADDRINUSE/)
    // Nothing was left behind: a server starts normally afterwards.
    const srv = await start({ rtmpPort: free, flvPort: await freePort() })
    await srv.close()
  })
})
