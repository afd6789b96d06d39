import type { EngineEventName, EngineEvents, RtcEngine } from '@minirtc/core'

/** Every engine event (the `satisfies` makes the compiler list any new one we would miss). */
export const ENGINE_EVENTS = Object.keys({
  roomStateUpdate: 1,
  roomStateChanged: 1,
  roomUserUpdate: 1,
  roomOnlineUserCountUpdate: 1,
  roomStreamUpdate: 1,
  streamExtraInfoUpdate: 1,
  roomExtraInfoUpdate: 1,
  publisherStateUpdate: 1,
  playerStateUpdate: 1,
  publishQualityUpdate: 1,
  playQualityUpdate: 1,
  capturedSoundLevelUpdate: 1,
  soundLevelUpdate: 1,
  tokenWillExpire: 1,
  IMRecvBroadcastMessage: 1,
  IMRecvCustomCommand: 1,
  recvSEI: 1,
} satisfies Record<EngineEventName, 1>) as EngineEventName[]

/** Events that fire every few hundred ms; the log hides them unless asked. */
const PERIODIC = new Set<EngineEventName>(['publishQualityUpdate', 'playQualityUpdate', 'capturedSoundLevelUpdate', 'soundLevelUpdate'])

export interface LogEntry {
  at: number
  name: string
  args: unknown[]
}

/** Timestamped list of every engine event, newest first, capped at `max`. */
export class EventLog {
  readonly entries: LogEntry[] = []
  hidePeriodic = true

  constructor(
    private readonly list: HTMLOListElement,
    private readonly max = 500,
  ) {}

  watch(engine: RtcEngine): () => void {
    const offs = ENGINE_EVENTS.map((name) => {
      const fn = (...args: unknown[]) => this.add(name, args, PERIODIC.has(name))
      engine.on(name, fn as EngineEvents[typeof name])
      return () => engine.off(name, fn as EngineEvents[typeof name])
    })
    return () => offs.forEach((off) => off())
  }

  /** Log a line of the console's own (requests, errors). */
  note(text: string): void {
    this.add('console', [text], false)
  }

  private add(name: string, args: unknown[], periodic: boolean): void {
    const e = { at: Date.now(), name, args }
    this.entries.push(e)
    if (this.entries.length > this.max * 4) this.entries.splice(0, this.entries.length - this.max * 4)
    if (periodic && this.hidePeriodic) return
    const li = document.createElement('li')
    const time = document.createElement('time')
    time.textContent = new Date(e.at).toISOString().slice(11, 23)
    const b = document.createElement('b')
    b.textContent = name
    li.append(time, b, ' ' + args.map(short).join(' '))
    this.list.prepend(li)
    while (this.list.childElementCount > this.max) this.list.lastElementChild?.remove()
  }
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s && s.length > 300 ? s.slice(0, 300) + '…' : String(s)
}
