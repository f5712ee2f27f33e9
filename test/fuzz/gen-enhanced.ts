import {
  audioExTag,
  audioMultitrackTag,
  videoExCommandTag,
  videoExTag,
  videoMultitrackTag,
  type ExTrack,
  type ModExEntry,
} from '../../src/media/ex-tag-builder'
import type { MultitrackType, VideoFrameType } from '../../src/media/flv-tag'
import { BitWriter, escapeRbsp } from '../helpers/bit-writer'
import type { Rng } from '../helpers/rng'
import { allEnhancedFixtures } from '../media/enhanced-fixtures'
import type { Sample } from './mutate'
import { concatBytes } from './oracle'

/**
 * Enhanced RTMP messages for the `enhanced` fuzz target, made with our own builders: real ffmpeg 9 records
 * (test/fixtures/enhanced) and random ones (hvcC + SPS, av1C + sequence header OBU, vpcC, VP9 and AC-3 /
 * MPEG audio frame headers, OpusHead, STREAMINFO, MultichannelConfig), single-track or Multitrack, with
 * ModEx wrappers. Random fields are mostly legal, sometimes not.
 */

let fixtures: Array<{ name: string; bytes: Uint8Array }> | undefined
export function enhancedFixtures(): Array<{ name: string; bytes: Uint8Array }> {
  fixtures ??= allEnhancedFixtures()
  return fixtures
}

/** The body of a real captured message after its header (first track), for reuse inside new framings. */
function realBody(rng: Rng, prefix: string): Uint8Array | undefined {
  const list = enhancedFixtures().filter((f) => f.name.startsWith(prefix))
  if (list.length === 0) return undefined
  const { name, bytes } = rng.pick(list)
  // every captured single-track payload has a 5-byte header (byte 0 + FourCC); the multitrack ones 7; MP3 1
  const skip = name.includes('multitrack') ? 7 : name.startsWith('mp3') ? 1 : 5
  return bytes.subarray(Math.min(skip, bytes.length))
}

const odd = (rng: Rng, normal: number, max: number): number => (rng.next() < 0.9 ? normal : rng.int(0, max))

export function randomHevcSps(rng: Rng): Uint8Array {
  const w = new BitWriter()
  const maxSub = odd(rng, rng.int(0, 2), 7)
  w.u(4, rng.int(0, 15)).u(3, maxSub).u(1, 1)
  w.u(2, odd(rng, 0, 3)).u(1, rng.int(0, 1)).u(5, rng.pick([1, 2, 3, 4, rng.int(0, 31)]))
  w.u(32, rng.pick([0, 0x60000000, rng.int(0, 0xffffffff)])).u(4, rng.int(0, 15)).u(43, 0).u(1, 0).u(8, rng.pick([60, 93, 120, 153, rng.int(0, 255)]))
  const flags = Array.from({ length: Math.min(maxSub, 7) }, () => [rng.bool(), rng.bool()] as const)
  for (const [p, l] of flags) w.u(1, p ? 1 : 0).u(1, l ? 1 : 0)
  if (maxSub > 0) for (let i = maxSub; i < 8; i++) w.u(2, 0)
  for (const [p, l] of flags) {
    if (p) w.u(44, rng.int(0, 0xffffff)).u(44, 0)
    if (l) w.u(8, rng.int(0, 255))
  }
  const chroma = odd(rng, rng.int(0, 3), 9)
  w.ue(odd(rng, rng.int(0, 15), 300)).ue(chroma)
  if (chroma === 3) w.u(1, rng.int(0, 1))
  w.ue(rng.pick([0, 8, 320, 1920, rng.int(0, 70000)])).ue(rng.pick([0, 8, 240, 1080, rng.int(0, 70000)]))
  const window = rng.bool()
  w.u(1, window ? 1 : 0)
  if (window) for (let i = 0; i < 4; i++) w.ue(rng.next() < 0.9 ? rng.int(0, 8) : rng.int(0, 40000))
  w.ue(odd(rng, rng.int(0, 4), 40)).ue(odd(rng, rng.int(0, 4), 40)).ue(4).u(1, 0)
  return concatBytes([Uint8Array.of(0x42, 0x01), escapeRbsp(w.bytes(rng.next() < 0.95))])
}

export function randomHvcc(rng: Rng): Uint8Array {
  const units: Array<[number, Uint8Array]> = []
  for (let n = rng.pick([1, 3, 3, 0, 6]); n > 0; n--) {
    const type = rng.pick([32, 33, 33, 34, 39, rng.int(0, 63)])
    units.push([type, type === 33 ? randomHevcSps(rng) : rng.bytes(rng.int(0, 12))])
  }
  const head = [odd(rng, 1, 255), rng.int(0, 255), ...rng.bytes(10), rng.int(0, 255), 0xf0, 0, 0xfc, 0xfc | rng.int(0, 3), 0xf8 | rng.int(0, 7), 0xf8 | rng.int(0, 7), 0, 0]
  head.push(0x0c | rng.pick([3, 3, 1, 0, 2]), units.length)
  return concatBytes([Uint8Array.from(head), ...units.map(([t, nal]) => concatBytes([Uint8Array.of(0x80 | t, 0, 1, nal.length >> 8, nal.length & 0xff), nal]))])
}

