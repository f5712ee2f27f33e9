import { describe, expect, it } from 'vitest'
import {
  basicHeaderSize,
  chunkHeaderSize,
  decodeChunkHeader,
  encodeChunkHeader,
  type ChunkFormat,
  type ChunkHeader,
} from '../../src/chunk/chunk-header'
import { hex, toHex } from '../helpers/hex'

const base: ChunkHeader = { fmt: 0, csid: 3, timestamp: 0, extended: false, length: 0, typeId: 0, streamId: 0 }

interface HeaderVector {
  readonly name: string
  readonly header: ChunkHeader
  readonly bytes: Uint8Array
}

// fmt 3 so only the basic header is on the wire.
const basic = (csid: number): ChunkHeader => ({ ...base, fmt: 3, csid })

const HEADER_VECTORS: readonly HeaderVector[] = [
  { name: 'csid 2, the smallest one-byte id', header: basic(2), bytes: hex`c2` },
  { name: 'csid 63, the largest one-byte id', header: basic(63), bytes: hex`ff` },
  { name: 'csid 64, the smallest two-byte id', header: basic(64), bytes: hex`c0 00` },
  { name: 'csid 319, the largest two-byte id', header: basic(319), bytes: hex`c0 ff` },
  { name: 'csid 320, the smallest three-byte id (little-endian)', header: basic(320), bytes: hex`c1 00 01` },
  { name: 'csid 65599, the largest three-byte id', header: basic(65599), bytes: hex`c1 ff ff` },
  {
    name: 'fmt 0: timestamp, length, type, little-endian stream id',
    header: { ...base, fmt: 0, csid: 3, timestamp: 1000, length: 32, typeId: 8, streamId: 0x01020304 },
    bytes: hex`03  00 03 e8  00 00 20  08  04 03 02 01`,
  },
  {
    name: 'fmt 1: delta, length, type',
    header: { ...base, fmt: 1, csid: 4, timestamp: 33, length: 0xabcdef, typeId: 9 },
    bytes: hex`44  00 00 21  ab cd ef  09`,
  },
  { name: 'fmt 2: delta only', header: { ...base, fmt: 2, csid: 5, timestamp: 0xfffffe }, bytes: hex`85  ff ff fe` },
  { name: 'fmt 3: nothing', header: basic(6), bytes: hex`c6` },
  {
    name: 'fmt 0 with an extended timestamp',
    header: { ...base, fmt: 0, csid: 3, timestamp: 0x12345678, extended: true, length: 1, typeId: 9, streamId: 1 },
    bytes: hex`03  ff ff ff  00 00 01  09  01 00 00 00  12 34 56 78`,
  },
  {
    name: 'fmt 2 with delta exactly 0xFFFFFF goes extended',
    header: { ...base, fmt: 2, csid: 3, timestamp: 0xffffff, extended: true },
    bytes: hex`83  ff ff ff  00 ff ff ff`,
  },
  {
    name: 'fmt 3 carrying the extended timestamp, three-byte csid',
    header: { ...base, fmt: 3, csid: 65599, timestamp: 0xffffffff, extended: true },
    bytes: hex`c1 ff ff  ff ff ff ff`,
  },
]

/** The fields a decoder reports for `fmt` (fmt 1–3 leave the rest to the chunk stream's state). */
function relevant(h: ChunkHeader): Partial<ChunkHeader> {
  const out: Partial<ChunkHeader> = { fmt: h.fmt, csid: h.csid, extended: h.extended }
  if (h.fmt !== 3 || h.extended) out.timestamp = h.timestamp
  if (h.fmt <= 1) Object.assign(out, { length: h.length, typeId: h.typeId })
  if (h.fmt === 0) out.streamId = h.streamId
  return out
}

describe('chunk header', () => {
  for (const v of HEADER_VECTORS) {
    it(`encodes ${v.name}`, () => {
      expect(toHex(encodeChunkHeader(v.header))).toBe(toHex(v.bytes))
    })

    it(`decodes ${v.name}`, () => {
      const decoded = decodeChunkHeader(v.bytes, v.header.extended)
      expect(decoded?.size).toBe(v.bytes.length)
      expect(relevant(decoded!.header)).toEqual(relevant(v.header))
    })

    it(`reports ${v.name} incomplete when cut short`, () => {
      for (let n = 0; n < v.bytes.length; n++) expect(decodeChunkHeader(v.bytes.subarray(0, n), v.header.extended)).toBeUndefined()
    })
  }

  it('sizes basic headers by csid range', () => {
    expect([2, 63, 64, 319, 320, 65599].map(basicHeaderSize)).toEqual([1, 1, 2, 2, 3, 3])
    const sizes = ([0, 1, 2, 3] as ChunkFormat[]).map((fmt) => chunkHeaderSize(fmt, 3, false))
    expect(sizes).toEqual([12, 8, 4, 1])
    expect(chunkHeaderSize(0, 65599, true)).toBe(18)
  })

  it('writes fmt 3 without the extended field unless told the chunk stream uses it', () => {
    expect(toHex(encodeChunkHeader({ ...base, fmt: 3, timestamp: 0x12345678, extended: false }))).toBe('c3')
  })

  it('rejects headers it cannot encode', () => {
    expect(() => encodeChunkHeader({ ...base, csid: 1 })).toThrow(RangeError)
    expect(() => encodeChunkHeader({ ...base, csid: 65600 })).toThrow(RangeError)
    expect(() => encodeChunkHeader({ ...base, length: 0x1000000 })).toThrow(RangeError)
  })
})
