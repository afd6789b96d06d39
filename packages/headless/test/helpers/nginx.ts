/**
 * nginx + libnginx-mod-rtmp for tests, when installed (scripts/install-nginx.sh; CI's test.sh
 * runs it). Started in the foreground with its own prefix, bound to 127.0.0.1 on a free port.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './nms.js'

const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so'

export const nginxAvailable = spawnSync('nginx', ['-v']).status === 0 && existsSync(MODULE)

export interface TestNginx {
  rtmpUrl(name: string): string
  stop(): Promise<void>
}

export async function startNginxRtmp(): Promise<TestNginx> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-nginx-'))
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    `load_module ${MODULE};
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live { live on; }
  }
}
`,
  )
  const child = spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10000
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port })
      s.once('connect', () => (s.destroy(), resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (ok) break
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      throw new Error(`nginx-rtmp did not listen on ${port} (see ${dir}/error.log)`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    rtmpUrl: (name) => `rtmp://127.0.0.1:${port}/live/${name}`,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
