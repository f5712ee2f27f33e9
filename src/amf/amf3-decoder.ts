import { Buffer } from 'node:buffer'
import { ByteReader } from '../bytes/byte-reader'
import { AmfError } from '../errors'
import { amfTruncated, asAmfError, checkDeclared, normalizeAmfLimits, setMember } from './amf-limits'
import type { AmfLimits } from './amf-limits'
import { AmfArray, AmfDictionary, AmfTypedObject, AmfVector, AmfXml, AmfXmlDocument } from './amf-value'
import type { AmfObject, AmfValue, AmfVectorKind } from './amf-value'

/** The cursor an externalizable reader gets, positioned just after the class name. */
export interface Amf3ExternalInput {
  /** One AMF3 value; shares the reference tables and limits of the enclosing decode. */
  readValue(): AmfValue
  readU8(): number
  readU16(): number
  readU32(): number
  readI32(): number
  readDouble(): number
  /** u16 length + UTF-8, like ActionScript `IDataInput.readUTF`. */
  readUtf(): string
  /** A copy of the next `n` bytes. */
  readBytes(n: number): Uint8Array
}

/**
 * Reads the body of an externalizable class (its format is private to the class, so only the caller can know it),
 * e.g. `{ 'flex.messaging.io.ArrayCollection': (input) => input.readValue() }`.
 */
export type Amf3ExternalizableReader = (input: Amf3ExternalInput, className: string) => AmfValue

/** Decoder options: limits plus readers for externalizable classes (AMF3, also behind the AMF0 avmplus switch). */
export interface AmfDecodeOptions extends Partial<AmfLimits> {
  externalizable?: Readonly<Record<string, Amf3ExternalizableReader>>
}

interface Traits {
  readonly className: string
  readonly sealed: readonly string[]
  readonly dynamic: boolean
  readonly externalizable: boolean
}

const EMPTY = new Uint8Array(0)
/** What an idle decoder points at, so that it keeps no reference to the last input. */
const IDLE_READER = new ByteReader(EMPTY, amfTruncated)
const VECTOR_KINDS = ['int', 'uint', 'double', 'object'] as const

/** @internal A Buffer view of `bytes` (no copy) for `toString('utf8', start, end)`. */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

const IDLE_BUFFER = bufferOf(EMPTY)

/**
 * AMF3 decoder. Each top-level value gets fresh string/object/traits tables (as `encodeAmf3` writes them, and as
 * Flash does for each value behind an AMF0 avmplus switch). References return the same JS object, never a copy,
 * so self-references decode to cyclic structures. Every length, count, table and nesting level is bounded by
 * {@link AmfLimits}. An instance is reusable after an error, but not re-entrant.
 */
export class Amf3Decoder {
  private readonly limits: AmfLimits
  private readonly externals: Readonly<Record<string, Amf3ExternalizableReader>> | undefined
  private r = IDLE_READER
  private buf: Buffer = IDLE_BUFFER
  private depth = 0
  private readonly strings: string[] = []
  private readonly objects: AmfValue[] = []
  private readonly traits: Traits[] = []
  private external: Amf3ExternalInput | undefined

  constructor(options: AmfDecodeOptions = {}) {
    this.limits = normalizeAmfLimits(options)
    this.externals = options.externalizable
  }

  /**
   * Decodes every AMF3 value in `bytes`.
   * @throws AmfError RTMP_ERR_AMF_TRUNCATED, RTMP_ERR_AMF_UNKNOWN_MARKER, RTMP_ERR_AMF_DEPTH, RTMP_ERR_AMF_REFERENCE,
   *   RTMP_ERR_AMF_LENGTH, RTMP_ERR_AMF_EXTERNALIZABLE (an externalizable class without a registered reader).
   */
  decode(bytes: Uint8Array): AmfValue[] {
    const r = new ByteReader(bytes, amfTruncated)
    this.r = r
    this.buf = bufferOf(bytes)
    const values: AmfValue[] = []
    try {
      while (r.remaining > 0) {
        this.reset(0)
        values.push(this.readValue())
      }
    } catch (err) {
      throw asAmfError(err, r.offset)
    } finally {
      this.release()
    }
    return values
  }

