import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { encodeAmf3 } from '../../src/amf/amf3-encoder'
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
} from '../../src/amf/amf-value'
import type { AmfObject, AmfValue } from '../../src/amf/amf-value'
import type { Rng } from '../helpers/rng'
import { Builder } from './builder'
import type { Sample } from './mutate'
import { concatBytes } from './oracle'

// ── Valid values, encoded with our encoders ─────────────────────────────────────────────────────────

const CHARS = [...'abcz09 _-.:/?=&@|', 'é', 'Ж', '日', '😀', '\u0000']
const KEYS = ['app', 'tcUrl', 'flashVer', 'objectEncoding', 'code', 'level', 'duration', 'width', '__proto__', '0', '1', '', 'constructor']

export function randomString(rng: Rng, max = 12, long = 0.005): string {
  if (rng.next() < long) return 'x'.repeat(rng.int(65_530, 65_540)) // around the u16 / long-string boundary
  let s = ''
  for (let n = rng.int(0, max); n > 0; n--) s += rng.pick(CHARS)
  return s
}

function randomNumber(rng: Rng): number {
  const r = rng.next()
  if (r < 0.3) return rng.pick([0, -0, 1, -1, 0x0fffffff, -0x10000000, 0x10000000, 2 ** 31, 2 ** 53, NaN, Infinity, -Infinity])
  if (r < 0.7) return rng.int(-100_000, 100_000)
  return new DataView(rng.bytes(8).buffer).getFloat64(0)
}

function members(rng: Rng, target: object, next: () => AmfValue, allowEmptyKey: boolean): void {
  for (let n = rng.int(0, 4); n > 0; n--) {
    let key = rng.next() < 0.5 ? rng.pick(KEYS) : randomString(rng, 6, 0)
    if (key === '' && !allowEmptyKey) key = 'k'
    Object.defineProperty(target, key, { value: next(), enumerable: true, writable: true, configurable: true })
  }
}

/** A random value of any kind the encoders take (AMF3-only kinds go behind the avmplus switch in AMF0). */
export function randomValue(rng: Rng, depth = 0, pool: object[] = []): AmfValue {
  if (pool.length > 0 && rng.next() < 0.06) return rng.pick(pool) as AmfValue
  const next = (): AmfValue => randomValue(rng, depth + 1, pool)
  const leaf = depth >= 4
  let v: AmfValue
  switch (rng.int(0, leaf ? 7 : 20)) {
    case 0: return undefined
    case 1: return null
    case 2: return rng.bool()
    case 3: return randomNumber(rng)
    case 4: return randomString(rng)
    case 5: return rng.int(-0x10000000, 0x0fffffff)
    case 6: v = rng.bool() ? new Date(rng.int(-8.64e15, 8.64e15)) : new AmfDate(rng.int(0, 2e12), rng.int(-720, 720)); break
    case 7: v = rng.bytes(rng.int(0, 8)); break
    case 8: v = Array.from({ length: rng.int(0, 4) }, next); break
    case 9: v = {}; members(rng, v, next, true); break
    case 10: v = new AmfEcmaArray(); members(rng, v, next, true); break
    case 11: { const m: AmfObject = {}; members(rng, m, next, false); v = new AmfTypedObject(rng.pick(['', 'flex.X', 'a.b.C']) || 'C', m); break }
    case 12: v = rng.bool() ? new AmfXml(randomString(rng)) : new AmfXmlDocument(randomString(rng)); break
    case 13: { const a: AmfObject = {}; members(rng, a, next, false); v = new AmfArray(Array.from({ length: rng.int(0, 3) }, next), a); break }
    case 14: v = new AmfVector('int', Array.from({ length: rng.int(0, 4) }, () => rng.int(-0x80000000, 0x7fffffff)), rng.bool()); break
    case 15: v = new AmfVector('uint', Array.from({ length: rng.int(0, 4) }, () => rng.int(0, 0xffffffff)), rng.bool()); break
    case 16: v = new AmfVector('double', Array.from({ length: rng.int(0, 4) }, () => randomNumber(rng)), rng.bool()); break
    case 17: v = new AmfVector('object', Array.from({ length: rng.int(0, 3) }, next), rng.bool(), rng.pick(['', 'String', 'a.B'])); break
    case 18: v = new AmfDictionary(Array.from({ length: rng.int(0, 3) }, (): [AmfValue, AmfValue] => [next(), next()]), rng.bool()); break
    case 19: return new AmfDouble(randomNumber(rng))
    default: return new AmfAvmPlus(next())
  }
  if (typeof v === 'object' && v !== null) pool.push(v)
  return v
}

