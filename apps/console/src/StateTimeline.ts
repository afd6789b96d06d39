/**
 * A visual timeline of each stream's states: one row for the room's connection, one per stream
 * (our publisher and every player), a coloured bar per state, a red mark where a change came with
 * an error (hover a bar for its start, duration, codes and extended data). The transitions are what people debug ("why did it sit in
 * PLAY_REQUESTING for 6 s?"), so they stay on screen rather than scrolling away in the log.
 */
import type { PlayerStateInfo, PublisherStateInfo, RoomState, RtcEngine } from '@minirtc/core'
import { svg } from './svg'

export interface Transition {
  at: number
  state: string
  nativeCode: number
  errorCode: number
  extendedData: string
}

interface Row {
  kind: 'room' | 'publish' | 'play'
  transitions: Transition[]
}

const W = 800
const LABEL = 150
const ROW = 22
const AXIS = 16
const MIN_WINDOW_MS = 5_000
const MAX_WINDOW_MS = 10 * 60_000

/** Bar colours by state; the CSS classes use the state names too. */
const COLOURS: Record<string, string> = {
  DISCONNECTED: '#475569',
  CONNECTING: '#ca8a04',
  CONNECTED: '#16a34a',
  NO_PUBLISH: '#475569',
  NO_PLAY: '#475569',
  PUBLISH_REQUESTING: '#ca8a04',
  PLAY_REQUESTING: '#ca8a04',
  PUBLISHING: '#16a34a',
  PLAYING: '#16a34a',
}

export class StateTimeline {
  readonly element: SVGSVGElement
  private readonly rows = new Map<string, Row>()

  constructor() {
    this.element = svg('svg', { class: 'timeline', viewBox: `0 0 ${W} ${AXIS}` })
  }

  /** Record every room, publisher and player state change of `engine`; returns the unsubscribe. */
  watch(engine: RtcEngine): () => void {
    const onRoom = (roomId: string, state: RoomState, errorCode: number, extendedData: string) => this.add(roomId, 'room', { state, errorCode, nativeCode: 0, extendedData })
    const onPublisher = (i: PublisherStateInfo) => this.add(i.streamId, 'publish', i)
    const onPlayer = (i: PlayerStateInfo) => this.add(i.streamId, 'play', i)
    engine.on('roomStateUpdate', onRoom)
    engine.on('publisherStateUpdate', onPublisher)
    engine.on('playerStateUpdate', onPlayer)
    return () => {
      engine.off('roomStateUpdate', onRoom)
      engine.off('publisherStateUpdate', onPublisher)
      engine.off('playerStateUpdate', onPlayer)
    }
  }

  /** The recorded transitions of a room (`room`, by room id) or a stream (`publish` for ours, `play` for a remote one). */
  transitions(streamId: string, kind: Row['kind']): readonly Transition[] {
    return this.rows.get(key(streamId, kind))?.transitions ?? []
  }

  private add(streamId: string, kind: Row['kind'], i: Omit<Transition, 'at'>): void {
    const k = key(streamId, kind)
    let row = this.rows.get(k)
    if (!row) this.rows.set(k, (row = { kind, transitions: [] }))
    row.transitions.push({ at: Date.now(), state: i.state, nativeCode: i.nativeCode, errorCode: i.errorCode, extendedData: i.extendedData })
    this.draw()
  }

  /** Redraw up to `now` (the page calls it every second so the current states grow). */
  draw(now = Date.now()): void {
    const e = this.element
    const rows = [...this.rows.entries()]
    const height = AXIS + rows.length * ROW
    e.setAttribute('viewBox', `0 0 ${W} ${height}`)
    e.replaceChildren()
    // From the first transition (or 10 minutes ago in a long session) to now, at least 5 s wide.
    const first = Math.min(now, ...rows.map(([, r]) => r.transitions[0]!.at))
    const from = Math.max(first, now - MAX_WINDOW_MS)
    const span = Math.max(MIN_WINDOW_MS, now - from)
    const x = (at: number) => LABEL + (Math.max(0, at - from) / span) * (W - LABEL - 4)
    for (let i = 0; i <= 4; i++) {
      const at = from + (span * i) / 4
      e.append(svg('text', { x: x(at), y: 11, class: 'tick x', 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, clock(at)))
    }
    rows.forEach(([k, row], r) => {
      const top = AXIS + r * ROW
      const streamId = k.slice(k.indexOf(':') + 1)
      const g = svg('g', { class: 'row', 'data-stream': streamId, 'data-kind': row.kind })
      g.append(svg('text', { x: 0, y: top + 14, class: 'row-label' }, `${MARKS[row.kind]} ${streamId}`))
      row.transitions.forEach((t, n) => {
        const end = row.transitions[n + 1]?.at ?? now
        if (end < from) return
        const x0 = x(t.at)
        const w = Math.max(1, x(end) - x0)
        const bar = svg('rect', { x: x0, y: top + 3, width: w, height: ROW - 6, rx: 2, fill: COLOURS[t.state] ?? '#64748b', 'data-state': t.state })
        const codes = [t.nativeCode ? `native ${t.nativeCode}` : '', t.errorCode ? `error ${t.errorCode}` : ''].filter(Boolean).join(', ')
        bar.append(svg('title', {}, `${t.state} from ${clock(t.at, true)} for ${((end - t.at) / 1000).toFixed(1)} s${codes ? ` (${codes})` : ''}${t.extendedData ? ' ' + t.extendedData : ''}`))
        g.append(bar)
        if (w > 70) g.append(svg('text', { x: x0 + 4, y: top + 15, class: 'bar-label' }, `${t.state}${t.nativeCode ? ' ' + t.nativeCode : ''}`))
        if (t.errorCode) g.append(svg('line', { x1: x0, x2: x0, y1: top, y2: top + ROW, class: 'error-mark' }))
      })
      e.append(g)
    })
  }
}

const MARKS: Record<Row['kind'], string> = { room: '⌂', publish: '●', play: '▶' }

function key(streamId: string, kind: Row['kind']): string {
  return `${kind}:${streamId}`
}

function clock(at: number, ms = false): string {
  return new Date(at).toTimeString().slice(0, 8) + (ms ? '.' + String(at % 1000).padStart(3, '0') : '')
}
