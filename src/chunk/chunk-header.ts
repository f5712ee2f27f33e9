/**
 * Chunk header wire format (RTMP 1.0 §5.3.1): basic header (1–3 bytes: fmt + chunk stream id),
 * message header (11/7/3/0 bytes by fmt) and the optional 4-byte extended timestamp.
 * Pure functions over caller-provided buffers; no state about previous headers lives here.
 */

/** 0 = full header, 1 = no stream id, 2 = timestamp delta only, 3 = no message header. */
export type ChunkFormat = 0 | 1 | 2 | 3

/** Chunk size in force in both directions until a Set Chunk Size message changes it. */
export const DEFAULT_CHUNK_SIZE = 128
export const MIN_CHUNK_STREAM_ID = 2
export const MAX_CHUNK_STREAM_ID = 65599
/** A 3-byte timestamp field with this value means "read the 4-byte extended timestamp". */
export const EXTENDED_TIMESTAMP = 0xffffff
/** Largest header: 3-byte basic + 11-byte fmt 0 + 4-byte extended timestamp. */
export const MAX_CHUNK_HEADER_SIZE = 18
/** Message header size by fmt. */
export const MESSAGE_HEADER_SIZE: readonly [11, 7, 3, 0] = [11, 7, 3, 0]

/** One decoded (or to-be-encoded) chunk header. Mutable so hot paths can reuse one instance. */
export interface ChunkHeader {
  fmt: ChunkFormat
  /** Chunk stream id, 2..65599. */
  csid: number
  /**
   * fmt 0: absolute timestamp; fmt 1/2: timestamp delta; fmt 3: the extended value it repeats
   * (meaningful only when `extended`). Modulo 2^32.
   */
  timestamp: number
  /** The 4-byte extended timestamp field is present. For fmt 0–2 it follows from `timestamp` >= 0xFFFFFF. */
  extended: boolean
  /** Message length (fmt 0/1 only). */
  length: number
  /** Message type id (fmt 0/1 only). */
  typeId: number
  /** Message stream id (fmt 0 only). */
  streamId: number
}

export function createChunkHeader(): ChunkHeader {
  return { fmt: 0, csid: MIN_CHUNK_STREAM_ID, timestamp: 0, extended: false, length: 0, typeId: 0, streamId: 0 }
}

/** 1 byte for csid 2..63, 2 for 64..319, 3 for 320..65599 (the shortest form, as writers must pick). */
export function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3
}

/** Total header bytes for a chunk. */
export function chunkHeaderSize(fmt: ChunkFormat, csid: number, extended: boolean): number {
  return basicHeaderSize(csid) + MESSAGE_HEADER_SIZE[fmt] + (extended ? 4 : 0)
}

/**
 * Writes the basic header. Caller guarantees csid in 2..65599 and room for 3 bytes.
 * @returns the offset after it.
 */
export function writeBasicHeader(out: Uint8Array, offset: number, fmt: ChunkFormat, csid: number): number {
  if (csid < 64) {
    out[offset] = (fmt << 6) | csid
    return offset + 1
  }
  if (csid < 320) {
    out[offset] = fmt << 6
    out[offset + 1] = csid - 64
    return offset + 2
  }
  // 3-byte form: csid - 64 as a little-endian u16 (b1 + b2 * 256 + 64).
  const v = csid - 64
  out[offset] = (fmt << 6) | 1
  out[offset + 1] = v & 0xff
  out[offset + 2] = v >>> 8
  return offset + 3
}

/**
 * Writes the message header for `fmt` plus the extended timestamp when needed.
 * `timestamp` is the absolute (fmt 0) or delta (fmt 1/2) value; for fmt 3 it is written only when
 * `extendedOnFmt3` (the chunk stream's last header used an extended timestamp).
 * Caller guarantees room for 15 bytes, length <= 0xFFFFFF, typeId 0..255.
 * @returns the offset after it.
 */
export function writeMessageHeader(
  out: Uint8Array,
  offset: number,
  fmt: ChunkFormat,
  timestamp: number,
  length: number,
  typeId: number,
  streamId: number,
  extendedOnFmt3 = false,
): number {
  let o = offset
  const extended = fmt === 3 ? extendedOnFmt3 : timestamp >= EXTENDED_TIMESTAMP
  if (fmt !== 3) {
    const field = extended ? EXTENDED_TIMESTAMP : timestamp
    out[o] = field >>> 16
    out[o + 1] = (field >>> 8) & 0xff
    out[o + 2] = field & 0xff
    o += 3
    if (fmt !== 2) {
      out[o] = length >>> 16
      out[o + 1] = (length >>> 8) & 0xff
      out[o + 2] = length & 0xff
      out[o + 3] = typeId
      o += 4
      if (fmt === 0) {
        // The message stream id is the one little-endian field in RTMP.
        out[o] = streamId & 0xff
        out[o + 1] = (streamId >>> 8) & 0xff
        out[o + 2] = (streamId >>> 16) & 0xff
        out[o + 3] = streamId >>> 24
        o += 4
      }
    }
  }
  if (extended) {
    out[o] = timestamp >>> 24
    out[o + 1] = (timestamp >>> 16) & 0xff
    out[o + 2] = (timestamp >>> 8) & 0xff
    out[o + 3] = timestamp & 0xff
    o += 4
  }
  return o
}

