// Plain ES2017 CommonJS: WeChat's "build npm" copies this folder into miniprogram_npm as it is.
const { roomByKey } = require('../index')

/**
 * One remote stream: a <live-player> with every attribute of `room.players[streamId]`, its native
 * events handed to the engine. It tells the room it renders the element, because WeChat finds a
 * live-player's context only inside the component that renders it.
 */
Component({
  properties: {
    room: { type: Object, value: null },
    streamId: { type: String, value: '' },
    width: { type: String, value: '100%' },
    height: { type: String, value: '240px' },
  },
  data: { vm: null },
  observers: {
    'room, streamId'(room, streamId) {
      const vm = (room && room.players && room.players[streamId]) || null
      this.own(vm && vm.id)
      this.setData({ vm })
    },
  },
  lifetimes: {
    detached() {
      this.own(null)
    },
  },
  methods: {
    found() {
      return roomByKey(this.data.room && this.data.room.key)
    },
    /** Register this component as the one rendering element `id` (null: no longer). */
    own(id) {
      const found = this.found()
      if (this.ownedId && found && found.owners.get(this.ownedId) === this) found.owners.delete(this.ownedId)
      this.ownedId = id
      if (id && found) found.owners.set(id, this)
    },
    /** Every native event of the <live-player>, by its type (statechange, netstatus, error, audiovolumenotify, metadatachange). */
    onNative(event) {
      const found = this.found()
      if (found) found.engine.handlePlayerEvent(this.data.streamId, event.type, event.detail)
    },
  },
})