/** A valid AMF0 encoding of 1..5 random values (retried if the encoder refuses one, e.g. an AMF0 key over 64 KiB). */
export function validAmf0(rng: Rng): Uint8Array {
  for (;;) {
    const pool: object[] = []
    const values = Array.from({ length: rng.int(1, 5) }, () => randomValue(rng, 0, pool))
    try {
      return encodeAmf0(values)
    } catch {
      // an unencodable combination: draw again
    }
  }
}

export function validAmf3(rng: Rng): Uint8Array {
  for (;;) {
    const parts: Uint8Array[] = []
    try {
      for (let n = rng.int(1, 3); n > 0; n--) parts.push(encodeAmf3(randomValue(rng, 0, [])))
      return concatBytes(parts)
    } catch {
      // draw again
    }
  }
}

// ── Hostile AMF0 ────────────────────────────────────────────────────────────────────────────────────

/** Nesting of objects / arrays / typed objects / switches, near and past the depth limit. */
export function deepAmf0(rng: Rng): Sample {
  const b = new Builder()
  const depth = rng.pick([63, 64, 65, rng.int(1, 200), rng.int(1000, 20_000)])
  const kinds: number[] = []
  for (let i = 0; i < depth; i++) {
    const k = rng.next() < 0.8 ? kinds[kinds.length - 1] ?? rng.int(0, 4) : rng.int(0, 4)
    kinds.push(k)
    switch (k) {
      case 0: b.marker(0x03).u16(1).ascii('a'); break // object { a: ...
      case 1: b.marker(0x0a).u32(1); break // strict array [ ...
      case 2: b.marker(0x08).u32(1).u16(1).ascii('b'); break // ECMA array { b: ...
      case 3: b.marker(0x10).u16(1).ascii('C').u16(1).ascii('c'); break // typed object C { c: ...
      default: b.marker(0x11).marker(0x09).u29(3).u8(0x01); break // switch to AMF3 dense array [ ...
    }
  }
  b.marker(0x05)
  if (rng.next() < 0.8) for (let i = kinds.length - 1; i >= 0; i--) if (kinds[i] === 0 || kinds[i] === 2 || kinds[i] === 3) b.u16(0, undefined).u8(0x09)
  return b.sample()
}

/** Many references to the same containers (a "billion laughs" of objects: linear on the wire). */
export function referenceBombAmf0(rng: Rng): Sample {
  const b = new Builder()
  const count = rng.pick([10, 1000, 65_535, 65_536, 70_000])
  b.marker(0x0a).u32(count)
  b.marker(0x03).u16(1).ascii('x').marker(0x07).u16(rng.pick([0, 1, 2])).u16(0, undefined).u8(0x09)
  for (let i = 1; i < count; i++) b.marker(0x07).u16(rng.int(0, 2))
  return b.sample()
}

/** A declared length, count or reference far beyond the bytes present. */
export function hugeAmf0(rng: Rng): Sample {
  const b = new Builder()
  const huge = rng.pick([0xffff, 0xffffffff, 0x80000000, 0x7fffffff, 0x01000001, 0x00ffffff])
  switch (rng.int(0, 6)) {
    case 0: b.marker(0x02).u16(huge & 0xffff).ascii('abc'); break
    case 1: b.marker(0x0c).u32(huge).ascii('abc'); break
    case 2: b.marker(0x0f).u32(huge).ascii('<a/>'); break
    case 3: b.marker(0x0a).u32(huge).marker(0x05); break
    case 4: b.marker(0x08).u32(huge).u16(huge & 0xffff).ascii('k'); break
    case 5: b.marker(0x07).u16(huge & 0xffff); break
    default: b.marker(0x10).u16(huge & 0xffff).ascii('C'); break
  }
  return b.sample()
}

/**
 * An AMF3 string (or ByteArray) referenced many times behind one avmplus switch: small on the wire, but every
 * reference is a full copy once the value is re-encoded as AMF0 (which has no string references).
 */
