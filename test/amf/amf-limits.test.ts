import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { Amf0Decoder, decodeAmf0 } from '../../src/amf/amf0-decoder'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { Amf3Decoder, decodeAmf3 } from '../../src/amf/amf3-decoder'
import { encodeAmf3 } from '../../src/amf/amf3-encoder'
import { DEFAULT_AMF_LIMITS, normalizeAmfLimits } from '../../src/amf/amf-limits'
import { AmfDate, AmfEcmaArray, AmfTypedObject, AmfVector, AmfXmlDocument } from '../../src/amf/amf-value'
import type { AmfObject, AmfValue } from '../../src/amf/amf-value'
import { AmfError } from '../../src/errors'
import type { RtmpErrorCode } from '../../src/errors'
import { concat, hex } from '../helpers/hex'

const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('hex')

/** The code of the AmfError that `fn` throws (fails the test if it throws anything else or nothing). */
function codeOf(fn: () => unknown): RtmpErrorCode {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(AmfError)
    return (err as AmfError).code
  }
  throw new Error('expected an AmfError, nothing was thrown')
}

function repeat(part: Uint8Array, n: number): Uint8Array {
  return concat(new Array<Uint8Array>(n).fill(part))
}

/** Hex of an AMF3 U29. */
function u29(v: number): string {
  const b =
    v < 0x80
      ? [v]
      : v < 0x4000
        ? [(v >>> 7) | 0x80, v & 0x7f]
        : v < 0x200000
          ? [(v >>> 14) | 0x80, ((v >>> 7) & 0x7f) | 0x80, v & 0x7f]
          : [((v >>> 22) & 0x7f) | 0x80, ((v >>> 15) & 0x7f) | 0x80, ((v >>> 8) & 0x7f) | 0x80, v & 0xff]
  return Buffer.from(b).toString('hex')
}

const GOOD_AMF0 = hex`02 0003 ${utf8('app')}`
const GOOD_AMF3 = hex`06 07 ${utf8('app')}`

/** Checks that both decoders still decode good input (state from a failed decode does not leak). */
function expectStillWorks(amf0: Amf0Decoder, amf3: Amf3Decoder): void {
  expect(amf0.decode(GOOD_AMF0)).toEqual(['app'])
  expect(amf3.decode(GOOD_AMF3)).toEqual(['app'])
}

describe('normalizeAmfLimits', () => {
  it('fills missing limits with the defaults', () => {
    expect(normalizeAmfLimits()).toEqual(DEFAULT_AMF_LIMITS)
    expect(normalizeAmfLimits({ maxDepth: 3 })).toEqual({ ...DEFAULT_AMF_LIMITS, maxDepth: 3 })
  })

  it('accepts Infinity and rejects negative or non-numeric limits', () => {
    expect(normalizeAmfLimits({ maxItems: Number.POSITIVE_INFINITY }).maxItems).toBe(Number.POSITIVE_INFINITY)
    expect(() => normalizeAmfLimits({ maxItems: -1 })).toThrow(RangeError)
    expect(() => normalizeAmfLimits({ maxItems: Number.NaN })).toThrow(RangeError)
  })
})

