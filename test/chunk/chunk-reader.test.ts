import { describe, expect, it } from 'vitest'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import type { ChunkLimits } from '../../src/chunk/chunk-limits'
import { ChunkError, type RtmpErrorCode } from '../../src/errors'
import { concat, hex, toHex } from '../helpers/hex'
import { createRng } from '../helpers/rng'
import { bytewise, everySplit, randomSplits } from '../helpers/split'
import { CHUNK_VECTORS, pattern, type CsidMessage } from './chunk-vectors'

/** A delivered message in a form that compares fast and diffs readably (payload as hex). */
interface Seen {
  readonly csid: number
  readonly typeId: number
  readonly streamId: number
  readonly timestamp: number
  readonly payload: string
}

function seen({ csid, message }: CsidMessage): Seen {
  const { typeId, streamId, timestamp, payload } = message
  return { csid, typeId, streamId, timestamp, payload: toHex(payload) }
}

/** Feeds `pieces` to a fresh reader; returns what it delivered. */
function readAll(pieces: readonly Uint8Array[], limits?: Partial<ChunkLimits>): Seen[] {
  const reader = new ChunkReader(limits)
  const out: CsidMessage[] = []
  for (const piece of pieces) reader.receive(piece, (message, csid) => out.push({ csid, message }))
  return out.map(seen)
}

function expectChunkError(fn: () => void, code: RtmpErrorCode): ChunkError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ChunkError)
    expect((err as ChunkError).code).toBe(code)
    return err as ChunkError
  }
  throw new Error(`expected ChunkError ${code}`)
}

describe('ChunkReader on the shared vectors', () => {
  for (const v of CHUNK_VECTORS) {
    describe(v.name, () => {
      const expected = v.messages.map(seen)

      it('reads the whole input', () => {
        expect(readAll([v.bytes])).toEqual(expected)
      })

      it('reads the input split at every byte position', () => {
        for (const pieces of everySplit(v.bytes)) expect(readAll(pieces)).toEqual(expected)
      })

      it('reads the input one byte at a time', () => {
        expect(readAll(bytewise(v.bytes))).toEqual(expected)
      })

      it('reads the input in random pieces', () => {
        const rng = createRng(0x5eed + v.bytes.length)
        for (let i = 0; i < 20; i++) expect(readAll(randomSplits(v.bytes, rng, 40))).toEqual(expected)
      })
    })
  }
})

const SET_CHUNK_SIZE_256 = hex`02 000000 000004 01 00000000  00000100`

