import { ByteWriter } from '../bytes/byte-writer'
import { AmfError } from '../errors'
import { asEncodeError, checkOutputRoom, isPlainObject, normalizeAmfLimits } from './amf-limits'
import type { AmfLimits } from './amf-limits'
import { Amf3Encoder, describe, unencodable, utf8Length, writeUtf8 } from './amf3-encoder'
import {
  AmfArray,
  AmfAvmPlus,
  AmfDate,
  AmfDictionary,
  AmfDouble,
  AmfEcmaArray,
  AmfTypedObject,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
} from './amf-value'
import type { AmfObject, AmfValue } from './amf-value'

const IDLE = new ByteWriter(0)

/**
 * AMF0 encoder.
 *
 * Mapping: numbers and AmfDouble → number; strings → string, or long string above 65535 UTF-8 bytes; plain
 * objects → object; JS arrays → strict array; AmfEcmaArray → ECMA array; AmfTypedObject → typed object;
 * Date → date (zone 0), AmfDate → date with its zone; AmfXmlDocument → XML document; undefined → undefined.
 * Values AMF0 has no type for (Uint8Array, AmfXml, AmfArray, AmfVector, AmfDictionary) and AmfAvmPlus are written
 * in AMF3 behind the avmplus switch (0x11), as Flash Player does, so they decode back to the same value.
 *
 * A container (object, ECMA array, strict array, typed object) that occurs again in the same `encode` call, shared
 * or cyclic, is written as a reference (0x07) to its first occurrence, as Flash Player does. That keeps cycles
 * finite and re-encoding a decoded reference bomb linear, but librtmp, ffmpeg and nginx-rtmp cannot read
 * references: do not share objects within a message meant for them.
 */
export class Amf0Encoder {
  private readonly limits: AmfLimits
  private readonly amf3: Amf3Encoder
  private w = IDLE
  private depth = 0
  /** Containers written so far → their index in the reference table the decoder builds. */
  private readonly refs = new Map<object, number>()

  constructor(limits?: Partial<AmfLimits>) {
    this.limits = normalizeAmfLimits(limits)
    this.amf3 = new Amf3Encoder(this.limits)
  }

  /**
   * Encodes `values` one after another (e.g. a command: name, transaction id, command object, args).
   * @throws AmfError RTMP_ERR_AMF_UNENCODABLE (a function, symbol, bigint, class instance, key over 65535 bytes,
   *   time zone outside s16, a repeated container past reference 65535), RTMP_ERR_AMF_DEPTH (nested deeper than
   *   `maxDepth`).
   */
  encode(values: readonly AmfValue[]): Uint8Array {
    const w = this.scratch
    w.reset()
    this.w = w
    this.depth = 0
    try {
      for (const v of values) this.writeValue(v)
    } catch (err) {
      throw asEncodeError(err, w.size)
    } finally {
      this.refs.clear()
      this.w = IDLE
    }
    return w.takeCopy()
  }

  /** reused by every `encode`; results are exact-size copies */
  private readonly scratch = new ByteWriter()

  private writeValue(v: AmfValue): void {
    const w = this.w
    switch (typeof v) {
      case 'number':
        w.u8(0x00).f64be(v)
        return
      case 'boolean':
        w.u8(0x01).u8(v ? 1 : 0)
        return
      case 'string':
        this.writeString(v)
        return
      case 'undefined':
        w.u8(0x06)
        return
      case 'object':
        if (v === null) w.u8(0x05)
        else this.writeObjectValue(v)
        return
      default:
        unencodable(`cannot encode ${describe(v)} in AMF0`, w.size)
    }
  }