  /** @internal Reads the one AMF3 value after an AMF0 avmplus marker from the AMF0 cursor, at nesting `depth`. */
  readSwitched(r: ByteReader, buf: Buffer, depth: number): AmfValue {
    if (depth > this.limits.maxDepth) throw this.error('RTMP_ERR_AMF_DEPTH', `nesting deeper than ${this.limits.maxDepth}`)
    this.r = r
    this.buf = buf
    try {
      this.reset(depth)
      return this.readValue()
    } finally {
      this.release()
    }
  }

  private reset(depth: number): void {
    this.depth = depth
    this.strings.length = 0
    this.objects.length = 0
    this.traits.length = 0
  }

  /** Drops every reference to the input and to decoded values. */
  private release(): void {
    this.reset(0)
    this.r = IDLE_READER
    this.buf = IDLE_BUFFER
  }

  private readValue(): AmfValue {
    const marker = this.r.u8()
    switch (marker) {
      case 0x00:
        return undefined
      case 0x01:
        return null
      case 0x02:
        return false
      case 0x03:
        return true
      case 0x04: {
        const v = this.u29()
        return v >= 0x10000000 ? v - 0x20000000 : v // sign-extend the 29-bit integer
      }
      case 0x05:
        return this.r.f64be()
      case 0x06:
        return this.readString()
      case 0x0a:
        return this.readObject()
      case 0x07:
      case 0x08:
      case 0x09:
      case 0x0b:
      case 0x0c:
      case 0x0d:
      case 0x0e:
      case 0x0f:
      case 0x10:
      case 0x11: {
        // U29O-ref | U29x-value: a reference into the object table, or the inline value's length/count
        const header = this.u29()
        if ((header & 1) === 0) return this.objectAt(header >>> 1)
        return this.readInline(marker, header >>> 1)
      }
      default:
        this.r.offset--
        throw this.error('RTMP_ERR_AMF_UNKNOWN_MARKER', `unknown AMF3 marker 0x${marker.toString(16).padStart(2, '0')}`)
    }
  }

  private readInline(marker: number, n: number): AmfValue {
    switch (marker) {
      case 0x07:
        return this.remember(new AmfXmlDocument(this.utf8(n)))
      case 0x0b:
        return this.remember(new AmfXml(this.utf8(n)))
      case 0x08:
        return this.remember(new Date(this.r.f64be()))
      case 0x09:
        return this.readArray(n)
      case 0x0c:
        return this.readByteArray(n)
      case 0x11:
        return this.readDictionary(n)
      default:
        return this.readVector(VECTOR_KINDS[marker - 0x0d]!, n)
    }
  }

  /** Variable-length unsigned 29-bit integer: 7 bits per byte for three bytes, then 8. */
  private u29(): number {
    const r = this.r
    let b = r.u8()
    if (b < 0x80) return b
    let v = (b & 0x7f) << 7
    b = r.u8()
    if (b < 0x80) return v | b
    v = (v | (b & 0x7f)) << 7
    b = r.u8()
    if (b < 0x80) return v | b
    v = (v | (b & 0x7f)) << 8
    return v | r.u8()
  }

  /** UTF-8-vr: a string-table reference or an inline string (non-empty inline strings join the table). */
  private readString(): string {
    const header = this.u29()
    if ((header & 1) === 0) {
      const index = header >>> 1
      const s = this.strings[index]
      if (s === undefined) throw this.badReference('string', index, this.strings.length)
      return s
    }
    const length = header >>> 1
    if (length === 0) return ''
    const s = this.utf8(length)
    if (this.strings.length >= this.limits.maxReferences) throw this.tableFull('string')
    this.strings.push(s)
    return s
  }

  private utf8(length: number): string {
    const r = this.r
    checkDeclared(length, 1, r.remaining, this.limits.maxStringLength, 'string length', r.offset)
    const start = r.offset
    r.offset += length
    return this.buf.toString('utf8', start, start + length)
  }

  private objectAt(index: number): AmfValue {
    if (index >= this.objects.length) throw this.badReference('object', index, this.objects.length)
    return this.objects[index]
  }

