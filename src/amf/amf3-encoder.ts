import { Buffer } from 'node:buffer'
import { ByteWriter } from '../bytes/byte-writer'
import { AmfError } from '../errors'
import { asEncodeError, checkOutputRoom, isPlainObject, normalizeAmfLimits } from './amf-limits'
import type { AmfLimits } from './amf-limits'
import {
  AmfArray,
  AmfAvmPlus,
  AmfDictionary,
  AmfDouble,
  AmfEcmaArray,
  AmfTypedObject,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
} from './amf-value'
import type { AmfObject, AmfValue } from './amf-value'

const U29_MAX = 0x1fffffff
const INT29_MIN = -0x10000000
const INT29_MAX = 0x0fffffff
const VECTOR_MARKERS = { int: 0x0d, uint: 0x0e, double: 0x0f, object: 0x10 } as const
/** Stands in for the caller's writer between calls, so that the encoder keeps no reference to output. */
const IDLE = new ByteWriter(0)

/** @internal Throws RTMP_ERR_AMF_UNENCODABLE. */
export function unencodable(message: string, offset: number): never {
  throw new AmfError('RTMP_ERR_AMF_UNENCODABLE', message, offset)
}

/**
 * @internal UTF-8 byte length of `s`. AMF strings are mostly short ASCII, for which this scan is cheaper than
 * Buffer.byteLength.
 */
export function utf8Length(s: string): number {
  if (s.length > 64) return Buffer.byteLength(s, 'utf8')
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8')
  return s.length
}

/** @internal Writes `s`, whose UTF-8 length is `n`: byte by byte when short ASCII (Buffer#write costs more there). */
export function writeUtf8(w: ByteWriter, s: string, n: number): void {
  if (n === s.length && n <= 64) {
    for (let i = 0; i < n; i++) w.u8(s.charCodeAt(i)) // n === length only when every char is ASCII
  } else {
    w.utf8(s)
  }
}

/** @internal Describes a value that cannot be encoded, for error messages. */
export function describe(v: unknown): string {
  if (typeof v !== 'object' || v === null) return typeof v
  return `an instance of ${(v as { constructor?: { name?: unknown } }).constructor?.name ?? 'unknown class'}`
}

/**
 * AMF3 encoder. Builds string, object and traits tables as it goes, so repeated strings, repeated objects and
 * objects of the same shape are written as references; a cycle becomes an object reference. Each top-level
 * value starts with fresh tables.
 *
 * Mapping: integers in [-2^28, 2^28-1] → integer (U29), other numbers and AmfDouble → double; plain objects →
 * anonymous dynamic objects (sealed members if a key is empty, as an empty dynamic key would end the object);
 * AmfTypedObject → sealed members under its class name; JS arrays → dense arrays; AmfArray and AmfEcmaArray →
 * arrays with an associative part; Date → date; Uint8Array → ByteArray; AmfAvmPlus → its value.
 */
export class Amf3Encoder {
  private readonly limits: AmfLimits
  private w = IDLE
  private depth = 0
  private readonly strings = new Map<string, number>()
  private readonly objects = new Map<object, number>()
  private readonly traits = new Map<string, number>()

  constructor(limits?: Partial<AmfLimits>) {
    this.limits = normalizeAmfLimits(limits)
  }

  /**
   * Encodes one value.
   * @throws AmfError RTMP_ERR_AMF_UNENCODABLE (a function, symbol, bigint, class instance, or an empty key in an
   *   associative array), RTMP_ERR_AMF_DEPTH (nested deeper than `maxDepth`).
   */
  encode(value: AmfValue): Uint8Array {
    const w = this.scratch
    w.reset()
    this.writeSwitched(w, value, 0)
    return w.takeCopy()
  }

  /** reused by every `encode`; results are exact-size copies */
  private readonly scratch = new ByteWriter()

  /** @internal Writes one value with fresh tables at nesting `depth` (after an AMF0 avmplus marker). */
  writeSwitched(w: ByteWriter, value: AmfValue, depth: number): void {
    if (depth > this.limits.maxDepth) throw new AmfError('RTMP_ERR_AMF_DEPTH', `nesting deeper than ${this.limits.maxDepth}`, w.size)
    this.w = w
    this.depth = depth
    try {
      this.writeValue(value)
    } catch (err) {
      throw asEncodeError(err, w.size)
    } finally {
      this.strings.clear()
      this.objects.clear()
      this.traits.clear()
      this.w = IDLE
    }
  }

