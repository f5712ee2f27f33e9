import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { Amf0Decoder, decodeAmf0 } from '../../src/amf/amf0-decoder'
import { Amf0Encoder, encodeAmf0 } from '../../src/amf/amf0-encoder'
import {
  AmfArray,
  AmfAvmPlus,
  AmfDate,
  AmfDouble,
  AmfEcmaArray,
  AmfTypedObject,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
} from '../../src/amf/amf-value'
import type { AmfObject, AmfValue } from '../../src/amf/amf-value'
import { AmfError } from '../../src/errors'
import { concat, hex, toHex } from '../helpers/hex'

/** Hex of a text's UTF-8 bytes, for use inside hex`…`. */
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('hex')

interface Vector {
  name: string
  value: AmfValue
  bytes: Uint8Array
}

/** The command object ffmpeg sends with `connect` when it publishes (libavformat/rtmpproto.c gen_connect). */
const ffmpegPublishConnect: AmfObject = {
  app: 'live',
  type: 'nonprivate',
  flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
  tcUrl: 'rtmp://localhost:1935/live',
}
const ffmpegPublishConnectBytes = hex`
  03                                                        // object
  0003 ${utf8('app')}      02 0004 ${utf8('live')}          // app: "live"
  0004 ${utf8('type')}     02 000a ${utf8('nonprivate')}    // type: "nonprivate" (ffmpeg adds it when publishing)
  0008 ${utf8('flashVer')} 02 001f ${utf8('FMLE/3.0 (compatible; FMSc/1.0)')}
  0005 ${utf8('tcUrl')}    02 001a ${utf8('rtmp://localhost:1935/live')}
  00 00 09                                                  // object end
`

/** The command object ffmpeg sends with `connect` when it plays. */
const ffmpegPlayConnect: AmfObject = {
  app: 'live',
  flashVer: 'LNX 9,0,124,2',
  tcUrl: 'rtmp://localhost:1935/live',
  fpad: false,
  capabilities: 15,
  audioCodecs: 4071,
  videoCodecs: 252,
  videoFunction: 1,
}
const ffmpegPlayConnectBytes = hex`
  03                                                              // object
  0003 ${utf8('app')}           02 0004 ${utf8('live')}           // app: "live"
  0008 ${utf8('flashVer')}      02 000d ${utf8('LNX 9,0,124,2')}  // flashVer (u16 len 13)
  0005 ${utf8('tcUrl')}         02 001a ${utf8('rtmp://localhost:1935/live')}
  0004 ${utf8('fpad')}          01 00                             // fpad: false
  000c ${utf8('capabilities')}  00 402e000000000000               // capabilities: 15.0
  000b ${utf8('audioCodecs')}   00 40afce0000000000               // audioCodecs: 4071.0
  000b ${utf8('videoCodecs')}   00 406f800000000000               // videoCodecs: 252.0
  000d ${utf8('videoFunction')} 00 3ff0000000000000               // videoFunction: 1.0
  00 00 09                                                        // object end
`

const protoKey = JSON.parse('{"__proto__": null}') as AmfObject // an own "__proto__" member

