import { GopDrop } from '../live/gop-drop'
import { gateFrameOf } from '../live/player-gate'
import { MessageRouter } from '../live/routed-message'
import { StreamHeaders } from '../live/stream-headers'
import type { MediaMessage } from '../media/media-message'
import type { RelayQueueLimits } from './relay-queue-limits'

/**
 * What `RelayFeed.push` did with a message:
 * - `queued`: it is in the queue;
 * - `waiting`: held back: the feed (re)starts only at a keyframe (metadata and headers are kept and sent then);
 * - `dropped`: congestion: a video frame that depends on others was dropped, and so will the rest of its GOP be;
 * - `overflow`: the queue passed a hard limit; it was emptied and waits for a keyframe: reconnect the destination.
 */
export type FeedResult = 'queued' | 'waiting' | 'dropped' | 'overflow'

/**
 * The bounded queue between a live stream and one relay destination, with its drop policy. Pure: no timers,
 * no I/O; the owner calls `push` for each message of the source and `shift` when the destination can take one.
 *
 * Messages are classified as the live hub does (`MessageRouter`, `gateFrameOf`). Enhanced RTMP multitrack is
 * relayed as published, its headers kept per track (`StreamHeaders`: each track's sequence header, HDR
 * colorInfo, multichannel config, and onMetaData); a "keyframe" below is a key frame of the default track
 * (trackId 0), the hub's GOP boundary. Legacy and single-track streams are track 0 alone.
 *
 * Invariants:
 * - what comes out starts with the metadata and every track's headers, then a keyframe (or, for a stream
 *   without video, an audio frame), after construction and after every `restart()`, stamped with that frame's
 *   time; a key frame of another track alone never starts it;
 * - metadata, headers, other data, audio and keyframes are never dropped; a video frame that depends on others
 *   is dropped when the queue is over a soft limit, and then every such frame up to the next keyframe is
 *   dropped too, so no frame ever goes out whose reference was dropped (a GOP may lose its tail, never its
 *   middle; other tracks follow track 0's GOPs, as for the hub's players);
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
  private readonly router = new MessageRouter()
  private readonly headers = new StreamHeaders()
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
    const r = this.router.route(msg)
    this.headers.update(r)
    if (msg.type === 'video') this.hasVideo = true
    if (r.kind === 'header') {
      if (this.needStart) return 'waiting'
      this.enqueue(msg)
      return this.checkHard()
    }
    const syncPoint = r.kind === 'keyframe' || (msg.type === 'audio' && !this.hasVideo)
    if (syncPoint && (this.needStart || this.holding)) {
      this.startAt(msg)
      return this.checkHard()
    }
    if (this.needStart) return 'waiting'
    const frame = gateFrameOf(r)
    if (frame !== 'other' && !this.gopDrop.pass(frame === 'keyframe', this.congested)) return 'dropped'
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

  /** The destination is gone: empty the queue; the next one starts with metadata, every track's headers and a keyframe. */
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
    this.headers.clear()
    this.router.reset()
    this.hasVideo = false
  }

  private startAt(msg: MediaMessage): void {
    this.restart()
    this.needStart = false
    const ts = msg.timestamp
    // metadata, then each track's video headers, then audio: in arrival order within a kind (see StreamHeaders)
    for (const m of this.headers.replay(true)) {
      this.enqueue(m.timestamp === ts ? m : { type: m.type, timestamp: ts, data: m.data })
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