  private writeValue(v: AmfValue): void {
    const w = this.w
    switch (typeof v) {
      case 'undefined':
        w.u8(0x00)
        return
      case 'boolean':
        w.u8(v ? 0x03 : 0x02)
        return
      case 'number':
        // -0 goes as a double so that it comes back as -0.
        if ((v | 0) === v && v >= INT29_MIN && v <= INT29_MAX && (v !== 0 || 1 / v > 0)) {
          w.u8(0x04)
          this.u29(v & U29_MAX)
        } else {
          w.u8(0x05).f64be(v)
        }
        return
      case 'string':
        w.u8(0x06)
        this.writeString(v)
        return
      case 'object':
        if (v === null) w.u8(0x01)
        else this.writeObjectValue(v)
        return
      default:
        unencodable(`cannot encode ${describe(v)} in AMF3`, w.size)
    }
  }

  private writeObjectValue(v: Exclude<AmfValue, null | undefined | number | string | boolean>): void {
    const w = this.w
    if (v instanceof AmfDouble) {
      if (typeof v.value !== 'number') unencodable(`AmfDouble holds ${describe(v.value)}`, w.size)
      w.u8(0x05).f64be(v.value)
      return
    }
    if (v instanceof AmfAvmPlus) {
      this.writeValue(v.value)
      return
    }
    const marker = markerOf(v)
    if (marker === 0) unencodable(`cannot encode ${describe(v)} in AMF3`, w.size)
    w.u8(marker)
    const ref = this.objects.get(v)
    if (ref !== undefined) {
      this.u29(ref * 2)
      return
    }
    this.objects.set(v, this.objects.size)
    if (v instanceof Date) {
      w.u8(0x01).f64be(v.getTime())
    } else if (v instanceof Uint8Array) {
      checkOutputRoom(w.size, v.length)
      this.u29(v.length * 2 + 1)
      w.bytes(v)
    } else if (v instanceof AmfXmlDocument || v instanceof AmfXml) {
      this.writeText(v.xml)
    } else {
      this.enter()
      if (Array.isArray(v)) this.writeArray(v, undefined)
      else if (v instanceof AmfArray) this.writeArray(v.dense, v.associative)
      else if (v instanceof AmfEcmaArray) this.writeArray([], v)
      else if (v instanceof AmfTypedObject) this.writeSealed(v.className, v.members)
      else if (v instanceof AmfVector) this.writeVector(v)
      else if (v instanceof AmfDictionary) this.writeDictionary(v)
      else if (hasEmptyKey(v)) this.writeSealed('', v)
      else this.writeDynamic(v)
      this.depth--
    }
  }

  private writeArray(dense: readonly AmfValue[], associative: object | undefined): void {
    this.u29(dense.length * 2 + 1)
    if (associative !== undefined) {
      for (const key of Object.keys(associative)) {
        if (key === '') unencodable('an AMF3 associative array cannot have an empty key', this.w.size)
        this.writeString(key)
        this.writeValue((associative as AmfObject)[key])
      }
    }
    this.w.u8(0x01) // empty string: end of the associative part
    for (let i = 0; i < dense.length; i++) this.writeValue(dense[i])
  }

  /** Anonymous object with dynamic members only: the shape Flash writes for an Object literal. */
  private writeDynamic(obj: AmfObject): void {
    this.writeTraits('', [], true)
    for (const key of Object.keys(obj)) {
      this.writeString(key)
      this.writeValue(obj[key])
    }
    this.w.u8(0x01)
  }

  private writeSealed(className: string, members: AmfObject): void {
    const names = Object.keys(members)
    this.writeTraits(className, names, false)
    for (const name of names) this.writeValue(members[name])
  }

  /** Inline traits the first time a shape is seen, a traits reference afterwards. */
  private writeTraits(className: string, sealed: readonly string[], dynamic: boolean): void {
    const key = dynamic ? `d${className}` : `s${JSON.stringify([className, ...sealed])}`
    const ref = this.traits.get(key)
    if (ref !== undefined) {
      this.u29(ref * 4 + 1)
      return
    }
    this.traits.set(key, this.traits.size)
    this.u29(sealed.length * 16 + (dynamic ? 0x0b : 0x03))
    this.writeString(className)
    for (const name of sealed) this.writeString(name)
  }

