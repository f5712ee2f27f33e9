import { ChunkError } from '../errors'
import { MessageType } from '../message/message-type'
import {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_HEADER_SIZE,
  createChunkHeader,
  readBasicHeader,
  readMessageHeader,
  type ChunkHeader,
} from './chunk-header'
import { normalizeChunkLimits, type ChunkLimits } from './chunk-limits'
import { MessageAssembler, type ChunkStream } from './message-assembler'
import type { RawMessage } from './raw-message'

/**
 * Turns the inbound chunk stream (everything after the handshake) into RawMessages. Pure: no sockets,
 * no timers. Bytes may be fed in any split; a chunk header cut across inputs is kept in an 18-byte stash.
 *
 * Timestamps: fmt 0 sets the absolute timestamp; fmt 1/2 add their delta; fmt 3 starting a new message
 * adds the previous delta again. After a fmt 0 header that "delta" is the fmt 0 timestamp itself
 * (ffmpeg and librtmp behave so: fmt 0 at 26 then fmt 3 gives 52). All arithmetic is modulo 2^32.
 *
 * A fmt 0/1/2 header in the middle of a message is accepted as a continuation if it repeats the
 * message's length, type and stream id (its timestamp is ignored); otherwise RTMP_ERR_PROTOCOL.
 */
export class ChunkReader {
  private readonly limits: ChunkLimits
  private readonly assembler: MessageAssembler
  private readonly header: ChunkHeader = createChunkHeader()
  private size = DEFAULT_CHUNK_SIZE
  /** Chunk stream whose chunk data is being read, and how much of that chunk's data is still to come. */
  private stream: ChunkStream | null = null
  private chunkLeft = 0
  /** Start of a header that arrived cut across inputs. */
  private readonly stash = new Uint8Array(MAX_CHUNK_HEADER_SIZE)
  private stashLength = 0
  private failed = false
  private failure: unknown

  /** @throws RangeError for invalid limits. */
  constructor(limits?: Partial<ChunkLimits>) {
    this.limits = normalizeChunkLimits(limits)
    this.assembler = new MessageAssembler(this.limits)
  }

  /** Incoming chunk size currently in force (128 until the peer's Set Chunk Size). */
  get chunkSize(): number {
    return this.size
  }

  /**
   * Feeds bytes in any split; calls `onMessage(msg, csid)` for each complete message, in order.
   * Set Chunk Size (type 1, any csid) takes effect before the next byte is parsed; Abort (type 2) drops
   * the partial message of the csid it names. Both are still delivered.
   *
   * Payloads stay valid after return: either a view of `bytes` (the whole message sat in one chunk of
   * one input) or a buffer of exactly the message's length that the reader never touches again.
   * Caller obligations: never reuse or mutate an input buffer after passing it. An error thrown by
   * `onMessage` propagates, and the rest of that input is never parsed.
   *
   * @throws ChunkError RTMP_ERR_CHUNK_SIZE, RTMP_ERR_CHUNK_STREAM_LIMIT, RTMP_ERR_MESSAGE_TOO_LARGE,
   *   RTMP_ERR_BUFFER_LIMIT, RTMP_ERR_NO_PREVIOUS_HEADER, RTMP_ERR_PROTOCOL. After any throw (these, or
   *   one from `onMessage`) the reader is unusable: every later call throws the same error; end the session.
   */
  receive(bytes: Uint8Array, onMessage: (msg: RawMessage, csid: number) => void): void {
    if (this.failed) throw this.failure
    try {
      this.parse(bytes, onMessage)
    } catch (err) {
      // Bytes after the failure point are lost, so parsing on would misread the stream.
      this.failed = true
      this.failure = err
      throw err
    }
  }

  private parse(bytes: Uint8Array, onMessage: (msg: RawMessage, csid: number) => void): void {
    const end = bytes.length
    let off = 0
    while (off < end) {
      const s = this.stream
      if (s !== null) {
        const n = Math.min(this.chunkLeft, end - off)
        const msg = this.assembler.append(s, bytes, off, off + n)
        off += n
        this.chunkLeft -= n
        if (this.chunkLeft === 0) this.stream = null
        if (msg !== null) this.deliver(msg, s.csid, onMessage)
        continue
      }
      if (this.stashLength === 0 && end - off >= MAX_CHUNK_HEADER_SIZE) {
        off += this.readHeader(bytes, off, end)
      } else {
        // Slow path: a header may be cut here. Stash up to 18 bytes; that always holds a whole header.
        const had = this.stashLength
        const take = Math.min(MAX_CHUNK_HEADER_SIZE - had, end - off)
        this.stash.set(bytes.subarray(off, off + take), had)
        const size = this.readHeader(this.stash, 0, had + take)
        if (size === 0) {
          this.stashLength = had + take
          return
        }
        this.stashLength = 0
        off += size - had
      }
      this.startChunk(onMessage)
    }
  }

  /** Parses one header into `this.header`. @returns its size, or 0 when incomplete. */
  private readHeader(bytes: Uint8Array, off: number, end: number): number {
    const h = this.header
    const basic = readBasicHeader(bytes, off, end, h)
    if (basic === 0) return 0
    const extendedOnFmt3 = h.fmt === 3 && (this.assembler.get(h.csid)?.extended ?? false)
    const rest = readMessageHeader(bytes, off + basic, end, h, extendedOnFmt3)
    return rest < 0 ? 0 : basic + rest
  }

  private startChunk(onMessage: (msg: RawMessage, csid: number) => void): void {
    const s = this.assembler.applyHeader(this.header)
    const left = s.length - s.received
    if (left === 0) {
      this.deliver(this.assembler.completeEmpty(s), s.csid, onMessage)
      return
    }
    this.chunkLeft = left < this.size ? left : this.size
    this.stream = s
  }

  private deliver(msg: RawMessage, csid: number, onMessage: (msg: RawMessage, csid: number) => void): void {
    if (msg.typeId === MessageType.SetChunkSize) this.size = this.chunkSizeFrom(msg.payload)
    else if (msg.typeId === MessageType.Abort && msg.payload.length >= 4) this.assembler.abort(u32be(msg.payload))
    onMessage(msg, csid)
  }

  private chunkSizeFrom(p: Uint8Array): number {
    if (p.length < 4) throw new ChunkError('RTMP_ERR_CHUNK_SIZE', `Set Chunk Size payload has ${p.length} bytes, need 4`)
    const size = u32be(p)
    if (size === 0 || size > 0x7fffffff || size > this.limits.maxChunkSize) {
      throw new ChunkError('RTMP_ERR_CHUNK_SIZE', `peer chunk size ${size} outside 1..${this.limits.maxChunkSize}`)
    }
    return size
  }
}

function u32be(p: Uint8Array): number {
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0
}
