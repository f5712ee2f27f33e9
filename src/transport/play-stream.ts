import { EventEmitter } from 'node:events'
import type { AmfValue } from '../amf/amf-value'
import type { RtmpError } from '../errors'
import { NetStreamCode } from '../message/status'
import type { LaneFormat } from '../live/fanout-lane'
import type { ChunkedSink, LiveSink } from '../live/live-sink'
import type { MediaMessage } from '../media/media-message'
import type { ServerConnection } from './server-connection'

export interface PlayStreamSink {
  sendAudio(streamId: number, timestamp: number, data: Uint8Array): boolean
  sendVideo(streamId: number, timestamp: number, data: Uint8Array): boolean
  sendDataPayload(streamId: number, timestamp: number, payload: Uint8Array): boolean
  sendData(streamId: number, timestamp: number, values: readonly AmfValue[]): boolean
  sendStatus(streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string): void
  endPlay(streamId: number, code: string, description: string): void
  sendStreamIsRecorded(streamId: number): void
  /** recorded streams (VOD): see ServerSession.notifySeek / completePlay */
  notifySeek(streamId: number, position: number): void
  completePlay(streamId: number, timestamp: number, info: PlayComplete): void
  pendingBytes(): number
  drained(): Promise<void>
  /** the format shared chunk bytes must have for this stream now, undefined when it cannot take them */
  laneFormat(streamId: number): LaneFormat | undefined
  /** writes chunk bytes made for that format (see ChunkedSink) */
  writeChunks(bytes: Uint8Array): boolean
  writeHighWaterMark(): number
}

/** What `onPlayStatus` NetStream.Play.Complete reports: media duration (s) and bytes sent. */
export interface PlayComplete {
  duration?: number
  bytes?: number
}

export interface PlayStreamEvents {
  /** the player left (closeStream/deleteStream/disconnect); `error` if the connection failed */
  close: [RtmpError | undefined]
  pause: [boolean]
  /** the player asked to seek (ms); live streams ignore it unless the application handles it */
  seek: [number]
}

/**
 * Media going to one player on the server (a `LiveSink`, so the live router can feed it). Writes return false when the connection's send buffer is over its
 * high-water mark (`drained()` resolves when it is not); they never throw once the player has gone.
 */
export class PlayStream extends EventEmitter<PlayStreamEvents> implements LiveSink, ChunkedSink {
  private isClosed = false
  private isPaused = false
  private receivesAll = true
  /** `laneFormat` while it holds (null: to be worked out); read per message per player, so kept */
  private format: LaneFormat | undefined | null = null

  constructor(
    private readonly sink: PlayStreamSink,
    readonly connection: ServerConnection,
    readonly streamId: number,
    readonly streamName: string,
    readonly query: Readonly<Record<string, string>>,
    readonly start: number,
    readonly duration: number,
  ) {
    super()
  }

