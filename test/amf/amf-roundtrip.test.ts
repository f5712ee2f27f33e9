import { describe, expect, it } from 'vitest'
import { decodeAmf0 } from '../../src/amf/amf0-decoder'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { decodeAmf3 } from '../../src/amf/amf3-decoder'
import { encodeAmf3 } from '../../src/amf/amf3-encoder'
import {
  AmfArray,
  AmfDate,
  AmfDictionary,
  AmfEcmaArray,
  AmfTypedObject,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
} from '../../src/amf/amf-value'
import type { AmfObject, AmfValue } from '../../src/amf/amf-value'
import { AmfError } from '../../src/errors'
import { concat, toHex } from '../helpers/hex'
import { property } from '../helpers/rng'
import type { Rng } from '../helpers/rng'

// ── Random values ───────────────────────────────────────────────────────────

const CHARS = [...'abcxyzABC0129 _-.:/?=&', 'é', 'ß', 'Ж', '→', '日', '本', '😀', '𝄞', '\u0000']
const MAX_DEPTH = 4

function randomString(rng: Rng, max = 10): string {
  let s = ''
  for (let n = rng.int(0, max); n > 0; n--) s += rng.pick(CHARS)
  return s
}

/** Keys that stress the decoder: empty (AMF0 only), `__proto__`, integer-like ones that JS reorders. */
function randomKey(rng: Rng, allowEmpty: boolean): string {
  const r = rng.next()
  if (r < 0.05 && allowEmpty) return ''
  if (r < 0.1) return '__proto__'
  if (r < 0.2) return String(rng.int(0, 20))
  return randomString(rng, 8) || 'k'
}

