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
const PERIODIC = new Set<string>(['publishQualityUpdate', 'playQualityUpdate', 'capturedSoundLevelUpdate', 'soundLevelUpdate'])
/** Events whose first argument is a stream id (the others carry `streamId` fields). */
const STREAM_FIRST = new Set<string>(['publishQualityUpdate', 'playQualityUpdate', 'soundLevelUpdate', 'recvSEI'])

/** The console's own lines (requests and their outcomes) go by this name. */
export const CONSOLE_ENTRY = 'console'

export interface LogEntry {
  at: number
  name: string
  args: unknown[]
  /** The streams the entry is about. */
  streams: string[]
  /** Name and arguments in lower case, for the text filter. */
  text: string
}

/** What the log shows; every field narrows it ('' = no narrowing). */
export interface LogFilter {
  name: string
  stream: string
  text: string
  hidePeriodic: boolean
}

/**
 * Timestamped engine events and console notes, newest first: a one-line summary that opens onto
 * the arguments as indented JSON, narrowed by event name, stream and free text.
 */
export class EventLog {
  readonly entries: LogEntry[] = []
  private filter: LogFilter = { name: '', stream: '', text: '', hidePeriodic: true }
  private readonly knownStreams = new Set<string>()

  constructor(
    private readonly list: HTMLOListElement,
    private readonly onStreamsChange: (streams: string[]) => void = () => undefined,
    private readonly max = 2000,
  ) {}

  watch(engine: RtcEngine): () => void {
    const offs = ENGINE_EVENTS.map((name) => {
      const fn = (...args: unknown[]) => this.add(name, args)
      engine.on(name, fn as EngineEvents[typeof name])
      return () => engine.off(name, fn as EngineEvents[typeof name])
    })
    return () => offs.forEach((off) => off())
  }

  /** Log a line of the console's own (requests, errors). */
  note(text: string): void {
    this.add(CONSOLE_ENTRY, [text])
  }

  setFilter(filter: Partial<LogFilter>): void {
    this.filter = { ...this.filter, ...filter, text: (filter.text ?? this.filter.text).trim().toLowerCase() }
    const rows: HTMLLIElement[] = []
    for (let i = this.entries.length - 1; i >= 0 && rows.length < this.max / 4; i--) if (this.shows(this.entries[i]!)) rows.push(row(this.entries[i]!))
    this.list.replaceChildren(...rows)
  }

  shows(e: LogEntry): boolean {
    const f = this.filter
    if (f.name ? e.name !== f.name : f.hidePeriodic && PERIODIC.has(e.name)) return false
    if (f.stream && !e.streams.includes(f.stream)) return false
    return !f.text || e.text.includes(f.text)
  }

  private add(name: string, args: unknown[]): void {
    const streams = STREAM_FIRST.has(name) && typeof args[0] === 'string' ? [args[0]] : streamIds(args)
    const e: LogEntry = { at: Date.now(), name, args, streams, text: (name + ' ' + JSON.stringify(args)).toLowerCase() }
    this.entries.push(e)
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max)
    const fresh = streams.filter((s) => !this.knownStreams.has(s))
    if (fresh.length) {
      fresh.forEach((s) => this.knownStreams.add(s))
      this.onStreamsChange([...this.knownStreams])
    }
    if (!this.shows(e)) return
    this.list.prepend(row(e))
    while (this.list.childElementCount > this.max / 4) this.list.lastElementChild?.remove()
  }
}

/** Every `streamId` field inside the arguments. */
function streamIds(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => streamIds(x, out))
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'streamId' && typeof x === 'string' && x && !out.includes(x)) out.push(x)
      else streamIds(x, out)
    }
  return out
}

function row(e: LogEntry): HTMLLIElement {
  const li = document.createElement('li')
  li.dataset.event = e.name
  const time = document.createElement('time')
  time.textContent = new Date(e.at).toTimeString().slice(0, 8) + '.' + String(e.at % 1000).padStart(3, '0')
  const b = document.createElement('b')
  b.textContent = e.name
  const summary = e.args.map(short).join(' ')
  const structured = e.args.some((a) => a !== null && typeof a === 'object')
  if (!structured) {
    li.append(time, b, ' ' + summary)
    return li
  }
  const details = document.createElement('details')
  const head = document.createElement('summary')
  head.append(time, b, ' ' + summary)
  const pre = document.createElement('pre')
  pre.textContent = e.args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : JSON.stringify(a, null, 2))).join('\n')
  details.append(head, pre)
  li.append(details)
  return li
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s && s.length > 120 ? s.slice(0, 120) + '…' : String(s)
}
