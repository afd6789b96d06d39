/**
 * A live line chart in SVG: the samples of the last `windowSeconds`, a y axis from 0 to a round
 * maximum in the chart's unit, an x axis in seconds before the latest sample, and the latest value
 * in the title. SVG rather than canvas so the figures stay sharp and tests can read the axes.
 */
import { svg } from './svg'

const W = 200
const H = 84
const PAD = { left: 28, right: 6, top: 17, bottom: 13 }

/** The smallest of 1, 2, 5 × 10ⁿ at or above `v` (an axis maximum a reader can halve in their head). */
export function roundUp(v: number): number {
  if (v <= 1) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p
}

export class Chart {
  readonly element: SVGSVGElement
  private readonly samples: Array<{ at: number; v: number }> = []

  constructor(
    readonly title: string,
    readonly unit: string,
    private readonly color: string,
    private readonly windowSeconds = 60,
  ) {
    this.element = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', 'data-chart': title })
    this.draw()
  }

  /** The latest value, or null before the first. */
  get last(): number | null {
    return this.samples.length ? this.samples[this.samples.length - 1]!.v : null
  }

  push(v: number, at = Date.now()): void {
    this.samples.push({ at, v })
    while (this.samples.length && this.samples[0]!.at < at - this.windowSeconds * 1000) this.samples.shift()
    this.draw()
  }

  private draw(): void {
    const e = this.element
    e.replaceChildren()
    const x0 = PAD.left
    const x1 = W - PAD.right
    const y0 = H - PAD.bottom
    const y1 = PAD.top
    const max = roundUp(Math.max(0, ...this.samples.map((s) => s.v)))
    const end = this.samples.length ? this.samples[this.samples.length - 1]!.at : Date.now()
    const x = (at: number) => x1 - ((end - at) / (this.windowSeconds * 1000)) * (x1 - x0)
    const y = (v: number) => y0 - (v / max) * (y0 - y1)
    const last = this.last
    e.append(svg('text', { x: 2, y: 10, class: 'chart-title' }, `${this.title} (${this.unit})${last === null ? '' : ': ' + format(last) + ' ' + this.unit}`))
    // y axis: 0, half, max, with grid lines.
    for (const v of [0, max / 2, max]) {
      e.append(svg('line', { x1: x0, x2: x1, y1: y(v), y2: y(v), class: 'grid' }))
      e.append(svg('text', { x: x0 - 3, y: y(v) + 3, 'text-anchor': 'end', class: 'tick y' }, format(v)))
    }
    // x axis: seconds before the latest sample.
    const step = this.windowSeconds / 4
    for (let s = 0; s <= this.windowSeconds; s += step) {
      const at = x(end - s * 1000)
      e.append(svg('text', { x: at, y: H - 2, 'text-anchor': s === 0 ? 'end' : s === this.windowSeconds ? 'start' : 'middle', class: 'tick x' }, s === 0 ? 'now' : `-${s} s`))
    }
    e.append(svg('line', { x1: x0, x2: x0, y1: y1, y2: y0, class: 'axis' }), svg('line', { x1: x0, x2: x1, y1: y0, y2: y0, class: 'axis' }))
    if (last === null) return
    e.append(svg('polyline', { points: this.samples.map((s) => `${x(s.at).toFixed(1)},${y(s.v).toFixed(1)}`).join(' '), fill: 'none', stroke: this.color, 'stroke-width': 1.5 }))
    // The latest sample as a dot: visible from the first one on.
    e.append(svg('circle', { cx: x(end), cy: y(last), r: 2, fill: this.color }))
  }
}

function format(v: number): string {
  return v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1)
}
