import { createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { joined, start } from './helpers'

const held: Server[] = []
function hold(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    held.push(s)
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port))
  })
}
afterAll(() => Promise.all(held.map((s) => new Promise((r) => s.close(r)))))

describe('ports', () => {
  it('rejects taken ports instead of letting node-media-server exit the process', async () => {
    const taken = await hold()
    await expect(start({ rtmpPort: taken })).rejects.toThrow(/already in use/)
    await expect(start({ flvPort: taken })).rejects.toThrow(/already in use/)
    // The signaling port is bound after the media server: the media server is stopped again.
    await expect(start({ port: taken })).rejects.toThrow(/EADDRINUSE/)
    const srv = await start()
    await expect(start()).rejects.toThrow(/already running in this process/)
    const { c } = await joined(srv, 'ports', 'u')
    expect((await c.request('ping', {})).ok).toBe(true)
    c.close()
    await srv.close()
    // And it can start again after close (tests, restarts in one process).
    const again = await start()
    await again.close()
  })
})
