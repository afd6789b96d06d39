// Plain ES2017 CommonJS: WeChat's "build npm" copies this folder into miniprogram_npm as it is.

/** Every remote player of the room in a grid (one column for one stream, two otherwise). */
Component({
  properties: {
    room: { type: Object, value: null },
    height: { type: String, value: '240px' },
  },
  data: { streamIds: [], cellWidth: '100%' },
  observers: {
    room(room) {
      const streamIds = room && room.players ? Object.keys(room.players) : []
      this.setData({ streamIds, cellWidth: streamIds.length > 1 ? '50%' : '100%' })
    },
  },
})
