// The far side of a call: publisher bots (`@minirtc/headless`) in their own process, as the phone
// already streaming is another device, so its work (media, the pushes a viewer's join causes) does
// not run on the measured client's thread.
//   publish { server, roomId, userId, streamId }  log in, publish, wait for PUBLISHING; returns a play
//     URL signed for the publisher's session (what the call-setup floor plays)
//   leave { roomId }
import { createBot } from '@minirtc/headless'
import { createToken } from '@minirtc/server'
import { APP, serveWorker } from '../lib.mjs'

const bots = new Map()

serveWorker({
  async publish({ server, roomId, userId, streamId }) {
    const token = () => createToken({ ...APP, userId, roomId, privileges: { login: true, publish: true }, ttlSeconds: 3600 })
    const bot = await createBot({ server, appId: APP.appId, token, roomId, user: { userId, userName: userId } })
    bots.set(roomId, bot)
    await bot.publish(streamId)
    return bot.engine.request('play', { streamId })
  },
  async leave({ roomId }) {
    await bots.get(roomId)?.leave()
    bots.delete(roomId)
  },
})
