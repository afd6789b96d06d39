/**
 * Native pages (WXML + `Page()`): the room controller bound to a page. The room's state is the
 * page's data under `rtc` (`{{rtc.roomState}}`, `<rtc-pusher room="{{rtc}}" />`), written with
 * `setData` on every change; the page's onShow / onHide / onUnload and the app's show / hide reach
 * the controller through the platform; the room is gone when the page unloads.
 */
import type { HostLifecycleEvent } from '@minirtc/core'
import { createMiniProgramPlatform, type MiniProgramApi } from '@minirtc/core/miniprogram'
import { createRoomController, type RoomOptions, type RtcRoom } from '@minirtc/core/room'
import { register, unregister } from './registry'

/** What `createRoom` needs of a page (or of a component used as a page). */
export interface PageLike {
  setData(data: Record<string, unknown>): void
  onShow?: (...args: unknown[]) => unknown
  onHide?: (...args: unknown[]) => unknown
  onUnload?: (...args: unknown[]) => unknown
}

export interface CreateRoomOptions extends RoomOptions {
  /** The key of the page data the room is written under (default `rtc`). */
  dataKey?: string
}

declare const wx: MiniProgramApi & {
  createLivePusherContext(): unknown
  createLivePlayerContext(id: string, component?: unknown): unknown
}

/** Where WeChat DevTools' "build npm" puts the package's default waiting-image. */
const WAITING_IMAGE = '/miniprogram_npm/@minirtc/weapp/waiting-image.png'

const SNAPSHOT_KEYS = ['roomId', 'roomState', 'user', 'users', 'onlineCount', 'streams', 'roomExtraInfo', 'pusher', 'players', 'error', 'permission', 'networkType', 'weakNetwork'] as const

/** Wrap the page's lifecycle method `name` so `listener` hears it first. */
function hook(page: PageLike, name: 'onShow' | 'onHide' | 'onUnload', listener: () => void) {
  const own = page[name]
  page[name] = function (this: unknown, ...args: unknown[]) {
    listener()
    return own ? own.apply(this, args) : undefined
  }
}

/**
 * Create the page's room. Call it in `onLoad`: the page's later onShow / onHide / onUnload reach
 * the room. Returns the same `RtcRoom` as the Taro and uni-app bindings, its fields always current.
 * @example
 * Page({
 *   onLoad() { this.room = createRoom(this, { server, appId, roomId: 'r1', user, token: fetchToken }) },
 *   join() { this.room.join({ publish: true }) },
 * })
 */
export function createRoom(page: PageLike, options: CreateRoomOptions): RtcRoom {
  const dataKey = options.dataKey || 'rtc'
  // Which component renders each live element: WeChat finds a live-player only inside it.
  const owners = new Map<string, unknown>()
  const platform = createMiniProgramPlatform(wx, {
    createPusherContext: () => wx.createLivePusherContext() as never,
    createPlayerContext: (id) => wx.createLivePlayerContext(id, owners.get(id) || page) as never,
    // "Build npm" puts the package's miniprogram_dist here (a package path: base library 2.3.0+).
    waitingImage: WAITING_IMAGE,
    onPageLifecycle(listener: (event: HostLifecycleEvent) => void) {
      let live = true
      for (const [name, event] of [['onShow', 'show'], ['onHide', 'hide'], ['onUnload', 'unload']] as const)
        hook(page, name, () => live && listener(event))
      return () => {
        live = false
      }
    },
  })
  const controller = createRoomController(options, platform)
  const key = register(controller.methods.engine, owners)
  hook(page, 'onUnload', () => unregister(key))
  const write = () => page.setData({ [dataKey]: Object.assign({ key }, controller.getSnapshot()) })
  controller.subscribe(write)
  write()
  // The room: the controller's methods, and the snapshot's fields read when asked.
  const room = Object.assign({}, controller.methods) as RtcRoom
  for (const k of SNAPSHOT_KEYS) Object.defineProperty(room, k, { enumerable: true, get: () => controller.getSnapshot()[k] })
  return room
}
