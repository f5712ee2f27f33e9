import { describe, expect, it } from 'vitest'
import { decodeChunkHeader } from '../../src/chunk/chunk-header'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import type { RawMessage } from '../../src/chunk/raw-message'
import { SharedChunks, chunkMessage } from '../../src/chunk/shared-chunks'
import { concat, hex, toHex } from '../helpers/hex'
import { property, type Rng } from '../helpers/rng'
import { randomSplits } from '../helpers/split'
import { pattern } from './chunk-vectors'

interface Sent {
  readonly csid: number
  readonly message: RawMessage
}

const CSIDS = [3, 4, 5, 6, 7, 63, 64, 319, 320, 65599]
const CHUNK_SIZES = [1, 2, 100, 128, 4096, 65536]

const video = (length: number, timestamp = 0, streamId = 1): RawMessage => ({ typeId: 9, streamId, timestamp, payload: pattern(length, 3) })

function nextTimestamp(rng: Rng, previous: number | undefined): number {
  const r = rng.next()
  if (previous === undefined || r < 0.1) return rng.pick([0, 40, 0xfffffe, 0xffffff, 0x1000000, 0xfffffff0, rng.int(0, 0xffffffff)])
  if (r < 0.3) return previous
  if (r < 0.8) return (previous + rng.pick([20, 21, 40, rng.int(1, 100)])) >>> 0
  if (r < 0.9) return (previous + rng.pick([0xffffff, 0x1000000])) >>> 0
  return (previous - rng.int(1, 1000)) >>> 0
}

function length(rng: Rng): number {
  const r = rng.next()
  if (r < 0.05) return 0
  if (r < 0.5) return rng.int(1, 300)
  return rng.int(300, 9000)
}

function setChunkSizeMessage(size: number): RawMessage {
  const payload = new Uint8Array(4)
  new DataView(payload.buffer).setUint32(0, size)
  return { typeId: 1, streamId: 0, timestamp: 0, payload }
}

function decode(wire: Uint8Array, rng: Rng): Sent[] {
  const reader = new ChunkReader()
  const got: Sent[] = []
  for (const piece of randomSplits(wire, rng, rng.pick([7, 500, 100000]))) reader.receive(piece, (message, csid) => got.push({ csid, message }))
  return got
}

function summary(list: readonly Sent[]): unknown[] {
  return list.map(({ csid, message: m }) => ({ csid, typeId: m.typeId, streamId: m.streamId >>> 0, timestamp: m.timestamp >>> 0, payload: toHex(m.payload) }))
}

describe('chunkMessage', () => {
  it('makes the bytes a fresh ChunkWriter makes: fmt 0, then fmt 3 continuations', () => {
    property(200, (rng) => {
      const chunkSize = rng.pick(CHUNK_SIZES)
      const csid = rng.pick(CSIDS)
      const msg: RawMessage = { typeId: rng.pick([8, 9, 18]), streamId: rng.pick([0, 1, 7, 0xffffffff]), timestamp: nextTimestamp(rng, undefined), payload: rng.bytes(length(rng)) }
      const expected = concat(new ChunkWriter({ chunkSize }).write(msg, csid))
      expect(toHex(chunkMessage(msg, csid, chunkSize))).toBe(toHex(expected))
    })
  })

  it('repeats the extended timestamp after every continuation header', () => {
    const bytes = chunkMessage(video(5, 0x01020304), 6, 2)
    const expected = hex`
      06 ffffff 000005 09 01000000 01020304  5e 65 // fmt 0, csid 6, extended timestamp, 2 payload bytes
      c6 01020304                            6c 73 // fmt 3 repeats the 4-byte timestamp
      c6 01020304                            7a
    `
    expect(toHex(bytes)).toBe(toHex(expected))
  })

  it('refuses what the chunk layer cannot encode', () => {
    expect(() => chunkMessage(video(1), 1, 128)).toThrow(RangeError)
    expect(() => chunkMessage(video(1), 6, 0)).toThrow(RangeError)
    expect(() => chunkMessage({ ...video(1), typeId: 256 }, 6, 128)).toThrow(RangeError)
  })
})

describe('ChunkWriter.recordFullHeader', () => {
  it('compresses the next header against the recorded message, never with fmt 3 right after it', () => {
    const writer = new ChunkWriter()
    writer.write(video(10, 0), 6) // fmt 0
    writer.write(video(10, 40), 6) // fmt 2, delta 40
    writer.recordFullHeader(video(10, 80), 6)
    // the delta equals the recorded fmt 0 timestamp: still fmt 2, as after a fmt 0 of the writer's own
    expect(decodeChunkHeader(writer.write(video(10, 160), 6)[0]!)!.header).toMatchObject({ fmt: 2, timestamp: 80 })
    expect(decodeChunkHeader(writer.write(video(10, 240), 6)[0]!)!.header).toMatchObject({ fmt: 3 })
    writer.recordFullHeader(video(10, 300, 2), 6)
    expect(decodeChunkHeader(writer.write(video(11, 310, 2), 6)[0]!)!.header).toMatchObject({ fmt: 1, timestamp: 10, length: 11 })
    writer.recordFullHeader(video(10, 400, 2), 6)
    expect(decodeChunkHeader(writer.write(video(10, 400, 3), 6)[0]!)!.header).toMatchObject({ fmt: 0, streamId: 3 })
  })
})

