import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { Amf3Decoder, decodeAmf3 } from '../../src/amf/amf3-decoder'
import type { Amf3ExternalizableReader } from '../../src/amf/amf3-decoder'
import { Amf3Encoder, encodeAmf3 } from '../../src/amf/amf3-encoder'
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
} from '../../src/amf/amf-value'
import type { AmfObject, AmfValue } from '../../src/amf/amf-value'
import { AmfError } from '../../src/errors'
import { hex, toHex } from '../helpers/hex'

/** Hex of a text's UTF-8 bytes, for use inside hex`…`. */
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('hex')

interface Vector {
  name: string
  value: AmfValue
  bytes: Uint8Array
}

const shared = { a: 1 }

const vectors: Vector[] = [
  { name: 'undefined', value: undefined, bytes: hex`00` },
  { name: 'null', value: null, bytes: hex`01` },
  { name: 'false', value: false, bytes: hex`02` },
  { name: 'true', value: true, bytes: hex`03` },
  // The U29 ranges of the AMF3 spec (§1.3.1): 1 to 4 bytes, 7 bits per byte then 8 in the fourth.
  { name: 'integer 0 (U29, 1 byte)', value: 0, bytes: hex`04 00` },
  { name: 'integer 127 (largest 1-byte U29)', value: 127, bytes: hex`04 7f` },
  { name: 'integer 128 (smallest 2-byte U29)', value: 128, bytes: hex`04 81 00` },
  { name: 'integer 16383 (largest 2-byte U29)', value: 16383, bytes: hex`04 ff 7f` },
  { name: 'integer 16384 (smallest 3-byte U29)', value: 16384, bytes: hex`04 81 80 00` },
  { name: 'integer 2097151 (largest 3-byte U29)', value: 2097151, bytes: hex`04 ff ff 7f` },
  { name: 'integer 2097152 (smallest 4-byte U29)', value: 2097152, bytes: hex`04 80 c0 80 00` },
  { name: 'integer 2^28 - 1 (largest integer)', value: 0x0fffffff, bytes: hex`04 bf ff ff ff` },
  { name: 'integer -1 (29-bit two’s complement)', value: -1, bytes: hex`04 ff ff ff ff` },
  { name: 'integer -2^28 (smallest integer)', value: -0x10000000, bytes: hex`04 c0 80 80 00` },
  { name: '2^28 goes as a double', value: 0x10000000, bytes: hex`05 41b0000000000000` },
  { name: '-2^28 - 1 goes as a double', value: -0x10000001, bytes: hex`05 c1b0000001000000` },
  { name: 'double 1.5', value: 1.5, bytes: hex`05 3ff8000000000000` },
  { name: 'double -0', value: -0, bytes: hex`05 8000000000000000` },
  { name: 'double NaN', value: Number.NaN, bytes: hex`05 7ff8000000000000` },
  { name: 'empty string', value: '', bytes: hex`06 01 // inline, length 0` },
  { name: 'string "hello"', value: 'hello', bytes: hex`06 0b ${utf8('hello')} // (5 << 1) | 1` },
  { name: 'multi-byte string', value: 'é😀', bytes: hex`06 0d c3a9 f09f9880 // 6 bytes` },
  {
    name: 'repeated string as a string reference',
    value: ['a', 'a'],
    bytes: hex`09 05 01 // array, 2 dense, no associative part
      06 03 61          // "a" inline (string 0)
      06 00             // string reference 0`,
  },
  { name: 'repeated empty string, never a reference', value: ['', ''], bytes: hex`09 05 01 06 01 06 01` },
  {
    name: 'string table shared by keys and values',
    value: ['a', { a: 'a' }],
    bytes: hex`09 05 01
      06 03 61          // "a" (string 0)
      0a 0b 01          // object, inline dynamic traits, anonymous
      00 06 00          // key: string ref 0, value: string ref 0
      01                // end of dynamic members`,
  },
  { name: 'empty array', value: [], bytes: hex`09 01 01` },
  { name: 'empty anonymous object', value: {}, bytes: hex`0a 0b 01 01 // dynamic traits, class "", no members` },
  { name: 'anonymous object', value: { a: 1 }, bytes: hex`0a 0b 01 03 61 04 01 01` },
  {
    name: 'second anonymous object as a traits reference',
    value: [{ a: 1 }, { b: 2 }],
    bytes: hex`09 05 01
      0a 0b 01 03 61 04 01 01       // {a: 1}, traits 0 inline
      0a 01 03 62 04 02 01          // {b: 2}, traits reference 0 ((0 << 2) | 1)`,
  },
  {
    name: 'repeated object as an object reference',
    value: [shared, shared],
    bytes: hex`09 05 01                // the array is object 0
      0a 0b 01 03 61 04 01 01          // object 1
      0a 02                            // object reference 1`,
  },
  {
    name: 'typed object with sealed members',
    value: new AmfTypedObject('Point', { x: 1, y: 2 }),
    bytes: hex`0a 23 // traits inline, not dynamic, 2 sealed: (2 << 4) | 3
      0b ${utf8('Point')}    // class name
      03 78 03 79            // sealed names x, y
      04 01 04 02            // values`,
  },
  {
    name: 'typed objects of the same class share traits',
    value: [new AmfTypedObject('Point', { x: 1, y: 2 }), new AmfTypedObject('Point', { x: 3, y: 4 })],
    bytes: hex`09 05 01
      0a 23 0b ${utf8('Point')} 03 78 03 79 04 01 04 02
      0a 01 04 03 04 04 // traits reference 0`,
  },
  { name: 'object with an empty key goes with sealed members', value: { '': 1 }, bytes: hex`0a 13 01 01 04 01 // 1 sealed: ""` },
  {
    name: 'a connect command object',
    value: { app: 'live', tcUrl: 'rtmp://localhost/live', objectEncoding: 3 },
    bytes: hex`0a 0b 01
      07 ${utf8('app')} 06 09 ${utf8('live')}
      0b ${utf8('tcUrl')} 06 2b ${utf8('rtmp://localhost/live')} // (21 << 1) | 1
      1d ${utf8('objectEncoding')} 04 03
      01`,
  },
  { name: 'date', value: new Date(0), bytes: hex`08 01 0000000000000000 // U29D-value 1, float64 ms` },
  {
    name: 'array with an associative part',
    value: new AmfArray([1], { k: 'v' }),
    bytes: hex`09 03   // 1 dense item
      03 6b 06 03 76   // "k": "v"
      01               // end of the associative part
      04 01            // dense[0] = 1`,
  },
  { name: 'XMLDocument', value: new AmfXmlDocument('<a/>'), bytes: hex`07 09 ${utf8('<a/>')}` },
  { name: 'XML', value: new AmfXml('<a/>'), bytes: hex`0b 09 ${utf8('<a/>')}` },
  { name: 'ByteArray', value: new Uint8Array([1, 2, 3]), bytes: hex`0c 07 010203` },
  { name: 'empty ByteArray', value: new Uint8Array(0), bytes: hex`0c 01` },
  { name: 'Vector.<int>', value: new AmfVector('int', [1, -1]), bytes: hex`0d 05 00 00000001 ffffffff // count 2, not fixed` },
  { name: 'fixed Vector.<uint>', value: new AmfVector('uint', [0, 0xffffffff], true), bytes: hex`0e 05 01 00000000 ffffffff` },
  { name: 'Vector.<Number>', value: new AmfVector('double', [1.5]), bytes: hex`0f 03 00 3ff8000000000000` },
  {
    name: 'Vector.<*>',
    value: new AmfVector('object', ['a', 1], false, '*'),
    bytes: hex`10 05 00 03 2a // count 2, not fixed, type "*"
      06 03 61 04 01`,
  },
  {
    name: 'Dictionary',
    value: new AmfDictionary([
      ['k', 1],
      [1, 'v'],
    ]),
    bytes: hex`11 05 00 // 2 entries, strong keys
      06 03 6b 04 01   // "k" → 1
      04 01 06 03 76   // 1 → "v"`,
  },
]

