const { createRoom } = require('@minirtc/weapp')

// Test tokens from the server's dev endpoint; a real app asks its own backend.
const devToken = (server) => ({ roomId, userId }) =>
  new Promise((resolve, reject) => wx.request({
    url: server.replace(/^ws/, 'http').replace(/\/ws$/, '/dev/token'), data: { roomId, userId },
    success: (res) => (res.data.token ? resolve(res.data.token) : reject(new Error('dev token: HTTP ' + res.statusCode))), fail: reject,
  }))

Page({
  onLoad(query) {
    const { server, appId } = getApp().globalData
    const user = { userId: query.userId || 'native-' + Math.random().toString(36).slice(2, 8), userName: 'Native' }
    this.room = createRoom(this, { server, appId, roomId: query.roomId || 'demo', user, token: devToken(server) })
  },
  join() {
    this.room.join({ publish: true }).catch((e) => wx.showToast({ title: e.message, icon: 'none' }))
  },
  leave() {
    this.room.logout()
  },
  toggleMic() {
    this.room.setMute({ audio: this.room.pusher.enableMic })
  },
})
