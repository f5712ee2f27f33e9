import { Buffer } from 'node:buffer'
import { ChunkError } from '../errors'
import type { ChunkHeader } from './chunk-header'
import type { ChunkLimits } from './chunk-limits'
import type { RawMessage } from './raw-message'

const EMPTY = new Uint8Array(0)
/** Buffer.allocUnsafe serves sizes below this from its shared pool (half of Buffer.poolSize). */
const POOLED_BELOW = 4096
/** First assembly buffer of a message spanning chunks; it doubles (up to the message length) as bytes arrive. */
const INITIAL_CAPACITY = 64 * 1024

/**
 * Small: Node's pooled allocUnsafe is several times cheaper (every byte is written before delivery, so
 * uninitialised memory never escapes). Large: a zeroed Uint8Array measured faster than unpooled.
 */
function allocate(size: number): Uint8Array {
  return size < POOLED_BELOW ? Buffer.allocUnsafe(size) : new Uint8Array(size)
}

/** Per chunk stream: the fields later headers inherit, and the message being assembled. */
export class ChunkStream {
  readonly csid: number
  /** Absolute timestamp of the current (or last) message. */
  timestamp = 0
  /**
   * What a fmt 3 header starting a new message adds to `timestamp`: the last fmt 1/2 delta, or
   * after a fmt 0 header its absolute timestamp (ffmpeg and librtmp both do this, so we match them).
   */
  delta = 0
  length = 0
  typeId = 0
  streamId = 0
  /** The last header used an extended timestamp, so fmt 3 chunks on this csid carry the 4-byte field. */
  extended = false
  /** A message has started and not all of its bytes arrived. */
  inProgress = false
  /** Bytes of the current message received so far. */
  received = 0
  /** Assembly buffer, allocated once at the declared length when the message spans chunks or inputs. */
  buffer: Uint8Array | null = null

  constructor(csid: number) {
    this.csid = csid
  }
}

/**
 * Keeps one partial message per chunk stream and turns chunk payloads into RawMessages.
 * Enforces maxMessageLength, maxChunkStreams and maxBufferedBytes.
 */
export class MessageAssembler {
  private readonly streams = new Map<number, ChunkStream>()
  private readonly limits: ChunkLimits
  /** Bytes reserved by assembly buffers of partial messages. */
  private buffered = 0

  constructor(limits: ChunkLimits) {
    this.limits = limits
  }

  /** Bytes currently reserved for partial messages. */
  get bufferedBytes(): number {
    return this.buffered
  }

  get(csid: number): ChunkStream | undefined {
    return this.streams.get(csid)
  }

  /**
   * Applies a parsed header to its chunk stream: starts a new message or continues the partial one.
   * @returns the chunk stream, with `length - received` bytes of the message still to come.
   * @throws ChunkError RTMP_ERR_NO_PREVIOUS_HEADER (fmt 1–3 on a csid never seen),
   *   RTMP_ERR_CHUNK_STREAM_LIMIT, RTMP_ERR_MESSAGE_TOO_LARGE, RTMP_ERR_PROTOCOL (a header mid-message
   *   that changes the message's length, type or stream id).
   */
  applyHeader(h: ChunkHeader): ChunkStream {
    let s = this.streams.get(h.csid)
    if (s === undefined) {
      if (h.fmt !== 0) {
        throw new ChunkError('RTMP_ERR_NO_PREVIOUS_HEADER', `fmt ${h.fmt} chunk on chunk stream ${h.csid} with no previous header`)
      }
      if (this.streams.size >= this.limits.maxChunkStreams) {
        throw new ChunkError('RTMP_ERR_CHUNK_STREAM_LIMIT', `more than ${this.limits.maxChunkStreams} chunk streams`)
      }
      s = new ChunkStream(h.csid)
      this.streams.set(h.csid, s)
    }
    if (s.inProgress) {
      if (h.fmt !== 3) this.continueWithHeader(s, h)
      return s
    }
    switch (h.fmt) {
      case 0:
        s.streamId = h.streamId
        s.typeId = h.typeId
        s.length = h.length
        s.timestamp = h.timestamp
        s.delta = h.timestamp
        s.extended = h.extended
        break
      case 1:
        s.typeId = h.typeId
        s.length = h.length
        s.delta = h.timestamp
        s.timestamp = (s.timestamp + h.timestamp) >>> 0
        s.extended = h.extended
        break
      case 2:
        s.delta = h.timestamp
        s.timestamp = (s.timestamp + h.timestamp) >>> 0
        s.extended = h.extended
        break
      default:
        // fmt 3 new message: same delta again; when extended, the 4-byte field carries it (ffmpeg reads it so).
        if (s.extended) s.delta = h.timestamp
        s.timestamp = (s.timestamp + s.delta) >>> 0
    }
    if (s.length > this.limits.maxMessageLength) {
      throw new ChunkError('RTMP_ERR_MESSAGE_TOO_LARGE', `message length ${s.length} over limit ${this.limits.maxMessageLength} on chunk stream ${s.csid}`)
    }
    s.inProgress = true
    s.received = 0
    return s
  }

