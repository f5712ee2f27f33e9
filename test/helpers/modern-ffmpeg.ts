import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { describe, it } from 'vitest'
import { executable, interopRequired } from './peers'
import { describeExit, run } from './processes'

/**
 * A current ffmpeg/ffprobe (8+: Enhanced RTMP v1 and v2, i.e. HEVC/AV1/VP9, Opus/FLAC/AC-3/E-AC-3 and
 * multitrack over RTMP and FLV). Debian 12's ffmpeg 5.1 on PATH knows none of it, so these are found apart
 * from `findPeer`: RTMP_FFMPEG_MODERN (the ffmpeg binary; ffprobe beside it), else the prefix that
 * ../shared/tools/install-modern-ffmpeg.sh fills by default.
 */
export interface ModernFfmpeg {
  readonly ffmpeg: string
  readonly ffprobe: string
  /** first line of `ffmpeg -version` */
  readonly version: string
  /** encoder names from `ffmpeg -encoders` (libx265, libsvtav1, libopus, flac, ac3, ...) */
  readonly encoders: ReadonlySet<string>
}

export const MODERN_FFMPEG_DEFAULT = '/opt/ffmpeg-modern/bin/ffmpeg'
export const MODERN_FFMPEG_HINT = 'set RTMP_FFMPEG_MODERN or run ../shared/tools/install-modern-ffmpeg.sh /opt/ffmpeg-modern'

/** The first ffmpeg release whose FLV muxer/demuxer and RTMP protocol carry E-RTMP audio and multitrack. */
const MIN_MAJOR = 8

type Found = { ok: true; peers: ModernFfmpeg } | { ok: false; why: string }

let cached: Found | undefined

function locate(): Found {
  const fromEnv = process.env.RTMP_FFMPEG_MODERN
  const ffmpeg = fromEnv || MODERN_FFMPEG_DEFAULT
  if (!executable(ffmpeg)) {
    return { ok: false, why: fromEnv ? `RTMP_FFMPEG_MODERN=${fromEnv} is not an executable file` : `no modern ffmpeg at ${MODERN_FFMPEG_DEFAULT}` }
  }
  const ffprobe = join(dirname(ffmpeg), 'ffprobe')
  if (!executable(ffprobe)) return { ok: false, why: `no ffprobe beside ${ffmpeg}` }
  let version: string
  let encoderList: string
  try {
    // sync on purpose: which suites and cases exist is decided while vitest collects them
    version = execFileSync(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 30_000 }).split('\n')[0] ?? ''
    encoderList = execFileSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 30_000 })
  } catch (err) {
    return { ok: false, why: `${ffmpeg} does not run: ${(err as Error).message}` }
  }
  // release builds say "ffmpeg version 9.0.2-4"; git builds ("N-12345-g…") are taken as new enough
  const major = /^ffmpeg version n?(\d+)\./.exec(version)?.[1]
  if (major !== undefined && Number(major) < MIN_MAJOR) {
    return { ok: false, why: `${ffmpeg} is "${version}"; Enhanced RTMP audio and multitrack need ffmpeg ${MIN_MAJOR}+` }
  }
  const encoders = new Set<string>()
  for (const line of encoderList.split('\n')) {
    const m = /^ [VAS][.A-Z]{5} (\S+)/.exec(line)
    if (m?.[1] !== undefined && m[1] !== '=') encoders.add(m[1])
  }
  return { ok: true, peers: { ffmpeg, ffprobe, version, encoders } }
}

/** The modern ffmpeg and ffprobe, or undefined (see `modernFfmpegMissing` for why). Cached. */
export function findModernFfmpeg(): ModernFfmpeg | undefined {
  cached ??= locate()
  return cached.ok ? cached.peers : undefined
}

/** Why `findModernFfmpeg()` found nothing ('' when it found one). */
export function modernFfmpegMissing(): string {
  cached ??= locate()
  return cached.ok ? '' : cached.why
}

/**
 * A `describe` for suites that need the modern ffmpeg, like `interopSuite`: a plain describe when it is there
 * (the body gets its paths), `describe.skip` with a console warning when not, and with RTMP_INTEROP=1 a
 * describe holding one failing test that says what is missing.
 */
