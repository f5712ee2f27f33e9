import { decodeAmf0 } from '../amf/amf0-decoder'
import type { AmfDecodeOptions } from '../amf/amf3-decoder'
import type { AmfValue } from '../amf/amf-value'
import { FlvError } from './flv-error'

/** FLV file header (Adobe FLV v10 E.2). */
export interface FlvHeader {
  readonly version: number
  readonly hasAudio: boolean
  readonly hasVideo: boolean
  /** DataOffset: 9 for version 1; larger values are honoured by skipping the extra bytes. */
  readonly headerSize: number
}

/** One FLV tag. `data` is the tag body, i.e. the RTMP message payload. */
export interface FlvTag {
  readonly type: 8 | 9 | 18
  /** Milliseconds, 32 bits: the 24-bit field plus the extension byte as the upper 8 bits. */
  readonly timestamp: number
  /** Always 0 per the spec; reported as read. */
  readonly streamId: number
  readonly data: Uint8Array
}

export interface FlvReaderOptions {
  /** Largest tag body (DataSize) accepted, in bytes. Default 8 MiB. The field itself allows 16 MiB - 1. */
  readonly maxTagSize?: number
  /** Skip tags of other types (and tags with the encryption filter bit) instead of failing. Default false. */
  readonly skipUnknownTags?: boolean
  /** Check each PreviousTagSize against the tag before it. A 0 is always tolerated. Default true. */
  readonly checkPreviousTagSize?: boolean
}

export const DEFAULT_MAX_TAG_SIZE = 8 * 1024 * 1024
/** Version 1 headers are 9 bytes; anything past this bound is taken as garbage rather than skipped. */
const MAX_HEADER_SIZE = 1024
const HEADER_SIZE = 9
const TAG_HEADER_SIZE = 11

type State = 'header' | 'header-extra' | 'previous-tag-size' | 'tag-header' | 'tag-data'

/**
 * Incremental FLV demuxer: push bytes split anywhere, get whole tags. Sans-IO: no streams, no timers.
 *
 * Tag bodies that arrive inside one pushed chunk are views into that chunk (no copy), so pushed buffers must
 * not be reused by the caller afterwards; bodies spread over several chunks are copied once. Memory is bounded
 * by `maxTagSize`: at most one incomplete tag is buffered.
 *
 * PreviousTagSize policy: it must equal 11 + DataSize of the tag before it (0 before the first tag), except
 * that 0 is accepted anywhere because some live muxers write 0. A file may end right after a tag body
 * without the last PreviousTagSize.
 *
 * Errors are sticky: after a FlvError, every later `push`/`end` throws the same error. Tags before the
 * faulty bytes have already been delivered to `onTag`.
 */
export class FlvReader {
  private fileHeader: FlvHeader | undefined
  private readonly maxTagSize: number
  private readonly skipUnknown: boolean
  private readonly checkPrevious: boolean
  private readonly queue = new ChunkQueue()
  private state: State = 'header'
  private need = HEADER_SIZE
  private offset = 0 // absolute stream offset of the queue's first byte
  private lastTagSize = 0
  private tagType = 0
  private tagTimestamp = 0
  private tagStreamId = 0
  private failed: FlvError | undefined

  constructor(options: FlvReaderOptions = {}) {
    this.maxTagSize = options.maxTagSize ?? DEFAULT_MAX_TAG_SIZE
    this.skipUnknown = options.skipUnknownTags ?? false
    this.checkPrevious = options.checkPreviousTagSize ?? true
  }

  /** The file header, once its 9 bytes have been read. */
  get header(): FlvHeader | undefined {
    return this.fileHeader
  }

  /** Bytes held back waiting for the rest of a header or tag. */
  get buffered(): number {
    return this.queue.length
  }

  /**
   * Consumes `bytes`, calling `onTag` for each complete tag in order.
   *
   * @throws {FlvError} RTMP_ERR_FLV_MALFORMED with reason 'signature', 'version', 'header-size',
   * 'previous-tag-size', 'tag-type' or 'tag-too-large'.
   */
  push(bytes: Uint8Array, onTag: (tag: FlvTag) => void): void {
    if (this.failed) throw this.failed
    this.queue.push(bytes)
    try {
      while (this.queue.length >= this.need) this.step(onTag)
    } catch (err) {
      if (err instanceof FlvError) this.failed = err
      throw err
    }
  }

  /**
   * Declares the end of input.
   *
   * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'truncated', if it stopped inside the header or a tag.
   */
  end(): void {
    if (this.failed) throw this.failed
    const clean = this.queue.length === 0 && (this.state === 'previous-tag-size' || this.state === 'tag-header')
    if (clean) return
    const where = this.state === 'tag-data' ? `a ${this.need}-byte tag body` : `the ${this.state}`
    this.failed = new FlvError('truncated', `FLV ended inside ${where} (${this.queue.length} bytes buffered)`, this.offset)
    throw this.failed
  }

  private step(onTag: (tag: FlvTag) => void): void {
    const at = this.offset
    const n = this.need
    const bytes = this.queue.take(n)
    this.offset += n
    switch (this.state) {
      case 'header':
        return this.readHeader(bytes, at)
      case 'header-extra':
        this.state = 'previous-tag-size'
        this.need = 4
        return
      case 'previous-tag-size': {
        const size = u32(bytes, 0)
        if (this.checkPrevious && size !== 0 && size !== this.lastTagSize) {
          throw new FlvError('previous-tag-size', `PreviousTagSize ${size}, expected ${this.lastTagSize}`, at)
        }
        this.state = 'tag-header'
        this.need = TAG_HEADER_SIZE
        return
      }
      case 'tag-header':
        return this.readTagHeader(bytes, at)
      case 'tag-data': {
        this.lastTagSize = TAG_HEADER_SIZE + n
        this.state = 'previous-tag-size'
        this.need = 4
        if (this.tagType === 0) return // skipped unknown tag
        onTag({ type: this.tagType as FlvTag['type'], timestamp: this.tagTimestamp, streamId: this.tagStreamId, data: bytes })
        return
      }
    }
  }

