import { GopDrop } from '../live/gop-drop'
import { isKeyframe, isSequenceHeader } from '../media/flv-tag'
import type { MediaMessage } from '../media/media-message'
import type { RelayQueueLimits } from './relay-queue-limits'

/**
 * What `RelayFeed.push` did with a message:
 * - `queued`: it is in the queue;
 * - `waiting`: held back: the feed (re)starts only at a keyframe (metadata and sequence headers are kept and sent then);
 * - `dropped`: congestion: a non-keyframe video frame was dropped, and so will the rest of its GOP be;
 * - `overflow`: the queue passed a hard limit; it was emptied and waits for a keyframe: reconnect the destination.
 */
export type FeedResult = 'queued' | 'waiting' | 'dropped' | 'overflow'

/**
 * The bounded queue between a live stream and one relay destination, with its drop policy. Pure: no timers,
 * no I/O; the owner calls `push` for each message of the source and `shift` when the destination can take one.
 *
 * Invariants:
 * - what comes out starts with the metadata and sequence headers, then a keyframe (or, for a stream without
 *   video, an audio frame), after construction and after every `restart()`, stamped with that frame's time;
 * - metadata, sequence headers, audio and keyframes are never dropped; a non-keyframe video frame is dropped
 *   when the queue is over a soft limit, and then every video frame up to the next keyframe is dropped too, so
 *   no frame ever goes out whose reference was dropped (a GOP may lose its tail, never its middle);
 * - past a hard limit the queue is emptied and restarts at the next keyframe (`overflow`);
 * - while `holding` (no destination is taking messages) a keyframe empties the queue and starts it again,
 *   so it holds only the latest GOP and a new connection starts at once.
 * Timestamps are passed through unchanged.
 */
export class RelayFeed {
  /** true while nothing drains the queue (connecting, retrying): keep only the latest GOP */
  holding = true
  private queue: MediaMessage[] = []
  private head = 0
  private queuedBytes = 0
  private metadata: MediaMessage | undefined
  private videoHeader: MediaMessage | undefined
  private audioHeader: MediaMessage | undefined
  private hasVideo = false
  private needStart = true
  private readonly gopDrop = new GopDrop()

  constructor(private readonly limits: RelayQueueLimits) {}

  get bytes(): number {
    return this.queuedBytes
  }

  get length(): number {
    return this.queue.length - this.head
  }

  /** video frames dropped for congestion so far */
  get dropped(): number {
    return this.gopDrop.dropped
  }

  /** over a soft limit: video is being (or about to be) dropped */
  get congested(): boolean {
    return this.queuedBytes >= this.limits.maxBytes || this.length >= this.limits.maxMessages
  }

  /** waiting for a keyframe to start (or start again) */
  get waiting(): boolean {
    return this.needStart
  }

  push(msg: MediaMessage): FeedResult {
    const header = msg.type !== 'data' && isSequenceHeader(msg.type, msg.data)
    if (msg.type === 'data' || header) {
      if (msg.type === 'data') this.metadata = msg
      else if (msg.type === 'video') this.videoHeader = msg
      else this.audioHeader = msg
      if (msg.type === 'video') this.hasVideo = true
      if (this.needStart) return 'waiting'
      this.enqueue(msg)
      return this.checkHard()
    }
    if (msg.type === 'video') this.hasVideo = true
    const keyframe = msg.type === 'video' && isKeyframe(msg.data)
    const syncPoint = keyframe || (msg.type === 'audio' && !this.hasVideo)
    if (syncPoint && (this.needStart || this.holding)) {
      this.startAt(msg)
      return this.checkHard()
    }
    if (this.needStart) return 'waiting'
    if (msg.type === 'video' && !this.gopDrop.pass(keyframe, this.congested)) return 'dropped'
    this.enqueue(msg)
    return this.checkHard()
  }

  /** The next message for the destination, or undefined when the queue is empty. */
  shift(): MediaMessage | undefined {
    if (this.head >= this.queue.length) return undefined
    const msg = this.queue[this.head++]!
    this.queuedBytes -= msg.data.length
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    return msg
  }

  /** The destination is gone: empty the queue; the next one starts with metadata, headers and a keyframe. */
  restart(): void {
    this.queue = []
    this.head = 0
    this.queuedBytes = 0
    this.needStart = true
    this.gopDrop.reset()
  }

  /** A new publisher: forget its predecessor's metadata and headers as well. */
  reset(): void {
    this.restart()
    this.metadata = this.videoHeader = this.audioHeader = undefined
    this.hasVideo = false
  }

  private startAt(msg: MediaMessage): void {
    this.restart()
    this.needStart = false
    const ts = msg.timestamp
    for (const m of [this.metadata, this.videoHeader, this.audioHeader]) {
      if (m) this.enqueue(m.timestamp === ts ? m : { type: m.type, timestamp: ts, data: m.data })
    }
    this.enqueue(msg)
  }

  private enqueue(msg: MediaMessage): void {
    this.queue.push(msg)
    this.queuedBytes += msg.data.length
  }

  private checkHard(): FeedResult {
    if (this.queuedBytes > this.limits.hardMaxBytes || this.length > this.limits.hardMaxMessages) {
      this.restart()
      return 'overflow'
    }
    return 'queued'
  }
}
