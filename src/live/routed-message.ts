import { AudioPacketType, VideoPacketType, audioInfo, startsGop, videoInfo } from '../media/flv-tag'
import type { MediaMessage } from '../media/media-message'
import { DEFAULT_TRACK_ID, isMultitrack, singleTrack, splitTracks } from '../media/multitrack'
import { isOnMetaData } from './script-data'

/** How a message counts: what a late joiner needs first (onMetaData, codec setup), a keyframe, or anything else. */
export type MessageKind = 'header' | 'keyframe' | 'frame'

/**
 * One published message as the live hub routes it, worked out once and shared by every subscriber.
 * Header slots are named `kind:trackId:what` (`video:0:seq`, `video:1:meta`, `audio:2:mcc`, `data:0:meta`).
 */
export interface RoutedMessage {
  readonly msg: MediaMessage
  readonly kind: MessageKind
  /**
   * What a sink that takes a single track gets: `msg` itself unless it has Multitrack framing, else the
   * default track rewritten as a single-track message, or undefined when that track is not in it.
   */
  readonly plain: MediaMessage | undefined
  /** header slots this message becomes the latest value of */
  readonly sets: readonly string[]
  /** header slots it ends (an Enhanced SequenceEnd) */
  readonly clears: readonly string[]
  /** the default video track's sequence ended: frames cached before it cannot be decoded without its header */
  readonly endsDefaultVideo: boolean
}

const NONE: readonly string[] = []

/** True for a header slot of the default track (`video:0:seq`, `data:0:meta`, …). */
export function isDefaultTrackSlot(slot: string): boolean {
  return slot.includes(`:${DEFAULT_TRACK_ID}:`)
}

/** Codec setup a late joiner needs, per Enhanced packet type (undefined: not a header). */
function videoSlot(packetType: number): string | undefined {
  if (packetType === VideoPacketType.SequenceStart || packetType === VideoPacketType.Mpeg2TsSequenceStart) return 'seq'
  // HDR colorInfo: it applies to the frames that follow it until replaced
  if (packetType === VideoPacketType.Metadata) return 'meta'
  return undefined
}

function audioSlot(packetType: number): string | undefined {
  if (packetType === AudioPacketType.SequenceStart) return 'seq'
  if (packetType === AudioPacketType.MultichannelConfig) return 'mcc'
  return undefined
}

function routed(
  msg: MediaMessage,
  kind: MessageKind,
  plain: MediaMessage | undefined,
  sets: readonly string[] = NONE,
  clears: readonly string[] = NONE,
  endsDefaultVideo = false,
): RoutedMessage {
  return { msg, kind, plain, sets, clears, endsDefaultVideo }
}

/** The default track of a multitrack message as a message of its own (one allocation), or undefined. */
function project(msg: MediaMessage, type: 'audio' | 'video'): MediaMessage | undefined {
  const data = singleTrack(type, msg.data, DEFAULT_TRACK_ID)
  return data === undefined ? undefined : { type, timestamp: msg.timestamp, data }
}

/** Codec names (as `videoInfo` / `audioInfo` give them) of the default track's latest sequence headers. */
export type DefaultCodecs = ReadonlyMap<'audio' | 'video', string>

/**
 * Classifies one published message. Legacy AVC/AAC and single-track Enhanced messages are track 0; Multitrack
 * messages are split per track for the header slots and projected onto the default track (trackId 0, the
 * spec's RECOMMENDED highest priority track) for sinks that take one track.
 *
 * `defaults`: see `MessageRouter`. An Enhanced single-track message (other than a SequenceStart) whose codec
 * differs from the default track's is no part of the default track: single-track sinks do not get it.
 */
