import { isOnMetaData } from '../live/script-data'
import { isKeyframe, isSequenceHeader, audioInfo, videoInfo } from '../media/flv-tag'
import type { MediaMessage } from '../media/media-message'
import { stripSetDataFrame } from '../message/set-data-frame'

/** Most bytes a moving publish stream holds (from a keyframe on) while the new connection gets ready. */
export const DEFAULT_MAX_HOLD_BYTES = 8 * 1024 * 1024

export type RouteState = 'direct' | 'atBoundary' | 'moving'

/**
 * How the writes of a client publish stream move to a new connection after a reconnect request, GOP-safe:
 *
 * - `direct`: writes go to the connection the stream is on.
 * - `atBoundary`: the new connection is ready; writes still go to the old one up to the next boundary (a
 *   video keyframe; any audio frame for a stream without video), where the stream leaves the old connection.
 * - `moving`: the stream left the old connection (at a boundary, or because it was lost). Writes are held
 *   from a boundary on (bounded: past `maxHoldBytes` the hold starts over at the next boundary) until the
 *   stream is published on the new connection; what came before the first boundary is dropped. The new
 *   connection then gets the last metadata and sequence headers, then the held writes, then live writes.
 *
 * Pure bookkeeping: the client sends what `write()` and `published()` return.
 */
export class PublishRoute {
  private current: RouteState = 'direct'
  private ready = false
  private held: MediaMessage[] = []
  private heldBytes = 0
  private hasVideo = false
  private metadata: MediaMessage | undefined
  private videoHeader: MediaMessage | undefined
  private audioHeader: MediaMessage | undefined

  constructor(private readonly maxHoldBytes = DEFAULT_MAX_HOLD_BYTES) {}

  get state(): RouteState {
    return this.current
  }

  /** The new connection is ready: keep writing to the old one up to the next boundary. */
  prepare(): void {
    if (this.current === 'direct') this.current = 'atBoundary'
  }

  /** Leave the old connection now (a boundary was reached, or the old connection is gone). */
  move(): void {
    this.current = 'moving'
    this.ready = false
    this.clearHold()
  }

  /** A move did not happen after all (the new connection failed while the old one still works). */
  cancel(): void {
    if (this.current === 'atBoundary') this.current = 'direct'
  }

  /** True when the stream may change connection right before `msg`. */
  isBoundary(msg: MediaMessage): boolean {
    if (msg.type === 'video') return isKeyframe(msg.data)
    return msg.type === 'audio' && !this.hasVideo && !isSequenceHeader('audio', msg.data)
  }

  /**
   * Passes one write. Returns 'send' when it goes to the connection the stream is on, or else (while moving)
   * the messages to send on the new connection now: none while it is held or dropped.
   */
  write(msg: MediaMessage): 'send' | MediaMessage[] {
    this.remember(msg)
    if (this.current !== 'moving') return 'send'
    if (this.held.length === 0) {
      if (!this.isBoundary(msg)) return [] // a new connection cannot start mid-GOP
      this.held = this.preamble(msg.timestamp)
      this.heldBytes = 0
    }
    this.held.push(msg)
    this.heldBytes += msg.data.byteLength
    if (this.heldBytes > this.maxHoldBytes) {
      this.clearHold()
      return []
    }
    return this.ready ? this.release() : []
  }

  /** The stream is published on the new connection: what to send there now (more may follow from `write`). */
  published(): MediaMessage[] {
    if (this.current !== 'moving') return []
    this.ready = true
    return this.held.length > 0 ? this.release() : []
  }

  private release(): MediaMessage[] {
    const out = this.held
    this.clearHold()
    this.current = 'direct'
    return out
  }

  private clearHold(): void {
    this.held = []
    this.heldBytes = 0
  }

  /** Keeps what a new connection needs before a keyframe: the last onMetaData and sequence headers. */
  private remember(msg: MediaMessage): void {
    if (msg.type === 'video') {
      this.hasVideo ||= videoInfo(msg.data)?.command === undefined
      if (isSequenceHeader('video', msg.data)) this.videoHeader = msg
    } else if (msg.type === 'audio') {
      if (audioInfo(msg.data)?.isSequenceHeader) this.audioHeader = msg
    } else if (isOnMetaData(stripSetDataFrame(msg.data) ?? msg.data)) {
      this.metadata = msg
    }
  }

  /** Metadata and sequence headers, stamped like the write they precede (timestamps must not go back). */
  private preamble(timestamp: number): MediaMessage[] {
    const out: MediaMessage[] = []
    for (const m of [this.metadata, this.videoHeader, this.audioHeader]) if (m) out.push({ type: m.type, timestamp, data: m.data })
    return out
  }
}
