import { AmfEcmaArray } from '../../src/amf/amf-value'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import type { FlvTag } from '../../src/media/flv-reader'
import { writeFlvFile } from '../../src/media/flv-writer'
import type { MediaMessage } from '../../src/media/media-message'

/**
 * Small synthetic H.264/AAC-shaped streams: real tag headers (keyframe / inter / sequence header flags as
 * players see them) with tiny bodies that carry their frame number, so tests can tell every frame apart.
 */

export const avcHeader = Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0)
export const aacHeader = Uint8Array.of(0xaf, 0, 0x12, 0x10)

/** A video frame body: keyframe or inter frame, AVC NALU packet, carrying `n` (and `pad` extra bytes). */
export function videoFrame(n: number, key: boolean, pad = 0): Uint8Array {
  const b = new Uint8Array(9 + pad)
  b.set([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, (n >> 8) & 0xff, n & 0xff])
  return b
}

export function audioFrame(n: number): Uint8Array {
  return Uint8Array.of(0xaf, 1, (n >> 8) & 0xff, n & 0xff)
}

/** The frame number a synthetic body carries. */
export function frameNumber(data: Uint8Array): number {
  return data[0] === 0xaf ? (data[2]! << 8) | data[3]! : (data[7]! << 8) | data[8]!
}

export const metadataBody = (extra: Record<string, number> = {}): Uint8Array =>
  encodeAmf0(['onMetaData', AmfEcmaArray.from({ duration: 0, width: 320, height: 240, videocodecid: 7, audiocodecid: 10, framerate: 25, ...extra })])

export interface SyntheticOptions {
  /** media length in ms (default 2000) */
  durationMs?: number
  fps?: number // default 25
  /** frames per GOP (default 10: a keyframe every 400 ms at 25 fps) */
  gop?: number
  /** audio frame step in ms (default 23) */
  audioStepMs?: number
  video?: boolean // default true
  audio?: boolean // default true
  metadata?: boolean // default true
  /** added to every timestamp */
  offsetMs?: number
  /** extra bytes in each video frame body */
  videoPad?: number
}

type Tag = Pick<FlvTag, 'type' | 'timestamp' | 'data'>

/** The tags of a synthetic stream in file order: onMetaData, sequence headers, then frames interleaved by time. */
export function syntheticTags(options: SyntheticOptions = {}): Tag[] {
  const duration = options.durationMs ?? 2000
  const fps = options.fps ?? 25
  const gop = options.gop ?? 10
  const step = options.audioStepMs ?? 23
  const offset = options.offsetMs ?? 0
  const video = options.video ?? true
  const audio = options.audio ?? true
  const tags: Tag[] = []
  if (options.metadata ?? true) tags.push({ type: 18, timestamp: offset, data: metadataBody() })
  if (video) tags.push({ type: 9, timestamp: offset, data: avcHeader })
  if (audio) tags.push({ type: 8, timestamp: offset, data: aacHeader })
  const frames: Tag[] = []
  if (video) {
    for (let n = 0; Math.round((n * 1000) / fps) < duration; n++) {
      frames.push({ type: 9, timestamp: offset + Math.round((n * 1000) / fps), data: videoFrame(n, n % gop === 0, options.videoPad ?? 0) })
    }
  }
  if (audio) for (let n = 0; n * step < duration; n++) frames.push({ type: 8, timestamp: offset + n * step, data: audioFrame(n) })
  // by time; video before audio at the same time (what muxers do for a keyframe)
  frames.sort((a, b) => a.timestamp - b.timestamp || b.type - a.type)
  return [...tags, ...frames]
}

export function syntheticFlv(options: SyntheticOptions = {}): Uint8Array {
  return writeFlvFile(syntheticTags(options))
}

export const asMessage = (t: Tag): MediaMessage => ({ type: t.type === 8 ? 'audio' : t.type === 9 ? 'video' : 'data', timestamp: t.timestamp, data: t.data })
