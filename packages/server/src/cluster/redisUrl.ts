import type { RedisOptions } from 'ioredis'

/**
 * ioredis options for a Sentinel `redis` option value (undefined for a plain `redis://` URL, which
 * ioredis parses itself): `redis+sentinel://[:password@]host:port[,host:port…]/<master name>[/db]`, where the
 * hosts are the sentinels and the password is the master's. With Sentinel, ioredis asks the
 * sentinels for the current master and follows a failover.
 * @example sentinelOptions('redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/minirtc')
 */
export function sentinelOptions(url: string): RedisOptions | undefined {
  if (!url.startsWith('redis+sentinel://')) return undefined
  const rest = url.slice('redis+sentinel://'.length)
  const at = rest.lastIndexOf('@', rest.indexOf('/') >= 0 ? rest.indexOf('/') : rest.length)
  const auth = at >= 0 ? rest.slice(0, at) : ''
  const [hosts = '', name = '', db] = (at >= 0 ? rest.slice(at + 1) : rest).split('/')
  if (!hosts || !name) throw new Error('redis+sentinel URL must look like redis+sentinel://host:26379[,host:26379]/<master name>')
  const sentinels = hosts.split(',').map((h) => {
    const i = h.lastIndexOf(':')
    return i > 0 ? { host: h.slice(0, i), port: Number(h.slice(i + 1)) } : { host: h, port: 26379 }
  })
  const password = auth.includes(':') ? decodeURIComponent(auth.slice(auth.indexOf(':') + 1)) : ''
  return {
    sentinels,
    name,
    ...(password ? { password } : {}),
    ...(db ? { db: Number(db) } : {}),
    // Listen for +switch-master: reconnect at once on a failover instead of at the next error.
    failoverDetector: true,
  }
}
