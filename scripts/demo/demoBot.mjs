// The demo's bot, kept in the room so the demo never sits there empty and silent.
//
// Kicked out (the console's kick, the admin API, a closed room) or dropped for good, it logs in
// again under the same user id. Replaced (someone else logged in with its user id, 103004), it
// comes back under the next free id (demo-bot-2, ...) instead of kicking that participant out in
// turn. Every restart is one log line with the stream's new play URL (play URLs are bound to the
// publisher's session, so the old one stops working).

const RESTART_ON = new Set(['KICKOUT', 'RECONNECT_FAILED'])

/**
 * @param {object} o
 * @param {(opts: object) => Promise<import('@minirtc/headless').Bot>} o.createBot
 * @param {{ LOGGED_IN_ELSEWHERE: number }} o.ErrorCode
 * @param {(code: number) => string} o.errorReason
 * @param {string} o.server
 * @param {string} o.appId
 * @param {(userId: string) => string} o.token
 * @param {string} o.roomId
 * @param {string} o.userId first user id; later ones get -2, -3... after a REPLACED
 * @param {(line: string) => void} o.log
 * @returns {Promise<{ current(): { userId: string, streamId: string, playUrls: { flv: string, rtmp: string } }, stop(): Promise<void> }>}
 */
export async function keepDemoBot(o) {
  let generation = 1
  let stopped = false
  let restarting = null
  let bot = null
  let info = null

  async function join() {
    const userId = generation === 1 ? o.userId : `${o.userId}-${generation}`
    const streamId = `${userId}-cam`
    // Wall-clock stamps in the bot's frames let the console chart bot → browser latency.
    const b = await o.createBot({
      server: o.server,
      appId: o.appId,
      token: () => o.token(userId),
      roomId: o.roomId,
      user: { userId, userName: generation === 1 ? 'Demo Bot' : `Demo Bot ${generation}` },
      pusher: { stampWallClock: true },
    })
    await b.publish(streamId, { extraInfo: 'MiniRTC demo bot (test pattern)' })
    // A signed play URL a person can open (ffplay, VLC, the console).
    const { urls } = await b.engine.request('play', { streamId })
    b.engine.on('roomStateChanged', (_roomId, reason, code) => {
      if (stopped || b !== bot || !RESTART_ON.has(reason)) return
      if (code === o.ErrorCode.LOGGED_IN_ELSEWHERE) generation++
      restarting = restart(`${userId} left the room (${reason}${code ? `, ${code} ${o.errorReason(code)}` : ''})`)
    })
    bot = b
    info = { userId, streamId, playUrls: urls }
  }

  async function restart(why) {
    const old = bot
    bot = null
    await old?.leave().catch(() => {})
    for (let attempt = 0; ; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 10_000)))
      // stop() may have been called while we waited.
      if (stopped) return
      try {
        await join()
        o.log(`demo bot restarted: ${why}; back as ${info.userId} publishing "${info.streamId}", play it: ffplay -fflags nobuffer -flags low_delay '${info.playUrls.flv}'`)
        return
      } catch (err) {
        o.log(`demo bot restart failed (${err instanceof Error ? err.message : err}); retrying`)
      }
    }
  }

  await join()
  return {
    current: () => info,
    async stop() {
      stopped = true
      await restarting
      await bot?.leave()
    },
  }
}
