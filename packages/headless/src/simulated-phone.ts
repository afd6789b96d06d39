/**
 * The phone around a call, as `wx` shows it: permission settings and the authorize dialog (with
 * the privacy agreement in front of it), network type and weak-network changes, the screen and
 * the mute-switch option, the base library and `canIUse`. The Node platform and the simulated `wx`
 * of @minirtc/testing both hand these APIs to `@minirtc/core`'s mini-program code, so tests run
 * the code a phone runs. Answers follow WeChat's documentation: a scope refused once stays refused
 * (authorize fails without asking), and authorize before the privacy agreement fails with
 * `authorize:fail privacy permission is not authorized`.
 */

type Callbacks<T = unknown> = { success?(res: T): void; fail?(err: { errMsg: string }): void; complete?(res: unknown): void }

export interface SimulatedPhone {
  /** `wx.getSetting().authSetting`: true allowed, false refused, absent never asked. */
  authSetting: Record<string, boolean | undefined>
  /** What the user taps when `wx.authorize` asks (default: allow). */
  answers: Record<string, boolean>
  /** The user agreed to the privacy agreement (default true). */
  privacyAgreed: boolean
  /** Scopes `wx.authorize` asked the user about, in order. */
  asked: string[]
  /** Every `wx.setKeepScreenOn` value, in order; the screen is on when the last one is true. */
  keepScreenOn: boolean[]
  /** Every `wx.setInnerAudioOption({ obeyMuteSwitch })` value, in order. */
  obeyMuteSwitch: boolean[]
  /** `wx.getAppBaseInfo().SDKVersion`. */
  baseLibrary: string
  /** What `wx.canIUse` denies (`live-pusher` for a category without live components). */
  cannotUse: string[]
  networkType: string
  /** Change the network: `wx.onNetworkStatusChange` listeners hear it. */
  setNetwork(status: { isConnected: boolean; networkType: string }): void
  /** WeChat's weak-network signal: `wx.onNetworkWeakChange` listeners hear it. */
  setWeakNetwork(weak: boolean): void
  /** The `wx` functions behind all this, to install into a `wx` object. */
  api: Record<string, (...args: any[]) => unknown>
}

/** A phone where everything is allowed, on Wi-Fi, with a current base library. */
export function createSimulatedPhone(): SimulatedPhone {
  const statusListeners = new Set<(res: { isConnected: boolean; networkType: string }) => void>()
  const weakListeners = new Set<(res: { weakNet: boolean; networkType: string }) => void>()
  // WeChat answers asynchronously, after the call returns.
  const later = <T>(o: Callbacks<T> | undefined, ok: boolean, res: T | { errMsg: string }) =>
    setTimeout(() => {
      if (!o) return
      if (ok && o.success) o.success(res as T)
      if (!ok && o.fail) o.fail(res as { errMsg: string })
      if (o.complete) o.complete(res)
    }, 0)
  const phone: SimulatedPhone = {
    authSetting: { 'scope.camera': true, 'scope.record': true },
    answers: {},
    privacyAgreed: true,
    asked: [],
    keepScreenOn: [],
    obeyMuteSwitch: [],
    baseLibrary: '3.5.0',
    cannotUse: [],
    networkType: 'wifi',
    setNetwork(status) {
      phone.networkType = status.networkType
      statusListeners.forEach((l) => l(status))
    },
    setWeakNetwork: (weak) => weakListeners.forEach((l) => l({ weakNet: weak, networkType: phone.networkType })),
    api: {
      getSetting: (o: Callbacks) => later(o, true, { authSetting: { ...phone.authSetting }, errMsg: 'getSetting:ok' }),
      authorize(o: Callbacks & { scope: string }) {
        if (!phone.privacyAgreed) return later(o, false, { errMsg: 'authorize:fail privacy permission is not authorized' })
        const known = phone.authSetting[o.scope]
        if (known === false) return later(o, false, { errMsg: 'authorize:fail auth deny' })
        if (known === undefined) {
          phone.asked.push(o.scope)
          phone.authSetting[o.scope] = phone.answers[o.scope] !== false
        }
        const ok = phone.authSetting[o.scope] === true
        later(o, ok, { errMsg: ok ? 'authorize:ok' : 'authorize:fail auth deny' })
      },
      setKeepScreenOn(o: Callbacks & { keepScreenOn: boolean }) {
        phone.keepScreenOn.push(o.keepScreenOn)
        later(o, true, { errMsg: 'setKeepScreenOn:ok' })
      },
      setInnerAudioOption(o: Callbacks & { obeyMuteSwitch?: boolean }) {
        if (o.obeyMuteSwitch !== undefined) phone.obeyMuteSwitch.push(o.obeyMuteSwitch)
        later(o, true, { errMsg: 'setInnerAudioOption:ok' })
      },
      getNetworkType: (o: Callbacks) => later(o, true, { networkType: phone.networkType, errMsg: 'getNetworkType:ok' }),
      onNetworkStatusChange: (fn: (res: { isConnected: boolean; networkType: string }) => void) => void statusListeners.add(fn),
      offNetworkStatusChange: (fn: (res: { isConnected: boolean; networkType: string }) => void) => void statusListeners.delete(fn),
      onNetworkWeakChange: (fn: (res: { weakNet: boolean; networkType: string }) => void) => void weakListeners.add(fn),
      offNetworkWeakChange: (fn: (res: { weakNet: boolean; networkType: string }) => void) => void weakListeners.delete(fn),
      canIUse: (schema: string) => !phone.cannotUse.some((c) => schema === c || schema.indexOf(c + '.') === 0),
      getAppBaseInfo: () => ({ SDKVersion: phone.baseLibrary }),
    },
  }
  return phone
}
