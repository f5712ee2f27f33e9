import { AudioPacketType, VideoPacketType, type VideoFrameType } from './flv-tag'

/**
 * Enhanced RTMP v2 multitrack messages, split per track and projected onto one track, without decoding codec
 * data. One message carries one or more tracks (AvMultitrackType OneTrack / ManyTracks / ManyTracksManyCodecs);
 * the spec RECOMMENDS trackId 0 for the default (highest priority) track, and a message without Multitrack
 * framing (legacy or single-track Enhanced) is that track.
 *
 * Layout after byte 0 (video: IsExHeader | FrameType << 4 | PacketType; audio: 9 << 4 | PacketType):
 * ModEx wrappers (size, data, ModExType << 4 | PacketType)*, then for Multitrack one byte
 * AvMultitrackType << 4 | PacketType, the shared FourCC unless ManyTracksManyCodecs, and per track:
 * [FourCC if ManyTracksManyCodecs] trackId UI8 [size UI24 unless OneTrack] body.
 */

/** The spec's RECOMMENDED default track (highest priority / quality). */
export const DEFAULT_TRACK_ID = 0

export type TrackKind = 'audio' | 'video'

/** One track of a message. `payload` is a view into the message (no copy). */
export interface TrackPacket {
  readonly trackId: number
  /** the track's codec FourCC, as sent (e.g. `'hvc1'`, `'Opus'`) */
  readonly fourCc: string
  /** VideoPacketType / AudioPacketType of the track's body (the one inside the Multitrack framing) */
  readonly packetType: number
  /** video only: the message's frame type, which every track of a message shares */
  readonly frameType?: VideoFrameType
  /** the track body exactly as a single-track message carries it after its FourCC (e.g. SI24 CT + NALUs) */
  readonly payload: Uint8Array
}

const FRAME_TYPES: readonly (VideoFrameType | undefined)[] = [undefined, 'key', 'inter', 'disposable', 'generated', 'command', undefined, undefined]

/** Where the pieces of an Enhanced message are. */
interface Layout {
  /** offset of the byte whose low nibble is the message's packet type (byte 0, or the last ModEx type byte) */
  readonly typeAt: number
  /** end of byte 0 and the ModEx wrappers: copied as is by `singleTrack` (keeps TimestampOffsetNano) */
  readonly headerEnd: number
  readonly multitrack: boolean
  readonly tracks: TrackPacket[]
}