export function randomAv1SequenceHeader(rng: Rng): Uint8Array {
  const w = new BitWriter()
  const reduced = rng.next() < 0.2
  w.u(3, odd(rng, rng.int(0, 2), 7)).u(1, reduced ? 1 : rng.int(0, 1)).u(1, reduced ? 1 : 0)
  if (reduced) w.u(5, rng.int(0, 31))
  else {
    const timing = rng.bool()
    w.u(1, timing ? 1 : 0)
    let model = -1
    if (timing) {
      w.u(32, rng.int(0, 0xffffffff)).u(32, rng.int(1, 90000))
      const equal = rng.bool()
      w.u(1, equal ? 1 : 0)
      if (equal) {
        const z = rng.next() < 0.95 ? rng.int(0, 5) : rng.int(20, 40)
        w.u(z, 0).u(1, 1).u(Math.min(z, 32), 0)
      }
      const hasModel = rng.bool()
      w.u(1, hasModel ? 1 : 0)
      if (hasModel) {
        model = rng.int(0, 31)
        w.u(5, model).u(32, 1).u(5, rng.int(0, 31)).u(5, rng.int(0, 31))
      }
    }
    const delay = rng.bool()
    w.u(1, delay ? 1 : 0)
    const ops = rng.pick([0, 0, 1, 3, 31])
    w.u(5, ops)
    for (let i = 0; i <= ops; i++) {
      const level = rng.int(0, 31)
      w.u(12, rng.int(0, 4095)).u(5, level)
      if (level > 7) w.u(1, rng.int(0, 1))
      if (model >= 0) {
        const present = rng.bool()
        w.u(1, present ? 1 : 0)
        if (present) w.u(model + 1, 0).u(model + 1, 0).u(1, 0)
      }
      if (delay) {
        const present = rng.bool()
        w.u(1, present ? 1 : 0)
        if (present) w.u(4, rng.int(0, 15))
      }
    }
  }
  const wb = rng.int(0, 15)
  const hb = rng.int(0, 15)
  w.u(4, wb).u(4, hb).u(wb + 1, rng.int(0, 2 ** (wb + 1) - 1)).u(hb + 1, rng.int(0, 2 ** (hb + 1) - 1)).u(3, 0)
  return w.bytes(true)
}

function leb128(n: number): number[] {
  const out: number[] = []
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0))
    n = Math.floor(n / 128)
  } while (n > 0)
  return out
}

export function randomObus(rng: Rng): Uint8Array {
  const parts: Uint8Array[] = []
  for (let n = rng.pick([1, 1, 2, 3, 0]); n > 0; n--) {
    const type = rng.pick([1, 1, 2, 5, 6, rng.int(0, 15)])
    const payload = type === 1 ? randomAv1SequenceHeader(rng) : rng.bytes(rng.int(0, 8))
    const ext = rng.next() < 0.1
    const sized = rng.next() < 0.9
    const head = [(type << 3) | (ext ? 4 : 0) | (sized ? 2 : 0)]
    if (ext) head.push(rng.int(0, 255))
    if (sized) head.push(...(rng.next() < 0.95 ? leb128(payload.length) : leb128(rng.int(0, 0xffffffff))))
    parts.push(Uint8Array.from(head), payload)
  }
  return concatBytes(parts)
}

export function randomAv1c(rng: Rng): Uint8Array {
  return concatBytes([Uint8Array.of(odd(rng, 0x81, 255), rng.int(0, 255), rng.int(0, 255), rng.int(0, 31)), randomObus(rng)])
}

export function randomVpcc(rng: Rng): Uint8Array {
  const body = [rng.int(0, 3), rng.pick([10, 11, 31, 41, 62, rng.int(0, 255)]), (rng.pick([8, 10, 12, rng.int(0, 15)]) << 4) | (odd(rng, rng.int(0, 3), 7) << 1) | rng.int(0, 1)]
  body.push(rng.int(0, 255), rng.int(0, 255), rng.int(0, 255))
  const init = rng.next() < 0.8 ? 0 : rng.int(0, 10)
  if (rng.next() < 0.9) body.push(init >> 8, init & 0xff, ...rng.bytes(rng.next() < 0.9 ? init : rng.int(0, 4)))
  return Uint8Array.from(rng.bool() ? [odd(rng, 1, 3), 0, 0, 0, ...body] : body)
}

