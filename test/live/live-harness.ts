import type { RtmpError } from '../../src/errors'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { AmfEcmaArray } from '../../src/amf/amf-value'
import type { LiveClock } from '../../src/live/live-clock'
import type { LiveSink } from '../../src/live/live-sink'
import type { MediaMessage } from '../../src/media/media-message'
import { hex } from '../helpers/hex'

/** Time that moves only when told: `advance(ms)` runs the timers that fall due, in order. */
export class FakeClock implements LiveClock {
  private time = 1_700_000_000_000
  private timers: Array<{ at: number; fn: () => void; id: number }> = []
  private nextId = 1

  now(): number {
    return this.time
  }

  schedule(ms: number, fn: () => void): () => void {
    const id = this.nextId++
    this.timers.push({ at: this.time + ms, fn, id })
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id)
    }
  }

  get pending(): number {
    return this.timers.length
  }

  advance(ms: number): void {
    const until = this.time + ms
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.timers[0]
      if (!next || next.at > until) break
      this.timers.shift()
      this.time = next.at
      next.fn()
    }
    this.time = until
  }
}

/** Writes messages as a real-time publisher would: the clock moves with the media timestamps. */
export function writeInRealTime(clock: FakeClock, to: { write(m: MediaMessage): unknown }, messages: readonly MediaMessage[]): void {
  const t0 = clock.now() - (messages[0]?.timestamp ?? 0)
  for (const m of messages) {
    const due = t0 + m.timestamp
    if (due > clock.now()) clock.advance(due - clock.now())
    to.write(m)
  }
}

export type SinkEvent =
  | { kind: 'audio' | 'video' | 'data'; timestamp: number; data: Uint8Array }
  | { kind: 'publishStarted' | 'publishEnded' }
  | { kind: 'abort'; code: string }

/** A LiveSink that records what it is given; `buffered` plays the unsent bytes of a slow connection. */
export class RecordingSink implements LiveSink {
  readonly events: SinkEvent[] = []
  buffered = 0

  get bufferedBytes(): number {
    return this.buffered
  }

  write(msg: MediaMessage): boolean {
    this.events.push({ kind: msg.type, timestamp: msg.timestamp, data: msg.data })
    return true
  }

  publishStarted(): void {
    this.events.push({ kind: 'publishStarted' })
  }

  publishEnded(): void {
    this.events.push({ kind: 'publishEnded' })
  }

  abort(error: RtmpError): void {
    this.events.push({ kind: 'abort', code: error.code })
  }

  /** Media only, as `label@timestamp` (K7 keyframe 7, P8 inter frame 8, a8 audio frame 8, avcH, aacH, meta). */
  media(): string[] {
    return this.events.flatMap((e) => ('data' in e ? [`${label(e.data)}@${e.timestamp}`] : []))
  }

  statuses(): string[] {
    return this.events.flatMap((e) => ('data' in e ? [] : [e.kind]))
  }

  clear(): void {
    this.events.length = 0
  }
}

// Names for the synthetic payloads below, so expectations read as words.
const names = new Map<Uint8Array, string>()
function named(name: string, bytes: Uint8Array): Uint8Array {
  names.set(bytes, name)
  return bytes
}
function label(data: Uint8Array): string {
  const name = names.get(data)
  if (name !== undefined) return name
  const prefix = data[0] === 0x17 ? 'K' : data[0] === 0x27 ? 'P' : data[0] === 0xaf ? 'a' : '?'
  return `${prefix}${data.at(-1) ?? ''}`
}

/** AVC sequence header from ffmpeg/libx264: 1280x720 Main (profile 77, level 31). See test/media/avc-config.test.ts. */
export const avcHeader = named(
  'avcH',
  hex`17 00 00 00 00 01 4d 40 1f ff e1
      00 19 67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 90 78 c1 8c b0
      01 00 05 68 eb e3 cb 20`,
)
/** AAC-LC, 44100 Hz, stereo AudioSpecificConfig. */
export const aacHeader = named('aacH', hex`af 00 12 10`)
export const metadata = named('meta', encodeAmf0(['onMetaData', AmfEcmaArray.from({ width: 640, height: 360, framerate: 25 })]))

/** Video frames of `size` bytes whose last byte is `n`. */
export function keyframe(n: number, size = 11): Uint8Array {
  const f = new Uint8Array(size)
  f.set([0x17, 1, 0, 0, 0])
  f[size - 1] = n & 0xff
  return f
}

export function interframe(n: number, size = 11): Uint8Array {
  const f = new Uint8Array(size)
  f.set([0x27, 1, 0, 0, 0])
  f[size - 1] = n & 0xff
  return f
}

export function aacFrame(n: number, size = 3): Uint8Array {
  const f = new Uint8Array(size)
  f.set([0xaf, 1])
  f[size - 1] = n & 0xff
  return f
}

export const video = (timestamp: number, data: Uint8Array): MediaMessage => ({ type: 'video', timestamp, data })
export const audio = (timestamp: number, data: Uint8Array): MediaMessage => ({ type: 'audio', timestamp, data })
export const data = (timestamp: number, payload: Uint8Array): MediaMessage => ({ type: 'data', timestamp, data: payload })

/**
 * A synthetic A/V stream: onMetaData, sequence headers, then `seconds` of 25 fps video with a keyframe every
 * `gop` frames and an audio frame every 20 ms in between. Frame n's last byte is n.
 */
export function avStream(options: { seconds: number; gop?: number; videoSize?: number; audioSize?: number; start?: number }): MediaMessage[] {
  const gop = options.gop ?? 25
  const t0 = options.start ?? 0
  const out: MediaMessage[] = [data(t0, metadata), video(t0, avcHeader), audio(t0, aacHeader)]
  const frames = Math.round(options.seconds * 25)
  for (let n = 0; n < frames; n++) {
    const t = t0 + n * 40
    out.push(video(t, n % gop === 0 ? keyframe(n, options.videoSize) : interframe(n, options.videoSize)))
    out.push(audio(t, aacFrame(n, options.audioSize)))
    out.push(audio(t + 20, aacFrame(n, options.audioSize)))
  }
  return out
}
