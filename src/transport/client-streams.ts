import type { AmfObject } from '../amf/amf-value'
import { encodeAmf0 } from '../amf/amf0-encoder'
import { ClosedError, type RtmpError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import { addSetDataFrame } from '../message/set-data-frame'
import type { PlayParams } from '../session/client-session'
import { MediaReader, type FlowSwitch } from './media-reader'
import { PlayHistory } from './play-switch'

/**
 * The read switch of a client play stream, which can move to another connection (reconnect): a paused
 * stream stays paused on the new connection and releases the old one.
 */
export class MovableFlow implements FlowSwitch {
  private paused = false

  constructor(private target: FlowSwitch) {}

  pause(): void {
    this.paused = true
    this.target.pause()
  }

  resume(): void {
    this.paused = false
    this.target.resume()
  }

  moveTo(target: FlowSwitch): void {
    if (this.paused) {
      this.target.resume()
      target.pause()
    }
    this.target = target
  }
}

/** What a play asked for, to ask again on a new connection. */
export interface PlayArguments {
  readonly params: PlayParams
  readonly bufferLength: number
}

/**
 * Media a client receives from `play()`: `media` and `status` events, and an async iterator of MediaMessage.
 * When the client follows a reconnect request the stream moves to the new connection and goes on: the
 * iterator does not end, and `streamId` becomes the id on the new connection.
 */
export class ClientPlayStream extends MediaReader {
  /** what it delivered lately (where a reconnect may switch connections without repeating frames) */
  readonly history = new PlayHistory()
  private id: number

  constructor(
    streamId: number,
    readonly streamName: string,
    private readonly flowSwitch: MovableFlow,
    onReturn: () => void,
    /** what was asked for (the client plays it again after a reconnect) */
    readonly playArguments: PlayArguments = { params: {}, bufferLength: 3000 },
  ) {
    super(flowSwitch, onReturn)
    this.id = streamId
  }

  /** The message stream id on the connection the stream is on. */
  get streamId(): number {
    return this.id
  }

  override push(msg: MediaMessage): void {
    if (this.ended) return
    this.history.note(msg)
    super.push(msg)
  }

  /** Stops playing and deletes the stream on the server. */
  close(): void {
    if (this.ended) return
    this.finish()
    this.onReturn()
  }

  /** The stream now plays on another connection (transport side). */
  moved(streamId: number, flow: FlowSwitch): void {
    this.id = streamId
    this.flowSwitch.moveTo(flow)
  }
}

/** What a publish stream needs from its client. */
export interface PublishSink {
  /** sends one message; resolves when the socket has taken it (drain-aware) */
  write(stream: ClientPublishStream, msg: MediaMessage): Promise<void>
  unpublish(stream: ClientPublishStream): Promise<void>
  isClosed(): boolean
}

/**
 * A client's publish: takes FLV-tag-shaped media with timestamps. Each write resolves when the socket has
 * taken the bytes (drain-aware), so `await`ing every write applies backpressure. When the client follows a
 * reconnect request the stream moves to the new connection at a keyframe and goes on (see `RtmpClient`).
 */
export class ClientPublishStream {
  private isClosed = false
  private failure: RtmpError | undefined
  private id: number

  constructor(
    private readonly sink: PublishSink,
    streamId: number,
    readonly streamName: string,
    /** the publish mode asked for (the client publishes again with it after a reconnect) */
    readonly mode: 'live' | 'record' | 'append' = 'live',
  ) {
    this.id = streamId
  }

  /** The message stream id on the connection the stream is on. */
  get streamId(): number {
    return this.id
  }

  get closed(): boolean {
    return this.isClosed || this.sink.isClosed()
  }

  writeAudio(timestamp: number, data: Uint8Array): Promise<void> {
    return this.send({ type: 'audio', timestamp, data })
  }

  writeVideo(timestamp: number, data: Uint8Array): Promise<void> {
    return this.send({ type: 'video', timestamp, data })
  }

  /** Sends `@setDataFrame onMetaData {…}` as encoders do. */
  writeMetadata(metadata: AmfObject, timestamp = 0): Promise<void> {
    if (this.closed) return this.closedWrite()
    return this.send({ type: 'data', timestamp, data: encodeAmf0(['@setDataFrame', 'onMetaData', metadata]) })
  }

  /** Sends a data message body as it is (AMF0 bytes, e.g. an FLV script tag). */
  writeData(timestamp: number, payload: Uint8Array): Promise<void> {
    return this.send({ type: 'data', timestamp, data: payload })
  }

  /**
   * Sends one FLV-tag-shaped message (audio, video or AMF0 data). An `onMetaData` script tag goes out as
   * `@setDataFrame onMetaData …`, the form servers store and hand to late joiners.
   */
  write(msg: MediaMessage): Promise<void> {
    if (msg.type === 'data') return this.writeData(msg.timestamp, addSetDataFrame(msg.data))
    return this.send(msg)
  }

  /** FCUnpublish + deleteStream; the connection stays open. */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    if (!this.sink.isClosed()) await this.sink.unpublish(this)
  }

  /** The stream now publishes on another connection (transport side). */
  moved(streamId: number): void {
    this.id = streamId
  }

  /** Ends the stream with an error its later writes reject with (transport side, e.g. a failed reconnect). */
  fail(error: RtmpError): void {
    this.isClosed = true
    this.failure ??= error
  }

  private send(msg: MediaMessage): Promise<void> {
    if (this.closed) return this.closedWrite()
    return this.sink.write(this, msg)
  }

  private closedWrite(): Promise<void> {
    return Promise.reject(this.failure ?? new ClosedError('RTMP_ERR_CLOSED', 'write after the publish stream closed'))
  }
}