  private writeObjectValue(v: Exclude<AmfValue, null | undefined | number | string | boolean>): void {
    const w = this.w
    if (v instanceof Date) {
      const zone = v instanceof AmfDate ? v.timezoneOffset : 0
      if (!Number.isInteger(zone) || zone < -0x8000 || zone > 0x7fff) unencodable(`date time zone ${zone} does not fit s16`, w.size)
      w.u8(0x0b).f64be(v.getTime()).s16be(zone)
    } else if (v instanceof AmfDouble) {
      if (typeof v.value !== 'number') unencodable(`AmfDouble holds ${describe(v.value)}`, w.size)
      w.u8(0x00).f64be(v.value)
    } else if (v instanceof AmfXmlDocument) {
      const n = utf8Length(v.xml)
      w.u8(0x0f).u32be(n)
      writeUtf8(w, v.xml, n)
    } else if (v instanceof AmfAvmPlus) {
      this.w.u8(0x11)
      this.amf3.writeSwitched(w, v.value, this.depth + 1)
    } else if (
      v instanceof Uint8Array ||
      v instanceof AmfXml ||
      v instanceof AmfArray ||
      v instanceof AmfVector ||
      v instanceof AmfDictionary
    ) {
      this.w.u8(0x11)
      this.amf3.writeSwitched(w, v, this.depth + 1)
    } else {
      this.writeContainer(v)
    }
  }

  private writeContainer(v: AmfValue[] | AmfObject | AmfEcmaArray | AmfTypedObject): void {
    const w = this.w
    const index = this.refs.get(v)
    if (index !== undefined) {
      if (index > 0xffff) unencodable(`repeated object #${index} is past AMF0's u16 references`, w.size)
      w.u8(0x07).u16be(index)
      return
    }
    if (++this.depth > this.limits.maxDepth) {
      throw new AmfError('RTMP_ERR_AMF_DEPTH', `nesting deeper than ${this.limits.maxDepth}`, w.size)
    }
    // Indexes are given in the order containers start, as the decoder numbers them.
    this.refs.set(v, this.refs.size)
    if (Array.isArray(v)) {
      w.u8(0x0a).u32be(v.length)
      for (let i = 0; i < v.length; i++) this.writeValue(v[i])
    } else if (v instanceof AmfEcmaArray) {
      const keys = Object.keys(v)
      w.u8(0x08).u32be(keys.length)
      this.writeMembers(v, keys)
    } else if (v instanceof AmfTypedObject) {
      w.u8(0x10)
      this.writeShortUtf8(v.className, 'class name')
      this.writeMembers(v.members, Object.keys(v.members))
    } else if (isPlainObject(v)) {
      w.u8(0x03)
      this.writeMembers(v, Object.keys(v))
    } else {
      unencodable(`cannot encode ${describe(v)} in AMF0`, w.size)
    }
    this.depth--
  }

  private writeMembers(obj: AmfObject | AmfEcmaArray, keys: readonly string[]): void {
    for (const key of keys) {
      this.writeShortUtf8(key, 'key')
      this.writeValue(obj[key])
    }
    this.w.u8(0x00).u8(0x00).u8(0x09) // empty key + object-end marker
  }

  private writeString(s: string): void {
    const n = utf8Length(s)
    checkOutputRoom(this.w.size, n)
    if (n <= 0xffff) this.w.u8(0x02).u16be(n)
    else this.w.u8(0x0c).u32be(n)
    writeUtf8(this.w, s, n)
  }

  /** u16 length + UTF-8 (keys and class names have no long form). */
  private writeShortUtf8(s: string, what: string): void {
    const n = utf8Length(s)
    if (n > 0xffff) unencodable(`${what} of ${n} bytes is over AMF0's 65535`, this.w.size)
    this.w.u16be(n)
    writeUtf8(this.w, s, n)
  }
}

let shared: Amf0Encoder | undefined
let sharedBusy = false

/**
 * Encodes `values` as AMF0, one after another.
 * @throws AmfError RTMP_ERR_AMF_UNENCODABLE, RTMP_ERR_AMF_DEPTH.
 */
export function encodeAmf0(values: readonly AmfValue[], limits?: Partial<AmfLimits>): Uint8Array {
  // A getter in `values` could call us back while the shared encoder is busy: that call gets its own.
  if (limits !== undefined || sharedBusy) return new Amf0Encoder(limits).encode(values)
  sharedBusy = true
  try {
    return (shared ??= new Amf0Encoder()).encode(values)
  } finally {
    sharedBusy = false
  }
}
