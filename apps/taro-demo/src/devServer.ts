import Taro from '@tarojs/taro'

/** Signaling URL and app id, fixed at build time (MINIRTC_SERVER, MINIRTC_APP_ID). */
export const SERVER = process.env.MINIRTC_SERVER
export const APP_ID = process.env.MINIRTC_APP_ID

/** `ws://host:8090/ws` → `http://host:8090`: the server answers HTTP on its signaling port. */
const httpBase = SERVER.replace(/^ws/, 'http').replace(/\/ws\/?$/, '')

/**
 * A token from the server's development endpoint (`minirtc-server --dev`). A real app asks its
 * own backend, which signs tokens with the app secret.
 */
export async function fetchDevToken(roomId: string, userId: string): Promise<string> {
  const url = `${httpBase}/dev/token?roomId=${encodeURIComponent(roomId)}&userId=${encodeURIComponent(userId)}`
  const res = await Taro.request<{ token?: string; error?: { message: string } }>({ url })
  if (!res.data.token) throw new Error('dev token: ' + (res.data.error ? res.data.error.message : 'HTTP ' + res.statusCode))
  return res.data.token
}

/** A user id per app launch, so two phones (or two simulator windows) are two users. */
export const DEMO_USER = { userId: 'taro_' + Math.random().toString(36).slice(2, 8), userName: 'Taro user' }
