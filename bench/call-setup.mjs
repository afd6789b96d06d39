// Call setup: how fast a call starts through MiniRTC, against a fair floor of the same run.
//  (i)  a viewer joins a running stream: loginRoom() → remote PLAYING (first keyframe); the page
//       (engine, platform, components) is loaded before the clock starts, as a page is before its user taps "join"
//  (ii) a publisher starts while the viewer waits: start() → the viewer's first frame
//  floor for (i): the network steps a call cannot skip, done by a raw client against raw servers:
//       WebSocket connect + one request/reply (a login-shaped request answered with a play URL by
//       the raw `ws` relay, servers/raw-ws.mjs) + HTTP-FLV connect → first keyframe of the same
//       running stream on the same media server
//  Servers and publishers run in their own processes on core 0, the measured clients here on core 1.
//  raw media path: (i') a reader connects to the running stream → first keyframe (no signaling)
//       (ii') a waiting reader, the publisher connects → first keyframe at the reader
import { createBot, prepareBot, MediaReader, RtmpPublisher, FIXTURES } from '@minirtc/headless'
import { createToken } from '@minirtc/server'
import WebSocket from 'ws'
import { APP, pinnedSelf, spawnWorker, summarize, writeResult, sleep } from './lib.mjs'

/** First video keyframe of `url`: ms from `from` (performance.now()). */
function firstKeyframe(url, from) {
  return new Promise((resolve, reject) => {
    const r = new MediaReader({ url, stallTimeoutMs: 5000, connectTimeoutMs: 5000 })
    r.once('keyframe', () => {
      resolve(performance.now() - from)
      r.stop()
    })
    r.once('close', (err) => reject(err ?? new Error('reader closed before a keyframe')))
    r.start().catch(() => undefined)
  })
}

/**
 * The floor: WebSocket connect, one request/reply carrying the play URL, HTTP-FLV → first keyframe.
 * Against the MiniRTC server (`playUrls`), the same client splits MiniRTC's time into server and client.
 */
async function rawCall(signalingUrl, roomId, userId, token) {
  const t0 = performance.now()
  const ws = new WebSocket(signalingUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  const reply = new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))))
  ws.send(JSON.stringify({ v: 1, id: 1, op: 'login', d: { appId: APP.appId, roomId, token, user: { userId, userName: userId }, playUrls: true } }))
  const { d } = await reply
  if (!d?.play?.[0]) throw new Error('no play URL in the reply: ' + JSON.stringify(d))
  const signaling = performance.now() - t0
  const total = await firstKeyframe(d.play[0].urls.flv, t0)
  ws.close()
  return { total, signaling }
}

/** Samples per figure: the p50 of 10 moved by ±1 ms between runs, of 20 by ±0.7 ms. */
export const RUNS = 30

export async function callSetup({ runs = RUNS, smoke = false } = {}) {
  // As in a real call, the servers and the phone already streaming are not on the viewer's device:
  // their own processes on core 0 (MiniRTC with its embedded media server, the raw relay answering
  // the floor's request), the measured clients (this process) on core 1. In one process the
  // server's work after its reply (pushes to the room) and the publisher's handling of them ran
  // on the viewer's thread and counted as call setup.
  const server = await spawnWorker('servers/minirtc.mjs', { core: 0, name: 'minirtc server' })
  const raw = await spawnWorker('servers/raw-ws.mjs', { core: 0, name: 'raw relay' })
  const phones = await spawnWorker('gen/phones.mjs', { core: 0, name: 'publisher phones' })
  try {
    return await pinnedSelf('1', () => measure({ runs, smoke, srvUrl: server.info.url, rawUrl: raw.info.url, server, raw, phones }))
  } finally {
    for (const w of [phones, raw, server]) await w.stop()
  }
}