  /** A full or partial header in the middle of a message: tolerated (as ffmpeg and SRS do) if it agrees. */
  private continueWithHeader(s: ChunkStream, h: ChunkHeader): void {
    const changed =
      (h.fmt <= 1 && (h.length !== s.length || h.typeId !== s.typeId)) || (h.fmt === 0 && h.streamId !== s.streamId)
    if (changed) {
      throw new ChunkError('RTMP_ERR_PROTOCOL', `fmt ${h.fmt} header changes the message in progress on chunk stream ${s.csid}`)
    }
    s.extended = h.extended
  }

  /**
   * Adds `bytes[start..end)` (all within the current chunk) to the message in progress on `s`.
   * Zero-copy when the whole message is this one range: the payload is then a view of `bytes`.
   * @returns the complete message, or null while bytes are still missing.
   * @throws ChunkError RTMP_ERR_BUFFER_LIMIT when reserving the assembly buffer would pass maxBufferedBytes.
   */
  append(s: ChunkStream, bytes: Uint8Array, start: number, end: number): RawMessage | null {
    const length = s.length
    const n = end - start
    let buffer = s.buffer
    if (buffer === null) {
      if (n === length) return this.complete(s, bytes.subarray(start, end))
      if (this.buffered + length > this.limits.maxBufferedBytes) {
        throw new ChunkError('RTMP_ERR_BUFFER_LIMIT', `partial messages would hold ${this.buffered + length} bytes, over limit ${this.limits.maxBufferedBytes}`)
      }
      this.buffered += length
      // Memory follows the bytes that arrived, not the length the peer declared: a peer that declares 16 MiB
      // and sends a byte (then Aborts, and again) must not cost 16 MiB each time. Frames up to INITIAL_CAPACITY
      // (all but the largest keyframes) are still allocated once.
      buffer = allocate(Math.min(length, Math.max(INITIAL_CAPACITY, n)))
      s.buffer = buffer
    } else if (s.received + n > buffer.length) {
      const grown = allocate(Math.min(length, Math.max(buffer.length * 2, s.received + n)))
      grown.set(buffer.subarray(0, s.received))
      buffer = grown
      s.buffer = buffer
    }
    buffer.set(bytes.subarray(start, end), s.received)
    s.received += n
    if (s.received < length) return null
    s.buffer = null
    this.buffered -= length
    return this.complete(s, buffer)
  }

  /** Delivers a zero-length message (no chunk data follows its header). */
  completeEmpty(s: ChunkStream): RawMessage {
    return this.complete(s, EMPTY)
  }

  private complete(s: ChunkStream, payload: Uint8Array): RawMessage {
    s.inProgress = false
    s.received = 0
    return { typeId: s.typeId, streamId: s.streamId, timestamp: s.timestamp, payload }
  }

  /** Abort (type 2): drop the partial message on `csid`, keep its header state. */
  abort(csid: number): void {
    const s = this.streams.get(csid)
    if (s === undefined || !s.inProgress) return
    if (s.buffer !== null) this.buffered -= s.length
    s.buffer = null
    s.inProgress = false
    s.received = 0
  }
}