export function switchedReferenceBomb(rng: Rng): Sample {
  const b = new Builder()
  const size = rng.pick([16, 200, 1000, 4000])
  const refs = rng.pick([8, 100, 1000, 3000])
  const bytesKind = rng.next() < 0.3
  b.marker(0x11).marker(0x09).u29(refs * 2 + 1).u8(0x01)
  if (bytesKind) b.marker(0x0c).u29(size * 2 + 1).bytes(new Uint8Array(size).fill(0x61))
  else b.marker(0x06).u29(size * 2 + 1).bytes(new Uint8Array(size).fill(0x61))
  for (let i = 1; i < refs; i++) b.marker(bytesKind ? 0x0c : 0x06).u29(bytesKind ? 2 : 0)
  return b.sample()
}

// ── Hostile AMF3 ────────────────────────────────────────────────────────────────────────────────────

export function deepAmf3(rng: Rng): Sample {
  const b = new Builder()
  const depth = rng.pick([63, 64, 65, rng.int(1, 200), rng.int(1000, 20_000)])
  const kind = rng.int(0, 3)
  for (let i = 0; i < depth; i++) {
    switch (kind) {
      case 0: b.marker(0x09).u29(3).u8(0x01); break // dense array of 1
      case 1: // anonymous dynamic object { a: ... }: inline traits the first time, then a traits reference
        b.marker(0x0a).u29(i === 0 ? 0x0b : 0x01)
        if (i === 0) b.u8(0x01) // class name ''
        b.u29(3).ascii('a')
        break
      case 2: b.marker(0x10).u29(3).u8(0).u8(0x01); break // Vector.<Object> of 1
      default: b.marker(0x11).u29(3).u8(0); break // Dictionary of 1: key ...
    }
  }
  b.marker(0x01)
  if (kind === 1 && rng.next() < 0.8) for (let i = 0; i < depth; i++) b.u8(0x01) // close every dynamic object
  return b.sample()
}

/** References into the string, object and traits tables: out of range, forward, self, huge. */
export function referencesAmf3(rng: Rng): Sample {
  const b = new Builder()
  const count = rng.pick([3, 100, 65_536, 70_000])
  b.marker(0x09).u29(count * 2 + 1).u8(0x01)
  b.marker(0x06).u29(7).ascii('abc')
  b.marker(0x0a).u29(0x0b).u8(0x01).u8(0x01) // {} dynamic, no members
  for (let i = 2; i < count; i++) {
    switch (rng.int(0, 4)) {
      case 0: b.marker(0x06).u29(rng.int(0, 2) * 2); break // string ref
      case 1: b.marker(0x0a).u29(rng.int(0, 3) * 2); break // object ref (0 is the array itself)
      case 2: b.marker(0x0a).u29(rng.int(0, 2) * 4 + 1).u8(0x01); break // traits ref
      case 3: b.marker(0x09).u29(rng.int(0, 3) * 2); break // array ref
      default: b.marker(0x0a).u29(0x07).u29(7).ascii('ext'); break // externalizable traits
    }
  }
  return b.sample()
}

export function hugeAmf3(rng: Rng): Sample {
  const b = new Builder()
  const huge = rng.pick([0x0fffffff, 0x1fffffff, 0x10000000, 0x00ffffff, 0x3fff, 0x1fffff])
  const marker = rng.pick([0x06, 0x07, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x0a])
  b.marker(marker)
  if (marker === 0x0a) b.u29(((huge << 4) | 0x03) & 0x1fffffff).u8(0x01)
  else b.u29(((huge * 2) | 1) & 0x1fffffff)
  if (marker >= 0x0d) b.u8(0)
  b.ascii('abcdefgh')
  return b.sample()
}

/** Tokens worth inserting into AMF input: markers, the object end, the avmplus switch, U29 extremes. */
export const AMF_TOKENS: readonly Uint8Array[] = [
  Uint8Array.of(0x00, 0x00, 0x09),
  Uint8Array.of(0x09),
  Uint8Array.of(0x11),
  Uint8Array.of(0x07, 0x00, 0x00),
  Uint8Array.of(0x07, 0xff, 0xff),
  Uint8Array.of(0x03),
  Uint8Array.of(0x0a, 0x00, 0x00, 0x00, 0x01),
  Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0x0a, 0x0b, 0x01),
  Uint8Array.of(0x0a, 0x01),
  Uint8Array.of(0x06, 0x00),
  Uint8Array.of(0x09, 0x03, 0x01),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0x0c, 0xff, 0xff, 0xff, 0xff),
]
