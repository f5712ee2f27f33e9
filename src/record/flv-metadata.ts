import { AmfEcmaArray, isAmfObject, type AmfObject } from '../amf/amf-value'
import { decodeAmf0 } from '../amf/amf0-decoder'
import { encodeAmf0 } from '../amf/amf0-encoder'

/**
 * onMetaData in recordings: the header copy carries `duration` and `filesize` as AMF0 numbers (fixed 8-byte
 * slots) that are patched in place when the file is closed, as ffmpeg's FLV muxer does. Pure functions.
 */

/** The properties of a data message body that is onMetaData (with or without '@setDataFrame'), or undefined. */
export function readMetadata(payload: Uint8Array): AmfObject | undefined {
  let values
  try {
    values = decodeAmf0(payload)
  } catch {
    return undefined // a recorder keeps going without it
  }
  const [first, second, third] = values
  const props = first === '@setDataFrame' && second === 'onMetaData' ? third : first === 'onMetaData' ? second : undefined
  return props !== undefined && isAmfObject(props) ? props : undefined
}

/** The header onMetaData: `duration` and `filesize` first (0 until patched), then the publisher's properties. */
export function headerMetadata(props: AmfObject | undefined): Uint8Array {
  const rest = withoutSizes(props)
  return encodeAmf0(['onMetaData', AmfEcmaArray.from({ duration: 0, filesize: 0, ...rest })])
}

/**
 * onMetaData written in the middle of a recording (a new publisher's): without duration and filesize, which
 * would otherwise be taken for the whole file's by some readers.
 */
export function midstreamMetadata(props: AmfObject): Uint8Array {
  return encodeAmf0(['onMetaData', AmfEcmaArray.from(withoutSizes(props))])
}

function withoutSizes(props: AmfObject | undefined): AmfObject {
  const out: AmfObject = {}
  if (props) for (const [k, v] of Object.entries(props)) if (k !== 'duration' && k !== 'filesize') out[k] = v
  return out
}

/** File offsets of the 8-byte values of `duration` and `filesize` in the header onMetaData. */
export interface MetadataSlots {
  readonly duration?: number
  readonly filesize?: number
}

/** How many bytes from the start of an FLV file `findMetadataSlots` needs: header, first tag header. */
export const METADATA_PROBE_BYTES = 13 + 11

/**
 * Finds the `duration` / `filesize` number slots in the first tag of an FLV file when that tag is
 * onMetaData. `head` holds the file's first bytes; returns `{ need }` when more are needed to see the whole
 * first tag (at most 16 MiB), `{}` when there is no such tag or no such property.
 */
export function findMetadataSlots(head: Uint8Array): MetadataSlots & { need?: number } {
  if (head.length < METADATA_PROBE_BYTES) return { need: METADATA_PROBE_BYTES }
  if (head[0] !== 0x46 || head[1] !== 0x4c || head[2] !== 0x56) return {}
  const dataOffset = u32(head, 5)
  const tag = dataOffset + 4
  if (head.length < tag + 11) return { need: tag + 11 }
  if ((head[tag]! & 0x1f) !== 18) return {}
  const size = (head[tag + 1]! << 16) | (head[tag + 2]! << 8) | head[tag + 3]!
  const body = tag + 11
  if (head.length < body + size) return { need: body + size }
  const slots: { duration?: number; filesize?: number } = {}
  const d = findNumberProperty(head, body, body + size, 'duration')
  const f = findNumberProperty(head, body, body + size, 'filesize')
  if (d >= 0) slots.duration = d
  if (f >= 0) slots.filesize = f
  return slots
}

/**
 * Offset of the 8-byte value of the AMF0 number property `key` (u16 length, key, marker 0) in
 * `bytes[from, to)`, or -1. A byte search is enough for the onMetaData we write (these keys come first).
 */
function findNumberProperty(bytes: Uint8Array, from: number, to: number, key: string): number {
  const pattern = [0, key.length, ...Array.from(key, (c) => c.charCodeAt(0)), 0]
  outer: for (let i = from; i + pattern.length + 8 <= to; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer
    return i + pattern.length
  }
  return -1
}

/** An AMF0 number's 8 bytes (IEEE 754 double, big-endian). */
export function amfNumberBytes(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setFloat64(0, value)
  return out
}

/** Reads an 8-byte AMF0 number value. */
export function readAmfNumber(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getFloat64(0)
}

/** The last complete tag of an FLV file. */
export interface LastTag {
  readonly type: number
  readonly timestamp: number
}

/**
 * Checks the last tag of an FLV file of `fileSize` bytes: `previousTagSize` is the file's final 4 bytes read
 * as a number, `tagHeader` the 11 bytes at `fileSize - 4 - previousTagSize`. Returns undefined when the file
 * does not end with a complete tag (e.g. a recorder that stopped mid-write): appending there is unsafe.
 */
export function lastTag(previousTagSize: number, tagHeader: Uint8Array, fileSize: number): LastTag | undefined {
  if (previousTagSize < 11 || tagHeader.length < 11 || fileSize - 4 - previousTagSize < 13) return undefined
  const type = tagHeader[0]! & 0x1f
  const size = (tagHeader[1]! << 16) | (tagHeader[2]! << 8) | tagHeader[3]!
  if ((type !== 8 && type !== 9 && type !== 18) || size + 11 !== previousTagSize) return undefined
  const timestamp = tagHeader[7]! * 0x1000000 + ((tagHeader[4]! << 16) | (tagHeader[5]! << 8) | tagHeader[6]!)
  return { type, timestamp }
}

/** The big-endian u32 at `offset` (e.g. a PreviousTagSize). */
export const u32 = (b: Uint8Array, o: number): number => b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!)