  /** Adds `v` to the object table (before its children are read, so that they may refer to it). */
  private remember<T extends AmfValue>(v: T): T {
    if (this.objects.length >= this.limits.maxReferences) throw this.tableFull('object')
    this.objects.push(v)
    return v
  }

  private readByteArray(length: number): AmfValue {
    const r = this.r
    checkDeclared(length, 1, r.remaining, this.limits.maxStringLength, 'ByteArray length', r.offset)
    // A copy: the input buffer may be reused by the caller once decoding returns.
    const v = new Uint8Array(length)
    v.set(r.subarray(length))
    return this.remember(v)
  }

  private readArray(denseCount: number): AmfValue {
    this.enter()
    const dense: AmfValue[] = []
    let result: AmfValue = dense
    // The associative part comes first; its first key tells whether this is a plain JS array.
    let key = this.readString()
    if (key === '') {
      this.remember(dense)
    } else {
      const associative: AmfObject = {}
      result = new AmfArray(dense, associative)
      this.remember(result)
      for (let n = 1; key !== ''; n++) {
        if (n > this.limits.maxItems) throw this.tooMany('associative array entries')
        setMember(associative, key, this.readValue())
        key = this.readString()
      }
    }
    checkDeclared(denseCount, 1, this.r.remaining, this.limits.maxItems, 'array length', this.r.offset)
    for (let i = 0; i < denseCount; i++) dense.push(this.readValue())
    this.depth--
    return result
  }

  private readObject(): AmfValue {
    const header = this.u29()
    if ((header & 1) === 0) return this.objectAt(header >>> 1)
    const traits = this.readTraits(header)
    if (traits.externalizable) return this.readExternal(traits.className)
    this.enter()
    const members: AmfObject = {}
    const result = traits.className === '' ? members : new AmfTypedObject(traits.className, members)
    this.remember(result)
    const r = this.r
    const sealed = traits.sealed
    checkDeclared(sealed.length, 1, r.remaining, this.limits.maxItems, 'sealed member count', r.offset)
    for (const name of sealed) setMember(members, name, this.readValue())
    if (traits.dynamic) {
      for (let n = 1; ; n++) {
        const key = this.readString()
        if (key === '') break
        if (n > this.limits.maxItems) throw this.tooMany('dynamic members')
        setMember(members, key, this.readValue())
      }
    }
    this.depth--
    return result
  }

  /** U29O-traits-ref | U29O-traits-ext | U29O-traits (the object-reference bit is already known to be 1). */
  private readTraits(header: number): Traits {
    if ((header & 2) === 0) {
      const index = header >>> 2
      const t = this.traits[index]
      if (t === undefined) throw this.badReference('traits', index, this.traits.length)
      return t
    }
    let traits: Traits
    if ((header & 4) !== 0) {
      traits = { className: this.readString(), sealed: [], dynamic: false, externalizable: true }
    } else {
      const count = header >>> 4
      const className = this.readString()
      checkDeclared(count, 1, this.r.remaining, this.limits.maxItems, 'sealed member count', this.r.offset)
      const sealed: string[] = []
      for (let i = 0; i < count; i++) sealed.push(this.readString())
      traits = { className, sealed, dynamic: (header & 8) !== 0, externalizable: false }
    }
    if (this.traits.length >= this.limits.maxReferences) throw this.tableFull('traits')
    this.traits.push(traits)
    return traits
  }

  private readExternal(className: string): AmfValue {
    const reader = this.externals !== undefined && Object.hasOwn(this.externals, className) ? this.externals[className] : undefined
    if (reader === undefined) {
      throw this.error('RTMP_ERR_AMF_EXTERNALIZABLE', `externalizable class ${JSON.stringify(className)} has no registered reader`)
    }
    this.enter()
    const index = this.objects.length
    this.remember(undefined) // the slot is filled once the reader returns
    let v: AmfValue
    try {
      v = reader(this.externalInput(), className)
    } catch (err) {
      if (err instanceof AmfError) throw err
      throw new AmfError('RTMP_ERR_AMF_EXTERNALIZABLE', `reader for ${JSON.stringify(className)} failed`, this.r.offset, { cause: err })
    }
    this.objects[index] = v
    this.depth--
    return v
  }