export function modernSuite(title: string, body: (peers: ModernFfmpeg) => void): void {
  const peers = findModernFfmpeg()
  if (peers !== undefined) {
    describe(title, () => body(peers))
    return
  }
  const why = `interop suite "${title}" needs a modern ffmpeg (${MIN_MAJOR}+): ${modernFfmpegMissing()} (${MODERN_FFMPEG_HINT})`
  if (interopRequired()) {
    describe(title, () => {
      it('has the modern ffmpeg it needs (RTMP_INTEROP=1)', () => {
        throw new Error(`${why}; RTMP_INTEROP=1 makes a missing peer a failure`)
      })
    })
    return
  }
  console.warn(`[interop] skipping: ${why}. Set RTMP_INTEROP=1 to make this a failure.`)
  describe.skip(title, () => {
    it.skip(`skipped: ${why}`, () => {})
  })
}

/** One stream of a media file as ffprobe sees it, with its packets. */
export interface ProbedStream {
  readonly index: number
  readonly type: 'video' | 'audio' | 'data' | 'subtitle' | 'unknown'
  readonly codec: string | undefined
  readonly width: number | undefined
  readonly height: number | undefined
  readonly sampleRate: number | undefined
  readonly channels: number | undefined
  /** packets of this stream in the file */
  readonly count: number
  readonly keyframes: number
  /** decode times in ms, in file order */
  readonly dts: readonly number[]
  /** each packet's place among the packets of all streams of the file (0-based, file order) */
  readonly positions: readonly number[]
  /** each packet's keyframe flag */
  readonly keys: readonly boolean[]
}

interface ProbeJson {
  packets?: Array<{ stream_index?: number; dts_time?: string; flags?: string }>
  streams?: Array<{ index?: number; codec_type?: string; codec_name?: string; width?: number; height?: number; sample_rate?: string; channels?: number }>
}

/**
 * Every stream of `file` with its packet count, keyframes and decode times (`ffprobe -show_streams
 * -show_packets`), in stream index order. Unlike `ffprobeFrames` this keeps all tracks of a multitrack file.
 *
 * @throws Error with ffprobe's stderr when it fails.
 */
export async function probeStreams(ffprobe: string, file: string, timeoutMs = 30_000): Promise<ProbedStream[]> {
  const args = ['-v', 'error', '-show_streams', '-show_packets', '-of', 'json', file]
  const exit = await run(ffprobe, args, { timeoutMs, maxOutput: 64 * 1024 * 1024 })
  if (exit.code !== 0) throw new Error(`ffprobe failed:\n${describeExit(exit)}`)
  const json = JSON.parse(exit.stdout) as ProbeJson
  const packets = (json.packets ?? []).map((p, position) => ({ ...p, position }))
  const kinds = ['video', 'audio', 'data', 'subtitle'] as const
  return (json.streams ?? [])
    .map((s): ProbedStream => {
      const mine = packets.filter((p) => p.stream_index === s.index)
      const type = kinds.find((k) => k === s.codec_type) ?? 'unknown'
      return {
        index: s.index ?? -1,
        type,
        codec: s.codec_name,
        width: s.width,
        height: s.height,
        sampleRate: s.sample_rate === undefined ? undefined : Number(s.sample_rate),
        channels: s.channels,
        count: mine.length,
        keyframes: mine.filter((p) => p.flags?.startsWith('K') ?? false).length,
        dts: mine.map((p) => (p.dts_time === undefined || p.dts_time === 'N/A' ? NaN : Math.round(Number(p.dts_time) * 1000))),
        positions: mine.map((p) => p.position),
        keys: mine.map((p) => p.flags?.startsWith('K') ?? false),
      }
    })
    .sort((a, b) => a.index - b.index)
}

/**
 * Decodes every stream of `file` (`-map 0`, so every track of a multitrack file, not just the best video and
 * audio) and returns ffmpeg's error output: '' when all of it decoded cleanly.
 */
export async function decodeAllErrors(ffmpeg: string, file: string, timeoutMs = 60_000): Promise<string> {
  const exit = await run(ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0', '-f', 'null', '-'], { timeoutMs })
  if (exit.code !== 0) return describeExit(exit)
  return exit.stderr.trim()
}
