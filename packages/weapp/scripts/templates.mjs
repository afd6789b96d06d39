// The <live-pusher> / <live-player> templates of the native components, written from the engine's
// attribute defaults: the one list of attributes MiniRTC renders (a new attribute in the core
// reaches native pages without editing a template).
import { DEFAULT_PLAYER_ATTRIBUTES, DEFAULT_PUSHER_ATTRIBUTES } from '@minirtc/core'

const kebab = (key) => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
const bind = (keys) => keys.map((k) => `  ${kebab(k)}="{{vm.${k}}}"`).join('\n')
// One handler per component: it forwards each native event by its type (`event.type`).
const events = (names) => names.map((event) => `  bind${event}="onNative"`).join('\n')

export function pusherWxml() {
  const keys = ['url', 'autopush', ...Object.keys(DEFAULT_PUSHER_ATTRIBUTES)]
  return `<live-pusher wx:if="{{vm}}" id="{{vm.id}}" class="rtc-pusher" style="width: {{width}}; height: {{height}}"
${bind(keys)}
${events(['statechange', 'netstatus', 'error', 'audiovolumenotify'])}
/>
`
}

export function playerWxml() {
  // `protocol` picks which signed URL becomes `src`; it is not a live-player attribute.
  const keys = ['src', 'autoplay', ...Object.keys(DEFAULT_PLAYER_ATTRIBUTES).filter((k) => k !== 'protocol')]
  return `<live-player wx:if="{{vm}}" id="{{vm.id}}" class="rtc-player" data-stream-id="{{vm.streamId}}" style="width: {{width}}; height: {{height}}"
${bind(keys)}
${events(['statechange', 'netstatus', 'error', 'audiovolumenotify', 'metadatachange'])}
/>
`
}
