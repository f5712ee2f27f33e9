import { decodeAmf0 } from '../../src/amf/amf0-decoder'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { decodeAmf3 } from '../../src/amf/amf3-decoder'
import { encodeAmf3 } from '../../src/amf/amf3-encoder'
import type { AmfLimits } from '../../src/amf/amf-limits'
import type { AmfValue } from '../../src/amf/amf-value'
import { AmfError } from '../../src/errors'
import type { Rng } from '../helpers/rng'
import { amf0Size, amf3Size } from './amf-size'
import { realCorpus } from './corpus'
import {
  AMF_TOKENS,
  deepAmf0,
  deepAmf3,
  hugeAmf0,
  hugeAmf3,
  referenceBombAmf0,
  referencesAmf3,
  switchedReferenceBomb,
  validAmf0,
  validAmf3,
} from './gen-amf'
import type { Sample } from './mutate'
import { bytesEqual, concatBytes, errorKey, fail, shortHex } from './oracle'
import { proportional, type FuzzTarget } from './target'

/** Re-encoding may legitimately grow a value (an AMF3 integer becomes an AMF0 double) but only this much. */
export const reencodeBound = (inputLength: number): number => 16 * inputLength + 1024

/** Tight limits, used for some cases, so that every limit is hit and checked. */
function limitsFor(rng: Rng): Partial<AmfLimits> | undefined {
  if (rng.next() < 0.75) return undefined
  return { maxDepth: rng.int(0, 8), maxReferences: rng.int(0, 16), maxItems: rng.int(0, 16), maxStringLength: rng.int(0, 64) }
}

/**
 * Decoded values re-encode, the encoding decodes again, and a second round writes the same bytes.
 * Checked with a size estimate first, so that an amplification bomb is reported instead of allocated.
 */
export function checkAmf0Roundtrip(values: readonly AmfValue[], inputLength: number, what: string): void {
  const bound = reencodeBound(inputLength)
  const size = amf0Size(values, bound)
  if (size > bound) {
    fail(`${what}: re-encoding a ${inputLength}-byte input as AMF0 writes more than ${size} bytes (over ${bound}): amplification`)
  }
  const first = reencode(() => encodeAmf0(values), `${what}: decoded values do not re-encode as AMF0`)
  const again = redecode(() => decodeAmf0(first), first, `${what}: our own AMF0 encoding does not decode`)
  const second = reencode(() => encodeAmf0(again), `${what}: values decoded from our own AMF0 encoding do not re-encode`)
  if (!bytesEqual(first, second)) fail(`${what}: AMF0 re-encoding is not stable:\n  ${shortHex(first)}\n  ${shortHex(second)}`)
}

function checkAmf3Roundtrip(values: readonly AmfValue[], inputLength: number): void {
  const bound = reencodeBound(inputLength)
  let size = 0
  for (const v of values) size += amf3Size(v, bound)
  if (size > bound) fail(`re-encoding a ${inputLength}-byte input as AMF3 writes more than ${size} bytes (over ${bound}): amplification`)
  const encodeAll = (vs: readonly AmfValue[]): Uint8Array => concatBytes(vs.map((v) => encodeAmf3(v)))
  const first = reencode(() => encodeAll(values), 'decoded values do not re-encode as AMF3')
  const again = redecode(() => decodeAmf3(first), first, 'our own AMF3 encoding does not decode')
  const second = reencode(() => encodeAll(again), 'values decoded from our own AMF3 encoding do not re-encode')
  if (!bytesEqual(first, second)) fail(`AMF3 re-encoding is not stable:\n  ${shortHex(first)}\n  ${shortHex(second)}`)
}

function reencode(fn: () => Uint8Array, what: string): Uint8Array {
  try {
    return fn()
  } catch (err) {
    return fail(`${what}: ${errorKey(err)}: ${(err as Error).message}`)
  }
}

function redecode(fn: () => AmfValue[], bytes: Uint8Array, what: string): AmfValue[] {
  try {
    return fn()
  } catch (err) {
    return fail(`${what}: ${errorKey(err)}: ${(err as Error).message}\n  ${shortHex(bytes)}`)
  }
}

function amfPayloads(typeIds: readonly number[], skip: number): Sample[] {
  return realCorpus()
    .messages.filter((m) => typeIds.includes(m.typeId))
    .map((m) => ({ bytes: m.payload.slice(skip) }))
}

export const amf0Target: FuzzTarget = {
  name: 'amf0',
  about: 'decodeAmf0(bytes) (default and tight limits), then encode → decode → encode must be stable',
  allowed: [AmfError],
  seeds: (rng) => [
    ...amfPayloads([20, 18], 0),
    ...Array.from({ length: 40 }, () => ({ bytes: validAmf0(rng) })),
    ...[deepAmf0, referenceBombAmf0, hugeAmf0, switchedReferenceBomb].map((g) => g(rng)),
  ],
  generate(rng) {
    const r = rng.next()
    if (r < 0.6) return { bytes: validAmf0(rng) }
    if (r < 0.7) return deepAmf0(rng)
    if (r < 0.8) return referenceBombAmf0(rng)
    if (r < 0.9) return hugeAmf0(rng)
    if (r < 0.97) return { bytes: concatBytes([Uint8Array.of(0x11), validAmf3(rng)]) }
    return switchedReferenceBomb(rng)
  },
  tokens: AMF_TOKENS,
  check(input, rng) {
    const limits = limitsFor(rng)
    const values = limits ? decodeAmf0(input, limits) : decodeAmf0(input)
    checkAmf0Roundtrip(values, input.length, 'amf0')
  },
  memoryBudget: proportional(8),
  quickCases: 3000,
}

export const amf3Target: FuzzTarget = {
  name: 'amf3',
  about: 'decodeAmf3(bytes) (default and tight limits), then encode → decode → encode must be stable',
  allowed: [AmfError],
  seeds: (rng) => [
    ...Array.from({ length: 40 }, () => ({ bytes: validAmf3(rng) })),
    ...[deepAmf3, referencesAmf3, hugeAmf3].map((g) => g(rng)),
  ],
  generate(rng) {
    const r = rng.next()
    if (r < 0.6) return { bytes: validAmf3(rng) }
    if (r < 0.73) return deepAmf3(rng)
    if (r < 0.86) return referencesAmf3(rng)
    return hugeAmf3(rng)
  },
  tokens: AMF_TOKENS,
  check(input, rng) {
    const limits = limitsFor(rng)
    const values = limits ? decodeAmf3(input, limits) : decodeAmf3(input)
    checkAmf3Roundtrip(values, input.length)
  },
  memoryBudget: proportional(8),
  quickCases: 2500,
}