async function measure({ runs, smoke, srvUrl, rawUrl, server, raw, phones }) {
  const token = (userId, roomId) => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
  const botOptions = (userId, roomId, extra = {}) => ({ server: srvUrl, appId: APP.appId, token: () => token(userId, roomId), roomId, user: { userId, userName: userId }, ...extra })
  const bot = (userId, roomId, extra = {}) => createBot(botOptions(userId, roomId, extra))
  const join = []
  const joinLogin = []
  const floor = []
  const floorSignaling = []
  const rawClient = []
  // CPU time per call setup, of this process (the client) plus the servers it used (read before
  // and after through their command channel): steadier than latency on a shared machine. Includes
  // the running publisher's media through the server in the same interval.
  const joinCpu = []
  const floorCpu = []
  const cpu = async (workers) => {
    const c = process.cpuUsage()
    let us = c.user + c.system
    for (const w of workers) us += await w.call('cpu')
    return us
  }
  const start = []
  const rawJoin = []
  const rawStart = []
  for (let i = 0; i < runs; i++) {
    const room = 'cs' + i
    // (i) viewer joins a running stream
    const play = await phones.call('publish', { server: srvUrl, roomId: room, userId: 'pub' + i, streamId: 's' + i })
    await sleep(1200) // let the stream run (GOP cache filled, as in a real call)
    // The token comes from the app's server before the call (the room's token provider); minting
    // it is not call setup, and the floor sends the same token.
    const viewerToken = await token('view' + i, room)
    const rawClientToken = await token('rawc' + i, room)
    const miniRtc = async () => {
      // The page has loaded (engine, platform, rendered components); the user taps "join": the
      // clock starts at loginRoom(), as the goal defines call setup.
      const viewer = prepareBot(botOptions('view' + i, room, { autoPlay: true, token: viewerToken }))
      await sleep(20)
      const c0 = await cpu([server])
      const t0 = performance.now()
      await viewer.room.login()
      joinLogin.push(performance.now() - t0) // logged in; the player has its URL (or asked for it)
      // Stamped when the snapshot says PLAYING, as the floor stamps its keyframe event: not after
      // the rest of the media chunk that carried the keyframe was handled.
      const playingAt = await new Promise((resolve) => {
        const check = () => viewer.engine.getSnapshot().players['s' + i]?.state === 'PLAYING'
        if (check()) return resolve(performance.now())
        const off = viewer.engine.subscribe(() => check() && (resolve(performance.now()), off()))
      })
      join.push(playingAt - t0)
      joinCpu.push(((await cpu([server])) - c0) / 1000)
      await viewer.leave()
    }
    // The floor and (i') a bare reader play the same running stream with a URL the media server
    // admits: signed for the publisher's session, which stays in the room.
    await raw.call('setPlay', { roomId: room, play })
    const floorAndMedia = async () => {
      const c0 = await cpu([server, raw])
      const f = await rawCall(rawUrl, room, 'view' + i, viewerToken)
      floorCpu.push(((await cpu([server, raw])) - c0) / 1000)
      floor.push(f.total)
      floorSignaling.push(f.signaling)
      rawJoin.push(await firstKeyframe(play.urls.flv, performance.now()))
      // The raw client against the MiniRTC server (its own user; the session is left to expire),
      // after the readers' teardown.
      await sleep(100)
      rawClient.push((await rawCall(srvUrl, room, 'rawc' + i, rawClientToken)).total)
    }
    // Never overlapping (no other player of the stream meanwhile), and taking turns at going
    // first, so neither side always meets the warmer or the colder path.
    // A pause between them lets the first one's teardown (logout, socket closes) finish.
    const [first, second] = i % 2 ? [miniRtc, floorAndMedia] : [floorAndMedia, miniRtc]
    await first()
    await sleep(100)
    await second()
    await phones.call('leave', { roomId: room })

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
  const result = {
    viewerJoin: summarize(join),
    /** Of which: loginRoom() resolved, the player holding its URL. */
    viewerLogin: summarize(joinLogin),
    floor: summarize(floor),
    /** Of which: WebSocket open and the reply with the URL. */
    floorSignaling: summarize(floorSignaling),
    rawJoin: summarize(rawJoin),
    /** The floor's raw client against the MiniRTC server: MiniRTC minus this is the client's share. */
    rawClientMiniRtcServer: summarize(rawClient),
    viewerJoinCpuMs: summarize(joinCpu),
    floorCpuMs: summarize(floorCpu),
    publisherStart: summarize(start),
    rawStart: rawStart.length ? summarize(rawStart) : null,
  }
  // Sub-millisecond samples: keep two decimals so the ratio is not a rounding artefact.
  const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  result.joinRatio = Math.round((p50(join) / p50(floor)) * 100) / 100
  result.joinRatioP90 = Math.round((result.viewerJoin.p90 / Math.max(0.1, result.floor.p90)) * 100) / 100
  result.goalRatio = 1.5
  result.goal = '(i) ≤ 1.5× the fair floor of the same run (p50): WebSocket connect + one request/reply with the play URL + HTTP-FLV connect → first keyframe'
  return writeResult('call-setup', result, { smoke })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const smoke = process.argv.includes('--smoke')
  const runsArg = process.argv.find((a) => a.startsWith('--runs='))
  const r = await callSetup({ runs: runsArg ? Number(runsArg.slice(7)) : smoke ? 2 : RUNS, smoke })
  console.log(JSON.stringify(r, null, 2))
}