describe('shared chunks → reader', () => {
  it('decodes a player stream mixing shared and own-writer messages exactly as one written by its writer alone', () => {
    property(40, (rng) => {
      const initial = rng.pick([128, 4096])
      const alone = new ChunkWriter({ chunkSize: initial })
      const mixed = new ChunkWriter({ chunkSize: initial })
      const cache = new SharedChunks({ entries: rng.pick([1, 4, 512]) })
      const other = new ChunkWriter({ chunkSize: initial }) // another player: asks the cache first
      const sent: Sent[] = []
      const alonePieces: Uint8Array[] = []
      const mixedPieces: Uint8Array[] = []
      const control = (csid: number, msg: RawMessage): void => {
        sent.push({ csid, message: msg })
        alonePieces.push(...alone.write(msg, csid))
        mixedPieces.push(...mixed.write(msg, csid))
      }
      if (initial !== 128) {
        for (const w of [alone, mixed]) w.setChunkSize(128)
        control(2, setChunkSizeMessage(initial))
        for (const w of [alone, mixed]) w.setChunkSize(initial)
      }
      const last = new Map<number, number>()
      const count = rng.int(1, 60)
      for (let i = 0; i < count; i++) {
        const r = rng.next()
        if (r < 0.08) {
          const size = rng.pick(CHUNK_SIZES)
          control(2, setChunkSizeMessage(size)) // at the old size
          for (const w of [alone, mixed]) w.setChunkSize(size)
          continue
        }
        if (r < 0.2) {
          // a command or user control message on its own csid, never shared
          const csid = rng.pick([2, 3, 5])
          control(csid, { typeId: csid === 2 ? 4 : 20, streamId: csid === 3 ? 0 : 1, timestamp: 0, payload: rng.bytes(rng.int(1, 200)) })
          continue
        }
        const csid = rng.pick(CSIDS)
        const timestamp = nextTimestamp(rng, last.get(csid))
        last.set(csid, timestamp)
        const msg: RawMessage = { typeId: rng.pick([8, 9, 18]), streamId: rng.next() < 0.9 ? 1 : rng.pick([0, 2, 0xffffffff]), timestamp, payload: rng.bytes(length(rng)) }
        sent.push({ csid, message: msg })
        alonePieces.push(...alone.write(msg, csid))
        // the other player asks first (or not at all, then this one gets the own-writer path)
        if (rng.bool()) {
          const first = cache.lookup(msg, csid, other.chunkSize)
          if (first === undefined) other.write(msg, csid)
        }
        const shared = cache.lookup(msg, csid, mixed.chunkSize)
        if (shared === undefined) mixedPieces.push(...mixed.write(msg, csid))
        else {
          mixed.recordFullHeader(msg, csid)
          mixedPieces.push(shared)
        }
      }
      const fromAlone = decode(concat(alonePieces), rng)
      const fromMixed = decode(concat(mixedPieces), rng)
      expect(summary(fromAlone)).toEqual(summary(sent))
      expect(summary(fromMixed)).toEqual(summary(fromAlone))
    })
  })
})

describe('SharedChunks', () => {
  it('serializes on the second request and hands the same bytes to every later one', () => {
    const cache = new SharedChunks()
    const msg = video(5000, 40)
    expect(cache.lookup(msg, 7, 4096)).toBeUndefined()
    const second = cache.lookup({ ...msg }, 7, 4096) // another object, same payload: the same message
    expect(second).toBeDefined()
    expect(toHex(second!)).toBe(toHex(chunkMessage(msg, 7, 4096)))
    expect(cache.lookup(msg, 7, 4096)).toBe(second)
    expect(cache.stats).toMatchObject({ serialized: 1, reused: 1, bytes: second!.length })
  })

  it('keeps apart what differs in the header or the chunking, and equal bytes in another payload object', () => {
    const cache = new SharedChunks()
    const msg = video(300, 40)
    cache.lookup(msg, 7, 4096)
    for (const variant of [
      [{ ...msg, timestamp: 41 }, 7, 4096],
      [{ ...msg, streamId: 2 }, 7, 4096],
      [{ ...msg, typeId: 8 }, 7, 4096],
      [msg, 6, 4096],
      [msg, 7, 128],
      [{ ...msg, payload: msg.payload.slice() }, 7, 4096],
    ] as const) {
      expect(cache.lookup(variant[0], variant[1], variant[2])).toBeUndefined()
    }
    expect(cache.stats.serialized).toBe(0)
  })

  it('forgets the oldest payloads past its entry and byte limits', () => {
    const byEntries = new SharedChunks({ entries: 2 })
    const a = video(10, 1)
    const b = video(10, 2)
    const c = video(10, 3)
    for (const m of [a, b, c]) byEntries.lookup(m, 7, 4096)
    expect(byEntries.lookup(a, 7, 4096)).toBeUndefined() // a was forgotten: a first request again
    expect(byEntries.lookup(c, 7, 4096)).toBeDefined()

    const byBytes = new SharedChunks({ maxBytes: 2500 })
    const big = [video(1000, 1), video(1000, 2), video(1000, 3)]
    for (const m of big) {
      byBytes.lookup(m, 7, 4096)
      byBytes.lookup(m, 7, 4096)
    }
    expect(byBytes.stats.bytes).toBeLessThanOrEqual(2500)
    expect(byBytes.stats.serialized).toBe(3)
    expect(byBytes.lookup(big[0]!, 7, 4096)).toBeUndefined()
    expect(byBytes.lookup(big[2]!, 7, 4096)).toBeDefined()
  })

  it('refuses bad options and messages it cannot encode', () => {
    expect(() => new SharedChunks({ entries: 0 })).toThrow(RangeError)
    expect(() => new SharedChunks({ maxBytes: 1.5 })).toThrow(RangeError)
    expect(() => new SharedChunks().lookup(video(1), 70000, 128)).toThrow(RangeError)
  })
})
