// The publisher's source: a real H.264 + AAC FLV made once with ffmpeg (libx264, CBR-like at the target
// bitrate, a keyframe every 2 s) and cached in the temp dir. Moving noise over testsrc2 keeps x264 from
// undershooting the bitrate on an easy picture.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { readFlvFile } from 'rtmp-kit'
import { benchCacheDir } from './cache-dir'
import { findExecutable } from './executables'

export const FPS = 25
export const GOP_SECONDS = 2
const AUDIO_KBPS = 64

export interface SourceMedia {
  readonly path: string
  /** media seconds in one pass of the file */
  readonly seconds: number
  /** audio + video payload bits per second, measured over the file */
  readonly kbps: number
  readonly description: string
}

/** @throws when ffmpeg is missing or fails */
export function sourceMedia(kbps: number, seconds = 20): SourceMedia {
  const { width, height } = kbps <= 1200 ? { width: 640, height: 360 } : kbps <= 4000 ? { width: 1280, height: 720 } : { width: 1920, height: 1080 }
  const path = join(benchCacheDir(), `source-${kbps}k-${width}x${height}-${seconds}s.flv`)
  if (!existsSync(path)) encode(path, kbps, width, height, seconds)
  const flv = readFlvFile(new Uint8Array(readFileSync(path)))
  if (flv.error) throw flv.error
  let bytes = 0
  let last = 0
  for (const t of flv.tags) {
    if (t.type === 8 || t.type === 9) bytes += t.data.length
    last = Math.max(last, t.timestamp)
  }
  const duration = (last + 1000 / FPS) / 1000
  const measured = (bytes * 8) / duration / 1000
  return {
    path,
    seconds: duration,
    kbps: measured,
    description: `H.264 ${width}x${height} ${FPS} fps, keyframe every ${GOP_SECONDS} s + AAC ${AUDIO_KBPS}k, ${(measured / 1000).toFixed(2)} Mbit/s measured, ${duration.toFixed(1)} s looped`,
  }
}

function encode(path: string, kbps: number, width: number, height: number, seconds: number): void {
  const ffmpeg = findExecutable('ffmpeg')
  if (ffmpeg === undefined) throw new Error('ffmpeg is needed to make the source FLV (apt-get install ffmpeg)')
  const videoK = `${Math.max(100, kbps - AUDIO_KBPS)}k`
  const keyint = String(FPS * GOP_SECONDS)
  const partial = `${path}.partial.flv`
  const args = [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${FPS},noise=alls=12:allf=t`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-b:v', videoK, '-maxrate', videoK, '-bufsize', videoK],
    ...['-g', keyint, '-keyint_min', keyint, '-sc_threshold', '0', '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-f', 'flv', partial],
  ]
  process.stderr.write(`making the source: ffmpeg ${args.join(' ')}\n`)
  const r = spawnSync(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 })
  if (r.status !== 0) throw new Error(`ffmpeg failed (${r.status ?? r.signal}): ${r.stderr?.toString().slice(-500)}`)
  renameSync(partial, path)
}
