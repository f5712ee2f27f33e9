// Time to first frame for a late joiner on loopback: how long after asking to play a player that joins a live
// stream mid-GOP holds its first decodable video frame (a keyframe), with the GOP cache (start: 'gop') and
// without it (start: 'live', which waits for the next keyframe).
//
//   npm run bench                       (once runTtffBench() is wired into bench/run.ts)
//   TTFF_TRIALS=40 TTFF_FFMPEG_TRIALS=15 npm run bench      (about 1.5 min with the defaults: joins are spread over GOPs)
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { FlvReader, readFlvFile, type FlvTag } from '../src/media/flv-reader'
import { isKeyframe, isSequenceHeader } from '../src/media/flv-tag'
import type { MediaMessage } from '../src/media/media-message'
import { TagPacer } from '../src/media/tag-pacer'
import { RtmpClient } from '../src/transport/rtmp-client'
import { createServer } from '../src/transport/rtmp-server'
import type { LiveSink } from '../src/live/live-sink'
import type { PlayStream } from '../src/transport/play-stream'
import { findExecutable } from './fanout/executables'
import { printTable } from './measure'

export interface TtffOptions {
  /** late joiners per start mode with our client (default 20, env TTFF_TRIALS) */
  readonly trials?: number
  /** late joiners per start mode with ffmpeg as the player (default 8, env TTFF_FFMPEG_TRIALS; 0 skips) */
  readonly ffmpegTrials?: number
  /** keyframe interval of the published stream (default 2000 ms) */
  readonly gopMs?: number
}

export interface TtffResult {
  readonly name: string
  /** ms from asking to play to the first keyframe, one per trial */
  readonly samples: readonly number[]
  readonly median: number
  readonly p95: number
}

const FPS = 25
const MEDIA_SECONDS = 12

/** Publishes a stream through our server and measures late joiners. Prints a table and returns the figures. */
export async function runTtffBench(options: TtffOptions = {}): Promise<TtffResult[]> {
  const trials = options.trials ?? envNumber('TTFF_TRIALS', 20)
  const gopMs = options.gopMs ?? 2000
  const ffmpeg = findExecutable('ffmpeg')
  const ffmpegTrials = ffmpeg ? (options.ffmpegTrials ?? envNumber('TTFF_FFMPEG_TRIALS', 8)) : 0
  const dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-ttff-'))
  const server = createServer()
  // Players pick the start mode in the play query (?start=live). For ffmpeg trials (?trial=…) the server notes
  // when the play arrived and when the first keyframe was handed to its connection.
  const served = new Map<string, { playAt: number; keyframeAt?: number }>()
  server.on('connection', (conn) =>
    conn.on('play', (req) => {
      const start = req.query.start === 'live' ? 'live' : 'gop'
      const trial = req.query.trial
      if (trial === undefined) return server.live!.handlePlay(req, { start })
      const times: { playAt: number; keyframeAt?: number } = { playAt: performance.now() }
      served.set(trial, times)
      const player = req.accept()
      const subscription = server.live!.subscribe(req.app, req.streamName, timed(player, () => (times.keyframeAt ??= performance.now())), { start })
      player.once('close', () => subscription.unsubscribe())
    }),
  )
  const publishing = new AbortController()
  try {
    const tags = ffmpeg ? await encodedTags(ffmpeg, dir, gopMs) : syntheticTags(gopMs)
    const { port } = await server.listen({ port: 0 })
    const url = `rtmp://127.0.0.1:${port}/live`
    const publisher = publishLoop(url, tags, publishing.signal)
    await sleep(gopMs * 1.5) // past the first keyframes: the cache holds a GOP

    const results: TtffResult[] = []
    for (const start of ['gop', 'live'] as const) {
      const samples: number[] = []
      for (let i = 0; i < trials; i++) {
        await sleep(Math.random() * gopMs) // join at a random point of the GOP
        samples.push(await clientTrial(url, start))
      }
      results.push(summarize(`our client over TCP, start '${start}'`, samples))
    }
    if (ffmpeg && ffmpegTrials > 0) {
      for (const start of ['gop', 'live'] as const) {
        const samples: number[] = []
        const serverSide: number[] = []
        for (let i = 0; i < ffmpegTrials; i++) {
          await sleep(Math.random() * gopMs)
          const trial = `${start}-${i}`
          samples.push(await ffmpegTrial(ffmpeg, `${url}/stream?start=${start}&trial=${trial}`, () => served.get(trial)?.playAt))
          const t = served.get(trial)
          if (t?.keyframeAt !== undefined) serverSide.push(t.keyframeAt - t.playAt)
        }
        results.push(summarize(`ffmpeg player, start '${start}': keyframe out of ffmpeg`, samples))
        results.push(summarize(`  same trials, server side: keyframe to its socket`, serverSide))
      }
    }
    publishing.abort()
    await publisher
    printTable(`Time to first frame, late joiner on loopback (GOP ${gopMs} ms, ${ffmpeg ? 'H.264/AAC from ffmpeg' : 'synthetic frames: no ffmpeg'})`, [
      ['case', 'n', 'median ms', 'p95 ms', 'min ms', 'max ms'],
      ...results.map((r) => [r.name, String(r.samples.length), r.median.toFixed(1), r.p95.toFixed(1), fmt(Math.min(...r.samples)), fmt(Math.max(...r.samples))]),
    ])
    return results
  } finally {
    publishing.abort()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Connects (not timed), then times play → first keyframe received. */
async function clientTrial(url: string, start: 'gop' | 'live'): Promise<number> {
  const client = await RtmpClient.connect(url, { signal: AbortSignal.timeout(10_000) })
  try {
    const t0 = performance.now()
    const player = await client.play(`stream?start=${start}`)
    for await (const m of player) {
      if (m.type === 'video' && isKeyframe(m.data)) return performance.now() - t0
    }
    throw new Error('the stream ended before a keyframe')
  } finally {
    await client.close()
  }
}

/**
 * Runs `ffmpeg -i url -c copy -f flv pipe:1` and times from its play request reaching the server to the
 * first keyframe in its output: ffmpeg's own start-up (process, handshake, connect) is left out, its input
 * probing is not (a real player probes too).
 */
async function ffmpegTrial(ffmpeg: string, url: string, playedAt: () => number | undefined): Promise<number> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', url, '-c', 'copy', '-flush_packets', '1', '-f', 'flv', 'pipe:1']
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'ignore'], detached: true })
  const reader = new FlvReader()
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ffmpeg gave no keyframe within 15 s: ${url}`)), 15_000)
      child.once('error', reject)
      child.once('exit', () => reject(new Error(`ffmpeg exited before a keyframe: ${url}`)))
      child.stdout!.on('data', (chunk: Buffer) => {
        reader.push(new Uint8Array(chunk), (tag) => {
          const t1 = performance.now()
          const t0 = playedAt()
          if (tag.type !== 9 || !isKeyframe(tag.data) || t0 === undefined) return
          clearTimeout(timer)
          resolve(t1 - t0)
        })
      })
    })
  } finally {
    kill(child)
  }
}

/** Publishes `tags` in real time with our client, looping (timestamps continue) until `signal` aborts. */
async function publishLoop(url: string, tags: readonly FlvTag[], signal: AbortSignal): Promise<void> {
  const client = await RtmpClient.connect(url)
  const pub = await client.publish('stream')
  const pacer = new TagPacer()
  const loopMs = MEDIA_SECONDS * 1000
  try {
    for (let loop = 0; !signal.aborted; loop++) {
      for (const tag of tags) {
        if (signal.aborted) break
        const type = mediaType(tag)
        // headers and metadata once; later loops repeat only the frames
        if (loop > 0 && (type === 'data' || isSequenceHeader(type, tag.data))) continue
        const timestamp = (tag.timestamp + loop * loopMs) >>> 0
        const wait = pacer.delay(timestamp, performance.now())
        if (wait > 0) await sleep(wait)
        await pub.write({ type, timestamp, data: tag.data })
      }
    }
  } finally {
    await client.close()
  }
}

/** H.264 (testsrc, fixed GOP) + AAC from ffmpeg, as FLV tags. */
async function encodedTags(ffmpeg: string, dir: string, gopMs: number): Promise<FlvTag[]> {
  const file = join(dir, 'source.flv')
  const keyint = String(Math.round((gopMs / 1000) * FPS))
  const args = [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc=size=640x360:rate=${FPS}`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
    ...['-t', String(MEDIA_SECONDS), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-tune', 'zerolatency'],
    ...['-g', keyint, '-keyint_min', keyint, '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', file],
  ]
  const child = spawn(ffmpeg, args, { stdio: 'ignore', detached: true })
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => kill(child), 60_000)
    child.once('exit', (c) => {
      clearTimeout(timer)
      resolve(c)
    })
    child.once('error', () => resolve(-1))
  })
  if (code !== 0) throw new Error(`ffmpeg could not encode the bench stream (exit ${code})`)
  const flv = readFlvFile(new Uint8Array(readFileSync(file)))
  if (flv.error) throw flv.error
  return flv.tags
}

