import type { MediaMessage } from '../../src/media/media-message'

// Hand-built Enhanced RTMP v2 audio/video tag bodies for the live hub tests (layouts: ExVideoTagHeader,
// ExAudioTagHeader, ExVideoTagBody, ExAudioTagBody). Every codec body ends with a serial byte `n`, and each
// message reads back as a short label (see `describe`), so expectations are words, not bytes.

const VIDEO_PT = { seq: 0, coded: 1, end: 2, codedX: 3, meta: 4 } as const
const AUDIO_PT = { seq: 0, coded: 1, end: 2, mcc: 4 } as const
export type VideoPt = keyof typeof VIDEO_PT
export type AudioPt = keyof typeof AUDIO_PT

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0))
const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]

/** A codec body: for AVC/HEVC CodedFrames an SI24 composition time (0) comes first, as the spec says. */
function body(fourCc: string, pt: number, n: number, kind: 'audio' | 'video'): number[] {
  const ct = kind === 'video' && pt === VIDEO_PT.coded && (fourCc === 'hvc1' || fourCc === 'avc1') ? [0, 0, 0] : []
  return [...ct, 0xee, n & 0xff]
}

/** Single-track Enhanced video: IsExHeader | FrameType << 4 | PacketType, FourCC, body. */
export function exVideo(frame: 'key' | 'inter', pt: VideoPt, fourCc: string, n = 0): Uint8Array {
  const b0 = 0x80 | ((frame === 'key' ? 1 : 2) << 4) | VIDEO_PT[pt]
  return Uint8Array.from([b0, ...ascii(fourCc), ...(pt === 'end' ? [] : body(fourCc, VIDEO_PT[pt], n, 'video'))])
}

/** Single-track Enhanced video behind a ModEx TimestampOffsetNano wrapper. */
export function exVideoNano(frame: 'key' | 'inter', pt: VideoPt, fourCc: string, n: number, nano: number): Uint8Array {
  const b0 = 0x80 | ((frame === 'key' ? 1 : 2) << 4) | 7
  return Uint8Array.from([b0, 2, ...u24(nano), VIDEO_PT[pt], ...ascii(fourCc), ...body(fourCc, VIDEO_PT[pt], n, 'video')])
}

/** Single-track Enhanced audio: 9 << 4 | PacketType, FourCC, body. */
export function exAudio(pt: AudioPt, fourCc: string, n = 0): Uint8Array {
  return Uint8Array.from([0x90 | AUDIO_PT[pt], ...ascii(fourCc), ...(pt === 'end' ? [] : body(fourCc, AUDIO_PT[pt], n, 'audio'))])
}

export interface Track {
  id: number
  fourCc: string
}

/**
 * A Multitrack message. `one`: OneTrack (exactly one track), `many`: ManyTracks (shared FourCC, the first
 * track's), `mixed`: ManyTracksManyCodecs.
 */
function multitrack(kind: 'audio' | 'video', b0: number, mt: 'one' | 'many' | 'mixed', pt: number, tracks: readonly Track[], n: number): Uint8Array {
  const type = { one: 0, many: 1, mixed: 2 }[mt]
  const out = [b0, (type << 4) | pt]
  if (mt !== 'mixed') out.push(...ascii(tracks[0]!.fourCc))
  for (const t of tracks) {
    const b = pt === 2 ? [] : body(t.fourCc, pt, n, kind)
    if (mt === 'mixed') out.push(...ascii(t.fourCc))
    out.push(t.id)
    if (mt !== 'one') out.push(...u24(b.length))
    out.push(...b)
  }
  return Uint8Array.from(out)
}

export function mtVideo(frame: 'key' | 'inter', pt: VideoPt, mt: 'one' | 'many' | 'mixed', tracks: readonly Track[], n = 0): Uint8Array {
  return multitrack('video', 0x80 | ((frame === 'key' ? 1 : 2) << 4) | 6, mt, VIDEO_PT[pt], tracks, n)
}

export function mtAudio(pt: AudioPt, mt: 'one' | 'many' | 'mixed', tracks: readonly Track[], n = 0): Uint8Array {
  return multitrack('audio', 0x95, mt, AUDIO_PT[pt], tracks, n)
}

const VIDEO_NAMES = ['S', 'C', 'E', 'X', 'M', 'T', '?', '?']
const AUDIO_NAMES = ['S', 'F', 'E', '?', 'C', '?', '?', '?']
const text = (d: Uint8Array, o: number): string => String.fromCharCode(d[o]!, d[o + 1]!, d[o + 2]!, d[o + 3]!)

/**
 * A label read from the bytes with a parser of this test's own (not the code under test):
 * single-track `hvc1:KC7` (key CodedFrames, serial 7), `Opus:S0` (SequenceStart), `av01:E`;
 * multitrack `MT[0 hvc1:KC7|1 av01:KC7]`. Data messages are `data`.
 */
export function describe(m: MediaMessage): string {
  const d = m.data
  if (m.type === 'data') return 'data'
  const b0 = d[0]!
  const key = m.type === 'video' ? (((b0 >> 4) & 7) === 1 ? 'K' : 'I') : ''
  const names = m.type === 'video' ? VIDEO_NAMES : AUDIO_NAMES
  let o = 1
  let pt = b0 & 0x0f
  if (pt === 7) {
    o += 1 + (d[1]! + 1) + 1 // one ModEx with a 1-byte size: size, data, type
    pt = d[o - 1]! & 0x0f
    return `${text(d, o)}:${key}${names[pt]}${d.length > o + 4 ? d.at(-1) : ''}~nano`
  }
  const mtType = m.type === 'video' ? 6 : 5
  if (pt !== mtType) return `${text(d, o)}:${key}${names[pt]}${d.length > o + 4 ? d.at(-1) : ''}`
  const mt = d[o]! >> 4
  const inner = d[o++]! & 0x0f
  let shared: string | undefined
  if (mt !== 2) {
    shared = text(d, o)
    o += 4
  }
  const parts: string[] = []
  while (o < d.length) {
    let cc = shared
    if (cc === undefined) {
      cc = text(d, o)
      o += 4
    }
    const id = d[o++]!
    let end = d.length
    if (mt !== 0) {
      end = o + 3 + ((d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!)
      o += 3
    }
    parts.push(`${id} ${cc}:${key}${names[inner]}${end > o ? d[end - 1] : ''}`)
    o = end
  }
  return `MT[${parts.join('|')}]`
}
