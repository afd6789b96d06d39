import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The package's `fixtures/` directory. This module runs from `src/media/` (tests, source
 * condition) or bundled into `dist/`, so walk up until the directory is found.
 */
function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'fixtures')
    if (existsSync(join(candidate, 'camera-640x360.flv'))) return candidate
    dir = dirname(dir)
  }
  throw new Error('@minirtc/headless: fixtures/ not found next to the package (was it published without "fixtures" in files?)')
}

const dir = fixturesDir()

/**
 * Absolute paths of the committed camera fixtures (made by scripts/make-fixtures.sh):
 * H.264 constrained baseline, 15 fps, keyframe every second, AAC-LC 44.1 kHz mono.
 */
export const FIXTURES = {
  /** 640x360, 4 s. */
  camera640x360: join(dir, 'camera-640x360.flv'),
  /** 320x240, 2 s (for resolution-change tests). */
  camera320x240: join(dir, 'camera-320x240.flv'),
  /** 360x640, 2 s: the default waiting-image (@minirtc/core/assets/waiting-image.png), what a pusher sends in the background. */
  waitingImage360x640: join(dir, 'waiting-image-360x640.flv'),
} as const
