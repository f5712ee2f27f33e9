import { describe, expect, it } from 'vitest'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import type { RawMessage } from '../../src/chunk/raw-message'
import { concat } from '../helpers/hex'
import { property, type Rng } from '../helpers/rng'
import { randomSplits } from '../helpers/split'

interface Sent {
  readonly csid: number
  readonly message: RawMessage
}

// One-, two- and three-byte basic headers, edges included.
const CSIDS = [2, 3, 4, 5, 8, 63, 64, 200, 319, 320, 1000, 65599]
const STREAM_IDS = [0, 1, 2, 0x7fffffff, 0xffffffff]
// Type ids 1 (Set Chunk Size) and 2 (Abort) would steer the reader; only the test itself sends type 1.
const typeId = (rng: Rng): number => rng.pick([3, 4, 5, 6, 8, 9, 15, 17, 18, 20, 22, 255])

function length(rng: Rng): number {
  const r = rng.next()
  if (r < 0.1) return 0
  if (r < 0.6) return rng.int(1, 300)
  if (r < 0.9) return rng.int(300, 9000)
  return rng.int(9000, 70000)
}

/** Next timestamp on a chunk stream: small steps, repeats, jumps across 0xFFFFFF and 2^32, going backwards. */
function nextTimestamp(rng: Rng, previous: number | undefined): number {
  const r = rng.next()
  if (previous === undefined || r < 0.1) return rng.pick([0, 1, 0xfffffe, 0xffffff, 0x1000000, 0xfffffff0, rng.int(0, 0xffffffff)])
  if (r < 0.4) return previous
  if (r < 0.8) return (previous + rng.int(1, 50)) >>> 0
  if (r < 0.9) return (previous + rng.pick([0xfffffe, 0xffffff, 0x1000000, 0x7fffffff])) >>> 0
  return (previous - rng.int(1, 1000)) >>> 0
}

function chunkSize(rng: Rng): number {
  return rng.pick([1, 2, 127, 128, 129, 4096, 65536, 70000, rng.int(1, 70000)])
}

function setChunkSizeMessage(size: number): RawMessage {
  const payload = new Uint8Array(4)
  new DataView(payload.buffer).setUint32(0, size)
  return { typeId: 1, streamId: 0, timestamp: 0, payload }
}

describe('chunk writer → reader round trip', () => {
  it('yields exactly the messages written, for random messages, chunk sizes and input splits', () => {
    property(60, (rng) => {
      const writer = new ChunkWriter({ chunkSize: rng.bool() ? 128 : chunkSize(rng) })
      const sent: Sent[] = []
      const pieces: Uint8Array[] = []
      const send = (csid: number, message: RawMessage) => {
        sent.push({ csid, message })
        for (const piece of writer.write(message, csid)) pieces.push(piece)
      }
      if (writer.chunkSize !== 128) {
        // The writer was built with a size the reader does not know yet: tell it first (at 128).
        const size = writer.chunkSize
        writer.setChunkSize(128)
        send(2, setChunkSizeMessage(size))
        writer.setChunkSize(size)
      }
      const last = new Map<number, number>()
      const count = rng.int(1, 40)
      for (let i = 0; i < count; i++) {
        if (rng.next() < 0.15) {
          const size = chunkSize(rng)
          send(2, setChunkSizeMessage(size)) // written with the old size
          writer.setChunkSize(size)
          continue
        }
        const csid = rng.pick(CSIDS)
        const timestamp = nextTimestamp(rng, last.get(csid))
        last.set(csid, timestamp)
        const streamId = rng.next() < 0.8 ? 1 : rng.pick(STREAM_IDS)
        send(csid, { typeId: typeId(rng), streamId, timestamp, payload: rng.bytes(length(rng)) })
      }

      const wire = concat(pieces)
      const reader = new ChunkReader()
      const got: Sent[] = []
      for (const piece of randomSplits(wire, rng, rng.pick([1, 7, 100, 5000, 100000]))) {
        reader.receive(piece, (message, csid) => got.push({ csid, message }))
      }
      expect(got.length).toBe(sent.length)
      for (let i = 0; i < sent.length; i++) {
        const a = got[i]!
        const b = sent[i]!
        expect({ csid: a.csid, typeId: a.message.typeId, streamId: a.message.streamId, timestamp: a.message.timestamp }).toEqual({
          csid: b.csid,
          typeId: b.message.typeId,
          streamId: b.message.streamId,
          timestamp: b.message.timestamp,
        })
        expect(Buffer.compare(a.message.payload, b.message.payload)).toBe(0)
      }
    })
  })
})
