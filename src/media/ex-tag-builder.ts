import { AudioPacketType, VideoPacketType, type MultitrackType, type VideoFrameType } from './flv-tag'
import { FlvError } from './flv-error'

/**
 * Encoders for Enhanced RTMP (v1 + v2) audio/video tag headers: the inverse of `videoInfo` / `audioInfo`.
 * Each builder returns one whole message payload (one allocation): byte 0, ModEx wrappers, the FourCC or
 * the Multitrack framing, then the codec payload. Layouts: Enhanced RTMP v2, ExVideoTagHeader /
 * ExAudioTagHeader and ExVideoTagBody / ExAudioTagBody.
 */

/** A ModEx wrapper: VideoPacketModExType / AudioPacketModExType (0 = TimestampOffsetNano) and 1..65536 bytes. */
export interface ModExEntry {
  readonly type: number
  readonly data: Uint8Array
}

export const ModExType = { TimestampOffsetNano: 0 } as const

interface ModExFields {
  /** Adds a TimestampOffsetNano ModEx (0..999_999 ns, carried as UI24). */
  readonly timestampOffsetNano?: number
  /** More ModEx wrappers, written after the TimestampOffsetNano one, in order. */
  readonly modEx?: readonly ModExEntry[]
}

export interface VideoExTagFields extends ModExFields {
  /** 'command' only with packet type Metadata (the spec ignores the frame type then); see `videoExCommandTag`. */
  readonly frameType: VideoFrameType
  /** VideoPacketType 0..5 (Multitrack: `videoMultitrackTag`; ModEx: the `modEx` field). */
  readonly packetType: number
  readonly fourCc: string
  /** SI24 ms; carried only by CodedFrames of avc1 / hvc1 / vvc1 (0 when left out). */
  readonly compositionTime?: number
  readonly payload?: Uint8Array
}

export interface VideoExCommandFields extends ModExFields {
  /** VideoCommand: 0 StartSeek, 1 EndSeek. */
  readonly command: number
  /** The packet type nibble; any but Metadata (4), which would make it a metadata frame. Default CodedFrames. */
  readonly packetType?: number
}

export interface ExTrack {
  readonly trackId: number
  readonly fourCc: string
  /** Video CodedFrames of avc1 / hvc1 / vvc1 only. */
  readonly compositionTime?: number
  readonly payload?: Uint8Array
}

export interface VideoMultitrackFields extends ModExFields {
  readonly frameType: VideoFrameType
  /** The packet type of every track (VideoPacketType 0..5). */
  readonly packetType: number
  readonly multitrack: MultitrackType
  /** one-track: exactly one; many-tracks: one FourCC shared by all. */
  readonly tracks: readonly ExTrack[]
}

export interface AudioExTagFields extends ModExFields {
  /** AudioPacketType 0, 1, 2 or 4 (Multitrack: `audioMultitrackTag`). */
  readonly packetType: number
  readonly fourCc: string
  readonly payload?: Uint8Array
}

export interface AudioMultitrackFields extends ModExFields {
  readonly packetType: number
  readonly multitrack: MultitrackType
  readonly tracks: readonly Omit<ExTrack, 'compositionTime'>[]
}

const FRAME_TYPE_BITS: Readonly<Record<VideoFrameType, number>> = { key: 1, inter: 2, disposable: 3, generated: 4, command: 5 }
const MULTITRACK_BITS: Readonly<Record<MultitrackType, number>> = { 'one-track': 0, 'many-tracks': 1, 'many-tracks-many-codecs': 2 }
/** FourCCs whose CodedFrames carry an SI24 composition time (the decoder's set in `videoInfo`). */
const CT_FOURCCS = new Set(['avc1', 'hvc1', 'vvc1'])
const AUDIO_PACKET_TYPES = new Set<number>([0, 1, 2, 4])
const EMPTY = new Uint8Array(0)
const MAX_TRACK_SIZE = 0xffffff

const bad = (message: string): FlvError => new FlvError('ex-tag', message)

/**
 * An Enhanced video message: `IsExHeader | FrameType | PacketType`, ModEx wrappers, FourCC,
 * [SI24 composition time], payload.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'ex-tag': a field out of range (packet type, FourCC not
 * 4 Latin-1 characters, a composition time where none is carried, nano offset > 999_999, ModEx size).
 */
export function videoExTag(f: VideoExTagFields): Uint8Array {
  checkVideoPacketType(f.packetType, f.frameType)
  const w = new PartsWriter()
  w.byte(0x80 | (frameTypeBits(f.frameType) << 4))
  writeModEx(w, f, f.packetType)
  w.fourCc(f.fourCc)
  writeCompositionTime(w, f.packetType, f.fourCc, f.compositionTime)
  w.bytes(f.payload ?? EMPTY)
  return w.finish()
}

/**
 * An Enhanced video command frame: `IsExHeader | Command(5) | PacketType`, ModEx wrappers, the VideoCommand
 * byte. No FourCC and no payload.
 *
 * @throws {FlvError} reason 'ex-tag': command outside 0..255, packet type Metadata or out of range.
 */
