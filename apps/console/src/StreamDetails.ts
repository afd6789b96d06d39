/**
 * A stream's details panel: label/value rows (codec, resolution, fps, bitrate, buffer, the signed
 * URL…) kept in place between updates, and a Copy button on the URL rows.
 */
export interface DetailRow {
  label: string
  value: string
  /** Offer a Copy button (signed URLs). */
  copy?: boolean
}

export class StreamDetails {
  readonly element: HTMLDListElement
  private readonly values = new Map<string, HTMLElement>()

  constructor() {
    this.element = document.createElement('dl')
    this.element.className = 'details'
  }

  update(rows: DetailRow[]): void {
    for (const r of rows) {
      let dd = this.values.get(r.label)
      if (!dd) {
        const dt = document.createElement('dt')
        dt.textContent = r.label
        dd = document.createElement('dd')
        dd.dataset.label = r.label
        const value = document.createElement('span')
        value.className = 'value'
        dd.append(value)
        if (r.copy) dd.append(copyButton(() => value.textContent ?? ''))
        this.element.append(dt, dd)
        this.values.set(r.label, dd)
      }
      const value = dd.querySelector('.value')!
      if (value.textContent !== r.value) value.textContent = r.value
    }
  }
}

function copyButton(text: () => string): HTMLButtonElement {
  const b = document.createElement('button')
  b.className = 'copy'
  b.textContent = 'Copy'
  b.addEventListener('click', () => {
    const t = text()
    copy(t).then(
      () => flash(b, 'Copied'),
      () => flash(b, 'Copy failed'),
    )
  })
  return b
}

/** The Clipboard API where the page may use it (https or localhost), else the old selection copy. */
function copy(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text)
  const area = document.createElement('textarea')
  area.value = text
  document.body.append(area)
  area.select()
  const ok = document.execCommand('copy')
  area.remove()
  return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'))
}

function flash(b: HTMLButtonElement, text: string): void {
  b.textContent = text
  window.setTimeout(() => (b.textContent = 'Copy'), 1500)
}
