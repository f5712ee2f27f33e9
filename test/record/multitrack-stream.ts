import type { MediaMessage } from '../../src/media/media-message'
import { describe as enhancedLabel, mtAudio, mtVideo, type Track } from '../live/enhanced-frames'
import { aacHeader, audioFrame, avcHeader, frameNumber, metadataBody, videoFrame } from '../vod/synthetic-flv'

// A multitrack stream shaped as ffmpeg 9 (and OBS) publish one: track 0 as legacy AVC / AAC messages, track 1
// (HEVC video, E-AC-3 audio) as Multitrack OneTrack messages, every track's SequenceStart a message of its own
// (so "the last header" is track 1's), key frames aligned across tracks, track 0's first.

export const HEVC1: Track = { id: 1, fourCc: 'hvc1' }
export const EAC3_1: Track = { id: 1, fourCc: 'ec-3' }

const video = (timestamp: number, data: Uint8Array): MediaMessage => ({ type: 'video', timestamp, data })
const audio = (timestamp: number, data: Uint8Array): MediaMessage => ({ type: 'audio', timestamp, data })

/** onMetaData and both tracks' headers, in the order ffmpeg 9 sends them. */
export function multitrackHeaders(): MediaMessage[] {
  return [
    { type: 'data', timestamp: 0, data: metadataBody() },
    video(0, avcHeader),
    video(0, mtVideo('key', 'seq', 'one', [HEVC1])),
    audio(0, aacHeader),
    audio(0, mtAudio('seq', 'one', [EAC3_1])),
  ]
}

/** Frames `from` .. `to - 1` of both tracks, 25 fps, a key frame every `gop`; audio 10 ms after each frame. */
export function multitrackFrames(from: number, to: number, gop = 10): MediaMessage[] {
  const out: MediaMessage[] = []
  for (let n = from; n < to; n++) {
    const t = n * 40
    const key = n % gop === 0
    out.push(video(t, videoFrame(n, key)), video(t, mtVideo(key ? 'key' : 'inter', 'coded', 'one', [HEVC1], n)))
    out.push(audio(t + 10, audioFrame(n)), audio(t + 10, mtAudio('coded', 'one', [EAC3_1], n)))
  }
  return out
}

/** What frame n of `multitrackFrames` reads back as (`label`), from the recipe above. */
export function frameLabels(n: number, gop = 10): string[] {
  const k = n % gop === 0 ? 'K' : 'I'
  return [`avc:${k}${n}`, `MT[1 hvc1:${k}C${n}]`, `aac:${n}`, `MT[1 ec-3:F${n}]`]
}

/** The labels of `multitrackHeaders` (onMetaData left out), in the order a file should open with them. */
export const HEADER_LABELS = ['avc:H', 'MT[1 hvc1:KS0]', 'aac:H', 'MT[1 ec-3:S0]'] as const

/**
 * A short label: `meta`, `avc:H` / `avc:K20` / `avc:I21`, `aac:H` / `aac:20` for track 0 (synthetic-flv
 * bodies), and the Enhanced labels of test/live/enhanced-frames (`MT[1 hvc1:KC20]`) for the rest.
 */
export function label(m: Pick<MediaMessage, 'type' | 'data'>): string {
  const d = m.data
  if (m.type === 'data') return 'meta'
  if (d[0] === 0x17 || d[0] === 0x27) return d[1] === 0 ? 'avc:H' : `avc:${d[0] === 0x17 ? 'K' : 'I'}${frameNumber(d)}`
  if (d[0] === 0xaf) return d[1] === 0 ? 'aac:H' : `aac:${frameNumber(d)}`
  return enhancedLabel({ type: m.type, timestamp: 0, data: d })
}
