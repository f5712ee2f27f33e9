export interface TagPacerOptions {
  /** Send this many ms ahead of real time (a small lead keeps the peer's buffer filled). Default 0. */
  readonly leadMs?: number
  /**
   * A timestamp step larger than this (forwards or backwards) is a discontinuity (a splice, a reset, a
   * wrap the source did not make): the pacer rebases and sends on without waiting. Default 5000.
   */
  readonly maxJumpMs?: number
  /**
   * If sending fell further behind real time than this (the consumer was blocked), rebase instead of
   * bursting to catch up. Default Infinity: catch up, as `ffmpeg -re` does.
   */
  readonly maxLagMs?: number
}

/**
 * Paces tags for realtime publishing (what `ffmpeg -re` does), without timers: the caller asks how long to
 * wait before sending each tag, giving its own clock (any monotonic ms clock, e.g. `performance.now()`).
 *
 * Media time follows tag timestamps as 32-bit values, so a wrap from 0xffffffff to 0 is a step of +1 ms.
 * Interleaved audio/video may step back slightly; a backward step within `maxJumpMs` never waits.
 */
export class TagPacer {
  private readonly leadMs: number
  private readonly maxJumpMs: number
  private readonly maxLagMs: number
  private last: number | undefined // last tag timestamp
  private position = 0 // media ms of the last tag, relative to the start
  private start = 0 // clock value at media position 0

  constructor(options: TagPacerOptions = {}) {
    this.leadMs = options.leadMs ?? 0
    this.maxJumpMs = options.maxJumpMs ?? 5000
    this.maxLagMs = options.maxLagMs ?? Infinity
  }

  /** Milliseconds to wait before sending a tag stamped `timestamp` when the clock reads `now`; 0 = send now. */
  delay(timestamp: number, now: number): number {
    const ts = timestamp >>> 0
    if (this.last === undefined) {
      this.last = ts
      this.position = 0
      this.start = now
      return 0
    }
    const step = (ts - this.last) | 0 // signed 32-bit difference: wrap-safe
    this.last = ts
    if (step > this.maxJumpMs || step < -this.maxJumpMs) {
      // discontinuity: this tag goes now, and media time continues from here
      this.start = now - this.position
      return 0
    }
    this.position += step
    const wait = this.position - (now - this.start) - this.leadMs
    if (wait < -this.maxLagMs) {
      this.start = now - this.position
      return 0
    }
    return Math.max(0, wait)
  }

  /** Forget the timeline: the next tag is sent at once and becomes the new origin. */
  reset(): void {
    this.last = undefined
  }
}
