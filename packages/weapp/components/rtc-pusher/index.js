// Plain ES2017 CommonJS: WeChat's "build npm" copies this folder into miniprogram_npm as it is.
const { roomByKey } = require('../index')

/**
 * The local camera: a <live-pusher> with every attribute of the room's pusher, and its native
 * events handed to the engine. `<rtc-pusher room="{{rtc}}" />` in a page that called createRoom.
 */
Component({
  properties: {
    /** The page's room data (`rtc`, written by createRoom). */
    room: { type: Object, value: null },
    width: { type: String, value: '100%' },
    height: { type: String, value: '320px' },
  },
  data: { vm: null },
  observers: {
    room(room) {
      this.setData({ vm: room ? room.pusher : null })
    },
  },
  methods: {
    /** Every native event of the <live-pusher>, by its type (statechange, netstatus, error, audiovolumenotify). */
    onNative(event) {
      const found = roomByKey(this.data.room && this.data.room.key)
      if (found) found.engine.handlePusherEvent(event.type, event.detail)
    },
  },
})
