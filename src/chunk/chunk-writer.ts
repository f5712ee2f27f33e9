import {
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP,
  MAX_CHUNK_STREAM_ID,
  MESSAGE_HEADER_SIZE,
  MIN_CHUNK_STREAM_ID,
  basicHeaderSize,
  writeBasicHeader,
  writeMessageHeader,
  type ChunkFormat,
} from './chunk-header'
import type { RawMessage } from './raw-message'

/** Header bytes are carved from slabs this big, so a message costs no header allocation of its own. */
const SLAB_SIZE = 16 * 1024

/** What the last message written on a csid looked like (what the next header is compressed against). */
class WriterStream {
  timestamp = 0
  /** Timestamp field of the last header: the delta for fmt 1/2/3, the absolute value for fmt 0. */
  delta = 0
  length = 0
  typeId = 0
  streamId = 0
  /** The last header was fmt 1/2 (or a fmt 3 reusing one), so fmt 3 may repeat its delta. */
  deltaReusable = false
}

/**
 * Splits outgoing messages into chunks with compressed headers (RTMP 1.0 §5.3.1):
 * fmt 0 for the first message on a csid, a new message stream id, or a timestamp going backwards
 * (a modulo-2^32 step of 2^31 or more); fmt 1 when length or type changed; fmt 2 when only the delta
 * changed; fmt 3 when the delta repeats a fmt 1/2 delta. Never fmt 3 right after fmt 0: ffmpeg and
 * librtmp would add the fmt 0 timestamp as the delta.
 *
 * Caller obligations: write the returned pieces in order, and messages in the order they were chunked
 * (each header is compressed against the previous one on its csid). Pieces are views: payload pieces
 * share the message's memory, header pieces may repeat (continuation headers of one message are one
 * view) — never mutate them or the payload until they have been written.
 */
export class ChunkWriter {
  private size: number
  private readonly streams = new Map<number, WriterStream>()
  private slab = new Uint8Array(SLAB_SIZE)
  private slabUsed = 0

  /** @throws RangeError when `chunkSize` is not in 1..0x7FFFFFFF. */
  constructor(options: { chunkSize?: number } = {}) {
    this.size = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE)
  }

  get chunkSize(): number {
    return this.size
  }

  /**
   * Sets the outgoing chunk size for messages written after this call. The caller sends the Set Chunk
   * Size message itself, written with the old size before calling this.
   * @throws RangeError when `size` is not an integer in 1..0x7FFFFFFF.
   */
  setChunkSize(size: number): void {
    this.size = checkChunkSize(size)
  }

  /**
   * Chunks one message on chunk stream `csid`. Timestamp and stream id are taken modulo 2^32.
   * @returns the pieces to write, in order: header views interleaved with payload views (no copy).
   * @throws RangeError when csid is not in 2..65599, the payload is longer than 0xFFFFFF bytes,
   *   or typeId is not an integer in 0..255.
   */
  write(msg: RawMessage, csid: number): Uint8Array[] {
    const payload = msg.payload
    const length = payload.length
    const typeId = msg.typeId
    if (!(csid >= MIN_CHUNK_STREAM_ID && csid <= MAX_CHUNK_STREAM_ID) || !Number.isInteger(csid)) {
      throw new RangeError(`chunk stream id must be an integer in 2..65599, got ${csid}`)
    }
    if (length > 0xffffff) throw new RangeError(`message length ${length} over 0xFFFFFF`)
    if (!(typeId >= 0 && typeId <= 255) || !Number.isInteger(typeId)) {
      throw new RangeError(`message type id must be an integer in 0..255, got ${typeId}`)
    }
    const timestamp = msg.timestamp >>> 0
    const streamId = msg.streamId >>> 0

    let s = this.streams.get(csid)
    let fmt: ChunkFormat = 0
    let field = timestamp
    if (s === undefined) {
      s = new WriterStream()
      this.streams.set(csid, s)
    } else if (s.streamId === streamId) {
      const delta = (timestamp - s.timestamp) >>> 0
      if (delta < 0x80000000) {
        field = delta
        if (length !== s.length || typeId !== s.typeId) fmt = 1
        else if (s.deltaReusable && delta === s.delta) fmt = 3
        else fmt = 2
      }
    }
    s.timestamp = timestamp
    s.delta = field
    s.length = length
    s.typeId = typeId
    s.streamId = streamId
    s.deltaReusable = fmt !== 0

    // Every chunk of this message repeats the 4-byte field when the header needed it.
    const extended = field >= EXTENDED_TIMESTAMP
    const basic = basicHeaderSize(csid)
    const firstSize = basic + MESSAGE_HEADER_SIZE[fmt] + (extended ? 4 : 0)
    const size = this.size
    if (length <= size) {
      const header = this.take(firstSize)
      writeMessageHeader(header, writeBasicHeader(header, 0, fmt, csid), fmt, field, length, typeId, streamId, extended)
      return length === 0 ? [header] : [header, payload]
    }
    const contSize = basic + (extended ? 4 : 0)
    const headers = this.take(firstSize + contSize)
    writeMessageHeader(headers, writeBasicHeader(headers, 0, fmt, csid), fmt, field, length, typeId, streamId, extended)
    writeMessageHeader(headers, writeBasicHeader(headers, firstSize, 3, csid), 3, field, 0, 0, 0, extended)
    const first = headers.subarray(0, firstSize)
    const cont = headers.subarray(firstSize)
    const pieces: Uint8Array[] = [first, payload.subarray(0, size)]
    for (let off = size; off < length; off += size) {
      pieces.push(cont, payload.subarray(off, off + size < length ? off + size : length))
    }
    return pieces
  }

  /** Forgets header state for `csid` (or every csid): its next message gets a fmt 0 header. */
  reset(csid?: number): void {
    if (csid === undefined) this.streams.clear()
    else this.streams.delete(csid)
  }

  /** A fresh view of `n` header bytes. Slab space is never handed out twice (views may still be queued). */
  private take(n: number): Uint8Array {
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_SIZE)
      this.slabUsed = 0
    }
    const start = this.slabUsed
    this.slabUsed = start + n
    return this.slab.subarray(start, start + n)
  }
}

function checkChunkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) {
    throw new RangeError(`chunk size must be an integer in 1..0x7FFFFFFF, got ${size}`)
  }
  return size
}