  get app(): string {
    return this.connection.app
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** LiveSink: every track of a multitrack stream only if the player announced the capsEx Multitrack bit */
  get multitrack(): boolean {
    return this.connection.capabilities.multitrack
  }

  /** player paused (it asked to); writes are dropped by the session meanwhile */
  get paused(): boolean {
    return this.isPaused
  }

  set paused(paused: boolean) {
    this.isPaused = paused
    this.format = null
  }

  /** @internal false while the player turned audio or video off (receiveAudio / receiveVideo false) */
  set receives(all: boolean) {
    this.receivesAll = all
    this.format = null
  }

  /** LiveSink: a player takes media as chunk bytes shared with the other players of a live stream */
  get chunked(): ChunkedSink {
    return this
  }

  /** ChunkedSink: the format shared chunk bytes need for this player, while it takes every message as it is */
  get laneFormat(): LaneFormat | undefined {
    if (this.format !== null) return this.format
    // the chunk size is set at connect, before any play: only pausing, receiveAudio/Video and closing change it
    return (this.format = this.isClosed || this.isPaused || !this.receivesAll ? undefined : this.sink.laneFormat(this.streamId))
  }

  /** ChunkedSink: whole messages chunked for `laneFormat` */
  writeChunks(bytes: Uint8Array): boolean {
    return !this.isClosed && this.sink.writeChunks(bytes)
  }

  /** ChunkedSink */
  get writeHighWaterMark(): number {
    return this.sink.writeHighWaterMark()
  }

  /** bytes written to this player's connection and not yet sent */
  get bufferedBytes(): number {
    return this.sink.pendingBytes()
  }

  /** LiveSink: one message, by type. */
  write(msg: MediaMessage): boolean {
    if (msg.type === 'video') return this.writeVideo(msg.timestamp, msg.data)
    if (msg.type === 'audio') return this.writeAudio(msg.timestamp, msg.data)
    return this.writeData(msg.timestamp, msg.data)
  }

  writeAudio(timestamp: number, data: Uint8Array): boolean {
    return !this.isClosed && this.sink.sendAudio(this.streamId, timestamp, data)
  }

  writeVideo(timestamp: number, data: Uint8Array): boolean {
    return !this.isClosed && this.sink.sendVideo(this.streamId, timestamp, data)
  }

  /** An AMF0-encoded data message body (e.g. an FLV script tag's bytes, `onMetaData` + object). */
  writeData(timestamp: number, payload: Uint8Array): boolean {
    return !this.isClosed && this.sink.sendDataPayload(this.streamId, timestamp, payload)
  }

  /** onMetaData with these properties. */
  writeMetadata(metadata: Record<string, AmfValue>, timestamp = 0): boolean {
    return !this.isClosed && this.sink.sendData(this.streamId, timestamp, ['onMetaData', metadata])
  }

  sendStatus(code: string, description: string, level: 'status' | 'error' | 'warning' = 'status'): void {
    if (!this.isClosed) this.sink.sendStatus(this.streamId, level, code, description)
  }

  drained(): Promise<void> {
    return this.sink.drained()
  }

  /** StreamIsRecorded: what a server sends before serving a file. */
  markRecorded(): void {
    if (!this.isClosed) this.sink.sendStreamIsRecorded(this.streamId)
  }

  /**
   * A recorded stream (a file) moved to `position` ms after the player's seek: StreamEOF,
   * NetStream.Seek.Notify, StreamBegin, NetStream.Play.Start. Send the media from the new position after it.
   */
  notifySeek(position: number): void {
    if (!this.isClosed) this.sink.notifySeek(this.streamId, position)
  }

  /**
   * A recorded stream played to its end: StreamEOF, `onPlayStatus` NetStream.Play.Complete (stamped
   * `timestamp`, the last media timestamp), NetStream.Play.Stop. The player may still seek afterwards.
   */
  complete(timestamp: number, info: PlayComplete = {}): void {
    if (!this.isClosed) this.sink.completePlay(this.streamId, timestamp, info)
  }

  /** Ends playback: StreamEOF and Play.UnpublishNotify (live) or the code given (e.g. Play.Stop for files). */
  end(code: string = NetStreamCode.PlayUnpublishNotify, description = 'Stream ended.'): void {
    if (!this.isClosed) this.sink.endPlay(this.streamId, code, description)
  }

  /** LiveSink: a publisher started on the stream this player waits on. */
  publishStarted(streamKey: string): void {
    this.sendStatus('NetStream.Play.PublishNotify', `${streamKey} is now published.`)
  }

  /** LiveSink: the publisher left; the player stays and waits for the next one. */
  publishEnded(streamKey: string): void {
    this.end('NetStream.Play.UnpublishNotify', `${streamKey} is now unpublished.`)
  }

  /** Ends this player's connection with `error` (e.g. RTMP_ERR_SLOW_CONSUMER). */
  abort(error: RtmpError): void {
    this.connection.destroy(error)
  }

  /** @internal transport side */
  markClosed(error?: RtmpError): void {
    if (this.isClosed) return
    this.isClosed = true
    this.format = undefined
    this.emit('close', error)
  }
}
