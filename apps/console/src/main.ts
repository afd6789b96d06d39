/**
 * The MiniRTC web debug console: joins a room with `@minirtc/core` on a browser platform and
 * renders the room's snapshot (users, streams, players, the pusher), a timeline of every stream's
 * states, per-stream details and charts, and a filterable log of every engine event.
 */
import { ErrorCode, type EngineSnapshot, type QualityStats, type RtcEngine } from '@minirtc/core'
import { createRoomController, type RoomController } from '@minirtc/core/room'
import { BrowserRenderer } from './BrowserRenderer'
import { RECORDER_MIME } from './BrowserPusher'
import { createBrowserPlatform } from './browserPlatform'
import { Chart } from './Chart'
import { CONSOLE_ENTRY, ENGINE_EVENTS, EventLog } from './EventLog'
import { adminPost, adminSecretFrom, defaultServer, fetchDevToken, ingestUrl } from './serverUrls'
import { StateTimeline } from './StateTimeline'
import { StreamDetails, type DetailRow } from './StreamDetails'
import './style.css'

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
const input = (id: string) => $<HTMLInputElement>(id)

interface Session {
  room: RoomController
  engine: RtcEngine
  renderer: BrowserRenderer
  log: EventLog
  timeline: StateTimeline
  server: string
  appId: string
  roomId: string
  userId: string
  /** The latest quality figures per stream (`local:<id>` for ours). */
  quality: Map<string, QualityStats>
  stop(): void
}

/** What the page exposes for tests and for poking around in devtools. */
export interface ConsoleHandle {
  session: Session | null
  charts: Map<string, Charts>
}

interface Charts {
  bitrate: Chart
  fps: Chart
  buffer: Chart | null
  latency: Chart | null
}

const handle: ConsoleHandle = { session: null, charts: new Map() }
;(window as unknown as { minirtcConsole: ConsoleHandle }).minirtcConsole = handle

const form = $<HTMLFormElement>('connect')
const params = new URLSearchParams(location.search)
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement
field('server').value = defaultServer(location)
field('roomId').value = params.get('room') ?? ''
field('userId').value = params.get('user') ?? `web-${Math.random().toString(36).slice(2, 7)}`
field('userName').value = params.get('name') ?? 'Web console'
field('appId').value = params.get('appId') ?? ''
field('ingest').value = params.get('ingest') ?? ''
input('adminSecret').value = adminSecretFrom(location)

function banner(text: string | null): void {
  const b = $('banner')
  b.hidden = !text
  b.textContent = text ?? ''
}

form.addEventListener('submit', (e) => {
  e.preventDefault()
  void join()
})

async function join(): Promise<void> {
  banner(null)
  const server = field('server').value.trim()
  const roomId = field('roomId').value.trim()
  const userId = field('userId').value.trim()
  const userName = field('userName').value.trim() || userId
  let appId = field('appId').value.trim()
  let token = field('token').value.trim()
  const dev = !token
  const joinButton = $<HTMLButtonElement>('join')
  joinButton.disabled = true
  try {
    if (dev) ({ appId, token } = await fetchDevToken(server, roomId, userId))
    const ingestBase = field('ingest').value.trim()
    const renderer: BrowserRenderer = new BrowserRenderer({
      pusher: {
        ingestUrl: (pushUrl) => ingestUrl(server, pushUrl, ingestBase),
        // A refusal does not get better with fresh URLs: stop instead of letting the engine retry.
        onRefused: () => handle.session?.engine.getPusherInstance().stop(),
      },
    })
    const platform = createBrowserPlatform({ contexts: renderer })
    // A dev session renews from the dev endpoint; the token fetched above (for the app id) serves the first login.
    let first = token
    const devToken = () => (first ? Promise.resolve(first) : fetchDevToken(server, roomId, userId).then((t) => t.token)).finally(() => (first = ''))
    const room = createRoomController(
      { appId, server, roomId, user: { userId, userName }, token: dev ? devToken : token, userUpdate: true, player: { protocol: 'flv', enableRecvMessage: true }, logger: console },
      platform,
    )
    const engine = room.methods.engine
    renderer.attach(engine)
    const log = new EventLog($<HTMLOListElement>('log'), (streams) => options($<HTMLSelectElement>('logStream'), 'all streams', streams))
    log.setFilter(logFilter())
    const timeline = new StateTimeline()
    $('timeline').replaceChildren(timeline.element)
    const stops = [log.watch(engine), timeline.watch(engine)]
    const tick = window.setInterval(() => timeline.draw(), 1000)
    const s: Session = {
      room,
      engine,
      renderer,
      log,
      timeline,
      server,
      appId,
      roomId,
      userId,
      quality: new Map(),
      stop: () => {
        window.clearInterval(tick)
        stops.forEach((f) => f())
      },
    }
    handle.session = s
    engine.on('playQualityUpdate', (id, q) => {
      s.quality.set(id, q)
      const m = renderer.players.get(id)?.metrics
      chart(id, q, m?.bufferLag, m && m.arrivalLatencyMs !== null ? m.arrivalLatencyMs + m.bufferLag * 1000 : undefined)
      render(s)
    })
    engine.on('publishQualityUpdate', (id, q) => {
      s.quality.set('local:' + id, q)
      chart('local:' + id, q)
      render(s)
    })
    engine.subscribe(() => render(s))
    render(s)
    form.hidden = true
    $('room').hidden = false
    $('leave').hidden = false
    input('pubStream').value = `${userId}-cam`
    await room.methods.login()
    log.note(`joined ${roomId} as ${userId}${dev ? ' (dev token)' : ''}`)
  } catch (err) {
    banner((err as Error).message)
    leave()
  } finally {
    joinButton.disabled = false
  }
}