  private readVector(kind: AmfVectorKind, count: number): AmfValue {
    const r = this.r
    const fixed = r.u8() !== 0
    const items: AmfValue[] = []
    if (kind === 'object') {
      const typeName = this.readString()
      checkDeclared(count, 1, r.remaining, this.limits.maxItems, 'vector length', r.offset)
      this.enter()
      const v = new AmfVector(kind, items, fixed, typeName)
      this.remember(v)
      for (let i = 0; i < count; i++) items.push(this.readValue())
      this.depth--
      return v
    }
    checkDeclared(count, kind === 'double' ? 8 : 4, r.remaining, this.limits.maxItems, 'vector length', r.offset)
    if (kind === 'int') for (let i = 0; i < count; i++) items.push(r.s32be())
    else if (kind === 'uint') for (let i = 0; i < count; i++) items.push(r.u32be())
    else for (let i = 0; i < count; i++) items.push(r.f64be())
    const v = new AmfVector(kind, items, fixed)
    this.remember(v)
    return v
  }

  private readDictionary(count: number): AmfValue {
    const r = this.r
    const weakKeys = r.u8() !== 0
    checkDeclared(count, 2, r.remaining, this.limits.maxItems, 'dictionary size', r.offset)
    this.enter()
    const entries: Array<[AmfValue, AmfValue]> = []
    const v = new AmfDictionary(entries, weakKeys)
    this.remember(v)
    for (let i = 0; i < count; i++) {
      const key = this.readValue()
      entries.push([key, this.readValue()])
    }
    this.depth--
    return v
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth) throw this.error('RTMP_ERR_AMF_DEPTH', `nesting deeper than ${this.limits.maxDepth}`)
  }

  private externalInput(): Amf3ExternalInput {
    this.external ??= {
      readValue: () => this.readValue(),
      readU8: () => this.r.u8(),
      readU16: () => this.r.u16be(),
      readU32: () => this.r.u32be(),
      readI32: () => this.r.s32be(),
      readDouble: () => this.r.f64be(),
      readUtf: () => this.utf8(this.r.u16be()),
      readBytes: (n: number) => {
        checkDeclared(n, 1, this.r.remaining, this.limits.maxStringLength, 'byte count', this.r.offset)
        return new Uint8Array(this.r.subarray(n))
      },
    }
    return this.external
  }

  private error(code: 'RTMP_ERR_AMF_DEPTH' | 'RTMP_ERR_AMF_UNKNOWN_MARKER' | 'RTMP_ERR_AMF_EXTERNALIZABLE', message: string): AmfError {
    return new AmfError(code, message, this.r.offset)
  }

  private badReference(table: string, index: number, size: number): AmfError {
    return new AmfError('RTMP_ERR_AMF_REFERENCE', `${table} reference ${index} out of range (table has ${size})`, this.r.offset)
  }

  private tableFull(table: string): AmfError {
    return new AmfError('RTMP_ERR_AMF_REFERENCE', `${table} reference table over ${this.limits.maxReferences} entries`, this.r.offset)
  }

  private tooMany(what: string): AmfError {
    return new AmfError('RTMP_ERR_AMF_LENGTH', `more than ${this.limits.maxItems} ${what}`, this.r.offset)
  }
}

let defaultDecoder: Amf3Decoder | undefined

/**
 * Decodes every AMF3 value in `bytes`; each top-level value has its own reference tables.
 * @throws AmfError RTMP_ERR_AMF_TRUNCATED, RTMP_ERR_AMF_UNKNOWN_MARKER, RTMP_ERR_AMF_DEPTH, RTMP_ERR_AMF_REFERENCE,
 *   RTMP_ERR_AMF_LENGTH, RTMP_ERR_AMF_EXTERNALIZABLE.
 */
export function decodeAmf3(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  // With no options no user code runs during decoding, so one shared decoder cannot be re-entered.
  if (options === undefined) return (defaultDecoder ??= new Amf3Decoder()).decode(bytes)
  return new Amf3Decoder(options).decode(bytes)
}
