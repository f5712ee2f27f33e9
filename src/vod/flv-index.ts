import { FlvError } from '../media/flv-error'
import type { FlvHeader } from '../media/flv-reader'
import { isKeyframe, isSequenceHeader } from '../media/flv-tag'

export interface FlvIndexOptions {
  /** Largest tag body accepted, in bytes (default 8 MiB, as `FlvReader`). */
  readonly maxTagSize?: number
  /** Skip tags of other types (or with the encryption bit) instead of failing (default true). */
  readonly skipUnknownTags?: boolean
  /** Largest onMetaData / sequence header body kept in the index (default 1 MiB). */
  readonly maxKeptBodySize?: number
}

/** One tag of an indexed FLV file. */
export interface FlvIndexEntry {
  readonly type: 8 | 9 | 18
  readonly timestamp: number
  /** file offset of the tag header; the body starts 11 bytes later */
  readonly offset: number
  /** body size */
  readonly size: number
  readonly keyframe: boolean
  readonly sequenceHeader: boolean
}

/** A byte range the scanner needs next. */
export interface ByteRange {
  readonly offset: number
  readonly length: number
}

const TAG_HEADER = 11
/** enough of a body to classify it (legacy and Enhanced RTMP headers, ModEx and multitrack wrappers) */
const PEEK = 64
const FLAG_VIDEO = 1
const FLAG_DATA = 2
const FLAG_KEYFRAME = 4
const FLAG_SEQUENCE_HEADER = 8
// AMF0 string "onMetaData": marker 2, length 10
const ON_METADATA = [0x02, 0x00, 0x0a, ...Array.from('onMetaData', (c) => c.charCodeAt(0))]

/**
 * The tags of an FLV file without their bodies: type, timestamp, position, keyframe and sequence-header
 * flags (columns of typed arrays: about 17 bytes a tag), plus the bodies of onMetaData and the sequence
 * headers. Answers where playback from a position starts. Built by `FlvIndexScanner` or `indexFlv`; pure.
 *
 * Seeking assumes keyframe timestamps do not decrease (true of any file a muxer wrote in order).
 */
export class FlvIndex {
  /** @internal use FlvIndexScanner */
  constructor(
    readonly header: FlvHeader,
    readonly fileSize: number,
    /** the file ends inside a tag (cut short); the index holds the tags before it */
    readonly truncated: boolean,
    private readonly offsets: Float64Array,
    private readonly timestamps: Float64Array,
    private readonly sizes: Uint32Array,
    private readonly flags: Uint8Array,
    readonly length: number,
    private readonly keyframes: Uint32Array,
    private readonly keyframeCount: number,
    private readonly videoHeaders: readonly number[],
    private readonly audioHeaders: readonly number[],
    /** index of the first onMetaData tag, -1 if none */
    readonly metadataIndex: number,
    private readonly kept: ReadonlyMap<number, Uint8Array>,
  ) {}

  /** Whether the file has video tags (seeks then go to keyframes). */
  get hasVideo(): boolean {
    for (let i = 0; i < this.length; i++) if ((this.flags[i]! & 3) === FLAG_VIDEO) return true
    return false
  }

  get firstTimestamp(): number {
    return this.length > 0 ? this.timestamps[0]! : 0
  }

  /** The largest timestamp in the file. */
  get lastTimestamp(): number {
    let last = 0
    for (let i = Math.max(0, this.length - 64); i < this.length; i++) last = Math.max(last, this.timestamps[i]!)
    return last
  }

  /** Number of video keyframes. */
  get keyframeTotal(): number {
    return this.keyframeCount
  }

  type(i: number): 8 | 9 | 18 {
    const f = this.flags[i]! & 3
    return f === FLAG_VIDEO ? 9 : f === FLAG_DATA ? 18 : 8
  }

  timestamp(i: number): number {
    return this.timestamps[i]!
  }

  /** File offset of tag `i`'s header. */
  offset(i: number): number {
    return this.offsets[i]!
  }

  size(i: number): number {
    return this.sizes[i]!
  }

  /** First byte after tag `i` and its PreviousTagSize (clamped to the file). */
  end(i: number): number {
    return Math.min(this.fileSize, this.offsets[i]! + TAG_HEADER + this.sizes[i]! + 4)
  }

  isKeyframe(i: number): boolean {
    return (this.flags[i]! & FLAG_KEYFRAME) !== 0
  }

  isSequenceHeader(i: number): boolean {
    return (this.flags[i]! & FLAG_SEQUENCE_HEADER) !== 0
  }

  entry(i: number): FlvIndexEntry {
    if (i < 0 || i >= this.length) throw new RangeError(`tag ${i} outside 0..${this.length - 1}`)
    return {
      type: this.type(i),
      timestamp: this.timestamps[i]!,
      offset: this.offsets[i]!,
      size: this.sizes[i]!,
      keyframe: this.isKeyframe(i),
      sequenceHeader: this.isSequenceHeader(i),
    }
  }

  /** The body of onMetaData or of a sequence header, kept by the scan (undefined for other tags). */
  body(i: number): Uint8Array | undefined {
    return this.kept.get(i)
  }

