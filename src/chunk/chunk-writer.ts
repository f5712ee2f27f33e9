import { Buffer } from 'node:buffer'
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

/**
 * Header bytes are carved from slabs, so a message costs no header allocation of its own. The first slab is
 * small and made on first use (an idle connection writes a few control headers); each next one doubles, up to
 * the largest size. Slabs are Buffers, so that their views go to a socket without a conversion per write.
 */
const FIRST_SLAB_SIZE = 256
const MAX_SLAB_SIZE = 16 * 1024
/** Chunk stream ids below this keep their state in an array (what servers and clients use) instead of the map. */
const DIRECT_CSIDS = 64

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
  /** state of csids 2..63, by csid */
  private readonly direct: Array<WriterStream | undefined> = []
  /** state of csids 64 and up (made when first needed: sessions use low csids) */
  private streams: Map<number, WriterStream> | undefined
  private slab: Uint8Array | undefined
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
    checkMessage(msg, csid)
    const payload = msg.payload
    const length = payload.length
    const typeId = msg.typeId
    const timestamp = msg.timestamp >>> 0
    const streamId = msg.streamId >>> 0

    let s = this.stream(csid)
    let fmt: ChunkFormat = 0
    let field = timestamp
    if (s === undefined) {
      s = this.addStream(csid)
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

  /**
   * Records that `msg` went out on `csid` with a full (fmt 0) header written by someone else (the same bytes
   * `chunkMessage` makes, e.g. shared by `SharedChunks`): the next message on `csid` is compressed against it,
   * as if this writer had written it. The caller writes those bytes where this writer's next output would go.
   * @throws RangeError as `write` does.
   */
  recordFullHeader(msg: RawMessage, csid: number): void {
    checkMessage(msg, csid)
    const s = this.stream(csid) ?? this.addStream(csid)
    s.timestamp = msg.timestamp >>> 0
    s.delta = s.timestamp
    s.length = msg.payload.length
    s.typeId = msg.typeId
    s.streamId = msg.streamId >>> 0
    s.deltaReusable = false
  }

  /** Forgets header state for `csid` (or every csid): its next message gets a fmt 0 header. */
  reset(csid?: number): void {
    if (csid === undefined) {
      this.direct.length = 0
      this.streams?.clear()
    } else if (csid < DIRECT_CSIDS) {
      this.direct[csid] = undefined
    } else {
      this.streams?.delete(csid)
    }
  }

  private stream(csid: number): WriterStream | undefined {
    return csid < DIRECT_CSIDS ? this.direct[csid] : this.streams?.get(csid)
  }

  private addStream(csid: number): WriterStream {
    const s = new WriterStream()
    if (csid < DIRECT_CSIDS) {
      // fill the holes so the array stays packed
      for (let i = this.direct.length; i < csid; i++) this.direct.push(undefined)
      this.direct[csid] = s
    } else {
      ;(this.streams ??= new Map()).set(csid, s)
    }
    return s
  }

  /** A fresh view of `n` header bytes. Slab space is never handed out twice (views may still be queued). */
  private take(n: number): Uint8Array {
    let slab = this.slab
    if (slab === undefined || this.slabUsed + n > slab.length) {
      const size = slab === undefined ? FIRST_SLAB_SIZE : Math.min(slab.length * 2, MAX_SLAB_SIZE)
      slab = this.slab = Buffer.allocUnsafe(Math.max(size, n)) // only bytes written by the caller are handed out
      this.slabUsed = 0
    }
    const start = this.slabUsed
    this.slabUsed = start + n
    return slab.subarray(start, start + n)
  }
}

/**
 * Checks what the chunk layer can encode: csid in 2..65599, a payload of at most 0xFFFFFF bytes, a type id
 * in 0..255. @throws RangeError otherwise.
 */
export function checkMessage(msg: RawMessage, csid: number): void {
  if (!(csid >= MIN_CHUNK_STREAM_ID && csid <= MAX_CHUNK_STREAM_ID) || !Number.isInteger(csid)) {
    throw new RangeError(`chunk stream id must be an integer in 2..65599, got ${csid}`)
  }
  const length = msg.payload.length
  if (length > 0xffffff) throw new RangeError(`message length ${length} over 0xFFFFFF`)
  const typeId = msg.typeId
  if (!(typeId >= 0 && typeId <= 255) || !Number.isInteger(typeId)) {
    throw new RangeError(`message type id must be an integer in 0..255, got ${typeId}`)
  }
}

function checkChunkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) {
    throw new RangeError(`chunk size must be an integer in 1..0x7FFFFFFF, got ${size}`)
  }
  return size
}
