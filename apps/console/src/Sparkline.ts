/** A small live chart on a canvas: the last `capacity` values, scaled to the largest. */
export class Sparkline {
  readonly canvas: HTMLCanvasElement
  private readonly values: number[] = []

  constructor(
    readonly label: string,
    private readonly unit: string,
    private readonly color: string,
    private readonly capacity = 60,
  ) {
    this.canvas = document.createElement('canvas')
    this.canvas.width = 150
    this.canvas.height = 36
    this.canvas.className = 'spark'
    this.draw()
  }

  push(v: number): void {
    this.values.push(v)
    if (this.values.length > this.capacity) this.values.shift()
    this.draw()
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d')
    if (!ctx) return
    const { width: w, height: h } = this.canvas
    ctx.clearRect(0, 0, w, h)
    const max = Math.max(1, ...this.values)
    ctx.strokeStyle = this.color
    ctx.lineWidth = 1.5
    ctx.beginPath()
    const span = Math.max(1, this.values.length - 1)
    this.values.forEach((v, i) => {
      const x = (i / span) * w
      const y = h - 2 - (v / max) * (h - 14)
      if (i === 0) ctx.moveTo(x, y)
      else ctx.lineTo(x, y)
    })
    ctx.stroke()
    ctx.fillStyle = '#cbd5e1'
    ctx.font = '10px system-ui, sans-serif'
    const last = this.values.length ? this.values[this.values.length - 1]! : 0
    ctx.fillText(`${this.label} ${Math.round(last * 10) / 10}${this.unit}`, 2, 10)
  }
}