function leave(): void {
  const s = handle.session
  handle.session = null
  if (s) {
    s.renderer.detach()
    s.stop()
    s.room.destroy()
  }
  for (const id of tiles.keys()) removeTile(id)
  handle.charts.clear()
  usersShown = ''
  pubDetails = null
  $('pubDetails').replaceChildren()
  $('pubCharts').replaceChildren()
  $('localMedia').replaceChildren(placeholder('camera off'))
  form.hidden = false
  $('room').hidden = true
  $('leave').hidden = true
  $('status').textContent = 'not connected'
  $('status').className = 'badge'
  $('who').textContent = ''
}

// A closed tab logs out through the platform's lifecycle (pagehide → the room controller).
$('leave').addEventListener('click', leave)

// ---------------------------------------------------------------- event log filters

/** Fill a <select> with `values` after its "all" option, keeping the selection. */
function options(select: HTMLSelectElement, all: string, values: readonly string[]): void {
  const keep = select.value
  select.replaceChildren(el('option', { value: '', textContent: all }), ...values.map((v) => el('option', { value: v, textContent: v })))
  select.value = keep
}
options($<HTMLSelectElement>('logEvent'), 'all events', [...ENGINE_EVENTS, CONSOLE_ENTRY])

function logFilter() {
  return { name: $<HTMLSelectElement>('logEvent').value, stream: $<HTMLSelectElement>('logStream').value, text: input('logText').value, hidePeriodic: input('hidePeriodic').checked }
}
for (const id of ['logEvent', 'logStream', 'hidePeriodic']) $(id).addEventListener('change', () => handle.session?.log.setFilter(logFilter()))
input('logText').addEventListener('input', () => handle.session?.log.setFilter(logFilter()))

// ---------------------------------------------------------------- room features

/** Run a room action, logging its outcome. */
function act(what: string, fn: (s: Session) => Promise<unknown> | void): void {
  const s = handle.session
  if (!s) return
  Promise.resolve()
    .then(() => fn(s))
    .then(() => s.log.note(`${what}: ok`))
    .catch((err: Error & { code?: number }) => s.log.note(`${what} failed: ${err.code ?? ''} ${err.message}`))
}

