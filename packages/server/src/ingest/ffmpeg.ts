import { spawn } from 'node:child_process'

const probes = new Map<string, Promise<boolean>>()

/** Whether `ffmpegPath -version` runs (checked once per path, then cached). */
export function ffmpegAvailable(ffmpegPath = 'ffmpeg'): Promise<boolean> {
  let p = probes.get(ffmpegPath)
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      try {
        const child = spawn(ffmpegPath, ['-hide_banner', '-version'], { stdio: 'ignore' })
        child.once('error', () => resolve(false))
        child.once('exit', (code) => resolve(code === 0))
      } catch {
        resolve(false)
      }
    })
    probes.set(ffmpegPath, p)
  }
  return p
}

/**
 * ffmpeg arguments for one browser publisher: MediaRecorder webm (H.264 + Opus) on stdin, FLV over
 * RTMP out. The video is copied; Opus becomes AAC because FLV has no Opus (and Chromium's
 * MediaRecorder has no AAC encoder).
 *
 * - `-probesize 32 -analyzeduration 0`: default probing holds a live pipe for ~3 s before the first
 *   packet goes out; with these the first keyframe reaches players in ~0.5 s.
 * - never `-fflags nobuffer` here: on a pipe it drops the packets read while probing, which is the
 *   first GOP (the keyframe players need).
 */
export function ffmpegIngestArgs(outputUrl: string): string[] {
  return [
    '-hide_banner',
    '-loglevel', 'warning',
    '-probesize', '32',
    '-analyzeduration', '0',
    '-i', 'pipe:0',
    '-c:v', 'copy',
    '-c:a', 'aac',
    '-ar', '44100',
    '-b:a', '64k',
    '-f', 'flv',
    outputUrl,
  ]
}