/** Values whose encoding is exactly `bytes` and whose decoding is exactly `value`. */
const vectors: Vector[] = [
  { name: 'number 0', value: 0, bytes: hex`00 0000000000000000` },
  { name: 'number 1.5', value: 1.5, bytes: hex`00 3ff8000000000000 // float64 BE` },
  { name: 'number -0', value: -0, bytes: hex`00 8000000000000000` },
  { name: 'number NaN', value: Number.NaN, bytes: hex`00 7ff8000000000000` },
  { name: 'number 2^53 + 2', value: 2 ** 53 + 2, bytes: hex`00 4340000000000001` },
  { name: 'boolean true', value: true, bytes: hex`01 01` },
  { name: 'boolean false', value: false, bytes: hex`01 00` },
  { name: 'string "app"', value: 'app', bytes: hex`02 0003 ${utf8('app')} // string "app" (u16 len 3)` },
  { name: 'empty string', value: '', bytes: hex`02 0000` },
  { name: 'multi-byte string', value: 'é→😀', bytes: hex`02 0009 c3a9 e28692 f09f9880 // 2 + 3 + 4 UTF-8 bytes` },
  { name: 'string of 65535 bytes', value: 'a'.repeat(65535), bytes: hex`02 ffff ${'61'.repeat(65535)}` },
  { name: 'long string above 65535 bytes', value: 'a'.repeat(65536), bytes: hex`0c 00010000 ${'61'.repeat(65536)} // u32 len` },
  { name: 'null', value: null, bytes: hex`05` },
  { name: 'undefined', value: undefined, bytes: hex`06` },
  { name: 'empty object', value: {}, bytes: hex`03 0000 09` },
  {
    name: 'nested object',
    value: { a: { b: 'c' } },
    bytes: hex`
      03                                 // object
      0001 61 03                         // "a": object
      0001 62 02 0001 63                 //   "b": "c"
      0000 09                            //   end
      0000 09                            // end
    `,
  },
  {
    name: 'object with an empty key (length 0 then a value marker, not the end)',
    value: { '': 1 },
    bytes: hex`03 0000 00 3ff0000000000000 0000 09`,
  },
  { name: 'object with an own __proto__ key', value: protoKey, bytes: hex`03 0009 ${utf8('__proto__')} 05 0000 09` },
  { name: 'ffmpeg publish connect command object', value: ffmpegPublishConnect, bytes: ffmpegPublishConnectBytes },
  { name: 'ffmpeg play connect command object', value: ffmpegPlayConnect, bytes: ffmpegPlayConnectBytes },
  {
    name: 'ECMA array (onMetaData)',
    value: AmfEcmaArray.from({ duration: 0, width: 1280 }),
    bytes: hex`
      08 00000002                                   // ECMA array, count 2
      0008 ${utf8('duration')} 00 0000000000000000  // duration: 0
      0005 ${utf8('width')}    00 4094000000000000  // width: 1280
      0000 09                                       // end
    `,
  },
  { name: 'empty ECMA array', value: new AmfEcmaArray(), bytes: hex`08 00000000 0000 09` },
  {
    name: 'strict array',
    value: [1, 'a', null],
    bytes: hex`0a 00000003 // count 3
      00 3ff0000000000000 02 0001 61 05`,
  },
  { name: 'empty strict array', value: [], bytes: hex`0a 00000000` },
  { name: 'date with zone 0', value: new Date(0), bytes: hex`0b 0000000000000000 0000 // ms, s16 zone` },
  { name: 'date with a zone', value: new AmfDate(1000, -60), bytes: hex`0b 408f400000000000 ffc4 // 1000 ms, zone -60` },
  { name: 'XML document', value: new AmfXmlDocument('<a/>'), bytes: hex`0f 00000004 ${utf8('<a/>')} // u32 len` },
  {
    name: 'typed object',
    value: new AmfTypedObject('Point', { x: 1 }),
    bytes: hex`10 0005 ${utf8('Point')} // class name
      0001 78 00 3ff0000000000000      // x: 1
      0000 09`,
  },
  { name: 'Uint8Array goes as an AMF3 ByteArray', value: new Uint8Array([1, 2, 3]), bytes: hex`11 0c 07 010203 // switch, ByteArray len 3` },
  { name: 'AMF3 XML goes behind the switch', value: new AmfXml('<a/>'), bytes: hex`11 0b 09 ${utf8('<a/>')}` },
  { name: 'AMF3 vector goes behind the switch', value: new AmfVector('int', [1]), bytes: hex`11 0d 03 00 00000001` },
  {
    name: 'AMF3 array with an associative part goes behind the switch',
    value: new AmfArray([1], { k: 'v' }),
    bytes: hex`11 09 03 03 6b 06 03 76 01 04 01`,
  },
]

/** Inputs that decode to `value` but that we would encode differently. */
const decodeOnly: Vector[] = [
  { name: 'boolean with a non-zero byte other than 1', value: true, bytes: hex`01 02` },
  { name: 'long string with short content', value: 'app', bytes: hex`0c 00000003 ${utf8('app')}` },
  { name: 'unsupported marker', value: undefined, bytes: hex`0d` },
  {
    name: 'ECMA array whose count is wrong (the end marker decides)',
    value: AmfEcmaArray.from({ a: 1 }),
    bytes: hex`08 00000005 0001 61 00 3ff0000000000000 0000 09`,
  },
  { name: 'avmplus switch to an AMF3 integer', value: 5, bytes: hex`11 04 05` },
  { name: 'avmplus switch to an AMF3 object', value: { a: 1 }, bytes: hex`11 0a 0b 01 03 61 04 01 01` },
]