  /**
   * The tag playback from `positionMs` starts at: the last keyframe at or before it (the first keyframe when
   * it is before them all). A file without video seeks to the last tag at or before it.
   */
  seekIndex(positionMs: number): number {
    if (this.keyframeCount > 0) {
      const k = lastAtOrBefore(this.keyframeCount, (n) => this.timestamps[this.keyframes[n]!]!, positionMs)
      return this.keyframes[Math.max(0, k)]!
    }
    return Math.max(0, lastAtOrBefore(this.length, (n) => this.timestamps[n]!, positionMs))
  }

  /** The last video and audio sequence headers before tag `i` (-1 when none): what a decoder needs there. */
  headersBefore(i: number): { video: number; audio: number } {
    return { video: lastBelow(this.videoHeaders, i), audio: lastBelow(this.audioHeaders, i) }
  }
}

/** Largest n in [0, count) whose value is <= target (values non-decreasing), or -1. */
function lastAtOrBefore(count: number, value: (n: number) => number, target: number): number {
  let lo = 0
  let hi = count - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (value(mid) <= target) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}

function lastBelow(sorted: readonly number[], i: number): number {
  let found = -1
  for (const n of sorted) {
    if (n >= i) break
    found = n
  }
  return found
}

type Stage = 'header' | 'tags' | 'done'

/**
 * Builds an `FlvIndex` without doing I/O: it says which bytes it needs (`want`) and is fed them (`feed`).
 * It only asks for tag headers and the first bytes of each body (whole bodies for onMetaData and sequence
 * headers), so a reader can skip large frames; feeding bigger blocks than asked is fine and saves reads.
 *
 * ```ts
 * const scan = new FlvIndexScanner(size)
 * for (let w = scan.want; w; w = scan.want) {
 *   const bytes = await readAt(w.offset, Math.max(w.length, 65536))
 *   if (bytes.length < w.length) scan.endOfFile(); else scan.feed(w.offset, bytes)
 * }
 * const index = scan.finish()
 * ```
 *
 * @throws FlvError RTMP_ERR_FLV_MALFORMED from `feed` (reason 'signature', 'version', 'header-size',
 * 'tag-type', 'tag-too-large') and from `finish` ('truncated') when the file header itself is incomplete.
 */
export class FlvIndexScanner {
  private readonly maxTagSize: number
  private readonly skipUnknown: boolean
  private readonly maxKept: number
  private stage: Stage = 'header'
  private pos = 0
  private need = 9
  private header: FlvHeader | undefined
  private truncated = false
  private count = 0
  private offsets = new Float64Array(256)
  private timestamps = new Float64Array(256)
  private sizes = new Uint32Array(256)
  private flags = new Uint8Array(256)
  private keyframes = new Uint32Array(64)
  private keyframeCount = 0
  private readonly videoHeaders: number[] = []
  private readonly audioHeaders: number[] = []
  private metadataIndex = -1
  private readonly kept = new Map<number, Uint8Array>()

  constructor(
    private readonly fileSize: number,
    options: FlvIndexOptions = {},
  ) {
    this.maxTagSize = options.maxTagSize ?? 8 * 1024 * 1024
    this.skipUnknown = options.skipUnknownTags ?? true
    this.maxKept = options.maxKeptBodySize ?? 1024 * 1024
    if (fileSize < 9) this.stage = 'done'
  }

  /** The bytes needed next (never past the end of the file), or undefined once the scan is complete. */
  get want(): ByteRange | undefined {
    return this.stage === 'done' ? undefined : { offset: this.pos, length: Math.min(this.need, this.fileSize - this.pos) }
  }

  /** The file ended before the bytes `want` asked for (it shrank, or a read came up short). */
  endOfFile(): void {
    if (this.stage === 'tags') this.truncated = true
    this.stage = 'done'
  }

