import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createConnection, createServer } from 'node:net'

const hasRedis = spawnSync('redis-server', ['--version']).status === 0

/** Fail loudly (never skip): the multi-node path is part of the contract. */
export function requireRedis(): void {
  if (!hasRedis) throw new Error('redis-server is not installed: run scripts/install-redis.sh (apt: redis-server) before the server tests')
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

export interface TestRedis {
  url: string
  stop(): Promise<void>
  /** Kill it (SIGKILL) and start an empty one on the same port: a restart without persistence. */
  restart(): Promise<void>
}

/** A throw-away redis-server on a free loopback port: no persistence, stopped by `stop()`. */
export async function startRedis(port?: number): Promise<TestRedis> {
  requireRedis()
  port ??= await freePort()
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const deadline = Date.now() + 10_000
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => (c.end(), resolve(true)))
      c.once('error', () => resolve(false))
    })
    if (ok) break
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`)
    await new Promise((r) => setTimeout(r, 30))
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
      proc.once('exit', () => resolve())
      proc.kill('SIGKILL')
    })
  let current: TestRedis | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => (current ? current.stop() : stop()),
    async restart() {
      await (current ? current.stop() : stop())
      current = await startRedis(port)
    },
  }
}