const u24 = (d: Uint8Array, o: number): number => (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!
const fourCcAt = (d: Uint8Array, o: number): string => String.fromCharCode(d[o]!, d[o + 1]!, d[o + 2]!, d[o + 3]!)

/** Reads the framing of an Enhanced audio/video message; undefined if it is legacy, a command, or malformed. */
function layoutOf(kind: TrackKind, data: Uint8Array): Layout | undefined {
  const b0 = data[0]
  if (b0 === undefined) return undefined
  let frameType: VideoFrameType | undefined
  if (kind === 'video') {
    if ((b0 & 0x80) === 0) return undefined
    frameType = FRAME_TYPES[(b0 >> 4) & 0x07]
    if (frameType === undefined) return undefined
  } else if (b0 >> 4 !== 9) {
    return undefined
  }
  const modEx = kind === 'video' ? VideoPacketType.ModEx : AudioPacketType.ModEx
  const multitrackType = kind === 'video' ? VideoPacketType.Multitrack : AudioPacketType.Multitrack
  let typeAt = 0
  let packetType = b0 & 0x0f
  let o = 1
  while (packetType === modEx) {
    if (o >= data.length) return undefined
    let size = data[o++]! + 1
    if (size === 256) {
      if (o + 2 > data.length) return undefined
      size = ((data[o]! << 8) | data[o + 1]!) + 1
      o += 2
    }
    o += size
    if (o >= data.length) return undefined
    typeAt = o
    packetType = data[o++]! & 0x0f
  }
  const headerEnd = o
  const valid = (t: number): boolean => (kind === 'video' ? t <= VideoPacketType.Mpeg2TsSequenceStart : t <= 2 || t === AudioPacketType.MultichannelConfig)
  // a command frame carries a VideoCommand byte, not tracks
  if (frameType === 'command' && packetType !== VideoPacketType.Metadata) return undefined
  const withFrame = frameType === undefined ? {} : { frameType }
  if (packetType !== multitrackType) {
    if (!valid(packetType) || o + 4 > data.length) return undefined
    const track: TrackPacket = { trackId: DEFAULT_TRACK_ID, fourCc: fourCcAt(data, o), packetType, ...withFrame, payload: data.subarray(o + 4) }
    return { typeAt, headerEnd, multitrack: false, tracks: [track] }
  }
  if (o >= data.length) return undefined
  const mt = data[o]! >> 4
  const inner = data[o++]! & 0x0f
  if (mt > 2 || !valid(inner)) return undefined
  let shared: string | undefined
  if (mt !== 2) {
    if (o + 4 > data.length) return undefined
    shared = fourCcAt(data, o)
    o += 4
  }
  const tracks: TrackPacket[] = []
  while (o < data.length) {
    let fourCc = shared
    if (fourCc === undefined) {
      if (o + 4 > data.length) return undefined
      fourCc = fourCcAt(data, o)
      o += 4
    }
    if (o >= data.length) return undefined
    const trackId = data[o++]!
    let end = data.length
    if (mt !== 0) {
      if (o + 3 > data.length) return undefined
      end = o + 3 + u24(data, o)
      o += 3
      // a track that claims more than the message holds: the message is broken, not just short
      if (end > data.length) return undefined
    }
    tracks.push({ trackId, fourCc, packetType: inner, ...withFrame, payload: data.subarray(o, end) })
    o = end
    if (mt === 0) break
  }
  if (tracks.length === 0 && mt === 0) return undefined
  return { typeAt, headerEnd, multitrack: true, tracks }
}

/**
 * Every track of an Enhanced audio/video message, in message order (a message without Multitrack framing
 * gives one entry, trackId 0). Payloads are views into `data`. Undefined for legacy (non-Enhanced) messages,
 * video command frames, and malformed or truncated framing.
 */
export function splitTracks(kind: TrackKind, data: Uint8Array): TrackPacket[] | undefined {
  return layoutOf(kind, data)?.tracks
}

/**
 * True when `data` is (or claims to be) an Enhanced audio/video message with Multitrack framing: its packet
 * type, after any ModEx wrappers, is Multitrack. A message whose ModEx wrappers are cut short counts too:
 * nobody can tell which tracks it holds. Never throws.
 */
export function isMultitrack(kind: TrackKind, data: Uint8Array): boolean {
  const b0 = data[0]
  if (b0 === undefined || (kind === 'video' ? (b0 & 0x80) === 0 : b0 >> 4 !== 9)) return false
  // a video command frame carries one VideoCommand byte whatever its packet type says
  if (kind === 'video' && FRAME_TYPES[(b0 >> 4) & 0x07] === 'command') return false
  const t = b0 & 0x0f
  if (t === (kind === 'video' ? VideoPacketType.Multitrack : AudioPacketType.Multitrack)) return true
  if (t !== (kind === 'video' ? VideoPacketType.ModEx : AudioPacketType.ModEx)) return false
  const layout = layoutOf(kind, data)
  return layout === undefined || layout.multitrack
}

/**
 * The message reduced to one track, as a plain single-track Enhanced message: byte 0 and any ModEx wrappers
 * as sent (so a TimestampOffsetNano still applies), the track's packet type in place of Multitrack, its
 * FourCC, its body. One allocation. A message without Multitrack framing (legacy, single-track Enhanced, a
 * command frame) is track 0: returned as is for trackId 0. Undefined when the track is not in the message or
 * the Multitrack framing is malformed.
 */
export function singleTrack(kind: TrackKind, data: Uint8Array, trackId: number): Uint8Array | undefined {
  const layout = layoutOf(kind, data)
  if (layout ? !layout.multitrack : !isMultitrack(kind, data)) return trackId === DEFAULT_TRACK_ID ? data : undefined
  if (!layout) return undefined
  const track = layout.tracks.find((t) => t.trackId === trackId)
  if (!track) return undefined
  const { headerEnd, typeAt } = layout
  const out = new Uint8Array(headerEnd + 4 + track.payload.length)
  out.set(data.subarray(0, headerEnd))
  out[typeAt] = (out[typeAt]! & 0xf0) | track.packetType
  for (let i = 0; i < 4; i++) out[headerEnd + i] = track.fourCc.charCodeAt(i)
  out.set(track.payload, headerEnd + 4)
  return out
}
