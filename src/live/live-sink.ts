import type { RtmpError } from '../errors'

/**
 * Anything that consumes a live stream: an RTMP player (`PlayStream`), a recorder, a relay to another server,
 * an HTTP-FLV response. Writes take FLV tag bodies; they must not throw and return false when the sink's
 * buffer is over its high-water mark.
 */
export interface LiveSink {
  writeAudio(timestamp: number, data: Uint8Array): boolean
  writeVideo(timestamp: number, data: Uint8Array): boolean
  /** an AMF0 data message body (e.g. `onMetaData` + object) */
  writeData(timestamp: number, payload: Uint8Array): boolean
  /** bytes accepted and not yet delivered; the router drops a sink that lets this grow past its limit */
  readonly bufferedBytes: number
  /** a publisher started on the stream (RTMP players get NetStream.Play.PublishNotify) */
  publishStarted?(streamKey: string): void
  /** the publisher left (RTMP players get StreamEOF + NetStream.Play.UnpublishNotify); the sink stays subscribed */
  publishEnded?(streamKey: string): void
  /** the router gives up on this sink (e.g. RTMP_ERR_SLOW_CONSUMER); it is already unsubscribed */
  abort(error: RtmpError): void
}
