import { Buffer } from 'node:buffer'
import { EXTENDED_TIMESTAMP, MESSAGE_HEADER_SIZE, basicHeaderSize, writeBasicHeader, writeMessageHeader } from './chunk-header'
import { checkMessage } from './chunk-writer'
import type { RawMessage } from './raw-message'

/**
 * One message as one contiguous run of chunks that depends on no earlier header: a fmt 0 first header, then
 * fmt 3 continuation headers every `chunkSize` payload bytes, each repeating the 4-byte extended timestamp
 * when the first header needed it. Any connection can send these bytes as they are, whatever it sent before
 * on `csid`; its ChunkWriter must then `recordFullHeader` the message so that its next header on `csid` is
 * compressed against this one. Copies the payload (once), into a Buffer so that sockets take it as it is.
 * @throws RangeError when the csid, payload length or type id cannot be encoded, or chunkSize is not in 1..0x7FFFFFFF.
 */
export function chunkMessage(msg: RawMessage, csid: number, chunkSize: number): Uint8Array {
  checkMessage(msg, csid)
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 0x7fffffff) {
    throw new RangeError(`chunk size must be an integer in 1..0x7FFFFFFF, got ${chunkSize}`)
  }
  const payload = msg.payload
  const length = payload.length
  const timestamp = msg.timestamp >>> 0
  const extended = timestamp >= EXTENDED_TIMESTAMP
  const basic = basicHeaderSize(csid)
  const firstSize = basic + MESSAGE_HEADER_SIZE[0] + (extended ? 4 : 0)
  const contSize = basic + (extended ? 4 : 0)
  const continuations = length > chunkSize ? Math.ceil(length / chunkSize) - 1 : 0
  const out: Uint8Array = Buffer.allocUnsafe(firstSize + continuations * contSize + length) // every byte is written below
  let o = writeMessageHeader(out, writeBasicHeader(out, 0, 0, csid), 0, timestamp, length, msg.typeId, msg.streamId >>> 0)
  const first = length < chunkSize ? length : chunkSize
  out.set(first === length ? payload : payload.subarray(0, first), o)
  o += first
  for (let off = first; off < length; off += chunkSize) {
    o = writeMessageHeader(out, writeBasicHeader(out, o, 3, csid), 3, timestamp, 0, 0, 0, extended)
    const end = length - off > chunkSize ? off + chunkSize : length
    out.set(payload.subarray(off, end), o)
    o += end - off
  }
  return out
}

/** One message a writer asked for: what identifies it besides its payload, and its bytes once a second writer asked. */
interface Entry {
  readonly length: number
  readonly timestamp: number
  readonly streamId: number
  readonly typeId: number
  readonly csid: number
  readonly chunkSize: number
  bytes: Uint8Array | undefined
  /** another message with the same payload (another timestamp, message stream, csid or chunk size) */
  next: Entry | undefined
}

/** Messages with one payload remembered at most (e.g. sequence headers replayed at several timestamps). */
const MAX_VARIANTS = 4

export interface SharedChunksOptions {
  /**
   * payloads remembered (default 16). A live stream writes each message to all its players back to back, so
   * a few suffice, whatever the number of streams. Remembered payloads stay in memory (with whatever buffer
   * they are views of): a cache as long as a GOP would also share the GOP replayed to each late joiner, at
   * that cost.
   */
  entries?: number
  /** serialized bytes kept at most (default 2 MiB); the oldest payloads go first */
  maxBytes?: number
}

/** What a SharedChunks cache did, for benchmarks and tests. */
export interface SharedChunksStats {
  /** messages serialized (on their second request) */
  readonly serialized: number
  /** requests answered with bytes serialized before (third and later requests) */
  readonly reused: number
  /** serialized bytes held now */
  readonly bytes: number
}

/**
 * Serialize once, write many: a cache of the messages most recently written by many sessions, such as a live
 * router writing one message to all its players back to back. The
 * first request for a message gets nothing (that writer chunks it itself, zero-copy, with its compressed
 * headers: a lone player costs no copy); the second serializes it with `chunkMessage`, and every later one gets
 * the same bytes. A message is the same when its payload is the same object (and length) with the same
 * timestamp, message stream id, type id, csid and chunk size.
 *
 * Payloads must not change while they are in use, as for ChunkWriter: a payload object reused with other
 * content under the same timestamp would be sent as its old bytes. Pure: no I/O, no timers.
 */
export class SharedChunks {
  /** by payload, oldest first (Map keeps insertion order) */
  private readonly entries = new Map<Uint8Array, Entry>()
  private readonly maxEntries: number
  private readonly maxBytes: number
  private heldBytes = 0
  private serializedCount = 0
  private reusedCount = 0

  /** @throws RangeError when an option is not a positive integer */
  constructor(options: SharedChunksOptions = {}) {
    this.maxEntries = positiveInt('entries', options.entries ?? 16)
    this.maxBytes = positiveInt('maxBytes', options.maxBytes ?? 2 * 1024 * 1024)
  }

  get stats(): SharedChunksStats {
    return { serialized: this.serializedCount, reused: this.reusedCount, bytes: this.heldBytes }
  }

  /**
   * The shared bytes for `msg` on `csid` at `chunkSize`, or undefined the first time it is asked for (the
   * caller then writes it with its own ChunkWriter). After sending returned bytes the caller must
   * `recordFullHeader(msg, csid)` on its writer.
   * @throws RangeError when the message cannot be encoded.
   */
  lookup(msg: RawMessage, csid: number, chunkSize: number): Uint8Array | undefined {
    const payload = msg.payload
    const timestamp = msg.timestamp >>> 0
    const streamId = msg.streamId >>> 0
    const head = this.entries.get(payload)
    let variants = 0
    for (let e = head; e !== undefined; e = e.next) {
      if (
        e.timestamp === timestamp &&
        e.streamId === streamId &&
        e.csid === csid &&
        e.chunkSize === chunkSize &&
        e.typeId === msg.typeId &&
        e.length === payload.length
      ) {
        if (e.bytes !== undefined) {
          this.reusedCount++
          return e.bytes
        }
        const bytes = chunkMessage(msg, csid, chunkSize)
        e.bytes = bytes
        this.serializedCount++
        this.heldBytes += bytes.length
        if (this.heldBytes > this.maxBytes) this.evict(payload)
        return bytes
      }
      variants++
    }
    checkMessage(msg, csid)
    const entry: Entry = { length: payload.length, timestamp, streamId, typeId: msg.typeId, csid, chunkSize, bytes: undefined, next: undefined }
    if (head === undefined) {
      this.entries.set(payload, entry)
      if (this.entries.size > this.maxEntries) this.evict(payload)
    } else if (variants < MAX_VARIANTS) {
      entry.next = head.next
      head.next = entry
    }
    return undefined
  }

  /** Forgets every message (and the payloads it holds). */
  clear(): void {
    this.entries.clear()
    this.heldBytes = 0
  }

  /** Drops the oldest payloads until within limits, never `keep` (the one just asked for). */
  private evict(keep: Uint8Array): void {
    for (const [payload, head] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.heldBytes <= this.maxBytes) return
      if (payload === keep) continue
      this.entries.delete(payload)
      for (let e: Entry | undefined = head; e !== undefined; e = e.next) if (e.bytes) this.heldBytes -= e.bytes.length
    }
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  return value
}