export function videoExCommandTag(f: VideoExCommandFields): Uint8Array {
  const packetType = f.packetType ?? VideoPacketType.CodedFrames
  if (!Number.isInteger(packetType) || packetType < 0 || packetType > VideoPacketType.Multitrack || packetType === VideoPacketType.Metadata) {
    throw bad(`command frame packet type ${packetType}: 0..6 except Metadata (4)`)
  }
  uint(f.command, 0xff, 'VideoCommand')
  const w = new PartsWriter()
  w.byte(0x80 | (FRAME_TYPE_BITS.command << 4))
  writeModEx(w, f, packetType)
  w.byte(f.command)
  return w.finish()
}

/**
 * An Enhanced video message with Multitrack framing: `... | Multitrack(6)`, ModEx wrappers,
 * `AvMultitrackType << 4 | PacketType`, [shared FourCC], then per track [FourCC] trackId [UI24 size]
 * [SI24 composition time] payload. The UI24 size counts the bytes after it up to the next track.
 *
 * @throws {FlvError} reason 'ex-tag': see `videoExTag`; also a track count other than 1 for one-track, none
 * at all, different FourCCs for many-tracks, a trackId outside 0..255, or a track over 16 MiB - 1.
 */
export function videoMultitrackTag(f: VideoMultitrackFields): Uint8Array {
  checkVideoPacketType(f.packetType, f.frameType)
  const w = new PartsWriter()
  w.byte(0x80 | (frameTypeBits(f.frameType) << 4))
  writeModEx(w, f, VideoPacketType.Multitrack)
  writeTracks(w, f.multitrack, f.packetType, f.tracks, true)
  return w.finish()
}

/**
 * An Enhanced audio message: `ExHeader(9) << 4 | PacketType`, ModEx wrappers, FourCC, payload.
 *
 * @throws {FlvError} reason 'ex-tag': a packet type other than 0, 1, 2, 4; see `videoExTag` for the rest.
 */
export function audioExTag(f: AudioExTagFields): Uint8Array {
  checkAudioPacketType(f.packetType)
  const w = new PartsWriter()
  w.byte(0x90)
  writeModEx(w, f, f.packetType)
  w.fourCc(f.fourCc)
  w.bytes(f.payload ?? EMPTY)
  return w.finish()
}

/**
 * An Enhanced audio message with Multitrack framing (`0x90 | Multitrack(5)`), laid out as for video
 * without composition times.
 *
 * @throws {FlvError} reason 'ex-tag': see `audioExTag` and `videoMultitrackTag`.
 */
export function audioMultitrackTag(f: AudioMultitrackFields): Uint8Array {
  checkAudioPacketType(f.packetType)
  const w = new PartsWriter()
  w.byte(0x90)
  writeModEx(w, f, AudioPacketType.Multitrack)
  writeTracks(w, f.multitrack, f.packetType, f.tracks, false)
  return w.finish()
}

/**
 * The ModEx wrappers alone, as they follow byte 0 (whose packet type nibble must then be ModEx, 7): per
 * wrapper the size (UI8 size - 1; when that is 255, a UI16 size - 1 follows), the data, and
 * `ModExType << 4 | next packet type`, the last one naming `packetType`.
 *
 * @throws {FlvError} reason 'ex-tag': a ModEx type outside 0..15 or data outside 1..65536 bytes.
 */
export function encodeModEx(entries: readonly ModExEntry[], packetType: number): Uint8Array {
  const w = new PartsWriter()
  writeEntries(w, entries, packetType)
  return w.finish()
}

/** The TimestampOffsetNano ModEx entry for `nano` (0..999_999). @throws {FlvError} reason 'ex-tag'. */
export function timestampOffsetNanoModEx(nano: number): ModExEntry {
  uint(nano, 999_999, 'TimestampOffsetNano')
  return { type: ModExType.TimestampOffsetNano, data: Uint8Array.of(nano >> 16, (nano >> 8) & 0xff, nano & 0xff) }
}

function writeModEx(w: PartsWriter, f: ModExFields, packetType: number): void {
  const entries = f.timestampOffsetNano === undefined ? (f.modEx ?? []) : [timestampOffsetNanoModEx(f.timestampOffsetNano), ...(f.modEx ?? [])]
  if (entries.length === 0) {
    w.orFirst(packetType)
    return
  }
  w.orFirst(VideoPacketType.ModEx) // 7 for audio too
  writeEntries(w, entries, packetType)
}

function writeEntries(w: PartsWriter, entries: readonly ModExEntry[], packetType: number): void {
  entries.forEach((e, i) => {
    uint(e.type, 15, 'ModEx type')
    const size = e.data.length
    if (size < 1 || size > 0x10000) throw bad(`ModEx data of ${size} bytes: 1..65536`)
    if (size < 256) w.byte(size - 1)
    else w.byte(255).byte((size - 1) >> 8).byte((size - 1) & 0xff)
    w.bytes(e.data)
    w.byte((e.type << 4) | (i === entries.length - 1 ? packetType : VideoPacketType.ModEx))
  })
}

