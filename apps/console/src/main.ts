/**
 * The MiniRTC web debug console: joins a room with `@minirtc/core` on a browser platform and
 * renders the engine snapshot (users, streams, players, the pusher) plus every engine event.
 */
import { ErrorCode, type EngineSnapshot, type QualityStats, type RtcEngine } from '@minirtc/core'
import { createRoomController, type RoomController } from '@minirtc/core/room'
import { BrowserRenderer } from './BrowserRenderer'
import { createBrowserPlatform } from './browserPlatform'
import { EventLog } from './EventLog'
import { adminPost, defaultServer, fetchDevToken, ingestUrl } from './serverUrls'
import { Sparkline } from './Sparkline'
import './style.css'

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
const input = (id: string) => $<HTMLInputElement>(id)

interface Session {
  room: RoomController
  engine: RtcEngine
  renderer: BrowserRenderer
  log: EventLog
  server: string
  appId: string
  roomId: string
  userId: string
  adminSecret: string
  stopLog(): void
}

/** What the page exposes for tests and for poking around in devtools. */
export interface ConsoleHandle {
  session: Session | null
  charts: Map<string, Charts>
}

interface Charts {
  kbps: Sparkline
  fps: Sparkline
  lag: Sparkline | null
  latency: Sparkline | null
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
    const log = new EventLog($<HTMLOListElement>('log'))
    log.hidePeriodic = input('hidePeriodic').checked
    const stopLog = log.watch(engine)
    const s: Session = { room, engine, renderer, log, server, appId, roomId, userId, adminSecret: field('adminSecret').value, stopLog }
    handle.session = s
    engine.on('playQualityUpdate', (id, q) => {
      const m = renderer.players.get(id)?.metrics
      chart(id, q, m?.bufferLag, m && m.arrivalLatencyMs !== null ? m.arrivalLatencyMs + m.bufferLag * 1000 : undefined)
    })
    engine.on('publishQualityUpdate', (id, q) => chart('local:' + id, q))
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
    s.stopLog()
    s.room.destroy()
  }
  for (const id of tiles.keys()) removeTile(id)
  handle.charts.clear()
  $('pubCharts').replaceChildren()
  $('localMedia').replaceChildren(placeholder('camera off'))
  form.hidden = false
  $('room').hidden = true
  $('leave').hidden = true
  $('status').textContent = 'not connected'
  $('status').className = 'badge'
  $('who').textContent = ''
}

$('leave').addEventListener('click', leave)
window.addEventListener('beforeunload', leave)
input('hidePeriodic').addEventListener('change', () => {
  if (handle.session) handle.session.log.hidePeriodic = input('hidePeriodic').checked
})

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
$('cmdSend').addEventListener('click', () =>
  act('custom command', (s) => {
    const to = [...document.querySelectorAll<HTMLInputElement>('#users input[type=checkbox]:checked')].map((c) => c.value)
    return s.engine.sendCustomCommand(s.roomId, input('cmdText').value, to)
  }),
)
$('rxSet').addEventListener('click', () => act('room extra info', (s) => s.engine.setRoomExtraInfo(s.roomId, input('rxKey').value, input('rxValue').value)))
$('pubStart').addEventListener('click', () => act('publish', (s) => s.engine.createPusher().start(input('pubStream').value.trim())))
$('pubStop').addEventListener('click', () => act('stop publishing', (s) => s.engine.getPusherInstance().stop()))
$('pubExtraSet').addEventListener('click', () =>
  act('stream extra info', (s) => s.engine.setStreamExtraInfo(s.engine.getSnapshot().pusher.streamId || input('pubStream').value.trim(), input('pubExtra').value)),
)
$('micToggle').addEventListener('click', () =>
  act('mic', (s) => s.engine.getPusherInstance().setMute({ audio: s.engine.getSnapshot().pusher.enableMic }))
)
$('camToggle').addEventListener('click', () =>
  act('camera', (s) => s.engine.getPusherInstance().setMute({ video: s.engine.getSnapshot().pusher.enableCamera })),
)

// ---------------------------------------------------------------- rendering

const tiles = new Map<string, HTMLElement>()

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
 * Feed a stream's charts: bitrate, fps, buffer lag (buffered end − playhead) and, for streams
 * with wall-clock stamps, latency (stamp → arrival, plus the buffer lag until it shows).
 */
function chart(key: string, q: QualityStats, lagSeconds?: number, latencyMs?: number): void {
  let c = handle.charts.get(key)
  const remote = !key.startsWith('local:')
  if (!c) {
    c = {
      kbps: new Sparkline('kbps', '', '#38bdf8'),
      fps: new Sparkline('fps', '', '#4ade80'),
      lag: remote ? new Sparkline('buffer', ' ms', '#f472b6') : null,
      latency: null,
    }
    handle.charts.set(key, c)
  }
  if (remote && latencyMs !== undefined && !c.latency) c.latency = new Sparkline('latency', ' ms', '#facc15')
  c.kbps.push(q.videoBitrate + q.audioBitrate)
  c.fps.push(q.videoFPS)
  if (c.lag && lagSeconds !== undefined) c.lag.push(Math.round(lagSeconds * 1000))
  if (c.latency && latencyMs !== undefined) c.latency.push(Math.round(latencyMs))
  const box = remote ? tiles.get(key)?.querySelector('.charts') : $('pubCharts')
  const canvases = [c.kbps, c.fps, c.lag, c.latency].filter((x): x is Sparkline => !!x).map((x) => x.canvas)
  if (box && box.childElementCount !== canvases.length) box.replaceChildren(...canvases)
  const res = key.startsWith('local:') ? null : tiles.get(key)?.querySelector('.res')
  if (res) res.textContent = `${q.videoWidth}x${q.videoHeight}`
}

