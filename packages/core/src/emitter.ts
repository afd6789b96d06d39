type AnyFn = (...args: any[]) => void

/**
 * A tiny typed emitter: every name and payload comes from one callback map, so `on('roomStreamUpdate',
 * (roomId, type, streams) => ...)` is checked against `EngineEvents`.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: AnyFn }> {
  // Null prototype: a listener for an event named `constructor` must not find Object's.
  private handlers: { [K in keyof Events]?: Events[K][] } = Object.create(null)

  on<K extends keyof Events>(name: K, fn: Events[K]): this {
    ;(this.handlers[name] || (this.handlers[name] = [])).push(fn)
    return this
  }

  off<K extends keyof Events>(name: K, fn?: Events[K]): this {
    const list = this.handlers[name]
    if (list) this.handlers[name] = fn ? list.filter((f) => f !== fn) : []
    return this
  }

  once<K extends keyof Events>(name: K, fn: Events[K]): this {
    const wrapper = ((...args: Parameters<Events[K]>) => {
      this.off(name, wrapper)
      fn(...args)
    }) as Events[K]
    return this.on(name, wrapper)
  }

  /** Calls listeners in order; a throwing listener is reported, never breaks the engine. */
  protected emit<K extends keyof Events>(name: K, args: Parameters<Events[K]>, onError: (e: unknown) => void): void {
    const list = this.handlers[name]
    if (!list) return
    for (const fn of list.slice()) {
      try {
        fn(...args)
      } catch (e) {
        onError(e)
      }
    }
  }
}