$('bcSend').addEventListener('click', () => act('broadcast', (s) => s.engine.sendBroadcastMessage(s.roomId, input('bcText').value)))
$('cmdSend').addEventListener('click', () => {
  // The server delivers a custom command to the users it names, never to everyone (that is
  // Broadcast): with nobody ticked it would only answer USER_NOT_FOUND.
  const to = [...document.querySelectorAll<HTMLInputElement>('#users input[type=checkbox]:checked')].map((c) => c.value)
  const hint = $('cmdHint')
  hint.hidden = to.length > 0
  hint.textContent = to.length ? '' : 'Tick who gets it in the Users list first: a custom command goes to the users you choose (Broadcast reaches everyone).'
  if (to.length) act(`custom command to ${to.join(', ')}`, (s) => s.engine.sendCustomCommand(s.roomId, input('cmdText').value, to))
})
$('rxSet').addEventListener('click', () => act('room extra info', (s) => s.engine.setRoomExtraInfo(s.roomId, input('rxKey').value, input('rxValue').value)))
$('pubStart').addEventListener('click', () => act('publish', (s) => s.engine.createPusher().start(input('pubStream').value.trim())))
$('pubStop').addEventListener('click', () => act('stop publishing', (s) => s.engine.getPusherInstance().stop()))
$('pubExtraSet').addEventListener('click', () =>
  act('stream extra info', (s) => s.engine.setStreamExtraInfo(s.engine.getSnapshot().pusher.streamId || input('pubStream').value.trim(), input('pubExtra').value)),
)
$('micToggle').addEventListener('click', () => act('mic', (s) => s.engine.getPusherInstance().setMute({ audio: s.engine.getSnapshot().pusher.enableMic })))
$('camToggle').addEventListener('click', () => act('camera', (s) => s.engine.getPusherInstance().setMute({ video: s.engine.getSnapshot().pusher.enableCamera })))
input('adminSecret').addEventListener('input', () => handle.session && render(handle.session))

// ---------------------------------------------------------------- rendering

const tiles = new Map<string, HTMLElement>()
const details = new Map<string, StreamDetails>()
let pubDetails: StreamDetails | null = null

function placeholder(text: string): HTMLElement {
  const d = document.createElement('div')
  d.className = 'placeholder'
  d.textContent = text
  return d
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props)
  e.append(...children)
  return e
}

/**
 * Feed a stream's charts: bitrate, frame rate, buffer (buffered end − playhead) and, for streams
 * with wall-clock stamps, latency (stamp → arrival, plus the buffer until it shows).
 */
function chart(key: string, q: QualityStats, lagSeconds?: number, latencyMs?: number): void {
  let c = handle.charts.get(key)
  const remote = !key.startsWith('local:')
  if (!c) {
    c = {
      bitrate: new Chart(remote ? 'bitrate received' : 'bitrate sent', 'kbit/s', '#38bdf8'),
      fps: new Chart('frame rate', 'fps', '#4ade80'),
      buffer: remote ? new Chart('buffer', 'ms', '#f472b6') : null,
      latency: null,
    }
    handle.charts.set(key, c)
  }
  if (remote && latencyMs !== undefined && !c.latency) c.latency = new Chart('latency', 'ms', '#facc15')
  c.bitrate.push(q.videoBitrate + q.audioBitrate)
  c.fps.push(q.videoFPS)
  if (c.buffer && lagSeconds !== undefined) c.buffer.push(Math.round(lagSeconds * 1000))
  if (c.latency && latencyMs !== undefined) c.latency.push(Math.round(latencyMs))
  const box = remote ? tiles.get(key)?.querySelector('.charts') : $('pubCharts')
  const figures = [c.bitrate, c.fps, c.buffer, c.latency].filter((x): x is Chart => !!x).map((x) => x.element)
  if (box && box.childElementCount !== figures.length) box.replaceChildren(...figures)
}

function removeTile(streamId: string): void {
  tiles.get(streamId)?.remove()
  tiles.delete(streamId)
  details.delete(streamId)
  handle.charts.delete(streamId)
}

