import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeExit, run } from './processes'

/** ffmpeg arguments after the quiet prefix every test run uses: no banner, no stdin, errors only. */
export function ffArgs(...args: string[]): string[] {
  return ['-hide_banner', '-nostdin', '-v', 'error', ...args]
}

/** Test media made by ffmpeg from lavfi sources: H.264 (testsrc) + AAC (sine) in FLV. */
export interface FixtureOptions {
  readonly width?: number // default 320
  readonly height?: number // default 240
  readonly fps?: number // default 25
  readonly seconds?: number // default 4
  /** GOP length in frames (fixed: no scene-cut keyframes). Default 25. */
  readonly keyint?: number
  readonly sampleRate?: number // default 44100
  readonly channels?: number // default 2
  /** Allow B-frames (non-zero composition times). Default true. */
  readonly bframes?: boolean
}

type Full<T> = { readonly [K in keyof T]-?: T[K] }

const defaults: Full<FixtureOptions> = {
  width: 320,
  height: 240,
  fps: 25,
  seconds: 4,
  keyint: 25,
  sampleRate: 44100,
  channels: 2,
  bframes: true,
}

const pending = new Map<string, Promise<string>>()

/**
 * Directory shared by every worker of one test run: named after the vitest main process (our parent), so a
 * fixture is made once per run. Directories of earlier runs whose process is gone are removed.
 */
function runDir(): string {
  const base = tmpdir()
  const prefix = 'rtmp-kit-fixtures-'
  for (const name of readdirSync(base)) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length))
    if (Number.isInteger(pid) && pid !== process.ppid && !alive(pid)) rmSync(join(base, name), { recursive: true, force: true })
  }
  const dir = join(base, `${prefix}${process.ppid}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** ffmpeg arguments that write the fixture described by `o` to `out`. */
export function fixtureArgs(o: Full<FixtureOptions>, out: string): string[] {
  return [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc=size=${o.width}x${o.height}:rate=${o.fps}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${o.sampleRate}`],
    ...['-map', '0:v', '-map', '1:a', '-t', String(o.seconds)],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-profile:v', o.bframes ? 'main' : 'baseline'],
    ...['-g', String(o.keyint), '-keyint_min', String(o.keyint), '-sc_threshold', '0', '-bf', o.bframes ? '2' : '0'],
    ...['-c:a', 'aac', '-b:a', '64k', '-ar', String(o.sampleRate), '-ac', String(o.channels)],
    ...['-f', 'flv', out],
  ]
}

/**
 * Path of an FLV fixture made with `ffmpeg` (cached for the test run; concurrent callers share one file,
 * written under a temporary name and renamed into place).
 *
 * @throws Error with ffmpeg's stderr when it fails or takes longer than `timeoutMs`.
 */
export function makeFixture(ffmpeg: string, options: FixtureOptions = {}, timeoutMs = 60_000): Promise<string> {
  const o: Full<FixtureOptions> = { ...defaults, ...options }
  const key = createHash('sha256').update(JSON.stringify([ffmpeg, o])).digest('hex').slice(0, 16)
  let p = pending.get(key)
  if (p === undefined) {
    p = create(ffmpeg, o, key, timeoutMs)
    pending.set(key, p)
    p.catch(() => pending.delete(key))
  }
  return p
}

async function create(ffmpeg: string, o: Full<FixtureOptions>, key: string, timeoutMs: number): Promise<string> {
  const dir = runDir()
  const file = join(dir, `${o.width}x${o.height}-${o.fps}fps-${o.seconds}s-${key}.flv`)
  if (existsSync(file) && statSync(file).size > 0) return file
  const partial = `${file}.${process.pid}.partial`
  const exit = await run(ffmpeg, fixtureArgs(o, partial), { timeoutMs })
  if (exit.code !== 0) {
    rmSync(partial, { force: true })
    throw new Error(`could not make the fixture:\n${describeExit(exit)}`)
  }
  renameSync(partial, file)
  return file
}

export interface StreamPackets {
  readonly count: number
  /** Presentation / decode times in ms, in packet (file) order. */
  readonly pts: readonly number[]
  readonly dts: readonly number[]
  readonly keyframes: number
  readonly codec: string | undefined
}

export interface ProbeResult {
  readonly video: StreamPackets
  readonly audio: StreamPackets
  readonly width: number | undefined
  readonly height: number | undefined
  readonly sampleRate: number | undefined
  readonly channels: number | undefined
}

interface FfprobeJson {
  packets?: Array<{ codec_type?: string; pts_time?: string; dts_time?: string; flags?: string; stream_index?: number }>
  streams?: Array<{ index?: number; codec_type?: string; codec_name?: string; width?: number; height?: number; sample_rate?: string; channels?: number }>
}

/**
 * Packet counts and timestamps of the first video and audio streams of `file`, from
 * `ffprobe -v error -show_packets -show_streams -of json`. Does not decode; see `decodeErrors` for that.
 *
 * @throws Error with ffprobe's stderr when it fails.
 */
export async function ffprobeFrames(ffprobe: string, file: string, timeoutMs = 30_000): Promise<ProbeResult> {
  const args = ['-v', 'error', '-show_packets', '-show_streams', '-of', 'json', file]
  const exit = await run(ffprobe, args, { timeoutMs, maxOutput: 64 * 1024 * 1024 })
  if (exit.code !== 0) throw new Error(`ffprobe failed:\n${describeExit(exit)}`)
  const json = JSON.parse(exit.stdout) as FfprobeJson
  const streams = json.streams ?? []
  const v = streams.find((s) => s.codec_type === 'video')
  const a = streams.find((s) => s.codec_type === 'audio')
  const packets = json.packets ?? []
  const collect = (index: number | undefined, codec: string | undefined): StreamPackets => {
    const mine = packets.filter((p) => index !== undefined && p.stream_index === index)
    const ms = (t: string | undefined): number => (t === undefined || t === 'N/A' ? NaN : Math.round(Number(t) * 1000))
    return {
      count: mine.length,
      pts: mine.map((p) => ms(p.pts_time)),
      dts: mine.map((p) => ms(p.dts_time)),
      keyframes: mine.filter((p) => p.flags?.startsWith('K') ?? false).length,
      codec,
    }
  }
  return {
    video: collect(v?.index, v?.codec_name),
    audio: collect(a?.index, a?.codec_name),
    width: v?.width,
    height: v?.height,
    sampleRate: a?.sample_rate === undefined ? undefined : Number(a.sample_rate),
    channels: a?.channels,
  }
}

/** Decodes every frame with `ffmpeg -f null`; returns ffmpeg's error output ('' when it decoded cleanly). */
export async function decodeErrors(ffmpeg: string, file: string, timeoutMs = 60_000): Promise<string> {
  const exit = await run(ffmpeg, ffArgs('-i', file, '-f', 'null', '-'), { timeoutMs })
  if (exit.code !== 0) return describeExit(exit)
  return exit.stderr.trim()
}

/** Non-decreasing (equal neighbours allowed, NaN is not). */
export function isMonotonic(values: readonly number[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isNaN(v)) return false
    if (i > 0 && v < values[i - 1]!) return false
  }
  return true
}