function randomNumber(rng: Rng, integersOnly = false): number {
  const special = [0, -0, 1, -1, 0x0fffffff, -0x10000000, 0x10000000, -0x10000001, 2 ** 31, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE]
  const r = rng.next()
  if (integersOnly) return r < 0.3 ? rng.pick([0, 1, -1, 0x7fffffff, -0x80000000]) : rng.int(-0x80000000, 0x7fffffff)
  if (r < 0.2) return rng.pick([...special, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
  if (r < 0.5) return rng.int(-1000, 1000)
  if (r < 0.7) return rng.int(-(2 ** 40), 2 ** 40)
  if (r < 0.85) return (rng.next() - 0.5) * 10 ** rng.int(-10, 20)
  return new DataView(rng.bytes(8).buffer).getFloat64(0) // any bit pattern, NaN payloads included
}

function randomTime(rng: Rng): number {
  return rng.next() < 0.05 ? Number.NaN : rng.int(-8.64e15, 8.64e15)
}

function randomMembers(rng: Rng, target: object, allowEmpty: boolean, value: () => AmfValue): void {
  for (let n = rng.int(0, 4); n > 0; n--) {
    // defineProperty so that "__proto__" becomes an own member, as the decoders make it
    Object.defineProperty(target, randomKey(rng, allowEmpty), { value: value(), enumerable: true, writable: true, configurable: true })
  }
}

/** An AMF3 value in the form the AMF3 decoder returns (so that decode(encode(v)) deep-equals v). */
function randomAmf3(rng: Rng, depth: number, pool: object[]): AmfValue {
  if (pool.length > 0 && rng.next() < 0.05) return rng.pick(pool) as AmfValue // shared: must come back as a reference
  const next = (): AmfValue => randomAmf3(rng, depth + 1, pool)
  const r = rng.int(0, depth >= MAX_DEPTH ? 8 : 16)
  let v: AmfValue
  switch (r) {
    case 0: return undefined
    case 1: return null
    case 2: return rng.bool()
    case 3: return randomNumber(rng)
    case 4: return randomString(rng)
    case 5: v = new Date(randomTime(rng)); break
    case 6: v = rng.bool() ? new AmfXml(randomString(rng)) : new AmfXmlDocument(randomString(rng)); break
    case 7: v = rng.bytes(rng.int(0, 6)); break
    case 8: return rng.int(-0x10000000, 0x0fffffff)
    case 9: v = Array.from({ length: rng.int(0, 4) }, next); break
    case 10:
    case 11: {
      const obj: AmfObject = {}
      randomMembers(rng, obj, true, next) // an empty key switches the encoder to sealed members
      v = obj
      break
    }
    case 12: {
      const associative: AmfObject = {}
      randomMembers(rng, associative, false, next)
      associative.k = next() // at least one entry, or it decodes as a plain array
      v = new AmfArray(Array.from({ length: rng.int(0, 3) }, next), associative)
      break
    }
    case 13: {
      const members: AmfObject = {}
      randomMembers(rng, members, true, next)
      v = new AmfTypedObject(randomString(rng, 6) || 'C', members)
      break
    }
    case 14: {
      const kind = rng.pick(['int', 'uint', 'double', 'object'] as const)
      const n = rng.int(0, 4)
      const items: AmfValue[] = []
      for (let i = 0; i < n; i++) {
        if (kind === 'int') items.push(randomNumber(rng, true))
        else if (kind === 'uint') items.push(randomNumber(rng, true) >>> 0)
        else if (kind === 'double') items.push(randomNumber(rng))
        else items.push(next())
      }
      v = new AmfVector(kind, items, rng.bool(), kind === 'object' ? randomString(rng, 5) : '')
      break
    }
    default:
      v = new AmfDictionary(Array.from({ length: rng.int(0, 3) }, () => [next(), next()] as [AmfValue, AmfValue]), rng.bool())
  }
  pool.push(v as object)
  return v
}

/** An AMF0 value in the form the AMF0 decoder returns. Only AMF0 containers are shared (AMF0 references them). */
function randomAmf0(rng: Rng, depth: number, pool: object[]): AmfValue {
  if (pool.length > 0 && rng.next() < 0.05) return rng.pick(pool) as AmfValue
  const next = (): AmfValue => randomAmf0(rng, depth + 1, pool)
  const r = rng.int(0, depth >= MAX_DEPTH ? 8 : 14)
  switch (r) {
    case 0: return undefined
    case 1: return null
    case 2: return rng.bool()
    case 3: return randomNumber(rng)
    case 4: return rng.next() < 0.02 ? 'x'.repeat(rng.int(65530, 65540)) : randomString(rng)
    case 5: return new Date(randomTime(rng))
    case 6: return new AmfDate(randomTime(rng), rng.pick([-1, 1, 60, -300, 32767, -32768, rng.int(1, 999)]))
    case 7: return new AmfXmlDocument(randomString(rng))
    case 8: return randomAmf3Only(rng, depth)
    case 9:
    case 10: {
      const v = Array.from({ length: rng.int(0, 4) }, next)
      pool.push(v)
      return v
    }
    case 11:
    case 12: {
      const v: AmfObject = {}
      pool.push(v)
      randomMembers(rng, v, true, next)
      return v
    }
    case 13: {
      const v = new AmfEcmaArray()
      pool.push(v)
      randomMembers(rng, v, true, next)
      return v
    }
    default: {
      const members: AmfObject = {}
      const v = new AmfTypedObject(randomString(rng, 6), members)
      pool.push(v)
      randomMembers(rng, members, true, next)
      return v
    }
  }
}

/** A value only AMF3 can express: the AMF0 encoder puts it behind the avmplus switch. */
function randomAmf3Only(rng: Rng, depth: number): AmfValue {
  const pool: object[] = [] // each switch has its own AMF3 tables, so sharing stays inside one switched value
  for (;;) {
    const v = randomAmf3(rng, depth + 1, pool)
    if (v instanceof Uint8Array || v instanceof AmfXml || v instanceof AmfArray || v instanceof AmfVector || v instanceof AmfDictionary) {
      return v
    }
  }
}

// ── Comparison ──────────────────────────────────────────────────────────────

/**
 * A plain tree that spells out every detail deep equality would miss (classes, -0, AmfDate zones, key order)
 * and numbers objects as first seen, so shared and cyclic parts must match too. With `expand`, shared parts are
 * compared by value and only cycles are marked (with the distance to the repeated ancestor).
 */
function canon(value: AmfValue, expand = false, budget = 100_000): unknown {
  const ids = new Map<object, number>()
  const stack: object[] = []
  let nodes = 0
  const entries = (o: object): unknown[] => Object.keys(o).map((k) => [k, walk((o as AmfObject)[k])])
  const walk = (v: AmfValue): unknown => {
    if (++nodes > budget) throw new Error('canon budget exceeded')
    if (v === undefined) return ['undefined']
    if (typeof v === 'number') return Object.is(v, -0) ? ['-0'] : Number.isNaN(v) ? ['NaN'] : v
    if (typeof v !== 'object' || v === null) return v
    if (expand) {
      const at = stack.lastIndexOf(v)
      if (at >= 0) return ['cycle', stack.length - at]
    } else {
      const id = ids.get(v)
      if (id !== undefined) return ['ref', id]
      ids.set(v, ids.size)
    }
    stack.push(v)
    const out = shape(v)
    stack.pop()
    return out
  }
  const shape = (v: object): unknown => {
    if (v instanceof AmfDate) return ['AmfDate', walk(v.getTime()), v.timezoneOffset]
    if (v instanceof Date) return ['Date', walk(v.getTime())]
    if (v instanceof Uint8Array) return ['bytes', v.constructor.name, toHex(v)]
    if (Array.isArray(v)) return ['array', v.length, ...v.map(walk)]
    if (v instanceof AmfEcmaArray) return ['ecma', entries(v)]
    if (v instanceof AmfTypedObject) return ['typed', v.className, entries(v.members)]
    if (v instanceof AmfXmlDocument) return ['xmldoc', v.xml]
    if (v instanceof AmfXml) return ['xml', v.xml]
    if (v instanceof AmfArray) return ['amfarray', v.dense.map(walk), entries(v.associative)]
    if (v instanceof AmfVector) return ['vector', v.kind, v.fixed, v.typeName, v.items.map(walk)]
    if (v instanceof AmfDictionary) return ['dict', v.weakKeys, v.entries.map(([k, x]) => [walk(k), walk(x)])]
    const proto: unknown = Object.getPrototypeOf(v)
    return proto === Object.prototype ? ['object', entries(v)] : ['unexpected', String(v.constructor?.name)]
  }
  return walk(value)
}

function expectSame(actual: AmfValue[], expected: AmfValue[], expand = false): void {
  expect(canon(actual, expand)).toEqual(canon(expected, expand))
}

// ── Properties ──────────────────────────────────────────────────────────────

describe('AMF round trips', () => {
  it('AMF0: random values → encode → decode gives them back', () => {
    property(1500, (rng) => {
      const pool: object[] = []
      const values = Array.from({ length: rng.int(1, 4) }, () => randomAmf0(rng, 0, pool))
      const bytes = encodeAmf0(values)
      const decoded = decodeAmf0(bytes)
      expectSame(decoded, values)
      expect(toHex(encodeAmf0(decoded))).toBe(toHex(bytes)) // and the bytes are stable
    })
  })

  it('AMF3: random values (shared parts and cycles included) → encode → decode gives them back', () => {
    property(1500, (rng) => {
      const pool: object[] = []
      const value = randomAmf3(rng, 0, pool)
      // sometimes close a cycle: a container refers back to the root
      const target = pool.find((o) => Array.isArray(o) || (Object.getPrototypeOf(o) === Object.prototype && !Object.hasOwn(o, '')))
      if (target !== undefined && rng.next() < 0.2) {
        if (Array.isArray(target)) target.push(value)
        else (target as AmfObject).back = value
      }
      const bytes = encodeAmf3(value)
      const decoded = decodeAmf3(bytes)
      expectSame(decoded, [value])
      expect(toHex(encodeAmf3(decoded[0]))).toBe(toHex(bytes))
    })
  })
})

// ── Fuzz ────────────────────────────────────────────────────────────────────

type Codec = 'amf0' | 'amf3'
const decode = (codec: Codec, bytes: Uint8Array): AmfValue[] => (codec === 'amf0' ? decodeAmf0(bytes) : decodeAmf3(bytes))
const encode = (codec: Codec, values: AmfValue[]): Uint8Array =>
  codec === 'amf0' ? encodeAmf0(values) : concat(values.map((v) => encodeAmf3(v)))

/** Random bytes, or a valid encoding with a few bytes changed, inserted or cut off. */
function fuzzInput(rng: Rng, codec: Codec): Uint8Array {
  if (rng.next() < 0.3) {
    const bytes = rng.bytes(rng.int(0, 48))
    if (bytes.length > 0) bytes[0] = rng.int(0, 0x12) // mostly a valid first marker
    return bytes
  }
  const valid = codec === 'amf0' ? encodeAmf0([randomAmf0(rng, 0, [])]) : encodeAmf3(randomAmf3(rng, 0, []))
  const bytes = Array.from(valid)
  for (let n = rng.int(1, 4); n > 0; n--) {
    const at = rng.int(0, Math.max(0, bytes.length - 1))
    const op = rng.int(0, 3)
    if (op === 0) bytes[at] = rng.int(0, 255)
    else if (op === 1) bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(0, 7))
    else if (op === 2) bytes.splice(at, 0, rng.int(0, 255))
    else bytes.length = at
  }
  return Uint8Array.from(bytes)
}

describe('AMF fuzz', () => {
  for (const codec of ['amf0', 'amf3'] as const) {
    it(`${codec}: arbitrary input only ever throws AmfError, and what decodes re-encodes stably`, () => {
      const started = Date.now()
      let decodedCount = 0
      property(4000, (rng) => {
        const bytes = fuzzInput(rng, codec)
        let values: AmfValue[]
        try {
          values = decode(codec, bytes)
        } catch (err) {
          if (!(err instanceof AmfError)) throw err
          return
        }
        decodedCount++
        // decode(encode(decode(bytes))) equals decode(bytes)
        let again: Uint8Array
        try {
          again = encode(codec, values)
        } catch (err) {
          if (!(err instanceof AmfError)) throw err
          // deeper through the switch than before, or an empty associative key from sealed names
          expect(['RTMP_ERR_AMF_DEPTH', 'RTMP_ERR_AMF_UNENCODABLE']).toContain(err.code)
          return
        }
        let expected: unknown
        try {
          expected = canon(values, true)
        } catch {
          return // a pathological shared structure: too big to compare by value
        }
        expect(canon(decode(codec, again), true)).toEqual(expected)
      })
      expect(decodedCount).toBeGreaterThan(100)
      expect(Date.now() - started).toBeLessThan(15_000)
    })
  }
})