function tileFor(s: Session, streamId: string): HTMLElement {
  let t = tiles.get(streamId)
  if (t) return t
  const player = s.renderer.players.get(streamId)
  const media = el('div', { className: 'media' })
  if (player) media.append(player.video)
  // Three different things: what this page plays out loud, and what it asks the server to send.
  const sound = el('button', { className: 'sound', textContent: 'Play sound here', title: 'unmute this page (browsers start videos muted); the audio is received either way' })
  sound.addEventListener('click', () => {
    const v = s.renderer.players.get(streamId)?.video
    if (!v) return
    v.muted = !v.muted
    sound.textContent = v.muted ? 'Play sound here' : 'Silence here'
  })
  const muteAudio = el('button', { className: 'recvAudio', title: 'mute-audio on the player: stop or resume pulling this stream’s audio' })
  muteAudio.addEventListener('click', () => {
    const vm = s.engine.getSnapshot().players[streamId]
    if (vm) s.engine.getPlayerInstance(streamId).setMute({ audio: !vm.muteAudio })
  })
  const muteVideo = el('button', { className: 'recvVideo', title: 'mute-video on the player: stop or resume pulling this stream’s video' })
  muteVideo.addEventListener('click', () => {
    const vm = s.engine.getSnapshot().players[streamId]
    if (vm) s.engine.getPlayerInstance(streamId).setMute({ video: !vm.muteVideo })
  })
  const d = new StreamDetails()
  details.set(streamId, d)
  t = el(
    'div',
    { className: 'tile' },
    media,
    el('div', { className: 'tile-head' }, el('b', { textContent: streamId }), el('span', { className: 'badge state' }), el('span', { className: 'small who' })),
    el('div', { className: 'row' }, sound, muteAudio, muteVideo),
    d.element,
    el('div', { className: 'charts' }),
  )
  t.dataset.streamId = streamId
  $('tiles').append(t)
  tiles.set(streamId, t)
  return t
}

const kbps = (q: QualityStats | undefined) => (q ? `${q.videoBitrate + q.audioBitrate} kbit/s (video ${q.videoBitrate}, audio ${q.audioBitrate})` : '…')

function render(s: Session): void {
  if (handle.session !== s) return
  const snap: EngineSnapshot = s.engine.getSnapshot()
  $('status').textContent = snap.roomState
  $('status').className = 'badge ' + snap.roomState
  $('who').textContent = snap.user ? `${snap.user.userName} (${snap.user.userId}) in ${snap.roomId}` : ''
  renderUsers(s, snap)

  $('streams').replaceChildren(
    ...snap.streams.map((st) =>
      el('li', {}, el('span', { textContent: `${st.streamId} · ${st.user.userName}` }), el('span', { className: 'badge ' + (snap.players[st.streamId]?.state ?? ''), textContent: snap.players[st.streamId]?.state ?? 'NO_PLAY' })),
    ),
  )
  $('roomExtra').replaceChildren(...snap.roomExtraInfo.map((x) => el('li', { textContent: `${x.key} = ${x.value} (set by ${x.updateUser.userId})` })))

  for (const id of tiles.keys()) if (!snap.players[id]) removeTile(id)
  for (const [id, vm] of Object.entries(snap.players)) {
    const t = tileFor(s, id)
    const state = t.querySelector('.state')!
    state.textContent = vm.state
    state.className = 'badge state ' + vm.state
    t.querySelector('.who')!.textContent = `from ${vm.stream.user.userName}`
    t.querySelector('.recvAudio')!.textContent = vm.muteAudio ? 'Receive audio' : 'Stop receiving audio'
    t.querySelector('.recvVideo')!.textContent = vm.muteVideo ? 'Receive video' : 'Stop receiving video'
    const m = s.renderer.players.get(id)?.metrics
    const q = s.quality.get(id)
    const rows: DetailRow[] = [
      { label: 'publisher', value: `${vm.stream.user.userName} (${vm.stream.user.userId})` },
      { label: 'codecs', value: m?.videoCodec ? `${m.videoCodec}${m.audioCodec ? ` + ${m.audioCodec}${m.audioSampleRate ? ` ${m.audioSampleRate / 1000} kHz` : ''}` : ''}` : '…' },
      { label: 'resolution', value: m?.width ? `${m.width}x${m.height}` : '…' },
      { label: 'frame rate', value: q ? `${q.videoFPS} fps shown${m?.declaredFps ? ` (stream declares ${Math.round(m.declaredFps * 100) / 100})` : ''}` : '…' },
      { label: 'bitrate', value: kbps(q) },
      { label: 'buffer', value: m ? `${Math.round(m.bufferLag * 1000)} ms ahead of the playhead` : '…' },
      { label: 'first frame', value: m && m.firstFrameMs !== null ? `${m.firstFrameMs} ms after load` : '…' },
      { label: 'frames', value: m ? `${m.decodedFrames} decoded, ${m.droppedFrames} dropped` : '…' },
      ...(m && m.arrivalLatencyMs !== null ? [{ label: 'latency', value: `${m.arrivalLatencyMs} ms to arrive, +${Math.round(m.bufferLag * 1000)} ms buffered` }] : []),
      { label: 'extra info', value: vm.stream.extraInfo || '—' },
      { label: 'play URL', value: vm.src || '(not granted yet)', copy: true },
    ]
    details.get(id)!.update(rows)
  }

  const p = snap.pusher
  $('pubState').textContent = p.state
  $('pubState').className = 'badge ' + p.state
  $('micToggle').textContent = p.enableMic ? 'Stop sending mic' : 'Send mic'
  $('camToggle').textContent = p.enableCamera ? 'Stop sending camera' : 'Send camera'
  const pusher = s.renderer.pusher
  if (pusher && pusher.video.srcObject && !$('localMedia').contains(pusher.video)) $('localMedia').replaceChildren(pusher.video)
  if (!p.url && pubDetails) {
    pubDetails = null
    $('pubDetails').replaceChildren()
  } else if (p.url) {
    if (!pubDetails) $('pubDetails').replaceChildren((pubDetails = new StreamDetails()).element)
    const q = s.quality.get('local:' + p.streamId)
    pubDetails.update([
      { label: 'stream', value: p.streamId },
      { label: 'codecs', value: `${RECORDER_MIME} → server ffmpeg → H.264 + AAC` },
      { label: 'camera', value: q?.videoWidth ? `${q.videoWidth}x${q.videoHeight} at ${q.videoFPS} fps` : '…' },
      { label: 'bitrate', value: kbps(q) },
      { label: 'sent', value: pusher ? `${Math.round(pusher.metrics.bytesSent / 1024)} KiB` : '…' },
      { label: 'push URL', value: p.url, copy: true },
    ])
  }
  const err = pusher?.lastError
  $('pubError').hidden = !err && !snap.error
  $('pubError').textContent = err
    ? err.code === ErrorCode.MEDIA_UNAVAILABLE
      ? `This server cannot take a browser publisher: ${err.message} (MEDIA_UNAVAILABLE ${err.code})`
      : `Publishing refused: ${err.code ? err.code + ' ' + err.reason + ': ' : ''}${err.message}`
    : snap.error
      ? `${snap.error.code} ${snap.error.reason}: ${snap.error.message}`
      : ''
}