/** Values that encode to `bytes` but decode to something else. */
const encodeOnly: Vector[] = [
  { name: 'AmfDouble', value: new AmfDouble(1), bytes: hex`00 3ff0000000000000` },
  { name: 'AmfAvmPlus integer', value: new AmfAvmPlus(5), bytes: hex`11 04 05` },
  { name: 'AmfAvmPlus object', value: new AmfAvmPlus({ a: 1 }), bytes: hex`11 0a 0b 01 03 61 04 01 01` },
  // eslint-disable-next-line no-sparse-arrays
  { name: 'array hole as undefined', value: [, 1], bytes: hex`0a 00000002 06 00 3ff0000000000000` },
  { name: 'object without prototype', value: Object.assign(Object.create(null) as AmfObject, { a: null }), bytes: hex`03 0001 61 05 0000 09` },
]

describe('AMF0 vectors', () => {
  for (const v of vectors) {
    it(`encodes ${v.name}`, () => {
      expect(toHex(encodeAmf0([v.value]))).toBe(toHex(v.bytes))
    })
    it(`decodes ${v.name}`, () => {
      expect(decodeAmf0(v.bytes)).toStrictEqual([v.value])
    })
    it(`mirrors ${v.name}`, () => {
      expect(toHex(encodeAmf0(decodeAmf0(v.bytes)))).toBe(toHex(v.bytes))
    })
  }
  for (const v of decodeOnly) {
    it(`decodes ${v.name}`, () => {
      expect(decodeAmf0(v.bytes)).toStrictEqual([v.value])
    })
  }
  for (const v of encodeOnly) {
    it(`encodes ${v.name}`, () => {
      expect(toHex(encodeAmf0([v.value]))).toBe(toHex(v.bytes))
    })
  }
})

describe('AMF0 decoder', () => {
  it('decodes a whole connect command: name, transaction id, command object', () => {
    const bytes = concat([hex`02 0007 ${utf8('connect')} // "connect"`, hex`00 3ff0000000000000 // transaction id 1`, ffmpegPublishConnectBytes])
    expect(decodeAmf0(bytes)).toStrictEqual(['connect', 1, ffmpegPublishConnect])
    expect(toHex(encodeAmf0(['connect', 1, ffmpegPublishConnect]))).toBe(toHex(bytes))
  })

  it('returns no values for an empty payload', () => {
    expect(decodeAmf0(new Uint8Array(0))).toEqual([])
    expect(encodeAmf0([]).length).toBe(0)
  })

  it('keeps the time zone of an AmfDate', () => {
    const [date] = decodeAmf0(hex`0b 408f400000000000 ffc4`)
    expect(date).toBeInstanceOf(AmfDate)
    expect((date as AmfDate).timezoneOffset).toBe(-60)
    expect((date as AmfDate).getTime()).toBe(1000)
  })

  it('resolves a reference to the same object, not a copy', () => {
    // strict array [o, ref 1]: the array is reference 0, the object reference 1
    const [arr] = decodeAmf0(hex`0a 00000002 03 0001 61 05 0000 09 07 0001`) as [AmfValue[]]
    expect(arr[0]).toStrictEqual({ a: null })
    expect(arr[1]).toBe(arr[0])
  })

  it('counts ECMA arrays, strict arrays and typed objects in the reference table, in the order they start', () => {
    const [arr] = decodeAmf0(hex`
      0a 00000004                              // strict array (ref 0)
      08 00000000 0000 09                      // ECMA array (ref 1)
      10 0001 43 0000 09                       // typed object "C" (ref 2)
      07 0002                                  // reference 2
      07 0001                                  // reference 1
    `) as [AmfValue[]]
    expect(arr[2]).toBe(arr[1])
    expect(arr[3]).toBe(arr[0])
    expect(arr[0]).toBeInstanceOf(AmfEcmaArray)
    expect(arr[1]).toBeInstanceOf(AmfTypedObject)
  })

  it('decodes an object that refers to itself into a cyclic structure', () => {
    const [obj] = decodeAmf0(hex`03 0004 ${utf8('self')} 07 0000 0000 09`) as [AmfObject]
    expect(obj.self).toBe(obj)
  })

  it('gives each avmplus switch fresh AMF3 tables', () => {
    // two switched strings "a": the second is inline again, so ref 0 in a third would be out of range
    expect(decodeAmf0(hex`11 06 03 61 11 06 03 61`)).toEqual(['a', 'a'])
    expect(() => decodeAmf0(hex`11 06 03 61 11 06 00`)).toThrow(AmfError)
  })

  it('can be reused, and decoded byte arrays do not alias the input', () => {
    const decoder = new Amf0Decoder()
    const input = hex`11 0c 07 010203`
    const [bytes] = decoder.decode(input) as [Uint8Array]
    input[3] = 0xff
    expect([...bytes]).toEqual([1, 2, 3])
    expect(decoder.decode(hex`02 0001 61`)).toEqual(['a'])
  })
})