const decodeOnly: Vector[] = [
  { name: 'integer in a longer U29 than needed', value: 1, bytes: hex`04 80 80 80 01` },
  { name: 'double holding an integer', value: 1, bytes: hex`05 3ff0000000000000` },
  {
    name: 'dynamic typed object (sealed and dynamic members together)',
    value: new AmfTypedObject('C', { a: 1, b: 2 }),
    bytes: hex`0a 1b 03 43 // (1 << 4) | 0b: 1 sealed, dynamic, class "C"
      03 61 04 01         // sealed a = 1
      03 62 04 02 01      // dynamic b = 2, end`,
  },
  { name: 'date by reference', value: [new Date(0), new Date(0)], bytes: hex`09 05 01 08 01 0000000000000000 08 02` },
]

const encodeOnly: Vector[] = [
  { name: 'AmfDouble forces a double', value: new AmfDouble(1), bytes: hex`05 3ff0000000000000` },
  { name: 'AmfAvmPlus is its value', value: new AmfAvmPlus('x'), bytes: hex`06 03 78` },
  { name: 'AmfEcmaArray as an associative array', value: AmfEcmaArray.from({ a: 1 }), bytes: hex`09 01 03 61 04 01 01` },
  { name: 'AmfDouble in a Vector.<Number>', value: new AmfVector('double', [new AmfDouble(1)]), bytes: hex`0f 03 00 3ff0000000000000` },
]

