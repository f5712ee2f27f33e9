import type { MediaMessage } from '../media/media-message'
import { GopDrop } from './gop-drop'
import type { PlayerLimits } from './live-options'
import { routeMessage, type RoutedMessage } from './routed-message'

/**
 * What the gate needs to know of a message: a keyframe, a video frame that depends on earlier ones, or
 * anything else, which is never dropped (audio, data, sequence headers, end of sequence, video metadata and
 * command frames).
 */
export type GateFrame = 'keyframe' | 'dependent' | 'other'

/** `send` it now, `drop` it (this subscriber never gets it), or `disconnect` the subscriber (see `reason`). */
export type GateDecision = 'send' | 'drop' | 'disconnect'

/** The limit a disconnected subscriber broke: too many unsent bytes, or over the drop limit for too long. */
export type SlowBound = 'maxBufferedBytes' | 'maxLagMs'

/**
 * A sink may say that it queues and drops by a policy of its own (a recorder, a relay destination): the gate
 * then applies only the hard `maxBufferedBytes` limit to it.
 */
export interface QueueOwner {
  readonly ownsQueue?: boolean
}

/** Video frame types (byte 0 bits 4-6, legacy and Enhanced alike) of frames that depend on no other. */
const KEY = 1
const GENERATED_KEY = 4
const COMMAND = 5

/** What the gate makes of `msg` on its own (see `gateFrameOf`; the live hub uses that, with its classification). */
export function gateFrame(msg: MediaMessage): GateFrame {
  return gateFrameOf(routeMessage(msg))
}

/**
 * The gate's view of a published message, from the live hub's classification (`routeMessage`, worked out
 * once per message and shared by every subscriber): no second parse. A keyframe is a key frame of the default
 * track (trackId 0), the hub's GOP boundary. That is what a single-track sink gets (its track-0 projection;
 * messages without track 0 never reach it), and multitrack sinks are gated on the same boundary: a drop that
 * starts on any track ends at the next track-0 keyframe. Key frames of other tracks (in messages without track
 * 0) pass like headers, so a track whose key frame comes before track 0's still restarts cleanly; they do not
 * end a drop. A track whose key frames are not aligned with track 0's may stay broken until its next one.
 *
 * Any other video is `dependent` unless its frame type says it depends on nothing: a SequenceEnd or AVC end of
 * sequence (frame type key), a command frame. Unparseable video counts as a frame of a codec we do not know.
 */
export function gateFrameOf(r: RoutedMessage): GateFrame {
  if (r.msg.type !== 'video' || r.kind === 'header') return 'other'
  if (r.kind === 'keyframe') return 'keyframe'
  if (r.clears.length > 0) return 'other' // an Enhanced SequenceEnd, whatever its frame type
  const frameType = ((r.msg.data[0] ?? 0) >> 4) & 0x07
  return frameType === KEY || frameType === GENERATED_KEY || frameType === COMMAND ? 'other' : 'dependent'
}

/**
 * The drop policy of one subscriber of a live stream, decided message by message from the bytes its sink
 * holds unsent. Pure: the caller gives the time (its `LiveClock`); there are no timers.
 *
 * - Over `dropBufferedBytes` a dependent (non-key) video frame is dropped, and so is every video frame after
 *   it up to the next keyframe (`GopDrop`): the subscriber loses GOP tails, never a frame's reference.
 * - Keyframes, sequence headers, metadata, data and audio always pass. Nothing is held back or reordered:
 *   what is sent goes out at once, in the publisher's order, so audio never overtakes the video it was
 *   published with (it only keeps playing over a frozen picture while video is being dropped).
 * - `disconnect` once the sink holds more than `maxBufferedBytes` (hard), or has been over `dropBufferedBytes`
 *   at every message for more than `maxLagMs` (it stays behind even with video dropped).
 *
 * With `ownsQueue` only the hard limit applies.
 */
export class PlayerGate {
  private readonly gop = new GopDrop()
  /** clock time of the first message in the current run over the drop limit */
  private congestedSince: number | undefined
  private brokenBound: SlowBound | undefined

  constructor(
    private readonly limits: PlayerLimits,
    private readonly ownsQueue = false,
  ) {}

  /** video frames this subscriber did not get */
  get dropped(): number {
    return this.gop.dropped
  }

  /** the limit behind the last `disconnect` */
  get bound(): SlowBound | undefined {
    return this.brokenBound
  }

  /** why the last `disconnect`, in words */
  get reason(): string | undefined {
    const l = this.limits
    if (this.brokenBound === 'maxBufferedBytes') return `over ${l.maxBufferedBytes} bytes waiting to be sent`
    if (this.brokenBound === 'maxLagMs') return `over ${l.dropBufferedBytes} bytes waiting to be sent for more than ${l.maxLagMs} ms`
    return undefined
  }

  /** neither congested at the last message nor dropping up to a keyframe: every message would be sent */
  get clear(): boolean {
    return this.congestedSince === undefined && !this.gop.dropping
  }

  /** Before writing a message: what to do with it, given what the sink holds unsent now. */
  decide(frame: GateFrame, bufferedBytes: number, now: number): GateDecision {
    if (this.afterWrite(bufferedBytes) === 'disconnect') return 'disconnect'
    if (this.ownsQueue) return 'send'
    const congested = bufferedBytes > this.limits.dropBufferedBytes
    if (!congested) {
      this.congestedSince = undefined
    } else if (this.congestedSince === undefined) {
      this.congestedSince = now
    } else if (now - this.congestedSince > this.limits.maxLagMs) {
      this.brokenBound = 'maxLagMs'
      return 'disconnect'
    }
    if (frame === 'other') return 'send'
    return this.gop.pass(frame === 'keyframe', congested) ? 'send' : 'drop'
  }

  /** After a write: `disconnect` when the sink now holds more than `maxBufferedBytes`, else `send`. */
  afterWrite(bufferedBytes: number): 'send' | 'disconnect' {
    if (bufferedBytes <= this.limits.maxBufferedBytes) return 'send'
    this.brokenBound = 'maxBufferedBytes'
    return 'disconnect'
  }
}
