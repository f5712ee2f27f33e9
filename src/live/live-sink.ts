import type { RtmpError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import type { LaneFormat } from './fanout-lane'

/**
 * A sink that can be sent chunk bytes made once for many sinks (an RTMP player): the live stream then writes
 * each message (or each batch of messages) to it as bytes shared with every other player of the same format,
 * with no per-player encoding and no per-message decisions while it keeps up (see `FanoutLane`).
 */
export interface ChunkedSink {
  /**
   * the format shared bytes must have for this sink now, or undefined while it cannot take them as they are
   * (closed, paused, audio or video turned off): the same object as long as the format stays the same
   */
  readonly laneFormat: LaneFormat | undefined
  /** writes whole messages chunked for `laneFormat`; false when its buffer is over `writeHighWaterMark` */
  writeChunks(bytes: Uint8Array): boolean
  /** unsent bytes at which writes return false */
  readonly writeHighWaterMark: number
}

/**
 * Anything that consumes a live stream: an RTMP player (`PlayStream`), a recorder, a relay to another server,
 * an HTTP-FLV response. `write` takes FLV-tag-shaped messages; it must not throw and returns false when the
 * sink's buffer is over its high-water mark.
 */
export interface LiveSink {
  /** one message: an audio/video FLV tag body, or an AMF0 data body (e.g. `onMetaData` + object) */
  write(msg: MediaMessage): boolean
  /** bytes accepted and not yet delivered; the router drops a sink that lets this grow past its limit */
  readonly bufferedBytes: number
  /**
   * true for a sink that queues and drops by a policy of its own (a recorder, a relay destination): the router
   * then applies only `players.maxBufferedBytes`, not the player drop policy (`dropBufferedBytes`, `maxLagMs`)
   */
  readonly ownsQueue?: boolean
  /**
   * takes Enhanced RTMP multitrack messages as published (every track); otherwise the router sends it the
   * default track (trackId 0) only, as single-track messages. RTMP players: the capsEx Multitrack bit.
   * Read once, when the sink subscribes.
   */
  readonly multitrack?: boolean
  /** set by sinks that take shared chunk bytes (RTMP players) */
  readonly chunked?: ChunkedSink
  /** a publisher started on the stream (RTMP players get NetStream.Play.PublishNotify) */
  publishStarted?(streamKey: string): void
  /** the publisher left (RTMP players get StreamEOF + NetStream.Play.UnpublishNotify); the sink stays subscribed */
  publishEnded?(streamKey: string): void
  /** the router gives up on this sink (e.g. RTMP_ERR_SLOW_CONSUMER); it is already unsubscribed */
  abort(error: RtmpError): void
}
