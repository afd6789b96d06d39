/** Canvas of a `grid` recording. */
export interface GridSize {
  width: number
  height: number
  fps: number
}

/**
 * Fragmented MP4: an empty moov up front and a moof+mdat per keyframe, so a file cut short by a
 * crash or SIGKILL is readable up to its last complete fragment (a plain MP4 writes its index
 * only at the end, and without it nothing can be read).
 */
const FRAGMENTED_MP4 = ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof']

/**
 * Pull a live stream with ffmpeg (`-rw_timeout`: a stalled publisher ends the process after 10 s
 * instead of leaving it hanging).
 */
const LIVE_INPUT = ['-rw_timeout', '10000000']

/** One stream, copied (H.264 + AAC, as published) into a fragmented MP4. */
export function separateArgs(playUrl: string, file: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...LIVE_INPUT, '-i', playUrl, '-map', '0:v?', '-map', '0:a?', '-c', 'copy', ...FRAGMENTED_MP4, file]
}

/** Cell rectangles for `n` streams on the canvas: as square a grid as fits, filled row by row. */
export function gridCells(n: number, size: Pick<GridSize, 'width' | 'height'>): { x: number; y: number; w: number; h: number }[] {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)))
  const rows = Math.max(1, Math.ceil(n / cols))
  // Even cell sizes: yuv420p needs them.
  const w = Math.floor(size.width / cols / 2) * 2
  const h = Math.floor(size.height / rows / 2) * 2
  return Array.from({ length: n }, (_, i) => ({ x: (i % cols) * w, y: Math.floor(i / cols) * h, w, h }))
}

/** One grid input: a stream's play URL and the tracks it has (found by probing it first). */
export interface GridInput {
  url: string
  video: boolean
  audio: boolean
}

/**
 * Compose the inputs (one cell each; a stream without video shows black) and mix their audio (a
 * stream without audio adds silence), encode, and write MPEG-TS to stdout with timestamps starting
 * at `offsetSeconds`: a composer is restarted with a new layout when streams come and go, and the
 * one writer behind it (`gridWriterArgs`) keeps a single file.
 */
export function gridComposerArgs(inputs: GridInput[], size: GridSize, offsetSeconds: number): string[] {
  const cells = gridCells(inputs.length, size)
  // Inputs are probed one after the other: with the default 5 s analysis three streams would
  // take seconds before the first frame. The media server's GOP cache sends the headers at once.
  const args = inputs.flatMap((x) => [...LIVE_INPUT, '-analyzeduration', '500000', '-i', x.url])
  const f: string[] = []
  cells.forEach((c, i) => {
    const x = inputs[i]!
    f.push(
      x.video
        ? `[${i}:v]setpts=PTS-STARTPTS,scale=${c.w}:${c.h}:force_original_aspect_ratio=decrease,` +
            `pad=${c.w}:${c.h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${size.fps}[v${i}]`
        : `color=black:s=${c.w}x${c.h}:r=${size.fps},setsar=1[v${i}]`,
    )
    f.push(x.audio ? `[${i}:a]asetpts=PTS-STARTPTS,aresample=44100[a${i}]` : `anullsrc=r=44100:cl=mono[a${i}]`)
  })
  const canvas = `pad=${size.width}:${size.height}:0:0:black,format=yuv420p`
  if (cells.length === 1) f.push(`[v0]${canvas}[v]`, `[a0]anull[a]`)
  else {
    const layout = cells.map((c) => `${c.x}_${c.y}`).join('|')
    const vs = cells.map((_, i) => `[v${i}]`).join('')
    const as = cells.map((_, i) => `[a${i}]`).join('')
    f.push(`${vs}xstack=inputs=${cells.length}:layout=${layout}:fill=black,${canvas}[v]`)
    f.push(`${as}amix=inputs=${cells.length}:duration=longest:dropout_transition=0:normalize=0[a]`)
  }
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...args,
    '-filter_complex', f.join(';'),
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(size.fps * 2), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ar', '44100', '-ac', '1', '-b:a', '64k',
    '-output_ts_offset', offsetSeconds.toFixed(3),
    '-f', 'mpegts', 'pipe:1',
  ]
}

/** ffprobe arguments that list the track types (`video`, `audio`) of a live stream. */
export function trackProbeArgs(playUrl: string): string[] {
  return ['-v', 'error', ...LIVE_INPUT, '-analyzeduration', '1000000', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', playUrl]
}

/** The writer behind the composers: MPEG-TS on stdin, copied into one fragmented MP4. */
export function gridWriterArgs(file: string): string[] {
  // The composer's output is known (H.264 + AAC): probing 1 s of it instead of 5 starts the file sooner.
  return ['-hide_banner', '-loglevel', 'error', '-analyzeduration', '1000000', '-f', 'mpegts', '-i', 'pipe:0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', ...FRAGMENTED_MP4, file]
}
