import type { FlvIndex } from './flv-index'

/** What to send for a play (or after a seek) of an indexed file. Pure data. */
export interface PlaybackPlan {
  /** tags sent first, in this order: onMetaData (on play), then the sequence headers in effect at `from` */
  readonly prelude: readonly number[]
  /** the tag the media starts at (a keyframe, or 0 from the beginning) */
  readonly from: number
  /** a tag not to send again when the loop reaches it (the onMetaData of the prelude), or -1 */
  readonly skip: number
  /** timestamp of the tag at `from`: where playback really starts */
  readonly startMs: number
  /** tags stamped after this are not sent (Infinity: play to the end) */
  readonly endMs: number
}

/**
 * The plan for `play(name, start, duration)` on an indexed file. `start` < 0 (-2 "live or recorded", -1,
 * ffmpeg's -2000 / -1000) or at/before the first tag plays from the beginning; otherwise from the keyframe at
 * or before `start` (ms). `duration` < 0 plays to the end; otherwise media stamped up to `start + duration`
 * (0: up to `start`, the single frame the RTMP spec describes).
 */
export function planPlayback(index: FlvIndex, start: number, duration: number): PlaybackPlan {
  const first = index.firstTimestamp
  const from = start < 0 || start <= first ? 0 : index.seekIndex(start)
  const base = start < 0 ? first : Math.max(start, first)
  const endMs = duration < 0 || !Number.isFinite(duration) ? Infinity : base + duration
  const prelude: number[] = []
  if (index.metadataIndex >= 0) prelude.push(index.metadataIndex)
  prelude.push(...headers(index, from))
  return { prelude, from, skip: index.metadataIndex, startMs: index.length > 0 ? index.timestamp(from) : 0, endMs }
}

/** The plan after the player seeks to `positionMs`: from the keyframe at or before it, same end as before. */
export function planSeek(index: FlvIndex, positionMs: number, endMs: number): PlaybackPlan {
  const from = positionMs <= index.firstTimestamp ? 0 : index.seekIndex(positionMs)
  return { prelude: headers(index, from), from, skip: index.metadataIndex, startMs: index.length > 0 ? index.timestamp(from) : 0, endMs }
}

function headers(index: FlvIndex, from: number): number[] {
  const { video, audio } = index.headersBefore(from)
  return [video, audio].filter((i) => i >= 0)
}
