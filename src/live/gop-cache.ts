import type { MediaMessage } from '../media/media-message'
import { timestampDiff } from '../session/timestamp'
import type { GopCacheLimits } from './live-options'

/** A cached message and what single-track sinks get of it (`plain`: the message itself unless it is multitrack). */
export interface GopEntry {
  readonly msg: MediaMessage
  readonly plain: MediaMessage | undefined
}

/**
 * The messages since the last video keyframe, which a late joiner needs to start decoding at once.
 *
 * Bounded in bytes and in media time. When a GOP grows past either bound the whole cache is dropped and stays
 * empty until the next keyframe: a GOP cut at the front would no longer start with a keyframe, and a player
 * cannot start from its tail. Meanwhile late joiners start at the next keyframe, as `start: 'live'` does.
 * Streams without video cache nothing: every audio frame is a starting point, so a cache would only add delay.
 */
export class GopCache {
  private items: GopEntry[] = []
  private byteCount = 0
  /** the cache holds a keyframe and what followed it */
  private open = false
  private overflowCount = 0

  constructor(private readonly limits: GopCacheLimits) {}

  /** Messages to replay, keyframe first, with their single-track projections; empty unless `startable`. */
  get entries(): readonly GopEntry[] {
    return this.items
  }

  /** The cached messages as published (a new array of the shared messages). */
  get messages(): MediaMessage[] {
    return this.items.map((e) => e.msg)
  }

  get length(): number {
    return this.items.length
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
    const first = this.items[0]?.msg
    const last = this.items[this.items.length - 1]?.msg
    return first && last ? Math.max(0, timestampDiff(last.timestamp, first.timestamp)) : 0
  }

  /** How many times a GOP outgrew the bounds and was dropped. */
  get overflows(): number {
    return this.overflowCount
  }

  /**
   * A video keyframe: a new GOP starts with it. `plain` is what single-track sinks get of it (undefined:
   * nothing); without the argument, the message itself.
   */
  keyframe(msg: MediaMessage, ...plain: [MediaMessage | undefined] | []): void {
    this.clear()
    if (!this.limits.enabled) return
    this.open = true
    this.append(msg, plain.length === 0 ? msg : plain[0])
  }

  /** Any other audio, video or data message: kept if a GOP is open. `plain` as for `keyframe`. */
  frame(msg: MediaMessage, ...plain: [MediaMessage | undefined] | []): void {
    if (this.open) this.append(msg, plain.length === 0 ? msg : plain[0])
  }

  clear(): void {
    this.items = []
    this.byteCount = 0
    this.open = false
  }

  private append(msg: MediaMessage, plain: MediaMessage | undefined): void {
    this.items.push({ msg, plain })
    // a multitrack message's projection is held too: the bound is on memory
    this.byteCount += msg.data.length + (plain && plain !== msg ? plain.data.length : 0)
    if (this.byteCount > this.limits.maxBytes || this.durationMs > this.limits.maxDurationMs) {
      this.overflowCount++
      this.clear()
    }
  }
}
