// Ports the demo listens on, with the flag that changes each: a busy port ends the demo with one
// line naming that flag instead of a stack trace.
import { createServer } from 'node:net'

/** @type {ReadonlyArray<{ flag: string, what: string, fallback: string }>} */
export const PORT_FLAGS = [
  { flag: 'port', what: 'signaling + HTTP (console, dev token, admin API)', fallback: '8090' },
  { flag: 'rtmp-port', what: 'RTMP (publishing)', fallback: '1935' },
  { flag: 'flv-port', what: 'HTTP-FLV (playing)', fallback: '8000' },
]

/** Parses a port flag's value; throws a one-line message naming the flag when it is not a port. */
export function parsePort(flag, value) {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`--${flag} ${value}: not a port number (0-65535)`)
  return n
}

/** True when something else listens on host:port (0 is never busy: the system picks a free one). */
export function isBusy(host, port) {
  if (port === 0) return Promise.resolve(false)
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', (err) => resolve(err.code === 'EADDRINUSE'))
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(false)))
  })
}

/**
 * After the server failed to start: the first of `ports` (flag → number) that is busy, as the
 * line to print, or undefined when no port is the cause.
 */
export async function busyPortMessage(host, ports) {
  for (const { flag, what } of PORT_FLAGS) {
    const port = ports[flag]
    if (port !== undefined && (await isBusy(host, port))) {
      const next = port === 65535 ? port - 1 : port + 1
      return `port ${port} (${what}) is already in use on ${host}: stop what holds it, or pick another with --${flag}, e.g. npm run demo -- --${flag} ${next}`
    }
  }
  return undefined
}
