import type { AmfObject, AmfValue } from '../amf/amf-value'
import { ClosedError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import { addSetDataFrame } from '../message/set-data-frame'
import { MediaReader, type FlowSwitch } from './media-reader'

/** Media a client receives from `play()`: `media` and `status` events, and an async iterator of MediaMessage. */
export class ClientPlayStream extends MediaReader {
  constructor(
    readonly streamId: number,
    readonly streamName: string,
    flow: FlowSwitch,
    onReturn: () => void,
  ) {
    super(flow, onReturn)
  }

  /** Stops playing and deletes the stream on the server. */
  close(): void {
    if (this.ended) return
    this.finish()
    this.onReturn()
  }
}

/** What a publish stream needs from its client. */
export interface PublishSink {
  sendAudio(streamId: number, timestamp: number, data: Uint8Array): void
  sendVideo(streamId: number, timestamp: number, data: Uint8Array): void
  sendData(streamId: number, timestamp: number, values: readonly AmfValue[]): void
  sendDataPayload(streamId: number, timestamp: number, payload: Uint8Array): void
  drained(): Promise<void>
  unpublish(streamId: number, name: string): Promise<void>
  isClosed(): boolean
}

/**
 * A client's publish: takes FLV-tag-shaped media with timestamps. Each write resolves when the socket has
 * taken the bytes (drain-aware), so `await`ing every write applies backpressure.
 */
export class ClientPublishStream {
  private isClosed = false

  constructor(
    private readonly sink: PublishSink,
    readonly streamId: number,
    readonly streamName: string,
  ) {}

  get closed(): boolean {
    return this.isClosed || this.sink.isClosed()
  }

  writeAudio(timestamp: number, data: Uint8Array): Promise<void> {
    if (this.closed) return closedWrite()
    this.sink.sendAudio(this.streamId, timestamp, data)
    return this.sink.drained()
  }

  writeVideo(timestamp: number, data: Uint8Array): Promise<void> {
    if (this.closed) return closedWrite()
    this.sink.sendVideo(this.streamId, timestamp, data)
    return this.sink.drained()
  }

  /** Sends `@setDataFrame onMetaData {…}` as encoders do. */
  writeMetadata(metadata: AmfObject, timestamp = 0): Promise<void> {
    if (this.closed) return closedWrite()
    this.sink.sendData(this.streamId, timestamp, ['@setDataFrame', 'onMetaData', metadata])
    return this.sink.drained()
  }

  /** Sends a data message body as it is (AMF0 bytes, e.g. an FLV script tag). */
  writeData(timestamp: number, payload: Uint8Array): Promise<void> {
    if (this.closed) return closedWrite()
    this.sink.sendDataPayload(this.streamId, timestamp, payload)
    return this.sink.drained()
  }

  /**
   * Sends one FLV-tag-shaped message (audio, video or AMF0 data). An `onMetaData` script tag goes out as
   * `@setDataFrame onMetaData …`, the form servers store and hand to late joiners.
   */
  write(msg: MediaMessage): Promise<void> {
    if (msg.type === 'audio') return this.writeAudio(msg.timestamp, msg.data)
    if (msg.type === 'video') return this.writeVideo(msg.timestamp, msg.data)
    return this.writeData(msg.timestamp, addSetDataFrame(msg.data))
  }

  /** FCUnpublish + deleteStream; the connection stays open. */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    if (!this.sink.isClosed()) await this.sink.unpublish(this.streamId, this.streamName)
  }
}

function closedWrite(): Promise<void> {
  return Promise.reject(new ClosedError('RTMP_ERR_CLOSED', 'write after the publish stream closed'))
}