describe('AMF3 vectors', () => {
  for (const v of vectors) {
    it(`encodes ${v.name}`, () => {
      expect(toHex(encodeAmf3(v.value))).toBe(toHex(v.bytes))
    })
    it(`decodes ${v.name}`, () => {
      expect(decodeAmf3(v.bytes)).toStrictEqual([v.value])
    })
    it(`mirrors ${v.name}`, () => {
      const [decoded] = decodeAmf3(v.bytes)
      expect(toHex(encodeAmf3(decoded))).toBe(toHex(v.bytes))
    })
  }
  for (const v of decodeOnly) {
    it(`decodes ${v.name}`, () => {
      expect(decodeAmf3(v.bytes)).toStrictEqual([v.value])
    })
  }
  for (const v of encodeOnly) {
    it(`encodes ${v.name}`, () => {
      expect(toHex(encodeAmf3(v.value))).toBe(toHex(v.bytes))
    })
  }
})

describe('AMF3 decoder', () => {
  it('decodes every value until the end, each with fresh tables', () => {
    // the second "a" is inline again: tables do not carry over between top-level values
    expect(decodeAmf3(hex`06 03 61 06 03 61 04 05`)).toEqual(['a', 'a', 5])
    expect(() => decodeAmf3(hex`06 03 61 06 00`)).toThrow(AmfError)
  })

  it('resolves an object reference to the same object', () => {
    const [arr] = decodeAmf3(hex`09 05 01 0a 0b 01 03 61 04 01 01 0a 02`) as [AmfValue[]]
    expect(arr[1]).toBe(arr[0])
  })

  it('decodes an array that contains itself into a cyclic structure', () => {
    const [arr] = decodeAmf3(hex`09 03 01 09 00 // [object reference 0]`) as [AmfValue[]]
    expect(arr[0]).toBe(arr)
  })

  it('decodes an associative array that refers to itself', () => {
    const [arr] = decodeAmf3(hex`09 01 03 61 09 00 01`) as [AmfArray]
    expect(arr).toBeInstanceOf(AmfArray)
    expect(arr.associative.a).toBe(arr)
  })

  it('decodes a typed object that refers to itself', () => {
    const [obj] = decodeAmf3(hex`0a 13 03 43 03 61 0a 00`) as [AmfTypedObject]
    expect(obj.className).toBe('C')
    expect(obj.members.a).toBe(obj)
  })

  it('throws EXTERNALIZABLE naming the class when no reader is registered', () => {
    const bytes = hex`0a 07 43 ${utf8('flex.messaging.io.ArrayCollection')} 09 03 01 04 01`
    let error: unknown
    try {
      decodeAmf3(bytes)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(AmfError)
    expect((error as AmfError).code).toBe('RTMP_ERR_AMF_EXTERNALIZABLE')
    // The class name is part of the contract (callers need it to register a reader), not free text.
    expect((error as AmfError).message).toContain('flex.messaging.io.ArrayCollection')
  })

  it('calls a registered externalizable reader, also through a traits reference', () => {
    const externalizable: Record<string, Amf3ExternalizableReader> = {
      'flex.messaging.io.ArrayCollection': (input) => input.readValue(),
      Pair: (input) => [input.readU8(), input.readU16(), input.readU32(), input.readI32(), input.readDouble(), input.readUtf(), input.readBytes(2)],
    }
    const decoder = new Amf3Decoder({ externalizable })
    const bytes = hex`09 07 01 // array of 3
      0a 07 43 ${utf8('flex.messaging.io.ArrayCollection')} 09 03 01 04 01   // traits 0 (externalizable): [1]
      0a 01 09 01 01                                                        // traits reference 0: []
      0a 07 09 ${utf8('Pair')} 01 0002 00000003 fffffffc 3ff8000000000000 0002 ${utf8('hi')} 0506`
    expect(decoder.decode(bytes)).toStrictEqual([[[1], [], [1, 2, 3, -4, 1.5, 'hi', new Uint8Array([5, 6])]]])
  })

  it('wraps an error thrown by an externalizable reader', () => {
    const decoder = new Amf3Decoder({
      externalizable: {
        Bad: () => {
          throw new TypeError('boom')
        },
      },
    })
    expect(() => decoder.decode(hex`0a 07 07 ${utf8('Bad')}`)).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_EXTERNALIZABLE' }))
    expect(decoder.decode(hex`04 01`)).toEqual([1])
  })
})

describe('AMF3 encoder', () => {
  it('writes a cycle as an object reference', () => {
    const obj: AmfObject = {}
    obj.a = obj
    const bytes = encodeAmf3(obj)
    expect(toHex(bytes)).toBe(toHex(hex`0a 0b 01 03 61 0a 00 01 // a: object reference 0`))
    const [decoded] = decodeAmf3(bytes) as [AmfObject]
    expect(decoded.a).toBe(decoded)
  })

  it('writes repeated dates, byte arrays and XML as object references', () => {
    const d = new Date(5)
    const b = new Uint8Array([7])
    const x = new AmfXml('<x/>')
    const bytes = encodeAmf3([d, d, b, b, x, x])
    expect(toHex(bytes)).toBe(
      toHex(hex`09 0d 01
        08 01 4014000000000000 08 02   // date (object 1), reference 1
        0c 03 07 0c 04                 // ByteArray (object 2), reference 2
        0b 09 ${utf8('<x/>')} 0b 06    // XML (object 3), reference 3`),
    )
  })

  it('starts each value with fresh tables', () => {
    const encoder = new Amf3Encoder()
    expect(toHex(encoder.encode('a'))).toBe(toHex(hex`06 03 61`))
    expect(toHex(encoder.encode('a'))).toBe(toHex(hex`06 03 61`))
  })

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['a bigint', 1n],
    ['a Map', new Map()],
    ['a class instance', new (class Foo {})()],
    ['an associative array with an empty key', new AmfArray([], { '': 1 })],
    ['a Vector.<int> item that is not an int32', new AmfVector('int', [1.5])],
    ['a Vector.<uint> item that is negative', new AmfVector('uint', [-1])],
    ['a Vector.<int> item that is a string', new AmfVector('int', ['1'])],
    ['a dictionary whose entries are not pairs', new AmfDictionary(5 as unknown as Array<[AmfValue, AmfValue]>)],
    ['a typed object without members', new AmfTypedObject('C', null as unknown as AmfObject)],
  ])('throws UNENCODABLE on %s', (_name, value) => {
    expect(() => encodeAmf3(value as AmfValue)).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_UNENCODABLE' }))
  })

  it('throws DEPTH on values nested deeper than maxDepth', () => {
    const encoder = new Amf3Encoder({ maxDepth: 2 })
    expect(toHex(encoder.encode([[1]]))).toBe(toHex(hex`09 03 01 09 03 01 04 01`))
    expect(() => encoder.encode([[[1]]])).toThrow(expect.objectContaining({ code: 'RTMP_ERR_AMF_DEPTH' }))
  })
})
