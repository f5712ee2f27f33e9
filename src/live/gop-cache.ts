import type { MediaMessage } from '../media/media-message'
import { timestampDiff } from '../session/timestamp'
import type { GopCacheLimits } from './live-options'

/**
 * The messages since the last video keyframe, which a late joiner needs to start decoding at once.
 *
 * Bounded in bytes and in media time. When a GOP grows past either bound the whole cache is dropped and stays
 * empty until the next keyframe: a GOP cut at the front would no longer start with a keyframe, and a player
 * cannot start from its tail. Meanwhile late joiners start at the next keyframe, as `start: 'live'` does.
 * Streams without video cache nothing: every audio frame is a starting point, so a cache would only add delay.
 */
export class GopCache {
  private items: MediaMessage[] = []
  private byteCount = 0
  /** the cache holds a keyframe and what followed it */
  private open = false
  private overflowCount = 0

  constructor(private readonly limits: GopCacheLimits) {}

  /** Messages to replay, keyframe first; empty unless `startable`. Shared, never copied. */
  get messages(): readonly MediaMessage[] {
    return this.items
  }

  /** A late joiner can start from the cache. */
  get startable(): boolean {
    return this.open
  }

  get bytes(): number {
    return this.byteCount
  }

  /** Media time from the keyframe to the newest cached message (ms). */
  get durationMs(): number {
    const first = this.items[0]
    const last = this.items[this.items.length - 1]
    return first && last ? Math.max(0, timestampDiff(last.timestamp, first.timestamp)) : 0
  }

  /** How many times a GOP outgrew the bounds and was dropped. */
  get overflows(): number {
    return this.overflowCount
  }

  /** A video keyframe: a new GOP starts with it. */
  keyframe(msg: MediaMessage): void {
    this.clear()
    if (!this.limits.enabled) return
    this.open = true
    this.append(msg)
  }

  /** Any other audio, video or data message: kept if a GOP is open. */
  frame(msg: MediaMessage): void {
    if (this.open) this.append(msg)
  }

  clear(): void {
    this.items = []
    this.byteCount = 0
    this.open = false
  }

  private append(msg: MediaMessage): void {
    this.items.push(msg)
    this.byteCount += msg.data.length
    if (this.byteCount > this.limits.maxBytes || this.durationMs > this.limits.maxDurationMs) {
      this.overflowCount++
      this.clear()
    }
  }
}
