import {
  AmfArray,
  AmfAvmPlus,
  AmfDictionary,
  AmfDouble,
  AmfTypedObject,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
} from '../../src/amf/amf-value'
import type { AmfObject, AmfValue } from '../../src/amf/amf-value'

/**
 * A lower bound of the bytes our encoders write for decoded values, computed without encoding, and abandoned
 * (returning a value over `budget`) as soon as it passes `budget`. It lets the fuzzer catch an input that is
 * small on the wire but huge once re-encoded, before the encoder tries to allocate gigabytes.
 *
 * Models the encoders: AMF0 writes a repeated container as a reference, but every string in full and every
 * AMF3-only value (ByteArray, XML, AmfArray, vectors, dictionaries) behind its own avmplus switch with fresh
 * AMF3 tables; AMF3 writes repeated strings and objects as references.
 */
export function amf0Size(values: readonly AmfValue[], budget: number): number {
  const seen = new Set<object>()
  let total = 0
  const visit = (v: AmfValue): void => {
    if (total > budget) return
    if (typeof v === 'string') total += 3 + v.length
    else if (typeof v === 'number') total += 9
    else if (typeof v !== 'object' || v === null) total += 2
    else if (v instanceof Date) total += 11
    else if (v instanceof AmfDouble) total += 9
    else if (v instanceof AmfXmlDocument) total += 5 + v.xml.length
    else if (v instanceof AmfAvmPlus || v instanceof Uint8Array || v instanceof AmfXml || v instanceof AmfArray || v instanceof AmfVector || v instanceof AmfDictionary) {
      total += 1 + amf3Size(v instanceof AmfAvmPlus ? v.value : v, budget - total)
    } else if (seen.has(v)) total += 3
    else {
      seen.add(v)
      total += 5
      if (Array.isArray(v)) for (const item of v) visit(item)
      else {
        const o = v instanceof AmfTypedObject ? v.members : (v as AmfObject)
        for (const key of Object.keys(o)) {
          total += 2 + key.length
          visit(o[key])
        }
      }
    }
  }
  for (const v of values) visit(v)
  return total
}

export function amf3Size(value: AmfValue, budget: number): number {
  const objects = new Set<object>()
  const strings = new Set<string>()
  let total = 0
  const str = (s: string): void => {
    if (s !== '' && !strings.has(s)) {
      strings.add(s)
      total += s.length
    }
    total += 1
  }
  const visit = (v: AmfValue): void => {
    if (total > budget) return
    if (typeof v === 'string') return str(v)
    if (typeof v !== 'object' || v === null) {
      total += 1
      return
    }
    if (v instanceof AmfAvmPlus) return visit(v.value)
    if (v instanceof AmfDouble) {
      total += 9
      return
    }
    total += 2
    if (objects.has(v)) return
    objects.add(v)
    if (v instanceof Date) total += 8
    else if (v instanceof Uint8Array) total += v.length
    else if (v instanceof AmfXml || v instanceof AmfXmlDocument) total += v.xml.length
    else if (v instanceof AmfArray) {
      members(v.associative)
      for (const item of v.dense) visit(item)
    } else if (v instanceof AmfVector) for (const item of v.items) visit(item)
    else if (v instanceof AmfDictionary) for (const entry of v.entries) entry.forEach(visit)
    else if (Array.isArray(v)) for (const item of v) visit(item)
    else members(v instanceof AmfTypedObject ? v.members : (v as AmfObject))
  }
  const members = (o: AmfObject): void => {
    for (const key of Object.keys(o)) {
      str(key)
      visit(o[key])
    }
  }
  visit(value)
  return total
}