export function routeMessage(msg: MediaMessage, defaults?: DefaultCodecs): RoutedMessage {
  if (msg.type === 'data') {
    if (isOnMetaData(msg.data)) return routed(msg, 'header', msg, ['data:0:meta'])
    return routed(msg, 'frame', msg) // cue points, captions: in order with the frames around them
  }
  const type = msg.type
  if (isMultitrack(type, msg.data)) return routeMultitrack(msg, type)
  if (type === 'video') {
    const info = videoInfo(msg.data)
    if (!info || info.command !== undefined) return routed(msg, 'frame', msg)
    if (!info.enhanced) {
      if (info.isSequenceHeader) return routed(msg, 'header', msg, ['video:0:seq'])
      return routed(msg, startsGop(info) ? 'keyframe' : 'frame', msg)
    }
    if (!info.isSequenceHeader && foreign(defaults, 'video', info.codec)) return routed(msg, 'frame', undefined)
    const slot = videoSlot(info.packetType)
    if (slot) return routed(msg, 'header', msg, [`video:0:${slot}`])
    if (info.packetType === VideoPacketType.SequenceEnd) return routed(msg, 'frame', msg, NONE, ['video:0:seq'], true)
    return routed(msg, startsGop(info) ? 'keyframe' : 'frame', msg)
  }
  const info = audioInfo(msg.data)
  if (!info) return routed(msg, 'frame', msg)
  if (!info.enhanced) return info.isSequenceHeader ? routed(msg, 'header', msg, ['audio:0:seq']) : routed(msg, 'frame', msg)
  if (!info.isSequenceHeader && foreign(defaults, 'audio', info.codec)) return routed(msg, 'frame', undefined)
  const slot = audioSlot(info.packetType)
  if (slot) return routed(msg, 'header', msg, [`audio:0:${slot}`])
  if (info.packetType === AudioPacketType.SequenceEnd) return routed(msg, 'frame', msg, NONE, ['audio:0:seq'])
  return routed(msg, 'frame', msg)
}

function routeMultitrack(msg: MediaMessage, type: 'audio' | 'video'): RoutedMessage {
  const tracks = splitTracks(type, msg.data)
  // malformed framing: multitrack sinks get it as sent, single-track sinks nothing (no track can be named)
  if (!tracks || tracks.length === 0) return routed(msg, 'frame', undefined)
  const plain = project(msg, type)
  const packetType = tracks[0]!.packetType // one packet type for every track of a message
  const slot = type === 'video' ? videoSlot(packetType) : audioSlot(packetType)
  if (slot) return routed(msg, 'header', plain, tracks.map((t) => `${type}:${t.trackId}:${slot}`))
  const end = type === 'video' ? VideoPacketType.SequenceEnd : AudioPacketType.SequenceEnd
  if (packetType === end) {
    const endsDefault = type === 'video' && tracks.some((t) => t.trackId === DEFAULT_TRACK_ID)
    return routed(msg, 'frame', plain, NONE, tracks.map((t) => `${type}:${t.trackId}:seq`), endsDefault)
  }
  // A GOP (and a waiting player's start) is anchored on the default track: it is the one every sink gets,
  // so a multitrack message starts one only when the default track is in it as a key coded frame (the frame
  // type is shared by all its tracks). Other tracks' keyframes in messages without track 0 do not restart the
  // cache: that would cut the default track mid-GOP for late joiners. Encoders that send an ABR ladder align
  // keyframes across tracks, so the other tracks start cleanly at the same point.
  const coded = packetType === VideoPacketType.CodedFrames || packetType === VideoPacketType.CodedFramesX
  const frameType = tracks[0]!.frameType
  const key =
    type === 'video' && coded && (frameType === 'key' || frameType === 'generated') && tracks.some((t) => t.trackId === DEFAULT_TRACK_ID)
  return routed(msg, key ? 'keyframe' : 'frame', plain)
}

const foreign = (defaults: DefaultCodecs | undefined, type: 'audio' | 'video', codec: string): boolean => {
  const expected = defaults?.get(type)
  return expected !== undefined && expected !== codec
}

const codecOf = (type: 'audio' | 'video', data: Uint8Array): string | undefined =>
  type === 'video' ? videoInfo(data)?.codec : audioInfo(data)?.codec

/**
 * Classifies a publisher's messages in order (`routeMessage`), remembering the one thing that needs state: the
 * codec of the default track's latest sequence header, per kind. A message without Multitrack framing is
 * track 0 by the spec, but one whose FourCC names another codec than track 0's SequenceStart did cannot be
 * track 0's: ffmpeg 9's FLV muxer writes the colorInfo Metadata of a non-default HEVC track that way. Players
 * that take one track would see a second codec in their only video stream (ffmpeg 5.1 fails on it), so they do
 * not get it, and it does not replace track 0's headers. Multitrack sinks still get it as published.
 */
export class MessageRouter {
  private readonly codecs = new Map<'audio' | 'video', string>()

  route(msg: MediaMessage): RoutedMessage {
    const r = routeMessage(msg, this.codecs)
    if (msg.type === 'data') return r
    const seq = `${msg.type}:${DEFAULT_TRACK_ID}:seq`
    if (r.sets.includes(seq) && r.plain) {
      const codec = codecOf(msg.type, r.plain.data)
      if (codec === undefined) this.codecs.delete(msg.type)
      else this.codecs.set(msg.type, codec)
    } else if (r.clears.includes(seq)) {
      this.codecs.delete(msg.type)
    }
    return r
  }

  /** A new publisher: nothing known of its tracks. */
  reset(): void {
    this.codecs.clear()
  }
}