let usersShown = ''

/** Everyone in the room, ourselves first and marked, so the list adds up to the count. */
function renderUsers(s: Session, snap: EngineSnapshot): void {
  const secret = input('adminSecret').value.trim()
  const everyone = snap.user ? [snap.user, ...snap.users] : [...snap.users]
  // Rebuilt only on a change: a button replaced between mousedown and mouseup loses the click.
  const shown = JSON.stringify([everyone, snap.onlineCount, !!secret])
  if (shown === usersShown) return
  usersShown = shown
  $('kickHint').hidden = !!secret
  $('online').textContent = `${snap.onlineCount} online`
  const ticked = new Set([...document.querySelectorAll<HTMLInputElement>('#users input:checked')].map((c) => c.value))
  $('users').replaceChildren(
    ...everyone.map((u) => {
      const me = u.userId === snap.user?.userId
      const tick = el('input', { type: 'checkbox', value: u.userId, disabled: me, checked: !me && ticked.has(u.userId), title: me ? 'custom commands go to the others' : 'send custom commands to this user' })
      const li = el('li', { className: me ? 'me' : '' }, tick, el('span', { textContent: `${u.userName} (${u.userId})` }))
      li.dataset.userId = u.userId
      if (me) li.append(el('span', { className: 'badge you', textContent: 'you' }))
      else if (secret) {
        const kick = el('button', { className: 'danger', textContent: 'Kick' })
        kick.addEventListener('click', () =>
          act(`kick ${u.userId}`, () => adminPost(s.server, s.appId, secret, `/rooms/${encodeURIComponent(s.roomId)}/users/${encodeURIComponent(u.userId)}/kick`)),
        )
        li.append(kick)
      }
      return li
    }),
  )
}
