// Network change: a phone on Wi-Fi hands over to 4G. Its signaling socket still looks open but its
// packets go nowhere (a TCP proxy stalls it: no FIN, no data), and WeChat reports the new network
// type (`wx.onNetworkStatusChange` with isConnected still true). Measured: the network-type change →
// roomStateChanged RECONNECTED (the room probes the socket, gives up after NETWORK_PROBE_MS, resumes
// on a new socket). Anchor, same run: the same stall with no network-type event, found by the
// heartbeat alone (what MiniRTC did before; run once, it takes the heartbeat interval plus the
// request timeout). Everything on 127.0.0.1: a phone adds its radio's connect time.
import { TcpProxy, createBot } from '@minirtc/headless'
import { NETWORK_PROBE_MS } from '@minirtc/core/room'
import { createToken, startServer } from '@minirtc/server'
import { summarize, writeResult } from './lib.mjs'

const APP = { appId: 'bench', secret: 'bench-secret-0123456789abcdef' }
const GOAL_MS = 3000

export async function networkChange({ runs = 10, smoke = false } = {}) {
  const srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], logger: { level: 'silent' } })
  const port = Number(new URL(srv.url).port)
  const proxy = await new TcpProxy(port).listen()
  const viaProxy = srv.url.replace(':' + port, ':' + proxy.port)
  const token = (userId, roomId) => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
  const join = (userId, roomId) => createBot({ server: viaProxy, appId: APP.appId, token: () => token(userId, roomId), roomId, user: { userId, userName: userId } })
  const reconnected = (bot) => new Promise((resolve) => bot.engine.on('roomStateChanged', (_r, reason) => reason === 'RECONNECTED' && resolve(performance.now())))
  const samples = []
  let heartbeatOnly = null
  try {
    for (let i = 0; i < runs; i++) {
      const bot = await join('nc' + i, 'nc' + i)
      const done = reconnected(bot)
      proxy.stall()
      const t0 = performance.now()
      bot.phone.setNetwork({ isConnected: true, networkType: '4g' }) // each bot's phone starts on Wi-Fi
      samples.push((await done) - t0)
      await bot.leave()
    }
    if (!smoke) {
      const bot = await join('hb', 'hb')
      const done = reconnected(bot)
      proxy.stall()
      const t0 = performance.now()
      heartbeatOnly = Math.round((await done) - t0)
      await bot.leave()
    }
  } finally {
    await proxy.close()
    await srv.close()
  }
  const changeToReconnected = summarize(samples)
  return writeResult(
    'network-change',
    { probeMs: NETWORK_PROBE_MS, changeToReconnected, heartbeatOnlyMs: heartbeatOnly, goalMs: GOAL_MS, goalMet: changeToReconnected.max <= GOAL_MS, goal: 'network-type change → RECONNECTED ≤ 3 s on loopback' },
    { smoke },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const smoke = process.argv.includes('--smoke')
  console.log(JSON.stringify(await networkChange({ runs: smoke ? 2 : 10, smoke }), null, 2))
}
