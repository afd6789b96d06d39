// Call setup: how fast a call starts through MiniRTC, against the raw media path of the same run.
//  (i)  a viewer joins a running stream: loginRoom() → remote PLAYING (first keyframe)
//  (ii) a publisher starts while the viewer waits: start() → the viewer's first frame
//  raw: the same fixture pushed and pulled through the same media server, no signaling
//       (i') a reader connects to a running stream → first keyframe
//       (ii') a waiting reader, the publisher connects → first keyframe at the reader
import { createBot, probeFirstKeyframe, MediaReader, RtmpPublisher, FIXTURES } from '@minirtc/headless'
import { createToken, startServer } from '@minirtc/server'
import { summarize, writeResult, sleep } from './lib.mjs'

const APP = { appId: 'bench', secret: 'bench-secret-0123456789abcdef' }

export async function callSetup({ runs = 10, smoke = false } = {}) {
  const srv = await startServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, flvPort: 0, apps: [APP], logger: { level: 'silent' } })
  const token = (userId, roomId) => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
  const bot = (userId, roomId, extra = {}) =>
    createBot({ server: srv.url, appId: APP.appId, token: () => token(userId, roomId), roomId, user: { userId, userName: userId }, ...extra })
  const join = []
  const start = []
  const rawJoin = []
  const rawStart = []
  try {
    for (let i = 0; i < runs; i++) {
      const room = 'cs' + i
      // (i) viewer joins a running stream
      const pub = await bot('pub' + i, room)
      await pub.publish('s' + i)
      await sleep(1200) // let the stream run (GOP cache filled, as in a real call)
      const t0 = performance.now()
      const viewer = await bot('view' + i, room, { autoPlay: true })
      await new Promise((resolve) => {
        const check = () => viewer.engine.getSnapshot().players['s' + i]?.state === 'PLAYING'
        if (check()) return resolve()
        const off = viewer.engine.subscribe(() => check() && (off(), resolve()))
      })
      join.push(performance.now() - t0)

      // (i') raw: a reader of the same running stream, URL obtained beforehand
      const { urls } = await viewer.engine.request('play', { streamId: 's' + i })
      rawJoin.push((await probeFirstKeyframe(urls.flv, 5000)).firstKeyframeMs)
      await viewer.leave()
      await pub.leave()

      // (ii) publisher starts while the viewer waits
      const room2 = 'cs2-' + i
      const waiting = await bot('wait' + i, room2, { autoPlay: true })
      const pub2 = await bot('pub2-' + i, room2)
      const seen = new Promise((resolve) => waiting.engine.on('playerStateUpdate', (info) => info.state === 'PLAYING' && resolve()))
      const t1 = performance.now()
      const started = pub2.publish('p' + i)
      await seen
      start.push(performance.now() - t1)
      await started

      // (ii') raw: a reader waiting on a fresh stream name, then a bare publisher connects
      const { pushUrl } = await pub2.engine.request('publish', { streamId: 'raw' + i })
      const rawPlay = await waiting.engine.request('play', { streamId: 'raw' + i }).catch(() => null)
      if (rawPlay) {
        const reader = new MediaReader({ url: rawPlay.urls.flv, stallTimeoutMs: 10000 })
        const got = new Promise((resolve) => reader.once('keyframe', () => resolve(performance.now())))
        await reader.start().catch(() => undefined)
        const publisher = new RtmpPublisher({ url: pushUrl, source: FIXTURES.camera640x360 })
        const t2 = performance.now()
        await publisher.start()
        rawStart.push((await got) - t2)
        reader.stop()
        await publisher.stop()
      }
      await waiting.leave()
      await pub2.leave()
    }
  } finally {
    await srv.close()
  }
  const result = {
    viewerJoin: summarize(join),
    rawJoin: summarize(rawJoin),
    publisherStart: summarize(start),
    rawStart: rawStart.length ? summarize(rawStart) : null,
  }
  result.joinRatio = Math.round((result.viewerJoin.p50 / Math.max(1, result.rawJoin.p50)) * 100) / 100
  result.goal = '(i) ≤ 2× the raw first-keyframe time of the same run'
  return writeResult('call-setup', result, { smoke })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const smoke = process.argv.includes('--smoke')
  const r = await callSetup({ runs: smoke ? 2 : 10, smoke })
  console.log(JSON.stringify(r, null, 2))
}