function removeTile(streamId: string): void {
  tiles.get(streamId)?.remove()
  tiles.delete(streamId)
  handle.charts.delete(streamId)
}

function tileFor(s: Session, streamId: string): HTMLElement {
  let t = tiles.get(streamId)
  if (t) return t
  const player = s.renderer.players.get(streamId)
  const media = el('div', { className: 'media' })
  if (player) media.append(player.video)
  const sound = el('button', { textContent: 'Sound on' })
  sound.addEventListener('click', () => {
    const v = s.renderer.players.get(streamId)?.video
    if (!v) return
    v.muted = !v.muted
    sound.textContent = v.muted ? 'Sound on' : 'Sound off'
  })
  const muteVideo = el('button', { textContent: 'Stop video' })
  muteVideo.addEventListener('click', () => {
    const vm = s.engine.getSnapshot().players[streamId]
    if (vm) s.engine.getPlayerInstance(streamId).setMute({ video: !vm.muteVideo })
  })
  const muteAudio = el('button', { textContent: 'Stop audio' })
  muteAudio.addEventListener('click', () => {
    const vm = s.engine.getSnapshot().players[streamId]
    if (vm) s.engine.getPlayerInstance(streamId).setMute({ audio: !vm.muteAudio })
  })
  t = el(
    'div',
    { className: 'tile' },
    media,
    el('div', { className: 'tile-head' }, el('b', { textContent: streamId }), el('span', { className: 'badge state' }), el('span', { className: 'small res' }), el('span', { className: 'small who' })),
    el('div', { className: 'row' }, sound, muteAudio, muteVideo),
    el('div', { className: 'small extra' }),
    el('div', { className: 'charts' }),
  )
  t.dataset.streamId = streamId
  $('tiles').append(t)
  tiles.set(streamId, t)
  return t
}

function render(s: Session): void {
  if (handle.session !== s) return
  const snap: EngineSnapshot = s.engine.getSnapshot()
  $('status').textContent = snap.roomState
  $('status').className = 'badge ' + snap.roomState
  $('who').textContent = snap.user ? `${snap.user.userName} (${snap.user.userId}) in ${snap.roomId}` : ''
  $('online').textContent = `${snap.onlineCount} online`

  const users = snap.users.map((u) => {
    const tick = el('input', { type: 'checkbox', value: u.userId, title: 'send custom commands to this user' })
    const li = el('li', {}, tick, el('span', { textContent: `${u.userName} (${u.userId})` }))
    if (s.adminSecret) {
      const kick = el('button', { className: 'danger', textContent: 'Kick' })
      kick.addEventListener('click', () =>
        act(`kick ${u.userId}`, () => adminPost(s.server, s.appId, s.adminSecret, `/rooms/${encodeURIComponent(s.roomId)}/users/${encodeURIComponent(u.userId)}/kick`)),
      )
      li.append(kick)
    }
    return li
  })
  const ticked = new Set([...document.querySelectorAll<HTMLInputElement>('#users input:checked')].map((c) => c.value))
  $('users').replaceChildren(...users)
  for (const c of document.querySelectorAll<HTMLInputElement>('#users input')) c.checked = ticked.has(c.value)

  $('streams').replaceChildren(
    ...snap.streams.map((st) =>
      el('li', {}, el('span', { textContent: `${st.streamId} · ${st.user.userName}` }), el('span', { className: 'badge ' + (snap.players[st.streamId]?.state ?? ''), textContent: snap.players[st.streamId]?.state ?? 'NO_PLAY' })),
    ),
  )
  $('roomExtra').replaceChildren(...snap.roomExtraInfo.map((x) => el('li', { textContent: `${x.key} = ${x.value} (${x.updateUser.userId})` })))

  for (const id of tiles.keys()) if (!snap.players[id]) removeTile(id)
  for (const [id, vm] of Object.entries(snap.players)) {
    const t = tileFor(s, id)
    const state = t.querySelector('.state')!
    state.textContent = vm.state
    state.className = 'badge state ' + vm.state
    t.querySelector('.who')!.textContent = vm.stream.user.userName
    t.querySelector('.extra')!.textContent = vm.stream.extraInfo ? `extra: ${vm.stream.extraInfo}` : ''
  }

  const p = snap.pusher
  $('pubState').textContent = p.state
  $('pubState').className = 'badge ' + p.state
  $('micToggle').textContent = p.enableMic ? 'Mic off' : 'Mic on'
  $('camToggle').textContent = p.enableCamera ? 'Camera off' : 'Camera on'
  const pusher = s.renderer.pusher
  if (pusher && pusher.video.srcObject && !$('localMedia').contains(pusher.video)) $('localMedia').replaceChildren(pusher.video)
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
