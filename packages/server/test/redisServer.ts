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

export interface TestSentinelSet {
  /** `redis+sentinel://127.0.0.1:<sentinel port>/<master name>` */
  url: string
  masterPort: number
  replicaPort: number
  /** The port sentinel currently names as master. */
  currentMasterPort(): Promise<number>
  /** SIGKILL the current master (sentinel then promotes the replica). */
  killMaster(): void
  stop(): Promise<void>
}

function redisCli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim()
}

/**
 * A master, its replica and one sentinel (quorum 1) on free loopback ports, from Debian's
 * redis-server and redis-sentinel (scripts/install-redis.sh installs both).
 */
export async function startSentinelSet(name = 'minirtc'): Promise<TestSentinelSet> {
  if (spawnSync('redis-sentinel', ['--version']).status !== 0) throw new Error('redis-sentinel is not installed: run scripts/install-redis.sh')
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-sentinel-'))
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()]
  const procs: ChildProcess[] = []
  const redis = (port: number, extra: string[] = []) => {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], { stdio: 'ignore' })
    procs.push(p)
    return p
  }
  const master = redis(masterPort)
  redis(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)])
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 15_000
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`sentinel set: ${what} not reached`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  await until('replica in sync', () => redisCli(replicaPort, 'info', 'replication').includes('master_link_status:up'))
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 500`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  )
  procs.push(spawn('redis-sentinel', [conf], { stdio: 'ignore' }))
  const currentMasterPort = async () => Number(redisCli(sentinelPort, 'sentinel', 'get-master-addr-by-name', name).split('\n')[1] ?? 0)
  const deadline = Date.now() + 15_000
  while ((await currentMasterPort()) !== masterPort) {
    if (Date.now() > deadline) throw new Error('sentinel does not see the master')
    await new Promise((r) => setTimeout(r, 50))
  }
  // The sentinel must know the replica before it can promote it.
  await until('sentinel knows the replica', () => redisCli(sentinelPort, 'sentinel', 'replicas', name).includes(String(replicaPort)))
  return {
    url: `redis+sentinel://127.0.0.1:${sentinelPort}/${name}`,
    masterPort,
    replicaPort,
    currentMasterPort,
    killMaster: () => master.kill('SIGKILL'),
    async stop() {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve()
              p.once('exit', () => resolve())
              p.kill('SIGKILL')
            }),
        ),
      )
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