  private writeVector(v: AmfVector): void {
    const w = this.w
    const items = v.items
    this.u29(items.length * 2 + 1)
    w.u8(v.fixed ? 1 : 0)
    if (v.kind === 'object') {
      this.writeString(v.typeName)
      for (let i = 0; i < items.length; i++) this.writeValue(items[i])
      return
    }
    for (let i = 0; i < items.length; i++) {
      let item = items[i]
      if (v.kind === 'double' && item instanceof AmfDouble) item = item.value
      if (typeof item !== 'number') unencodable(`Vector.<${v.kind}> item ${i} is ${describe(item)}`, w.size)
      if (v.kind === 'double') w.f64be(item)
      else if (v.kind === 'int' && (item | 0) === item) w.s32be(item)
      else if (v.kind === 'uint' && item >>> 0 === item) w.u32be(item)
      else unencodable(`Vector.<${v.kind}> item ${i} (${item}) is out of range`, w.size)
    }
  }

  private writeDictionary(v: AmfDictionary): void {
    this.u29(v.entries.length * 2 + 1)
    this.w.u8(v.weakKeys ? 1 : 0)
    for (const [key, value] of v.entries) {
      this.writeValue(key)
      this.writeValue(value)
    }
  }

  /** UTF-8-vr: the empty string inline, other strings inline once then by reference. */
  private writeString(s: string): void {
    if (s === '') {
      this.w.u8(0x01)
      return
    }
    const ref = this.strings.get(s)
    if (ref !== undefined) {
      this.u29(ref * 2)
      return
    }
    this.strings.set(s, this.strings.size)
    this.writeText(s)
  }

  /** U29 length header + UTF-8 bytes (XML texts: never in the string table). */
  private writeText(s: string): void {
    const n = utf8Length(s)
    checkOutputRoom(this.w.size, n)
    this.u29(n * 2 + 1)
    writeUtf8(this.w, s, n)
  }

  private u29(v: number): void {
    const w = this.w
    if (v < 0x80) {
      w.u8(v)
    } else if (v < 0x4000) {
      w.u8((v >>> 7) | 0x80).u8(v & 0x7f)
    } else if (v < 0x200000) {
      w.u8((v >>> 14) | 0x80)
        .u8(((v >>> 7) & 0x7f) | 0x80)
        .u8(v & 0x7f)
    } else if (v <= U29_MAX) {
      w.u8(((v >>> 22) & 0x7f) | 0x80)
        .u8(((v >>> 15) & 0x7f) | 0x80)
        .u8(((v >>> 8) & 0x7f) | 0x80)
        .u8(v & 0xff)
    } else {
      unencodable(`length, count or reference ${v} does not fit AMF3's 29 bits`, w.size)
    }
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth) {
      throw new AmfError('RTMP_ERR_AMF_DEPTH', `nesting deeper than ${this.limits.maxDepth}`, this.w.size)
    }
  }
}

/** The AMF3 marker of an object-like value, or 0 when AMF3 has none for it. */
function markerOf(v: object): number {
  if (Array.isArray(v) || v instanceof AmfArray || v instanceof AmfEcmaArray) return 0x09
  if (v instanceof Date) return 0x08
  if (v instanceof Uint8Array) return 0x0c
  if (v instanceof AmfTypedObject) return 0x0a
  if (v instanceof AmfXmlDocument) return 0x07
  if (v instanceof AmfXml) return 0x0b
  if (v instanceof AmfVector) return VECTOR_MARKERS[v.kind] ?? 0
  if (v instanceof AmfDictionary) return 0x11
  return isPlainObject(v) ? 0x0a : 0
}

function hasEmptyKey(obj: object): boolean {
  return Object.hasOwn(obj, '') && Object.prototype.propertyIsEnumerable.call(obj, '')
}

let shared: Amf3Encoder | undefined
let sharedBusy = false

/**
 * Encodes one value as AMF3 (fresh reference tables).
 * @throws AmfError RTMP_ERR_AMF_UNENCODABLE, RTMP_ERR_AMF_DEPTH.
 */
export function encodeAmf3(value: AmfValue, limits?: Partial<AmfLimits>): Uint8Array {
  // A getter in `value` could call us back while the shared encoder is busy: that call gets its own.
  if (limits !== undefined || sharedBusy) return new Amf3Encoder(limits).encode(value)
  sharedBusy = true
  try {
    return (shared ??= new Amf3Encoder()).encode(value)
  } finally {
    sharedBusy = false
  }
}
