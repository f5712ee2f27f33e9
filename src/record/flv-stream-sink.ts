import type { Writable } from 'node:stream'
import type { RtmpError } from '../errors'
import type { LiveSink } from '../live/live-sink'
import type { MediaMessage } from '../media/media-message'
import { RecordingMuxer } from './recording-muxer'

/**
 * A live stream as one continuous FLV byte stream on any Writable: an HTTP-FLV response (what flv.js and
 * mpegts.js play), a pipe to ffmpeg, a socket. The FLV header, onMetaData and sequence headers come first,
 * then frames from a keyframe on, timestamps from 0. Subscribe it with `server.live.subscribe(app, name, sink)`.
 *
 * `bufferedBytes` is the Writable's queue, so the router drops a reader that stops reading
 * (RTMP_ERR_SLOW_CONSUMER): `abort` destroys the Writable with that error.
 */
export class FlvStreamSink implements LiveSink {
  private readonly muxer = new RecordingMuxer()
  /** LiveSink: FLV carries multitrack as is (the reader picks its tracks) */
  readonly multitrack = true

  constructor(private readonly out: Writable) {
    this.muxer.startFile()
  }

  get bufferedBytes(): number {
    return this.out.writableLength
  }

  /** A new publisher: its frames continue the same FLV timeline from its first keyframe. */
  publishStarted(): void {
    this.muxer.publishStarted()
  }

  /** The publisher left: end the byte stream (an HTTP-FLV player sees the end of the file). */
  publishEnded(): void {
    if (!this.out.writableEnded) this.out.end()
  }

  abort(error: RtmpError): void {
    this.out.destroy(error)
  }

  write(msg: MediaMessage): boolean {
    const out = this.out
    if (out.destroyed || out.writableEnded) return false
    let ok = true
    for (const piece of this.muxer.push(msg)) ok = out.write(piece)
    return ok
  }
}
