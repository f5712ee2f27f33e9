import { ChunkReader } from '../chunk/chunk-reader'
import { ChunkWriter } from '../chunk/chunk-writer'
import type { RawMessage } from '../chunk/raw-message'
import type { SharedChunks } from '../chunk/shared-chunks'
import { splitAggregate } from '../message/aggregate'
import { decodeMessage, encodeMessage } from '../message/message-codec'
import { MessageType, PeerBandwidthLimit } from '../message/message-type'
import type { RtmpMessage } from '../message/rtmp-message'
import { ChunkStream } from './chunk-streams'
import { FlowControl } from './flow-control'
import type { SessionAction } from './session-action'
import type { NormalizedSessionOptions } from './session-options'

/** Thrown through the chunk reader to stop parsing once the session closed (never escapes `receive`). */
const STOP: unique symbol = Symbol('session closed')

/** A decoded incoming message with the envelope it came in. */
export interface IncomingMessage {
  readonly streamId: number
  readonly timestamp: number
  readonly message: RtmpMessage
  /** The undecoded payload (for audio/video/data: the bytes to forward without re-encoding). */
  readonly payload: Uint8Array
  readonly typeId: number
}

/**
 * The machinery both session kinds share: chunk reader and writer, flow control (acks, window sizes, pings),
 * aggregate splitting and message decoding. Protocol control is answered here; everything else is handed to
 * `onMessage`. Output accumulates as ordered actions that `take()` returns.
 */
export class SessionCore<E> {
  readonly reader: ChunkReader
  readonly writer: ChunkWriter
  readonly flow = new FlowControl()
  /** Buffer length the peer asked for per stream (SetBufferLength), in ms. */
  readonly bufferLengths = new Map<number, number>()
  private actions: SessionAction<E>[] = []
  private stopped = false
  private readonly options: NormalizedSessionOptions
  private readonly shared: SharedChunks | undefined
  /** chunk streams others wrote full headers on since this writer last wrote (see `headersSentElsewhere`) */
  private elsewhere: readonly number[] | undefined

  /** @param shared the server's serialize-once cache for media sent to many sessions (see `sendShared`) */
  constructor(options: NormalizedSessionOptions, shared?: SharedChunks) {
    this.options = options
    this.shared = shared
    this.reader = new ChunkReader(options.chunkLimits)
    this.writer = new ChunkWriter()
  }

  /** Returns the accumulated actions and starts a new list. */
  take(): SessionAction<E>[] {
    const out = this.actions
    this.actions = []
    return out
  }

  emit(event: E): void {
    this.actions.push({ type: 'event', event })
  }

  /** Asks the transport to close; nothing received after this point is parsed, even within the same call. */
  close(reason: string): void {
    this.stopped = true
    this.actions.push({ type: 'close', reason })
  }

  /** Encodes and chunks one message. */
  send(msg: RtmpMessage, streamId: number, timestamp: number, csid: number): void {
    const { typeId, payload } = encodeMessage(msg)
    this.sendRaw({ typeId, streamId, timestamp, payload }, csid)
  }

  /**
   * Messages with full (fmt 0) headers were sent on `csids` without this writer (a live stream's fan-out
   * lane): its next header on each must be a full one. Cheap, as it is called per lane write: the writer
   * forgets those chunk streams only when it next writes.
   */
  headersSentElsewhere(csids: readonly number[]): void {
    this.elsewhere = csids
  }

  sendRaw(raw: RawMessage, csid: number): void {
    this.forgetElsewhere()
    this.actions.push({ type: 'send', data: this.writer.write(raw, csid) })
  }

  /**
   * Like `sendRaw`, for a message other sessions are sent too (live media): when one of them already asked
   * the shared cache for it, this session sends the same self-contained bytes (fmt 0 first header) and its
   * writer records them, so its next header on `csid` compresses against them.
   */
  sendShared(raw: RawMessage, csid: number): void {
    const bytes = this.shared?.lookup(raw, csid, this.writer.chunkSize)
    if (bytes === undefined) return this.sendRaw(raw, csid)
    this.forgetElsewhere()
    this.writer.recordFullHeader(raw, csid)
    this.actions.push({ type: 'send', data: [bytes] })
  }

  private forgetElsewhere(): void {
    const csids = this.elsewhere
    if (csids === undefined) return
    this.elsewhere = undefined
    for (const c of csids) this.writer.reset(c)
  }

  sendControl(msg: RtmpMessage): void {
    this.send(msg, 0, 0, ChunkStream.Control)
  }

  /** Sends Set Chunk Size and switches the writer (the message itself goes out at the old size). */
  setChunkSize(size: number): void {
    if (size === this.writer.chunkSize) return
    this.sendControl({ type: 'setChunkSize', chunkSize: size })
    this.writer.setChunkSize(size)
  }

  announceWindow(): void {
    this.flow.ownWindow = this.options.windowAckSize
    this.sendControl({ type: 'windowAckSize', size: this.options.windowAckSize })
  }

  /**
   * Feeds received bytes. Protocol control messages are handled here; every other decoded message goes to
   * `onMessage` in arrival order. @throws ChunkError / MessageError on bad input (the session is then unusable).
   */
  receive(bytes: Uint8Array, onMessage: (msg: IncomingMessage) => void): void {
    if (!this.stopped) {
      try {
        this.reader.receive(bytes, (raw) => {
          if (raw.typeId === MessageType.Aggregate) {
            for (const sub of splitAggregate(raw)) this.dispatch(sub, onMessage)
          } else {
            this.dispatch(raw, onMessage)
          }
          if (this.stopped) throw STOP
        })
      } catch (err) {
        if (err !== STOP) throw err
      }
    }
    // every byte counts toward acknowledgements (and bytesReceived), parsed or not
    const ack = this.flow.onReceived(bytes.length)
    if (ack !== undefined && !this.stopped) this.sendControl({ type: 'acknowledgement', sequenceNumber: ack })
  }

  private dispatch(raw: RawMessage, onMessage: (msg: IncomingMessage) => void): void {
    const message = decodeMessage(raw, { amf: this.options.amfLimits })
    switch (message.type) {
      case 'setChunkSize':
      case 'abort':
        return // applied by the chunk reader
      case 'acknowledgement':
        this.flow.peerAcknowledged = message.sequenceNumber
        return
      case 'windowAckSize':
        this.flow.peerWindow = message.size
        return
      case 'setPeerBandwidth':
        // A dynamic limit after a hard one keeps the hard one; either way answer when the window differs.
        if (message.limitType !== PeerBandwidthLimit.Dynamic || this.flow.ownWindow === 0) {
          if (message.size !== this.flow.ownWindow) {
            this.flow.ownWindow = message.size
            this.sendControl({ type: 'windowAckSize', size: message.size })
          }
        }
        return
      case 'userControl': {
        const event = message.event
        if (event.kind === 'pingRequest') {
          this.sendControl({ type: 'userControl', event: { kind: 'pingResponse', timestamp: event.timestamp } })
          return
        }
        // bounded: a peer may name any stream id
        if (event.kind === 'setBufferLength' && (this.bufferLengths.size < 64 || this.bufferLengths.has(event.streamId))) {
          this.bufferLengths.set(event.streamId, event.bufferLength)
        }
        break
      }
      default:
        break
    }
    onMessage({ streamId: raw.streamId, timestamp: raw.timestamp, message, payload: raw.payload, typeId: raw.typeId })
  }
}