/** Without ffmpeg: an AVC-shaped stream (sequence header, keyframes every `gopMs`, 4 KiB frames) and AAC-shaped audio. */
function syntheticTags(gopMs: number): FlvTag[] {
  const tags: FlvTag[] = [
    { type: 9, timestamp: 0, streamId: 0, data: new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0]) },
    { type: 8, timestamp: 0, streamId: 0, data: new Uint8Array([0xaf, 0, 0x12, 0x10]) },
  ]
  const frameMs = 1000 / FPS
  const gopFrames = Math.round(gopMs / frameMs)
  for (let n = 0; n < MEDIA_SECONDS * FPS; n++) {
    const frame = new Uint8Array(4096)
    frame.set([n % gopFrames === 0 ? 0x17 : 0x27, 1, 0, 0, 0])
    tags.push({ type: 9, timestamp: Math.round(n * frameMs), streamId: 0, data: frame })
    tags.push({ type: 8, timestamp: Math.round(n * frameMs), streamId: 0, data: new Uint8Array(200).fill(0xaf, 0, 1).fill(1, 1, 2) })
  }
  return tags
}

/** A LiveSink that passes everything to `player` and calls `onKeyframe` when it hands over a keyframe. */
function timed(player: PlayStream, onKeyframe: () => void): LiveSink {
  return {
    write: (msg) => {
      const ok = player.write(msg)
      if (msg.type === 'video' && isKeyframe(msg.data)) onKeyframe()
      return ok
    },
    get bufferedBytes() {
      return player.bufferedBytes
    },
    publishStarted: (key) => player.publishStarted(key),
    publishEnded: (key) => player.publishEnded(key),
    abort: (error) => player.abort(error),
  }
}

function mediaType(tag: FlvTag): MediaMessage['type'] {
  return tag.type === 8 ? 'audio' : tag.type === 9 ? 'video' : 'data'
}

function summarize(name: string, samples: number[]): TtffResult {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN
  return { name, samples, median: at(0.5), p95: at(0.95) }
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(1) : '-'
}

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name])
  return Number.isInteger(v) && v >= 0 ? v : fallback
}

/** Kills the child's process group (it was spawned detached). */
function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