  /** Bytes of the file starting at `offset` (which must be `want.offset` or before it). */
  feed(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length
    while (this.stage !== 'done') {
      const at = this.pos - offset
      if (at < 0) throw new RangeError(`fed bytes at ${offset}, but the scan is at ${this.pos}`)
      if (this.stage === 'header') {
        if (end - this.pos < 9) return this.needs(9)
        this.readHeader(bytes.subarray(at, at + 9))
        continue
      }
      if (this.pos + TAG_HEADER > this.fileSize) {
        this.truncated = this.pos < this.fileSize
        this.stage = 'done'
        return
      }
      if (end - this.pos < TAG_HEADER) return this.needs(TAG_HEADER)
      const b = bytes.subarray(at)
      const flags = b[0]!
      const type = flags & 0x1f
      const size = (b[1]! << 16) | (b[2]! << 8) | b[3]!
      if (this.pos + TAG_HEADER + size > this.fileSize) {
        this.truncated = true
        this.stage = 'done'
        return
      }
      const known = (flags & 0x20) === 0 && (type === 8 || type === 9 || type === 18)
      if (!known) {
        if (!this.skipUnknown) throw new FlvError('tag-type', `unsupported tag type byte 0x${flags.toString(16)}`, this.pos)
        this.advance(size)
        continue
      }
      if (size > this.maxTagSize) throw new FlvError('tag-too-large', `tag of ${size} bytes exceeds maxTagSize ${this.maxTagSize}`, this.pos + 1)
      const peek = Math.min(size, PEEK)
      if (end - this.pos < TAG_HEADER + peek) return this.needs(TAG_HEADER + peek)
      const prefix = b.subarray(TAG_HEADER, TAG_HEADER + peek)
      const timestamp = b[7]! * 0x1000000 + ((b[4]! << 16) | (b[5]! << 8) | b[6]!)
      const kind = type === 9 ? 'video' : 'audio'
      const sequenceHeader = type !== 18 && isSequenceHeader(kind, prefix)
      const keyframe = type === 9 && !sequenceHeader && isKeyframe(prefix)
      const metadata = type === 18 && this.metadataIndex < 0 && startsWith(prefix, ON_METADATA)
      if ((sequenceHeader || metadata) && size <= this.maxKept) {
        if (end - this.pos < TAG_HEADER + size) return this.needs(TAG_HEADER + size)
        this.kept.set(this.count, b.slice(TAG_HEADER, TAG_HEADER + size))
      }
      if (metadata) this.metadataIndex = this.count
      if (sequenceHeader) (type === 9 ? this.videoHeaders : this.audioHeaders).push(this.count)
      if (keyframe) this.addKeyframe(this.count)
      const flagBits = (type === 9 ? FLAG_VIDEO : type === 18 ? FLAG_DATA : 0) | (keyframe ? FLAG_KEYFRAME : 0) | (sequenceHeader ? FLAG_SEQUENCE_HEADER : 0)
      this.add(this.pos, timestamp, size, flagBits)
      this.advance(size)
    }
  }

  /** The index of what was scanned. @throws FlvError 'truncated' when not even the file header was read */
  finish(): FlvIndex {
    if (!this.header) throw new FlvError('truncated', `FLV file of ${this.fileSize} bytes ends inside its header`, 0)
    return new FlvIndex(
      this.header,
      this.fileSize,
      this.truncated,
      this.offsets,
      this.timestamps,
      this.sizes,
      this.flags,
      this.count,
      this.keyframes,
      this.keyframeCount,
      this.videoHeaders,
      this.audioHeaders,
      this.metadataIndex,
      this.kept,
    )
  }

  private needs(n: number): void {
    this.need = n
  }

  private advance(size: number): void {
    this.pos += TAG_HEADER + size + 4
    this.need = TAG_HEADER + PEEK
    if (this.pos >= this.fileSize) this.stage = 'done'
  }

  private readHeader(b: Uint8Array): void {
    if (b[0] !== 0x46 || b[1] !== 0x4c || b[2] !== 0x56) throw new FlvError('signature', 'not an FLV file', 0)
    const version = b[3]!
    if (version !== 1) throw new FlvError('version', `FLV version ${version}, expected 1`, 3)
    const headerSize = b[5]! * 0x1000000 + ((b[6]! << 16) | (b[7]! << 8) | b[8]!)
    if (headerSize < 9 || headerSize > 1024) throw new FlvError('header-size', `FLV header size ${headerSize} outside 9..1024`, 5)
    this.header = { version, hasAudio: (b[4]! & 0x04) !== 0, hasVideo: (b[4]! & 0x01) !== 0, headerSize }
    this.stage = 'tags'
    this.pos = headerSize + 4 // PreviousTagSize0
    this.need = TAG_HEADER + PEEK
    if (this.pos >= this.fileSize) this.stage = 'done'
  }

  private add(offset: number, timestamp: number, size: number, flags: number): void {
    if (this.count === this.offsets.length) {
      const n = this.count * 2
      this.offsets = grow(this.offsets, new Float64Array(n))
      this.timestamps = grow(this.timestamps, new Float64Array(n))
      this.sizes = grow(this.sizes, new Uint32Array(n))
      this.flags = grow(this.flags, new Uint8Array(n))
    }
    this.offsets[this.count] = offset
    this.timestamps[this.count] = timestamp
    this.sizes[this.count] = size
    this.flags[this.count] = flags
    this.count++
  }

  private addKeyframe(i: number): void {
    if (this.keyframeCount === this.keyframes.length) this.keyframes = grow(this.keyframes, new Uint32Array(this.keyframeCount * 2))
    this.keyframes[this.keyframeCount++] = i
  }
}

function grow<T extends Float64Array | Uint32Array | Uint8Array>(from: T, to: T): T {
  to.set(from)
  return to
}

function startsWith(data: Uint8Array, prefix: readonly number[]): boolean {
  if (data.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false
  return true
}

/** Indexes a whole FLV file held in memory (tests, small files). @throws FlvError as `FlvIndexScanner` */
export function indexFlv(bytes: Uint8Array, options?: FlvIndexOptions): FlvIndex {
  const scan = new FlvIndexScanner(bytes.length, options)
  scan.feed(0, bytes)
  if (scan.want) scan.endOfFile()
  return scan.finish()
}
