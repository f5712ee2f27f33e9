import type { MediaMessage } from '../media/media-message'
import { timestampDiff } from '../session/timestamp'

/**
 * The timestamps subscribers see. A first publisher's timestamps pass through unchanged. A publisher that
 * comes back within the grace period usually restarts at 0; its timestamps are shifted so that its first
 * message lands as long after the last one sent as the publisher was away, and players see one timeline
 * that never goes back.
 */
export class LiveTimeline {
  private offset = 0
  /** newest timestamp sent (wrap-aware), undefined before the first message */
  private last: number | undefined
  /** set by `resume`: the timestamp the next message maps to */
  private resumeAt: number | undefined

  /** A new broadcast: timestamps pass through as they are. */
  reset(): void {
    this.offset = 0
    this.last = undefined
    this.resumeAt = undefined
  }

  /** A publisher came back after `gapMs`: its first message goes `gapMs` (at least 1 ms) after the last one sent. */
  resume(gapMs: number): void {
    if (this.last !== undefined) this.resumeAt = (this.last + Math.max(1, Math.round(gapMs))) >>> 0
  }

  /** The newest timestamp sent so far (0 before any). */
  get lastTimestamp(): number {
    return this.last ?? 0
  }

  /** The message as subscribers see it (the same object when nothing is shifted). */
  map(msg: MediaMessage): MediaMessage {
    if (this.resumeAt !== undefined) {
      this.offset = (this.resumeAt - msg.timestamp) >>> 0
      this.resumeAt = undefined
    }
    const timestamp = (msg.timestamp + this.offset) >>> 0
    if (this.last === undefined || timestampDiff(timestamp, this.last) > 0) this.last = timestamp
    return timestamp === msg.timestamp ? msg : { type: msg.type, timestamp, data: msg.data }
  }
}