export function randomVp9Frame(rng: Rng): Uint8Array {
  const w = new BitWriter()
  const profile = rng.int(0, 3)
  w.u(2, odd(rng, 2, 3)).u(1, profile & 1).u(1, profile >> 1)
  if (profile === 3) w.u(1, odd(rng, 0, 1))
  w.u(1, rng.next() < 0.1 ? 1 : 0).u(1, rng.next() < 0.3 ? 1 : 0).u(1, rng.int(0, 1)).u(1, rng.int(0, 1)).u(2, rng.int(0, 3))
  w.u(24, rng.next() < 0.9 ? 0x498342 : rng.int(0, 0xffffff))
  if (profile >= 2) w.u(1, rng.int(0, 1))
  w.u(3, rng.pick([0, 1, 2, 7, rng.int(0, 7)])).u(3, rng.int(0, 7))
  w.u(16, rng.int(0, 0xffff)).u(16, rng.int(0, 0xffff)).u(8, rng.int(0, 255)).u(16, rng.int(0, 0xffff)).u(16, rng.int(0, 0xffff))
  return w.bytes()
}

export function randomOpusHead(rng: Rng): Uint8Array {
  const channels = rng.pick([1, 2, 6, 0, rng.int(0, 255)])
  const family = rng.pick([0, 0, 1, 255, rng.int(0, 255)])
  const head = [0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, odd(rng, 1, 255), channels, ...rng.bytes(8), family]
  if (family !== 0) head.push(rng.int(0, 8), rng.int(0, 8), ...rng.bytes(rng.next() < 0.9 ? channels : rng.int(0, 4)))
  return Uint8Array.from(head)
}

export function randomStreamInfo(rng: Rng): Uint8Array {
  const info = rng.bytes(34)
  if (rng.next() < 0.9) {
    info[0] = 0x10
    info[10] = 0x0a // 44100 Hz in the top of the 20-bit rate
  }
  const form = rng.int(0, 2)
  if (form === 0) return info
  const header = Uint8Array.of(rng.next() < 0.9 ? rng.pick([0, 0x80]) : rng.int(0, 255), 0, 0, odd(rng, 34, 255))
  return concatBytes(form === 1 ? [header, info] : [Uint8Array.of(0x66, 0x4c, 0x61, 0x43), header, info])
}

export function randomAudioFrame(rng: Rng): Uint8Array {
  if (rng.bool()) return Uint8Array.of(0xff, 0xe0 | rng.int(0, 31), rng.int(0, 255), rng.int(0, 255), ...rng.bytes(rng.int(0, 4)))
  return Uint8Array.of(0x0b, 0x77, rng.int(0, 255), rng.int(0, 255), rng.int(0, 255), (rng.pick([8, 9, 10, 16, rng.int(0, 31)]) << 3) | rng.int(0, 7), ...rng.bytes(rng.int(0, 4)))
}

const VIDEO_FOURCC = ['avc1', 'hvc1', 'av01', 'vp09', 'vp08', 'vvc1']
const AUDIO_FOURCC = ['mp4a', 'Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3']

function videoBody(rng: Rng, fourCc: string, packetType: number): Uint8Array {
  const keyframe = packetType === 1 || packetType === 3
  switch (fourCc) {
    case 'hvc1':
      return (rng.bool() ? realBody(rng, 'hevc') : undefined) ?? randomHvcc(rng)
    case 'av01':
      if (packetType === 5) return Uint8Array.of(0x80, rng.int(0, 8), ...randomAv1c(rng).subarray(0, 4))
      return keyframe ? randomObus(rng) : ((rng.bool() ? realBody(rng, 'av1') : undefined) ?? randomAv1c(rng))
    case 'vp09':
    case 'vp08':
      if (keyframe) return (rng.bool() ? realBody(rng, 'vp9-p0-330x186.key') : undefined) ?? randomVp9Frame(rng)
      return (rng.bool() ? realBody(rng, 'vp9') : undefined) ?? randomVpcc(rng)
    case 'avc1':
      return realBody(rng, 'avc') ?? rng.bytes(12)
    default:
      return rng.bytes(rng.int(0, 16))
  }
}