describe('ChunkReader', () => {
  it('starts at chunk size 128 and applies Set Chunk Size', () => {
    const reader = new ChunkReader()
    expect(reader.chunkSize).toBe(128)
    const seen: number[] = []
    reader.receive(SET_CHUNK_SIZE_256, () => seen.push(reader.chunkSize))
    expect(seen).toEqual([256])
    expect(reader.chunkSize).toBe(256)
  })

  it('delivers a message that sits in one chunk of one input as a view of that input', () => {
    const input = concat([hex`03 000000 000003 14 00000000`, pattern(3, 1)])
    const got: Uint8Array[] = []
    new ChunkReader().receive(input, (m) => got.push(m.payload))
    expect(got[0]!.buffer).toBe(input.buffer)
  })

  it('assembles split messages into their own buffer that later input does not change', () => {
    const v = CHUNK_VECTORS.find((x) => x.name.includes('example 2'))!
    const input = new Uint8Array(v.bytes)
    const reader = new ChunkReader()
    const got: Uint8Array[] = []
    reader.receive(input.subarray(0, 200), (m) => got.push(m.payload))
    reader.receive(input.subarray(200), (m) => got.push(m.payload))
    expect(got[0]!.buffer).not.toBe(input.buffer)
    const copy = new Uint8Array(got[0]!)
    input.fill(0)
    reader.receive(concat([hex`c4`, pattern(307, 2).subarray(0, 128)]), () => {})
    expect(new Uint8Array(got[0]!)).toEqual(copy)
  })

  it('reads fmt 3 continuation chunks with the extended timestamp, applying the timestamp once', () => {
    const v = CHUNK_VECTORS.find((x) => x.name.startsWith('extended timestamp on fmt 0'))!
    const got = readAll([v.bytes])
    expect(got).toHaveLength(1)
    expect(got[0]!.timestamp).toBe(0x01000000)
  })

  it('wraps timestamps modulo 2^32 on fmt 1, fmt 2 and fmt 3 deltas', () => {
    const bytes = hex`
      03 ffffff 000000 08 01000000 fffffff0   // fmt 0, timestamp 0xFFFFFFF0, length 0
      43 000020 000000 08                     // fmt 1, delta 0x20 -> 0x10
      83 000020                               // fmt 2, delta 0x20 -> 0x30
      c3                                      // fmt 3 -> 0x50`
    expect(readAll([bytes]).map((m) => m.timestamp)).toEqual([0xfffffff0, 0x10, 0x30, 0x50])
  })

  it('keeps the fmt 3 extended field present after an extended fmt 1 header', () => {
    const bytes = concat([
      hex`03 000000 000002 08 01000000`, pattern(2, 1),          // ts 0
      hex`43 ffffff 000003 08 01000000`, pattern(3, 2),          // fmt 1 extended delta 0x01000000
      hex`c3 01000000`, pattern(3, 3),                            // fmt 3 repeats it
    ])
    expect(readAll([bytes]).map((m) => m.timestamp)).toEqual([0, 0x01000000, 0x02000000])
  })

  it('ignores a short Abort payload and an Abort for a csid with nothing partial', () => {
    const bytes = hex`
      02 000000 000002 02 00000000 0004       // Abort with 2 bytes
      02 000000 000004 02 00000000 00000009   // Abort of csid 9 (never seen)`
    expect(readAll([bytes]).map((m) => m.typeId)).toEqual([2, 2])
  })

  describe('limits and violations', () => {
    it('rejects fmt 1, 2 and 3 on a csid with no previous header', () => {
      for (const first of [hex`43 000000 000001 08`, hex`83 000000`, hex`c3`]) {
        expectChunkError(() => readAll([first]), 'RTMP_ERR_NO_PREVIOUS_HEADER')
      }
    })

    it('rejects a declared length over maxMessageLength before buffering anything', () => {
      const header = hex`03 000000 000065 09 01000000` // length 101
      expectChunkError(() => readAll([header], { maxMessageLength: 100 }), 'RTMP_ERR_MESSAGE_TOO_LARGE')
      expect(readAll([concat([hex`03 000000 000064 09 01000000`, pattern(100, 1)])], { maxMessageLength: 100 })).toHaveLength(1)
    })

    it('rejects a length change by fmt 1 on a csid whose header set a long message', () => {
      const bytes = concat([hex`03 000000 000001 08 01000000`, pattern(1, 1), hex`43 000000 0000c8 08`])
      expectChunkError(() => readAll([bytes], { maxMessageLength: 100 }), 'RTMP_ERR_MESSAGE_TOO_LARGE')
    })

    it('rejects more than maxChunkStreams distinct csids', () => {
      const one = (csid: number) => concat([hex`${csid.toString(16).padStart(2, '0')} 000000 000001 08 01000000`, pattern(1, csid)])
      expect(readAll([one(3), one(4), one(3)], { maxChunkStreams: 2 })).toHaveLength(3)
      expectChunkError(() => readAll([one(3), one(4), one(5)], { maxChunkStreams: 2 }), 'RTMP_ERR_CHUNK_STREAM_LIMIT')
    })

    it('rejects partial messages holding more than maxBufferedBytes together', () => {
      const start = (csid: number) => concat([hex`0${csid} 000000 0000c8 09 01000000`, pattern(128, csid)])
      expect(readAll([start(4)], { maxBufferedBytes: 300 })).toEqual([])
      expectChunkError(() => readAll([start(4), start(5)], { maxBufferedBytes: 300 }), 'RTMP_ERR_BUFFER_LIMIT')
    })

    it('releases buffered bytes when a message completes or is aborted', () => {
      const start = concat([hex`04 000000 0000c8 09 01000000`, pattern(128, 1)])
      const finish = concat([hex`c4`, pattern(72, 2)])
      const abort = hex`02 000000 000004 02 00000000 00000004`
      const got = readAll([start, finish, start, abort, start, finish], { maxBufferedBytes: 200 })
      expect(got.map((m) => m.typeId)).toEqual([9, 2, 9])
    })

    it('rejects a bad Set Chunk Size: 0, top bit set, over maxChunkSize, short payload', () => {
      const scs = (value: string) => hex`02 000000 000004 01 00000000 ${value}`
      expectChunkError(() => readAll([scs('00000000')]), 'RTMP_ERR_CHUNK_SIZE')
      expectChunkError(() => readAll([scs('80000080')]), 'RTMP_ERR_CHUNK_SIZE')
      expectChunkError(() => readAll([scs('00010001')], { maxChunkSize: 65536 }), 'RTMP_ERR_CHUNK_SIZE')
      expect(readAll([scs('00010000')], { maxChunkSize: 65536 })).toHaveLength(1)
      expectChunkError(() => readAll([hex`02 000000 000002 01 00000000 0080`]), 'RTMP_ERR_CHUNK_SIZE')
    })

    it('rejects a header mid-message that changes the length', () => {
      const bytes = concat([hex`04 000000 0000c8 09 01000000`, pattern(128, 1), hex`44 000000 0000c9 09`])
      expectChunkError(() => readAll([bytes]), 'RTMP_ERR_PROTOCOL')
    })

    it('is unusable after a ChunkError: later input throws the same error', () => {
      const reader = new ChunkReader()
      const first = expectChunkError(() => reader.receive(hex`c3`, () => {}), 'RTMP_ERR_NO_PREVIOUS_HEADER')
      expect(() => reader.receive(hex`03 000000 000000 08 00000000`, () => {})).toThrow(first)
    })

    it('is unusable after onMessage throws: the rest of that input was never parsed', () => {
      const reader = new ChunkReader()
      const boom = new Error('consumer failed')
      const two = hex`03 000000 000000 08 00000000  03 000000 000000 08 00000000`
      expect(() => reader.receive(two, () => { throw boom })).toThrow(boom)
      expect(() => reader.receive(hex`c3`, () => {})).toThrow(boom)
    })

    it('reports a violation however the input is split', () => {
      const bytes = concat([hex`03 000000 000001 08 01000000`, pattern(1, 1), hex`05 000000 000065 09 01000000`])
      for (const pieces of everySplit(bytes)) {
        expectChunkError(() => readAll(pieces, { maxMessageLength: 100 }), 'RTMP_ERR_MESSAGE_TOO_LARGE')
      }
    })

    it('rejects invalid limits with a RangeError', () => {
      expect(() => new ChunkReader({ maxChunkSize: 0 })).toThrow(RangeError)
      expect(() => new ChunkReader({ maxChunkStreams: 1.5 })).toThrow(RangeError)
    })
  })
})