describe('AMF0 encoder', () => {
  it('writes a cycle as a reference to the enclosing object instead of recursing', () => {
    const obj: AmfObject = {}
    obj.self = obj
    const bytes = encodeAmf0([obj])
    expect(toHex(bytes)).toBe(toHex(hex`03 0004 ${utf8('self')} 07 0000 0000 09 // self: reference 0`))
    const [decoded] = decodeAmf0(bytes) as [AmfObject]
    expect(decoded.self).toBe(decoded)
  })

  it('writes a repeated object as a reference, numbering containers in the order they start', () => {
    const shared = { a: null }
    const list: AmfValue[] = [new AmfEcmaArray(), shared]
    const bytes = encodeAmf0([list, shared, [list]])
    expect(toHex(bytes)).toBe(
      toHex(hex`
        0a 00000002            // strict array (ref 0)
        08 00000000 0000 09    //   ECMA array (ref 1)
        03 0001 61 05 0000 09  //   object (ref 2)
        07 0002                // shared object again: reference 2
        0a 00000001 07 0000    // new strict array (ref 3) holding reference 0
      `),
    )
    const [list2, shared2, outer] = decodeAmf0(bytes) as [AmfValue[], AmfObject, AmfValue[]]
    expect(list2[1]).toBe(shared2)
    expect(outer[0]).toBe(list2)
  })

  it('keeps re-encoding a decoded reference bomb linear', () => {
    // each level is an array holding the previous level twice: 2^40 paths, 40 containers
    const levels = [hex`0a 00000002 03 0000 09 03 0000 09`]
    for (let i = 1; i < 40; i++) levels.unshift(hex`0a 00000002`)
    // after the innermost level (ref 39) closes, each outer level's second item refers to the level inside it
    const tail = Array.from({ length: 39 }, (_, i) => hex`07 ${(39 - i).toString(16).padStart(4, '0')}`)
    const bytes = concat([...levels, ...tail])
    const [value] = decodeAmf0(bytes)
    const again = encodeAmf0([value])
    expect(toHex(again)).toBe(toHex(bytes))
  })

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['a bigint', 1n],
    ['a Map', new Map()],
    ['a class instance', new (class Foo {})()],
    ['an Int16Array', new Int16Array(2)],
    ['a function inside an object', { f: () => 1 }],
    ['a date with a zone outside s16', new AmfDate(0, 40000)],
    ['an AmfDouble that holds no number', new AmfDouble('1' as unknown as number)],
    ['a typed object without members', new AmfTypedObject('C', null as unknown as AmfObject)],
    ['an object with a throwing getter', Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new TypeError('no') } })],
  ])('throws UNENCODABLE on %s', (_name, value) => {
    expect(() => encodeAmf0([value as AmfValue])).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_UNENCODABLE' }))
  })

  it('throws UNENCODABLE on a key longer than 65535 bytes', () => {
    expect(() => encodeAmf0([{ ['k'.repeat(65536)]: 1 }])).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_UNENCODABLE' }))
  })

  it('throws DEPTH on values nested deeper than maxDepth, counting the avmplus switch', () => {
    const encoder = new Amf0Encoder({ maxDepth: 2 })
    expect(toHex(encoder.encode([[[1]]]))).toBe(toHex(hex`0a 00000001 0a 00000001 00 3ff0000000000000`))
    expect(() => encoder.encode([[[[1]]]])).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_DEPTH' }))
    expect(toHex(encoder.encode([[new Uint8Array(0)]]))).toBe(toHex(hex`0a 00000001 11 0c 01`))
    expect(() => encoder.encode([[[new Uint8Array(0)]]])).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_DEPTH' }))
    expect(toHex(encoder.encode([1]))).toBe(toHex(hex`00 3ff0000000000000`)) // still usable
  })

  it('turns a very deep value into DEPTH, not a stack overflow, even without a depth limit', () => {
    let deep: AmfValue = 1
    for (let i = 0; i < 200_000; i++) deep = [deep]
    const encoder = new Amf0Encoder({ maxDepth: Number.POSITIVE_INFINITY })
    expect(() => encoder.encode([deep])).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_DEPTH' }))
  })
})