function audioBody(rng: Rng, fourCc: string, packetType: number): Uint8Array {
  if (packetType === 4) {
    const order = odd(rng, rng.int(0, 2), 255)
    const channels = rng.int(0, 8)
    return Uint8Array.of(order, channels, ...rng.bytes(order === 1 ? 4 : order === 2 ? (rng.next() < 0.9 ? channels : 1) : 0))
  }
  if (packetType === 1) return fourCc === 'ac-3' || fourCc === 'ec-3' || fourCc === '.mp3' ? randomAudioFrame(rng) : rng.bytes(rng.int(0, 8))
  switch (fourCc) {
    case 'Opus':
      return (rng.bool() ? realBody(rng, 'opus-48k-stereo.seq') : undefined) ?? randomOpusHead(rng)
    case 'fLaC':
      return (rng.bool() ? realBody(rng, 'flac') : undefined) ?? randomStreamInfo(rng)
    case 'mp4a':
      return Uint8Array.of(rng.int(0, 255), rng.int(0, 255), ...rng.bytes(rng.int(0, 3)))
    default:
      return rng.next() < 0.5 ? new Uint8Array(0) : rng.bytes(rng.int(1, 6))
  }
}

function modEx(rng: Rng): { timestampOffsetNano?: number; modEx?: ModExEntry[] } {
  const out: { timestampOffsetNano?: number; modEx?: ModExEntry[] } = {}
  if (rng.next() < 0.2) out.timestampOffsetNano = rng.int(0, 999_999)
  if (rng.next() < 0.1) out.modEx = [{ type: rng.int(0, 15), data: rng.bytes(rng.pick([1, 3, 256, rng.int(1, 20)])) }]
  return out
}

const pick4 = (rng: Rng, known: string[]): string => (rng.next() < 0.95 ? rng.pick(known) : String.fromCharCode(...rng.bytes(4)))

/** An Enhanced video message: a real capture, or a built one around real or random codec data. */
export function enhancedVideo(rng: Rng): Sample {
  const real = enhancedFixtures().filter((f) => /^(hevc|av1|vp9|avc)/.test(f.name))
  if (real.length > 0 && rng.next() < 0.15) return { bytes: rng.pick(real).bytes.slice() }
  if (rng.next() < 0.03) return { bytes: videoExCommandTag({ command: rng.int(0, 255), ...modEx(rng) }) }
  const frameType = rng.pick<VideoFrameType>(['key', 'key', 'inter', 'generated'])
  const packetType = rng.pick([0, 0, 0, 1, 3, 5, rng.int(0, 5)])
  const ct = (fourCc: string): { compositionTime?: number } => (packetType === 1 && (fourCc === 'avc1' || fourCc === 'hvc1' || fourCc === 'vvc1') ? { compositionTime: rng.int(-100, 100) } : {})
  if (rng.next() < 0.7) {
    const fourCc = pick4(rng, VIDEO_FOURCC)
    return { bytes: videoExTag({ frameType, packetType, fourCc, ...ct(fourCc), ...modEx(rng), payload: videoBody(rng, fourCc, packetType) }) }
  }
  const multitrack = rng.pick<MultitrackType>(['one-track', 'many-tracks', 'many-tracks-many-codecs'])
  const shared = pick4(rng, VIDEO_FOURCC)
  const tracks: ExTrack[] = Array.from({ length: multitrack === 'one-track' ? 1 : rng.int(1, 3) }, () => {
    const fourCc = multitrack === 'many-tracks-many-codecs' ? pick4(rng, VIDEO_FOURCC) : shared
    return { trackId: rng.int(0, 255), fourCc, ...ct(fourCc), payload: videoBody(rng, fourCc, packetType) }
  })
  return { bytes: videoMultitrackTag({ frameType, packetType, multitrack, tracks, ...modEx(rng) }) }
}

/** An Enhanced (or legacy MP3) audio message around real or random codec data. */
export function enhancedAudio(rng: Rng): Sample {
  const real = enhancedFixtures().filter((f) => /^(opus|flac|ac3|eac3|mp3)/.test(f.name))
  if (real.length > 0 && rng.next() < 0.15) return { bytes: rng.pick(real).bytes.slice() }
  if (rng.next() < 0.05) return { bytes: concatBytes([Uint8Array.of(0x2f), randomAudioFrame(rng)]) }
  const packetType = rng.pick([0, 0, 1, 4, 2])
  if (rng.next() < 0.7) {
    const fourCc = pick4(rng, AUDIO_FOURCC)
    return { bytes: audioExTag({ packetType, fourCc, ...modEx(rng), payload: audioBody(rng, fourCc, packetType) }) }
  }
  const multitrack = rng.pick<MultitrackType>(['one-track', 'many-tracks', 'many-tracks-many-codecs'])
  const shared = pick4(rng, AUDIO_FOURCC)
  const tracks = Array.from({ length: multitrack === 'one-track' ? 1 : rng.int(1, 3) }, () => {
    const fourCc = multitrack === 'many-tracks-many-codecs' ? pick4(rng, AUDIO_FOURCC) : shared
    return { trackId: rng.int(0, 255), fourCc, payload: audioBody(rng, fourCc, packetType) }
  })
  return { bytes: audioMultitrackTag({ packetType, multitrack, tracks, ...modEx(rng) }) }
}
