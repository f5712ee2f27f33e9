export interface RecordingTimelineOptions {
  /**
   * A track stepping back by more than this (ms) starts a new timeline (the publisher restarted) instead of
   * being held at its last timestamp (jitter). Default 500.
   */
  readonly maxBackstepMs?: number
  /** A forward step larger than this (ms) is a discontinuity, not a gap in the media. Default 10_000. */
  readonly maxGapMs?: number
}

/** The tracks a timeline keeps apart: each must be monotonic on its own. Data messages follow the media. */
export type TimelineTrack = 'audio' | 'video' | 'data'

type MediaTrack = 'audio' | 'video'

interface TrackState {
  /** unwrapped source time of the track's last tag (segment-relative); undefined at a segment start */
  lastIn: number | undefined
  /** file time of the track's last tag */
  lastOut: number | undefined
  /** the track's last positive step (its frame duration), 0 until known */
  step: number
}

/**
 * Maps the timestamps a live stream carries to the timestamps of a recording: the first tag of a file is at
 * 0, every track stays monotonic, and a new segment (a new publisher in append mode, or a discontinuity such
 * as a publisher that restarted its clock) continues right after what was already written instead of
 * jumping or going back. Pure: no clock, no I/O.
 *
 * Source timestamps are 32-bit and may wrap; steps are taken as signed 32-bit differences, so a wrap is a
 * step of a few ms. File timestamps grow without bound (the FLV writer keeps the low 32 bits).
 */
export class RecordingTimeline {
  private readonly maxBackstepMs: number
  private readonly maxGapMs: number
  private started = false
  /** the next tag begins a segment (new file, new publisher, or after a discontinuity) */
  private segmentPending = true
  /** where the next segment starts in file time */
  private nextStart = 0
  private lastSource = 0
  /** source time since the segment started, unwrapped */
  private unwrapped = 0
  /** file time of the segment's first tag: nothing in the segment maps below it */
  private floor = 0
  private maxOut = 0
  private discontinuityCount = 0
  private readonly tracks: Record<MediaTrack, TrackState> = {
    audio: { lastIn: undefined, lastOut: undefined, step: 0 },
    video: { lastIn: undefined, lastOut: undefined, step: 0 },
  }

  constructor(options: RecordingTimelineOptions = {}) {
    this.maxBackstepMs = options.maxBackstepMs ?? 500
    this.maxGapMs = options.maxGapMs ?? 10_000
  }

  /** Whether any tag was mapped since the last `reset`. */
  get hasStarted(): boolean {
    return this.started
  }

  /** File time of the last tag mapped (0 before any). */
  get lastTimestamp(): number {
    return this.maxOut
  }

  /** End of the media written: each track's last timestamp plus its frame duration, whichever is later. */
  get durationMs(): number {
    if (!this.started) return 0
    let end = this.maxOut
    for (const t of [this.tracks.audio, this.tracks.video]) {
      if (t.lastOut !== undefined) end = Math.max(end, t.lastOut + t.step)
    }
    return end
  }

  /** How many times the source timeline broke and was stitched (for logs and tests). */
  get discontinuities(): number {
    return this.discontinuityCount
  }

  /** A new file: the next tag maps to 0. */
  reset(): void {
    this.started = false
    this.segmentPending = true
    this.nextStart = 0
    this.maxOut = 0
    for (const t of [this.tracks.audio, this.tracks.video]) {
      t.lastIn = t.lastOut = undefined
      t.step = 0
    }
  }

  /**
   * Appending to a file written earlier whose media ends at `endMs` (its last tag, or the duration in its
   * onMetaData when that is later): the next tag maps to `endMs`.
   */
  continueAt(endMs: number): void {
    this.reset()
    this.started = true
    this.nextStart = Math.max(0, endMs)
    this.maxOut = this.nextStart
  }

  /** A new publisher in the same file: the next tag continues right after the media already written. */
  newSegment(): void {
    this.segmentPending = true
    if (this.started) this.nextStart = this.segmentEnd()
  }

  /**
   * The file timestamp for a tag stamped `timestamp` at the source.
   * Data messages never start a segment nor move a track; they are placed among the media around them.
   */
  map(track: TimelineTrack, timestamp: number): number {
    const ts = timestamp >>> 0
    if (track === 'data') return this.mapData(ts)
    const state = this.tracks[track]
    if (this.segmentPending) return this.beginSegment(ts, state)
    const step = (ts - this.lastSource) | 0
    const u = this.unwrapped + step
    const backstep = state.lastIn !== undefined && u - state.lastIn < -this.maxBackstepMs
    if (step > this.maxGapMs || step < -this.maxGapMs || backstep) {
      this.discontinuityCount++
      this.nextStart = this.segmentEnd()
      return this.beginSegment(ts, state)
    }
    this.lastSource = ts
    this.unwrapped = u
    const out = Math.max(u + this.floor, state.lastOut ?? this.floor)
    if (state.lastIn !== undefined && u > state.lastIn) state.step = u - state.lastIn
    return this.record(state, u, out)
  }

  private mapData(ts: number): number {
    if (this.segmentPending) return this.nextStart
    const step = (ts - this.lastSource) | 0
    if (step > this.maxGapMs || step < -this.maxGapMs) return this.maxOut
    return Math.max(this.floor, this.unwrapped + step + this.floor)
  }

  private beginSegment(ts: number, state: TrackState): number {
    const start = this.nextStart
    this.segmentPending = false
    this.started = true
    this.lastSource = ts
    this.unwrapped = 0
    this.floor = start
    this.tracks.audio.lastIn = undefined
    this.tracks.video.lastIn = undefined
    return this.record(state, 0, start)
  }

  private record(state: TrackState, u: number, out: number): number {
    state.lastIn = u
    state.lastOut = out
    if (out > this.maxOut) this.maxOut = out
    return out
  }

  /** Where media written so far ends; strictly after the last tag so that tracks stay monotonic. */
  private segmentEnd(): number {
    return this.started ? Math.max(this.durationMs, this.maxOut + 1) : this.nextStart
  }
}