  private readHeader(b: Uint8Array, at: number): void {
    if (b[0] !== 0x46 || b[1] !== 0x4c || b[2] !== 0x56) {
      throw new FlvError('signature', `not an FLV file: signature ${hex(b.subarray(0, 3))}`, at)
    }
    const version = b[3]!
    if (version !== 1) throw new FlvError('version', `FLV version ${version}, expected 1`, at + 3)
    const headerSize = u32(b, 5)
    if (headerSize < HEADER_SIZE || headerSize > MAX_HEADER_SIZE) {
      throw new FlvError('header-size', `FLV header size ${headerSize} outside ${HEADER_SIZE}..${MAX_HEADER_SIZE}`, at + 5)
    }
    this.fileHeader = { version, hasAudio: (b[4]! & 0x04) !== 0, hasVideo: (b[4]! & 0x01) !== 0, headerSize }
    this.state = headerSize > HEADER_SIZE ? 'header-extra' : 'previous-tag-size'
    this.need = headerSize > HEADER_SIZE ? headerSize - HEADER_SIZE : 4
  }

  private readTagHeader(b: Uint8Array, at: number): void {
    const flags = b[0]!
    const type = flags & 0x1f
    const size = (b[1]! << 16) | (b[2]! << 8) | b[3]!
    // the top 2 bits are reserved (ignored, as other demuxers do); bit 5 means an encrypted body
    const known = (flags & 0x20) === 0 && (type === 8 || type === 9 || type === 18)
    if (!known && !this.skipUnknown) throw new FlvError('tag-type', `unsupported tag type byte 0x${flags.toString(16)}`, at)
    if (size > this.maxTagSize) {
      throw new FlvError('tag-too-large', `tag of ${size} bytes exceeds maxTagSize ${this.maxTagSize}`, at + 1)
    }
    this.tagType = known ? type : 0
    this.tagTimestamp = b[7]! * 0x1000000 + ((b[4]! << 16) | (b[5]! << 8) | b[6]!)
    this.tagStreamId = (b[8]! << 16) | (b[9]! << 8) | b[10]!
    this.state = 'tag-data'
    this.need = size // may be 0: the push loop then completes the tag without more input
  }
}

/** Result of `readFlvFile`: what could be read, and why it stopped early (if it did). */
export interface FlvFile {
  readonly header: FlvHeader | undefined
  readonly tags: FlvTag[]
  /** Set when the file is truncated or corrupt; `tags` holds every tag before that point. */
  readonly error: FlvError | undefined
}

/**
 * Reads a whole FLV file held in memory. Never throws a FlvError: a truncated or corrupt file gives the tags
 * read so far plus `error`. Tag bodies are views into `bytes`.
 */
export function readFlvFile(bytes: Uint8Array, options?: FlvReaderOptions): FlvFile {
  const reader = new FlvReader(options)
  const tags: FlvTag[] = []
  try {
    reader.push(bytes, (tag) => tags.push(tag))
    reader.end()
    return { header: reader.header, tags, error: undefined }
  } catch (err) {
    if (!(err instanceof FlvError)) throw err
    return { header: reader.header, tags, error: err }
  }
}

/**
 * Decodes a script data tag body (type 18) into its AMF0 values, e.g. `['onMetaData', { duration: 4, … }]`.
 * An RTMP data message from a publisher may start with '@setDataFrame' before the same values.
 *
 * @throws {AmfError} RTMP_ERR_AMF_* codes from the AMF0 decoder.
 */
export function decodeScriptData(data: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return decodeAmf0(data, options)
}

const u32 = (b: Uint8Array, o: number): number => b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!)

const hex = (b: Uint8Array): string => Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ')

/** Inbound bytes as a list of chunks; `take(n)` is a view when the n bytes sit in one chunk, else one copy. */
class ChunkQueue {
  private chunks: Uint8Array[] = []
  private index = 0 // first live chunk
  private head = 0 // offset into chunks[index]
  length = 0

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    this.chunks.push(bytes)
    this.length += bytes.length
  }

  /** Caller guarantees `n <= length`. */
  take(n: number): Uint8Array {
    this.length -= n
    const first = this.chunks[this.index]
    if (n === 0 || first === undefined) return new Uint8Array(0)
    if (first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n)
      this.advance(n)
      return view
    }
    const out = new Uint8Array(n)
    let k = 0
    while (k < n) {
      const c = this.chunks[this.index]!
      const m = Math.min(n - k, c.length - this.head)
      out.set(c.subarray(this.head, this.head + m), k)
      k += m
      this.advance(m)
    }
    return out
  }

  private advance(m: number): void {
    this.head += m
    if (this.head < this.chunks[this.index]!.length) return
    this.head = 0
    this.index++
    if (this.index === this.chunks.length) {
      this.chunks = []
      this.index = 0
    } else if (this.index >= 1024) {
      this.chunks = this.chunks.slice(this.index)
      this.index = 0
    }
  }
}
