// node-media-server 4.4.3 in a child process, so a test can kill it for real (SIGKILL).
// Config comes from argv: rtmpPort httpPort storeDir. Prints "ready" once both ports listen.
const net = require('node:net')
const logger = require('node-media-server/src/core/logger.js')
Object.defineProperty(logger, 'level', { get: () => 'error', set: () => {} })
const NodeMediaServer = require('node-media-server')
const [rtmpPort, httpPort, dir] = process.argv.slice(2)
const nms = new NodeMediaServer({
  bind: '127.0.0.1',
  rtmp: { port: Number(rtmpPort) },
  http: { port: Number(httpPort) },
  webadmin: { enable: false },
  store: { path: dir },
  record: { auto: false, path: dir },
})
nms.run()
const probe = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: Number(port) })
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
const wait = async () => {
  while (!((await probe(rtmpPort)) && (await probe(httpPort)))) await new Promise((r) => setTimeout(r, 50))
  process.stdout.write('ready\n')
}
wait()
