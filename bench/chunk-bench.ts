import { Buffer } from 'node:buffer'
import { ChunkReader } from '../src/chunk/chunk-reader'
import { ChunkWriter } from '../src/chunk/chunk-writer'
import type { RawMessage } from '../src/chunk/raw-message'
import { formatRate, measure, printTable, type Measurement } from './measure'

/** Socket reads arrive in pieces about this big. */
const READ_SIZE = 64 * 1024
const MS = 1000

interface Workload {
  readonly name: string
  readonly chunkSize: number
  readonly messages: readonly RawMessage[]
  /** The chunked stream, Set Chunk Size first, cut into socket-sized reads. */
  readonly reads: readonly Buffer[]
  /** Payload bytes per message (all messages have the same size). */
  readonly payloadSize: number
}

function workload(name: string, payloadSize: number, count: number, typeId: number, step: number, chunkSize: number): Workload {
  const messages: RawMessage[] = []
  for (let i = 0; i < count; i++) {
    const payload = Buffer.allocUnsafe(payloadSize).fill(i & 0xff)
    messages.push({ typeId, streamId: 1, timestamp: i * step, payload })
  }
  const writer = new ChunkWriter()
  const scs = Buffer.alloc(4)
  scs.writeUInt32BE(chunkSize)
  const pieces = writer.write({ typeId: 1, streamId: 0, timestamp: 0, payload: scs }, 2)
  writer.setChunkSize(chunkSize)
  for (const m of messages) for (const p of writer.write(m, typeId === 9 ? 6 : 4)) pieces.push(p)
  const wire = Buffer.concat(pieces)
  const reads: Buffer[] = []
  for (let off = 0; off < wire.length; off += READ_SIZE) reads.push(wire.subarray(off, off + READ_SIZE))
  return { name, chunkSize, messages, reads, payloadSize }
}

function readerRun(w: Workload): Measurement {
  let sink = 0
  const onMessage = (m: RawMessage): void => {
    sink += m.payload.length
  }
  const m = measure(
    `reader ${w.name}`,
    () => {
      const reader = new ChunkReader()
      for (const r of w.reads) reader.receive(r, onMessage)
      return w.messages.length
    },
    { ms: MS, bytesPerOp: w.payloadSize },
  )
  if (sink === 0) throw new Error('reader delivered nothing')
  return m
}

function writerRun(w: Workload): Measurement {
  const writer = new ChunkWriter({ chunkSize: w.chunkSize })
  let pieces = 0
  const m = measure(
    `writer ${w.name}`,
    () => {
      for (const msg of w.messages) pieces += writer.write(msg, 6).length
      return w.messages.length
    },
    { ms: MS, bytesPerOp: w.payloadSize },
  )
  if (pieces === 0) throw new Error('writer produced nothing')
  return m
}

/**
 * The baselines: Buffer.copy of each message's payload bytes out of the stream, into one reused target
 * (cache-hot memcpy) and into a freshly allocated buffer per message (what delivering payloads the
 * caller may keep costs at the least).
 */
function copyRuns(w: Workload): { reused: Measurement; fresh: Measurement } {
  const wire = Buffer.concat(w.reads as Buffer[])
  const target = Buffer.allocUnsafe(w.payloadSize)
  const n = w.messages.length
  const stride = Math.floor(wire.length / n)
  const size = w.payloadSize
  let sink = 0
  const reused = measure(
    `Buffer.copy ${w.name}`,
    () => {
      for (let i = 0; i < n; i++) wire.copy(target, 0, i * stride, i * stride + size)
      return n
    },
    { ms: MS, bytesPerOp: size },
  )
  const fresh = measure(
    `alloc + Buffer.copy ${w.name}`,
    () => {
      for (let i = 0; i < n; i++) sink += wire.copy(Buffer.allocUnsafe(size), 0, i * stride, i * stride + size)
      return n
    },
    { ms: MS, bytesPerOp: size },
  )
  if (sink === 0) throw new Error('copied nothing')
  return { reused, fresh }
}

function row(label: string, ours: Measurement, copy: { reused: Measurement; fresh: Measurement }): string[] {
  const ratio = (base: Measurement): string => (ours.opsPerSec / base.opsPerSec).toFixed(2)
  return [label, formatRate(ours), formatRate(copy.reused), ratio(copy.reused), formatRate(copy.fresh), ratio(copy.fresh)]
}

/** Chunk reader and writer throughput, each beside Buffer.copy of the same bytes in the same run. */
export function runChunkBench(): void {
  const video = workload('64 KiB video @4096', 64 * 1024, 32, 9, 33, 4096)
  const audio4096 = workload('200 B audio @4096', 200, 2000, 8, 23, 4096)
  const audio128 = workload('200 B audio @128', 200, 2000, 8, 23, 128)
  const rows: string[][] = [['case', 'ours', 'Buffer.copy', 'ours/copy', 'alloc+copy', 'ours/(alloc+copy)']]
  for (const w of [video, audio4096, audio128]) {
    const reader = readerRun(w)
    const writer = writerRun(w)
    const copy = copyRuns(w)
    rows.push(row(`reader ${w.name}`, reader, copy))
    rows.push(row(`writer ${w.name}`, writer, copy))
  }
  printTable('chunk layer (message rate; MB/s of payload)', rows)
}