function writeTracks(w: PartsWriter, multitrack: MultitrackType, packetType: number, tracks: readonly ExTrack[], video: boolean): void {
  const type = MULTITRACK_BITS[multitrack]
  if (type === undefined) throw bad(`unknown multitrack type ${String(multitrack)}`)
  const first = tracks[0]
  if (first === undefined) throw bad('a Multitrack message needs at least one track')
  if (multitrack === 'one-track' && tracks.length !== 1) throw bad(`one-track with ${tracks.length} tracks`)
  w.byte((type << 4) | packetType)
  const shared = multitrack !== 'many-tracks-many-codecs'
  if (shared) {
    if (tracks.some((t) => t.fourCc !== first.fourCc)) throw bad(`${multitrack}: every track must use FourCC ${first.fourCc}`)
    w.fourCc(first.fourCc)
  }
  for (const t of tracks) {
    if (!shared) w.fourCc(t.fourCc)
    uint(t.trackId, 0xff, 'trackId')
    w.byte(t.trackId)
    const payload = t.payload ?? EMPTY
    if (video && carriesCompositionTime(packetType, t.fourCc)) {
      if (multitrack !== 'one-track') w.u24(size(3 + payload.length))
      w.u24(si24(t.compositionTime ?? 0))
    } else {
      if (t.compositionTime) throw bad(`track ${t.trackId} (${t.fourCc}, packet type ${packetType}) carries no composition time`)
      if (multitrack !== 'one-track') w.u24(size(payload.length))
    }
    w.bytes(payload)
  }
}

function size(n: number): number {
  if (n > MAX_TRACK_SIZE) throw bad(`track of ${n} bytes does not fit a UI24 size`)
  return n
}

function carriesCompositionTime(packetType: number, fourCc: string): boolean {
  return packetType === VideoPacketType.CodedFrames && CT_FOURCCS.has(fourCc)
}

function writeCompositionTime(w: PartsWriter, packetType: number, fourCc: string, ct: number | undefined): void {
  if (carriesCompositionTime(packetType, fourCc)) w.u24(si24(ct ?? 0))
  else if (ct) throw bad(`${fourCc} packet type ${packetType} carries no composition time (CodedFrames of avc1/hvc1/vvc1 do)`)
}

function si24(v: number): number {
  if (!Number.isInteger(v) || v < -0x800000 || v > 0x7fffff) throw bad(`composition time ${v} does not fit SI24`)
  return v < 0 ? v + 0x1000000 : v
}

function uint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw bad(`${what} ${v} is not 0..${max}`)
}

function frameTypeBits(frameType: VideoFrameType): number {
  const bits = FRAME_TYPE_BITS[frameType]
  if (bits === undefined) throw bad(`unknown frame type ${String(frameType)}`)
  return bits
}

function checkVideoPacketType(packetType: number, frameType: VideoFrameType): void {
  if (!Number.isInteger(packetType) || packetType < 0 || packetType > VideoPacketType.Mpeg2TsSequenceStart) {
    throw bad(`video packet type ${packetType}: 0..5 (Multitrack and ModEx have their own builders/fields)`)
  }
  if (frameType === 'command' && packetType !== VideoPacketType.Metadata) {
    throw bad('frame type command carries a VideoCommand, not a FourCC: use videoExCommandTag')
  }
}

function checkAudioPacketType(packetType: number): void {
  if (!AUDIO_PACKET_TYPES.has(packetType)) {
    throw bad(`audio packet type ${packetType}: 0, 1, 2 or 4 (Multitrack and ModEx have their own builder/fields)`)
  }
}

/** Collects header bytes and payload views; `finish` copies them once into one message. */
class PartsWriter {
  private readonly parts: Array<number[] | Uint8Array> = []
  private head: number[] = []
  private length = 0

  byte(v: number): this {
    this.head.push(v & 0xff)
    this.length++
    return this
  }

  /** ORs `v` into byte 0 (its packet type nibble); called before any payload is added. */
  orFirst(v: number): void {
    this.head[0]! |= v
  }

  u24(v: number): this {
    return this.byte(v >> 16).byte(v >> 8).byte(v)
  }

  fourCc(s: string): this {
    if (typeof s !== 'string' || s.length !== 4 || /[^\x00-\xff]/.test(s)) throw bad(`FourCC ${JSON.stringify(s)} is not 4 Latin-1 characters`)
    for (let i = 0; i < 4; i++) this.byte(s.charCodeAt(i))
    return this
  }

  bytes(b: Uint8Array): this {
    if (b.length === 0) return this
    this.parts.push(this.head, b)
    this.head = []
    this.length += b.length
    return this
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length)
    let o = 0
    for (const p of [...this.parts, this.head]) {
      out.set(p, o)
      o += p.length
    }
    return out
  }
}