/**
 * Reads the basic header at `offset` into `out.fmt` / `out.csid`.
 * @returns its size, or 0 when fewer bytes than that are available before `end`.
 */
export function readBasicHeader(bytes: Uint8Array, offset: number, end: number, out: ChunkHeader): number {
  if (offset >= end) return 0
  const b0 = bytes[offset]!
  const id = b0 & 0x3f
  out.fmt = (b0 >>> 6) as ChunkFormat
  if (id > 1) {
    out.csid = id
    return 1
  }
  if (id === 0) {
    if (offset + 2 > end) return 0
    out.csid = bytes[offset + 1]! + 64
    return 2
  }
  if (offset + 3 > end) return 0
  out.csid = bytes[offset + 1]! + bytes[offset + 2]! * 256 + 64
  return 3
}

/**
 * Reads the message header for `out.fmt` (set by `readBasicHeader`) and the extended timestamp.
 * fmt 3 fields other than `timestamp`/`extended` are left untouched (they come from the chunk stream).
 * @param extendedOnFmt3 whether a fmt 3 chunk on this csid carries the 4-byte field (its last header did).
 * @returns bytes read (0 is valid for fmt 3), or -1 when the header is incomplete.
 */
export function readMessageHeader(
  bytes: Uint8Array,
  offset: number,
  end: number,
  out: ChunkHeader,
  extendedOnFmt3: boolean,
): number {
  const fmt = out.fmt
  let o = offset
  let extended: boolean
  if (fmt === 3) {
    extended = extendedOnFmt3
  } else {
    if (o + MESSAGE_HEADER_SIZE[fmt] > end) return -1
    const field = (bytes[o]! << 16) | (bytes[o + 1]! << 8) | bytes[o + 2]!
    o += 3
    if (fmt !== 2) {
      out.length = (bytes[o]! << 16) | (bytes[o + 1]! << 8) | bytes[o + 2]!
      out.typeId = bytes[o + 3]!
      o += 4
      if (fmt === 0) {
        out.streamId = (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0
        o += 4
      }
    }
    extended = field === EXTENDED_TIMESTAMP
    out.timestamp = field
  }
  out.extended = extended
  if (extended) {
    if (o + 4 > end) return -1
    out.timestamp = ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0
    o += 4
  }
  return o - offset
}

/**
 * Encodes one header into a new array (tests, tools; hot paths use the write* functions).
 * For fmt 0–2 `extended` is derived from `timestamp`; for fmt 3 it is taken from `h.extended`.
 * @throws RangeError when the csid, length or type id cannot be encoded.
 */
export function encodeChunkHeader(h: Readonly<ChunkHeader>): Uint8Array {
  if (!Number.isInteger(h.csid) || h.csid < MIN_CHUNK_STREAM_ID || h.csid > MAX_CHUNK_STREAM_ID) {
    throw new RangeError(`chunk stream id must be 2..65599, got ${h.csid}`)
  }
  if (h.length > 0xffffff || h.length < 0) throw new RangeError(`message length ${h.length} does not fit 24 bits`)
  if (h.typeId > 255 || h.typeId < 0) throw new RangeError(`type id ${h.typeId} does not fit 8 bits`)
  const ts = h.timestamp >>> 0
  const extended = h.fmt === 3 ? h.extended : ts >= EXTENDED_TIMESTAMP
  const out = new Uint8Array(chunkHeaderSize(h.fmt, h.csid, extended))
  const o = writeBasicHeader(out, 0, h.fmt, h.csid)
  writeMessageHeader(out, o, h.fmt, ts, h.length, h.typeId, h.streamId >>> 0, h.extended)
  return out
}

/**
 * Decodes one header at the start of `bytes`.
 * @param extendedOnFmt3 whether a fmt 3 header carries the 4-byte extended timestamp.
 * @returns the header and its size, or undefined when `bytes` is too short.
 */
export function decodeChunkHeader(
  bytes: Uint8Array,
  extendedOnFmt3 = false,
): { header: ChunkHeader; size: number } | undefined {
  const header = createChunkHeader()
  const basic = readBasicHeader(bytes, 0, bytes.length, header)
  if (basic === 0) return undefined
  const rest = readMessageHeader(bytes, basic, bytes.length, header, extendedOnFmt3)
  if (rest < 0) return undefined
  return { header, size: basic + rest }
}
