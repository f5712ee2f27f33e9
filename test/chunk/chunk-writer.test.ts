import { describe, expect, it } from 'vitest'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import type { RawMessage } from '../../src/chunk/raw-message'
import { concat, hex, toHex } from '../helpers/hex'
import { CHUNK_VECTORS, pattern, type CsidMessage } from './chunk-vectors'

/** Writes `messages` in order, following a written Set Chunk Size as the vectors' convention says. */
function writeAll(writer: ChunkWriter, messages: readonly CsidMessage[]): Uint8Array[] {
  const pieces: Uint8Array[] = []
  for (const { csid, message } of messages) {
    pieces.push(...writer.write(message, csid))
    if (message.typeId === 1) writer.setChunkSize(new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0))
  }
  return pieces
}

const video = (length: number, timestamp = 0): RawMessage => ({ typeId: 9, streamId: 1, timestamp, payload: pattern(length, 1) })

describe('ChunkWriter on the shared vectors', () => {
  for (const v of CHUNK_VECTORS.filter((x) => x.writer)) {
    it(v.name, () => {
      const pieces = writeAll(new ChunkWriter(), v.messages)
      expect(toHex(concat(pieces))).toBe(toHex(v.bytes))
    })
  }
})

describe('ChunkWriter', () => {
  it('returns header pieces interleaved with views of the payload, never copies of it', () => {
    const msg = video(307)
    const pieces = new ChunkWriter().write(msg, 4)
    expect(pieces.map((p) => p.length)).toEqual([12, 128, 1, 128, 1, 51])
    for (const i of [1, 3, 5]) expect(pieces[i]!.buffer).toBe(msg.payload.buffer)
    expect(pieces[3]!.byteOffset).toBe(msg.payload.byteOffset + 128)
  })

  it('passes a payload that fits one chunk through as is, and a zero-length one as a header alone', () => {
    const msg = video(128)
    const pieces = new ChunkWriter().write(msg, 4)
    expect(pieces).toHaveLength(2)
    expect(pieces[1]).toBe(msg.payload)
    expect(new ChunkWriter().write(video(0), 4)).toHaveLength(1)
  })

  it('writes each continuation header once and repeats the same view', () => {
    const pieces = new ChunkWriter({ chunkSize: 100 }).write(video(1000, 0x12345678), 400)
    const conts = pieces.filter((_, i) => i % 2 === 0).slice(1)
    expect(conts).toHaveLength(9)
    expect(new Set(conts).size).toBe(1)
    expect(toHex(conts[0]!)).toBe(toHex(hex`c1 50 01  12 34 56 78 // fmt 3, csid 400, extended timestamp`))
  })

  it('never hands out the same header bytes twice', () => {
    const writer = new ChunkWriter()
    const first = writer.write(video(10, 1), 3)[0]!
    const before = toHex(first)
    for (let i = 0; i < 5000; i++) writer.write(video(10, 1000 + i * 7), 3 + (i % 5))
    expect(toHex(first)).toBe(before)
  })

  it('does not use fmt 3 right after fmt 0, even when the delta equals the fmt 0 timestamp', () => {
    const writer = new ChunkWriter()
    writer.write(video(2, 40), 6)
    expect(writer.write(video(2, 80), 6)[0]![0]! >> 6).toBe(2)
    expect(writer.write(video(2, 120), 6)[0]![0]! >> 6).toBe(3)
  })

  it('starts over with fmt 0 after reset(csid) and reset()', () => {
    const writer = new ChunkWriter()
    writer.write(video(2, 0), 6)
    writer.write(video(2, 0), 7)
    writer.reset(6)
    expect(writer.write(video(2, 10), 6)[0]![0]! >> 6).toBe(0)
    expect(writer.write(video(2, 10), 7)[0]![0]! >> 6).toBe(2)
    writer.reset()
    expect(writer.write(video(2, 20), 7)[0]![0]! >> 6).toBe(0)
  })

  it('splits at the new size after setChunkSize', () => {
    const writer = new ChunkWriter()
    expect(writer.chunkSize).toBe(128)
    writer.setChunkSize(4096)
    expect(writer.chunkSize).toBe(4096)
    expect(writer.write(video(5000), 6).map((p) => p.length)).toEqual([12, 4096, 1, 904])
  })

  it('rejects invalid arguments with RangeError', () => {
    const writer = new ChunkWriter()
    for (const size of [0, -1, 0x80000000, 1.5]) expect(() => writer.setChunkSize(size)).toThrow(RangeError)
    expect(() => new ChunkWriter({ chunkSize: 0 })).toThrow(RangeError)
    for (const csid of [0, 1, 65600, 3.5]) expect(() => writer.write(video(1), csid)).toThrow(RangeError)
    expect(() => writer.write({ ...video(1), typeId: 256 }, 3)).toThrow(RangeError)
    expect(() => writer.write({ ...video(0), payload: new Uint8Array(0x1000000) }, 3)).toThrow(RangeError)
  })
})