describe('depth bombs', () => {
  it.each([
    ['nested strict arrays', hex`0a 00000001`],
    ['nested objects', hex`03 0001 61`],
    ['nested ECMA arrays', hex`08 00000001 0001 61`],
    ['nested typed objects', hex`10 0001 43 0001 61`],
  ])('AMF0 %s 100000 deep → DEPTH', (_name, level) => {
    expect(codeOf(() => decodeAmf0(repeat(level, 100_000)))).toBe('RTMP_ERR_AMF_DEPTH')
  })

  it.each([
    ['nested arrays', hex`09 03 01`, hex``],
    ['nested associative arrays', hex`09 01 03 61`, hex``],
    ['nested objects (traits by reference)', hex`0a 01 00`, hex`0a 0b 01 03 61`],
    ['nested dictionaries', hex`11 03 00 04 01`, hex``],
    ['nested object vectors', hex`10 03 00 01`, hex``],
  ])('AMF3 %s 100000 deep → DEPTH', (_name, level, first) => {
    expect(codeOf(() => decodeAmf3(concat([first, repeat(level, 100_000)])))).toBe('RTMP_ERR_AMF_DEPTH')
  })

  it('allows exactly maxDepth levels', () => {
    const limits = { maxDepth: 3 }
    expect(decodeAmf0(concat([repeat(hex`0a 00000001`, 3), hex`05`]), limits)).toEqual([[[[null]]]])
    expect(codeOf(() => decodeAmf0(concat([repeat(hex`0a 00000001`, 4), hex`05`]), limits))).toBe('RTMP_ERR_AMF_DEPTH')
    expect(decodeAmf3(concat([repeat(hex`09 03 01`, 3), hex`01`]), limits)).toEqual([[[[null]]]])
    expect(codeOf(() => decodeAmf3(concat([repeat(hex`09 03 01`, 4), hex`01`]), limits))).toBe('RTMP_ERR_AMF_DEPTH')
  })

  it('counts the AMF0 → AMF3 switch as one level', () => {
    expect(decodeAmf0(hex`11 04 05`, { maxDepth: 1 })).toEqual([5])
    expect(codeOf(() => decodeAmf0(hex`0a 00000001 11 04 05`, { maxDepth: 1 }))).toBe('RTMP_ERR_AMF_DEPTH')
    expect(codeOf(() => decodeAmf0(hex`11 09 03 01 04 01`, { maxDepth: 1 }))).toBe('RTMP_ERR_AMF_DEPTH')
    expect(decodeAmf0(hex`11 09 03 01 04 01`, { maxDepth: 2 })).toEqual([[1]])
    const deep = concat([repeat(hex`0a 00000001`, 63), hex`11`, repeat(hex`09 03 01`, 10), hex`01`])
    expect(codeOf(() => decodeAmf0(deep))).toBe('RTMP_ERR_AMF_DEPTH')
  })

  it('turns a stack overflow into DEPTH when the limit is lifted, and keeps working', () => {
    const amf0 = new Amf0Decoder({ maxDepth: Number.POSITIVE_INFINITY })
    const amf3 = new Amf3Decoder({ maxDepth: Number.POSITIVE_INFINITY })
    expect(codeOf(() => amf0.decode(repeat(hex`0a 00000001`, 1_000_000)))).toBe('RTMP_ERR_AMF_DEPTH')
    expect(codeOf(() => amf3.decode(repeat(hex`09 03 01`, 1_000_000)))).toBe('RTMP_ERR_AMF_DEPTH')
    expectStillWorks(amf0, amf3)
  })
})

