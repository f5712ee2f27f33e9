/**
 * Bytes per second over a sliding window, in fixed buckets (constant memory whatever the message rate).
 * Times come from the caller (the live clock), so tests drive it with fake time.
 */
export class RateMeter {
  private readonly bucketMs: number
  private readonly buckets: number[]
  /** index (time / bucketMs) of the newest bucket */
  private newest = -1
  private startedAt: number | undefined

  constructor(
    private readonly windowMs: number,
    bucketCount = 10,
  ) {
    this.bucketMs = Math.max(1, windowMs / bucketCount)
    this.buckets = new Array<number>(bucketCount).fill(0)
  }

  add(bytes: number, now: number): void {
    this.advance(now)
    const slot = this.newest % this.buckets.length
    this.buckets[slot] = (this.buckets[slot] ?? 0) + bytes
  }

  /** Bits per second over the last window (or since the first `add`, if that is shorter). */
  bitsPerSecond(now: number): number {
    if (this.startedAt === undefined) return 0
    this.advance(now)
    const oldest = this.newest - this.buckets.length + 1
    const from = Math.max(this.startedAt, oldest * this.bucketMs)
    const span = now - from
    if (span <= 0) return 0
    let bytes = 0
    for (const b of this.buckets) bytes += b
    return Math.round((bytes * 8 * 1000) / span)
  }

  reset(): void {
    this.buckets.fill(0)
    this.newest = -1
    this.startedAt = undefined
  }

  /** Moves the window to `now`, emptying the buckets it passes. */
  private advance(now: number): void {
    this.startedAt ??= now
    const index = Math.floor(now / this.bucketMs)
    if (this.newest < 0 || index - this.newest >= this.buckets.length) {
      this.buckets.fill(0)
    } else {
      for (let i = this.newest + 1; i <= index; i++) this.buckets[i % this.buckets.length] = 0
    }
    if (index > this.newest) this.newest = index
  }
}
