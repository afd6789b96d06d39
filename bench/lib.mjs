// Small helpers shared by the benchmarks: statistics, result files, machine description.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results')

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  const mean = s.reduce((a, b) => a + b, 0) / s.length
  return { n: s.length, mean: round(mean), p50: round(q(0.5)), p90: round(q(0.9)), min: round(s[0]), max: round(s[s.length - 1]) }
}

export const round = (x) => Math.round(x * 10) / 10

export function machine() {
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }
}

/** Write `results/<name>.json` (unless a smoke run) and return the data. */
export function writeResult(name, data, { smoke = false } = {}) {
  const out = { name, date: new Date().toISOString(), machine: machine(), smoke, ...data }
  if (!smoke) {
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(out, null, 2) + '\n')
  }
  return out
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