describe('length bombs', () => {
  it.each([
    ['long string 0xFFFFFFFF with 4 bytes present', hex`0c ffffffff 61616161`],
    ['XML document 0xFFFFFFFF with 4 bytes present', hex`0f ffffffff 61616161`],
    ['string 0xFFFF with 1 byte present', hex`02 ffff 61`],
    ['object key 0xFFFF with 1 byte present', hex`03 ffff 61`],
    ['typed object class name 0xFFFF', hex`10 ffff 61`],
    ['long string 20 MiB, over maxStringLength', hex`0c 01400000 61`],
  ])('AMF0 %s → LENGTH', (_name, bytes) => {
    expect(codeOf(() => decodeAmf0(bytes))).toBe('RTMP_ERR_AMF_LENGTH')
  })

  it.each([
    ['string 2^28-1 with 4 bytes present', hex`06 ffffffff 61616161`],
    ['string 4 with 1 byte present', hex`06 09 61`],
    ['ByteArray 2^28-1', hex`0c ffffffff 00`],
    ['XML 2^28-1', hex`0b ffffffff 00`],
    ['XMLDocument 2^28-1', hex`07 ffffffff 00`],
    ['class name 2^28-1', hex`0a 0b ffffffff`],
  ])('AMF3 %s → LENGTH', (_name, bytes) => {
    expect(codeOf(() => decodeAmf3(bytes))).toBe('RTMP_ERR_AMF_LENGTH')
  })

  it('applies maxStringLength to strings, XML and byte arrays', () => {
    const limits = { maxStringLength: 3 }
    expect(decodeAmf0(hex`02 0003 616263`, limits)).toEqual(['abc'])
    expect(codeOf(() => decodeAmf0(hex`02 0004 61626364`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf0(hex`03 0004 61626364 05 0000 09`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(decodeAmf3(hex`06 07 616263`, limits)).toEqual(['abc'])
    expect(codeOf(() => decodeAmf3(hex`06 09 61626364`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`0c 09 01020304`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`0b 09 61626364`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
  })
})

describe('count bombs', () => {
  it('rejects an AMF0 strict array of 0xFFFFFFFF items with 4 bytes present', () => {
    expect(codeOf(() => decodeAmf0(hex`0a ffffffff 05050505`))).toBe('RTMP_ERR_AMF_LENGTH')
  })

  it('ignores the AMF0 ECMA array count, so a huge one allocates nothing', () => {
    expect(decodeAmf0(hex`08 ffffffff 0000 09`)).toStrictEqual([new AmfEcmaArray()])
  })

  it.each([
    ['dense array 2^28-1', hex`09 ffffffff 01 01`],
    ['Vector.<int> 64 items with 8 bytes', hex`0d 81 01 00 0000000100000002`],
    ['Vector.<uint> 2^28-1', hex`0e ffffffff 00`],
    ['Vector.<Number> 2 items with 8 bytes', hex`0f 05 00 3ff0000000000000`],
    ['Vector.<Object> 2^28-1', hex`10 ffffffff 00 01`],
    ['Dictionary 2^28-1', hex`11 ffffffff 00 04 01`],
    ['sealed member count 2^25-1', hex`0a ${u29(0x1ffffff3)} 01 03 61`],
  ])('AMF3 %s → LENGTH', (_name, bytes) => {
    expect(codeOf(() => decodeAmf3(bytes))).toBe('RTMP_ERR_AMF_LENGTH')
  })

  it('applies maxItems to every kind of container', () => {
    const limits = { maxItems: 2 }
    expect(decodeAmf0(hex`0a 00000002 05 05`, limits)).toEqual([[null, null]])
    expect(codeOf(() => decodeAmf0(hex`0a 00000003 05 05 05`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf0(hex`03 0001 61 05 0001 62 05 0001 63 05 0000 09`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf0(hex`08 00000000 0001 61 05 0001 62 05 0001 63 05 0000 09`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(decodeAmf3(hex`09 05 01 01 01`, limits)).toEqual([[null, null]])
    expect(codeOf(() => decodeAmf3(hex`09 07 01 01 01 01`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`09 01 03 61 01 03 62 01 03 63 01 01`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`0a 0b 01 03 61 01 03 62 01 03 63 01 01`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`0a 33 01 03 61 03 62 03 63 01 01 01`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`0d 07 00 00000001 00000002 00000003`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf3(hex`11 07 00 04 01 01 04 02 01 04 03 01`, limits))).toBe('RTMP_ERR_AMF_LENGTH')
  })
})

describe('references', () => {
  it.each([
    ['AMF0 reference into an empty table', () => decodeAmf0(hex`07 0000`)],
    ['AMF0 reference past the table', () => decodeAmf0(hex`03 0001 61 07 0001 0000 09`)],
    ['AMF3 string reference into an empty table', () => decodeAmf3(hex`06 00`)],
    ['AMF3 string reference past the table', () => decodeAmf3(hex`09 05 01 06 03 61 06 02`)],
    ['AMF3 object reference into an empty table', () => decodeAmf3(hex`0a 00`)],
    ['AMF3 array reference past the table', () => decodeAmf3(hex`09 03 01 09 02`)],
    ['AMF3 date reference', () => decodeAmf3(hex`08 00`)],
    ['AMF3 ByteArray reference', () => decodeAmf3(hex`0c 02`)],
    ['AMF3 XML reference', () => decodeAmf3(hex`0b 00`)],
    ['AMF3 vector reference', () => decodeAmf3(hex`10 00`)],
    ['AMF3 dictionary reference', () => decodeAmf3(hex`11 00`)],
    // An object's traits cannot refer to themselves: they join the table only once fully read.
    ['AMF3 traits reference to the traits being defined (a loop)', () => decodeAmf3(hex`0a 01`)],
    ['AMF3 traits reference past the table', () => decodeAmf3(hex`09 05 01 0a 0b 01 01 0a 05 01`)],
    ['AMF3 class name as a string reference to itself', () => decodeAmf3(hex`0a 0b 00`)],
  ])('%s → REFERENCE', (_name, fn) => {
    expect(codeOf(fn)).toBe('RTMP_ERR_AMF_REFERENCE')
  })

  it('bounds every reference table by maxReferences', () => {
    const limits = { maxReferences: 2 }
    expect(decodeAmf0(hex`0a 00000001 03 0000 09`, limits)).toEqual([[{}]])
    expect(codeOf(() => decodeAmf0(hex`0a 00000002 03 0000 09 03 0000 09`, limits))).toBe('RTMP_ERR_AMF_REFERENCE')
    // strings: "a", "b", "c" in an array (the array itself is the only object)
    expect(codeOf(() => decodeAmf3(hex`09 07 01 06 03 61 06 03 62 06 03 63`, limits))).toBe('RTMP_ERR_AMF_REFERENCE')
    // objects: the array and 2 dates
    expect(codeOf(() => decodeAmf3(hex`09 05 01 08 01 0000000000000000 08 01 0000000000000000`, limits))).toBe(
      'RTMP_ERR_AMF_REFERENCE',
    )
    // traits: three classes, each object the only member of the previous one
    const classes = hex`0a 13 03 41 03 78 0a 13 03 42 00 0a 13 03 43 00 01`
    expect(codeOf(() => decodeAmf3(classes, limits))).toBe('RTMP_ERR_AMF_REFERENCE')
  })

  it('decodes self-references to the same object, without copying', () => {
    const [obj0] = decodeAmf0(hex`03 0001 61 07 0000 0000 09`) as [AmfObject]
    expect(obj0.a).toBe(obj0)
    const [obj3] = decodeAmf3(hex`0a 0b 01 03 61 0a 00 01`) as [AmfObject]
    expect(obj3.a).toBe(obj3)
  })

  it('survives an AMF0 reference bomb: 200000 references to one big object', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `00 04 ${utf8(`k${String(i).padStart(3, '0')}`)} 00 3ff0000000000000`).join(' ')
    const bytes = concat([hex`0a 00030d40 03 ${keys} 0000 09`, repeat(hex`07 0001`, 199_999)])
    const [arr] = decodeAmf0(bytes) as [AmfValue[]]
    expect(arr).toHaveLength(200_000)
    expect(new Set(arr).size).toBe(1)
    expect(Object.keys(arr[0] as AmfObject)).toHaveLength(1000)
  })

  it('survives an AMF3 reference bomb: 200000 references to one big object and one big string', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `09 ${utf8(`k${String(i).padStart(3, '0')}`)} 04 01`).join(' ')
    const big = 'x'.repeat(100_000)
    const bytes = concat([
      hex`09 ${u29(400_001 * 2 + 1)} 01 0a 0b 01 ${keys} 01 06 ${u29(200_001)} ${utf8(big)}`,
      repeat(hex`0a 02 06 ${u29(1000 * 2)}`, 199_999),
      hex`0a 02`,
    ])
    const [arr] = decodeAmf3(bytes) as [AmfValue[]]
    expect(arr).toHaveLength(400_001)
    expect(new Set(arr.filter((v) => typeof v === 'object')).size).toBe(1)
    expect(arr.filter((v) => v === big)).toHaveLength(200_000)
  })
})

describe('unknown markers', () => {
  it.each([0x04, 0x09, 0x0e, 0x12, 0xff])('AMF0 marker %i → UNKNOWN_MARKER', (marker) => {
    expect(codeOf(() => decodeAmf0(Uint8Array.of(marker)))).toBe('RTMP_ERR_AMF_UNKNOWN_MARKER')
  })

  it.each([0x12, 0x80, 0xff])('AMF3 marker %i → UNKNOWN_MARKER', (marker) => {
    expect(codeOf(() => decodeAmf3(Uint8Array.of(marker)))).toBe('RTMP_ERR_AMF_UNKNOWN_MARKER')
  })

  it('reports an unknown marker inside a container', () => {
    expect(codeOf(() => decodeAmf0(hex`03 0001 61 09`))).toBe('RTMP_ERR_AMF_UNKNOWN_MARKER')
    expect(codeOf(() => decodeAmf0(hex`11 12`))).toBe('RTMP_ERR_AMF_UNKNOWN_MARKER')
  })
})

describe('externalizable', () => {
  it('throws EXTERNALIZABLE behind the AMF0 switch too', () => {
    expect(codeOf(() => decodeAmf0(hex`11 0a 07 07 ${utf8('Foo')}`))).toBe('RTMP_ERR_AMF_EXTERNALIZABLE')
  })

  it('does not look up readers on the prototype chain', () => {
    expect(codeOf(() => decodeAmf3(hex`0a 07 11 ${utf8('toString')}`, { externalizable: {} }))).toBe('RTMP_ERR_AMF_EXTERNALIZABLE')
  })
})

describe('truncated input', () => {
  it('reports a fixed-size field cut short as TRUNCATED and a declared length past the end as LENGTH', () => {
    expect(codeOf(() => decodeAmf0(hex`00 3ff0`))).toBe('RTMP_ERR_AMF_TRUNCATED')
    expect(codeOf(() => decodeAmf0(hex`02 00`))).toBe('RTMP_ERR_AMF_TRUNCATED')
    expect(codeOf(() => decodeAmf0(hex`02 0003 61`))).toBe('RTMP_ERR_AMF_LENGTH')
    expect(codeOf(() => decodeAmf0(hex`03 0001 61 05`))).toBe('RTMP_ERR_AMF_TRUNCATED')
    expect(codeOf(() => decodeAmf3(hex`04 ff ff`))).toBe('RTMP_ERR_AMF_TRUNCATED')
    expect(codeOf(() => decodeAmf3(hex`06 07 61`))).toBe('RTMP_ERR_AMF_LENGTH')
  })

  const amf0Values: Array<[string, AmfValue]> = [
    [
      'connect command object',
      { app: 'live', flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)', tcUrl: 'rtmp://localhost/live', fpad: false, capabilities: 15 },
    ],
    ['onMetaData', AmfEcmaArray.from({ duration: 0, width: 1280, height: 720, encoder: 'Lavf60', stereo: true })],
    ['typed object with a date', new AmfTypedObject('C', { when: new AmfDate(5, 60), list: [1, null, undefined] })],
    ['XML document', new AmfXmlDocument('<a/>')],
    ['AMF3 values behind the switch', [new Uint8Array([1, 2]), new AmfVector('double', [1]), { x: [new Date(0)] }]],
  ]
  it.each(amf0Values)('AMF0 %s cut at every byte → TRUNCATED or LENGTH', (_name, value) => {
    const decoder = new Amf0Decoder()
    const amf3 = new Amf3Decoder()
    const bytes = encodeAmf0([value])
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(['RTMP_ERR_AMF_TRUNCATED', 'RTMP_ERR_AMF_LENGTH']).toContain(codeOf(() => decoder.decode(bytes.subarray(0, cut))))
      expectStillWorks(decoder, amf3)
    }
    expect(decoder.decode(bytes)).toStrictEqual([value])
  })

  it('AMF3 value with every type, cut at every byte → TRUNCATED or LENGTH', () => {
    const decoder = new Amf0Decoder()
    const amf3 = new Amf3Decoder()
    const point = new AmfTypedObject('Point', { x: 1, y: 2.5 })
    const value: AmfValue = [
      point,
      point,
      { s: 'text', t: 'text', d: new Date(1), n: -5, big: 2 ** 40, u: undefined, b: true },
      new Uint8Array([1, 2, 3]),
      new AmfVector('int', [1, -1]),
      new AmfVector('object', [{}, 'x'], true, 'Obj'),
    ]
    const bytes = encodeAmf3(value)
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(['RTMP_ERR_AMF_TRUNCATED', 'RTMP_ERR_AMF_LENGTH']).toContain(codeOf(() => amf3.decode(bytes.subarray(0, cut))))
      expectStillWorks(decoder, amf3)
    }
    expect(amf3.decode(bytes)).toStrictEqual([value])
  })
})
