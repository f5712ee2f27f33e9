import { encodeAmf0 } from '../amf/amf0-encoder'
import type { AmfValue } from '../amf/amf-value'
import { FlvError } from './flv-error'
import type { FlvTag } from './flv-reader'
import type { MediaMessage } from './media-message'

export interface FlvWriterOptions {
  /** Header TypeFlags. Both default to true. */
  readonly audio?: boolean
  readonly video?: boolean
}

const MAX_DATA_SIZE = 0xffffff

/**
 * FLV muxer: header, then tags each followed by its PreviousTagSize. Sans-IO: returns buffers to write, in
 * order. Tag bodies are not copied (the returned arrays hold the caller's `data`).
 *
 * The header (9 bytes + PreviousTagSize0) is emitted by the first `writeTag` unless `writeHeader` was called.
 */
export class FlvWriter {
  private readonly flags: number
  private headerWritten = false

  constructor(options: FlvWriterOptions = {}) {
    this.flags = (options.audio === false ? 0 : 0x04) | (options.video === false ? 0 : 0x01)
  }

  /** The 13 bytes that open the file: 'FLV', version 1, flags, DataOffset 9, PreviousTagSize0 = 0. */
  writeHeader(): Uint8Array {
    this.headerWritten = true
    return Uint8Array.of(0x46, 0x4c, 0x56, 0x01, this.flags, 0, 0, 0, 9, 0, 0, 0, 0)
  }

  /**
   * One tag: [header?, tag header (11), data, PreviousTagSize (4)]. Timestamps are taken modulo 2^32; values
   * ≥ 2^24 put their upper 8 bits in the extension byte.
   *
   * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'tag-too-large' if `data` exceeds 16 MiB - 1, or
   * 'tag-type' for a type other than 8, 9, 18.
   */
  writeTag(type: FlvTag['type'], timestamp: number, data: Uint8Array): Uint8Array[] {
    if (type !== 8 && type !== 9 && type !== 18) throw new FlvError('tag-type', `cannot write tag type ${String(type)}`)
    if (data.length > MAX_DATA_SIZE) {
      throw new FlvError('tag-too-large', `tag body of ${data.length} bytes does not fit the 24-bit DataSize`)
    }
    const ts = timestamp >>> 0
    const size = data.length
    const total = size + 11
    // one allocation for the 11-byte tag header and the 4-byte trailer
    const fixed = Uint8Array.of(
      type,
      (size >>> 16) & 0xff,
      (size >>> 8) & 0xff,
      size & 0xff,
      (ts >>> 16) & 0xff,
      (ts >>> 8) & 0xff,
      ts & 0xff,
      ts >>> 24, // TimestampExtended: the upper 8 bits
      0,
      0,
      0, // StreamID, always 0
      total >>> 24,
      (total >>> 16) & 0xff,
      (total >>> 8) & 0xff,
      total & 0xff,
    )
    const out = [fixed.subarray(0, 11), data, fixed.subarray(11)]
    if (!this.headerWritten) out.unshift(this.writeHeader())
    return out
  }

  /**
   * A script data tag (18) holding `values` in AMF0, e.g. `writeScriptData(0, ['onMetaData', meta])`.
   *
   * @throws {AmfError} RTMP_ERR_AMF_UNENCODABLE / RTMP_ERR_AMF_DEPTH from the AMF0 encoder.
   */
  writeScriptData(timestamp: number, values: readonly AmfValue[]): Uint8Array[] {
    return this.writeTag(18, timestamp, encodeAmf0(values))
  }

  /** `writeTag` for a MediaMessage ('audio' → 8, 'video' → 9, 'data' → 18). */
  writeMessage(message: MediaMessage): Uint8Array[] {
    const type = message.type === 'audio' ? 8 : message.type === 'video' ? 9 : 18
    return this.writeTag(type, message.timestamp, message.data)
  }
}

/** A whole FLV file in one buffer (tests, small recordings). */
export function writeFlvFile(
  tags: Iterable<Pick<FlvTag, 'type' | 'timestamp' | 'data'>>,
  options?: FlvWriterOptions,
): Uint8Array {
  const writer = new FlvWriter(options)
  const parts: Uint8Array[] = [writer.writeHeader()]
  for (const tag of tags) parts.push(...writer.writeTag(tag.type, tag.timestamp, tag.data))
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
