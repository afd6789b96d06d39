/**
 * Fetch a token from the server's development endpoint (`minirtc-server --dev`), which answers
 * `{ appId, roomId, userId, token, expiresAt }`. Production apps get tokens from their own backend.
 */
export function fetchDevToken(request: { roomId: string; userId: string }): Promise<string> {
  // ws://host:port/ws → http://host:port (wss → https)
  const base = MINIRTC_SERVER.replace(/^ws/, 'http').replace(/\/ws$/, '')
  return new Promise((resolve, reject) => {
    uni.request({
      url: base + '/dev/token',
      data: request,
      success: (res) => {
        const body = res.data as { token?: string }
        if (res.statusCode === 200 && body.token) resolve(body.token)
        else reject(new Error('dev token: HTTP ' + res.statusCode))
      },
      fail: (err) => reject(new Error('dev token: ' + err.errMsg)),
    })
  })
}
