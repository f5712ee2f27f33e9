import type { Buffer } from 'node:buffer'
import { ByteReader } from '../bytes/byte-reader'
import { AmfError } from '../errors'
import { amfTruncated, asAmfError, checkDeclared, normalizeAmfLimits, setMember } from './amf-limits'
import type { AmfLimits } from './amf-limits'
import { Amf3Decoder, bufferOf } from './amf3-decoder'
import type { AmfDecodeOptions } from './amf3-decoder'
import { AmfDate, AmfEcmaArray, AmfTypedObject, AmfXmlDocument } from './amf-value'
import type { AmfObject, AmfValue } from './amf-value'

const EMPTY = new Uint8Array(0)
/** What an idle decoder points at, so that it keeps no reference to the last input. */
const IDLE_READER = new ByteReader(EMPTY, amfTruncated)
const IDLE_BUFFER = bufferOf(EMPTY)

/**
 * AMF0 decoder: a payload → every value in it. One reference table per `decode` call holds objects, ECMA arrays,
 * strict arrays and typed objects in the order they start; a reference (marker 7) returns that same JS object.
 * After an avmplus switch (marker 0x11) the next value is AMF3, with fresh AMF3 tables, one level deeper.
 * The ECMA array count is only a hint: entries are read up to the `00 00 09` end marker.
 * An instance is reusable after an error, but not re-entrant.
 */
export class Amf0Decoder {
  private readonly limits: AmfLimits
  private readonly options: AmfDecodeOptions
  private amf3: Amf3Decoder | undefined
  private r = IDLE_READER
  private buf: Buffer = IDLE_BUFFER
  private depth = 0
  private readonly refs: AmfValue[] = []

  constructor(options: AmfDecodeOptions = {}) {
    this.limits = normalizeAmfLimits(options)
    this.options = options
  }

  /**
   * Decodes every AMF0 value in `bytes`.
   * @throws AmfError RTMP_ERR_AMF_TRUNCATED, RTMP_ERR_AMF_UNKNOWN_MARKER, RTMP_ERR_AMF_DEPTH, RTMP_ERR_AMF_REFERENCE,
   *   RTMP_ERR_AMF_LENGTH, RTMP_ERR_AMF_EXTERNALIZABLE (in an AMF3 value behind the switch).
   */
  decode(bytes: Uint8Array): AmfValue[] {
    const r = new ByteReader(bytes, amfTruncated)
    this.r = r
    this.buf = bufferOf(bytes)
    this.depth = 0
    this.refs.length = 0
    const values: AmfValue[] = []
    try {
      while (r.remaining > 0) values.push(this.readValue())
    } catch (err) {
      throw asAmfError(err, r.offset)
    } finally {
      this.refs.length = 0
      this.r = IDLE_READER
      this.buf = IDLE_BUFFER
    }
    return values
  }

  private readValue(): AmfValue {
    const r = this.r
    const marker = r.u8()
    switch (marker) {
      case 0x00:
        return r.f64be()
      case 0x01:
        return r.u8() !== 0
      case 0x02:
        return this.utf8(r.u16be())
      case 0x03: {
        this.enter()
        const obj: AmfObject = {}
        this.remember(obj)
        this.readMembers(obj)
        this.depth--
        return obj
      }
      case 0x05:
        return null
      case 0x06:
      case 0x0d: // unsupported
        return undefined
      case 0x07: {
        const index = r.u16be()
        if (index >= this.refs.length) {
          throw new AmfError('RTMP_ERR_AMF_REFERENCE', `reference ${index} out of range (table has ${this.refs.length})`, r.offset)
        }
        return this.refs[index]
      }
      case 0x08: {
        r.u32be() // count hint: encoders get it wrong, the end marker decides
        this.enter()
        const arr = new AmfEcmaArray()
        this.remember(arr)
        this.readMembers(arr)
        this.depth--
        return arr
      }
      case 0x0a:
        return this.readStrictArray()
      case 0x0b: {
        const time = r.f64be()
        const zone = r.s16be()
        return zone === 0 ? new Date(time) : new AmfDate(time, zone)
      }
      case 0x0c:
        return this.utf8(r.u32be())
      case 0x0f:
        return new AmfXmlDocument(this.utf8(r.u32be()))
      case 0x10: {
        const className = this.utf8(r.u16be())
        this.enter()
        const members: AmfObject = {}
        const typed = new AmfTypedObject(className, members)
        this.remember(typed)
        this.readMembers(members)
        this.depth--
        return typed
      }
      case 0x11:
        this.amf3 ??= new Amf3Decoder(this.options)
        return this.amf3.readSwitched(r, this.buf, this.depth + 1)
      default:
        r.offset--
        throw new AmfError('RTMP_ERR_AMF_UNKNOWN_MARKER', `unknown AMF0 marker 0x${marker.toString(16).padStart(2, '0')}`, r.offset)
    }
  }

  /** Key/value pairs up to the object-end marker (an empty key followed by 0x09). */
  private readMembers(target: object): void {
    const r = this.r
    for (let n = 1; ; n++) {
      const keyLength = r.u16be()
      if (keyLength === 0 && r.peekU8() === 0x09) {
        r.offset++
        return
      }
      const key = this.utf8(keyLength)
      if (n > this.limits.maxItems) {
        throw new AmfError('RTMP_ERR_AMF_LENGTH', `more than ${this.limits.maxItems} object members`, r.offset)
      }
      setMember(target, key, this.readValue())
    }
  }

  private readStrictArray(): AmfValue[] {
    const r = this.r
    const count = r.u32be()
    checkDeclared(count, 1, r.remaining, this.limits.maxItems, 'strict array length', r.offset)
    this.enter()
    const arr: AmfValue[] = []
    this.remember(arr)
    for (let i = 0; i < count; i++) arr.push(this.readValue())
    this.depth--
    return arr
  }

  private utf8(length: number): string {
    const r = this.r
    if (length === 0) return ''
    checkDeclared(length, 1, r.remaining, this.limits.maxStringLength, 'string length', r.offset)
    const start = r.offset
    r.offset += length
    return this.buf.toString('utf8', start, start + length)
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth) {
      throw new AmfError('RTMP_ERR_AMF_DEPTH', `nesting deeper than ${this.limits.maxDepth}`, this.r.offset)
    }
  }

  private remember(v: AmfValue): void {
    if (this.refs.length >= this.limits.maxReferences) {
      throw new AmfError('RTMP_ERR_AMF_REFERENCE', `reference table over ${this.limits.maxReferences} entries`, this.r.offset)
    }
    this.refs.push(v)
  }
}

let defaultDecoder: Amf0Decoder | undefined

/**
 * Decodes every AMF0 value in `bytes` (e.g. a command message body: name, transaction id, command object, args).
 * @throws AmfError RTMP_ERR_AMF_TRUNCATED, RTMP_ERR_AMF_UNKNOWN_MARKER, RTMP_ERR_AMF_DEPTH, RTMP_ERR_AMF_REFERENCE,
 *   RTMP_ERR_AMF_LENGTH, RTMP_ERR_AMF_EXTERNALIZABLE.
 */
export function decodeAmf0(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  // With no options no user code runs during decoding, so one shared decoder cannot be re-entered.
  if (options === undefined) return (defaultDecoder ??= new Amf0Decoder()).decode(bytes)
  return new Amf0Decoder(options).decode(bytes)
}
