import { ChunkReader } from '../../src/chunk/chunk-reader'
import { DEFAULT_CHUNK_LIMITS, type ChunkLimits } from '../../src/chunk/chunk-limits'
import type { RawMessage } from '../../src/chunk/raw-message'
import { ChunkError, MessageError } from '../../src/errors'
import { splitAggregate } from '../../src/message/aggregate'
import { decodeMessage, encodeMessage } from '../../src/message/message-codec'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { checkAmf0Roundtrip } from './targets-amf'
import { HANDSHAKE_BYTES, realCorpus } from './corpus'
import { AMF_TOKENS } from './gen-amf'
import { aggregatePayload, chunkStream, messageSample } from './gen-stream'
import { randomPieces } from './mutate'
import { bytesEqual, errorKey, fail, sameRun, shortHex, type Run } from './oracle'
import { proportional, type FuzzTarget } from './target'
import { digest } from './transcript'

const TIGHT: ChunkLimits = { maxChunkSize: 65536, maxMessageLength: 65536, maxChunkStreams: 8, maxBufferedBytes: 256 * 1024 }

/** Feeds `pieces` to a fresh ChunkReader; after a failure the reader must throw the same error again. */
function runChunks(pieces: readonly Uint8Array[], limits: ChunkLimits): Run {
  const reader = new ChunkReader(limits)
  const transcript: string[] = []
  // Measured against tight limits only (the engine checks every case against the defaults' budget).
  const measure = limits.maxBufferedBytes < DEFAULT_CHUNK_LIMITS.maxBufferedBytes
  const before = measure ? process.memoryUsage().arrayBuffers : 0
  let length = 0
  for (const p of pieces) length += p.length
  const checkMemory = (): void => {
    if (!measure) return
    const grown = process.memoryUsage().arrayBuffers - before
    const budget = limits.maxBufferedBytes + 2 * length + (1 << 20)
    if (grown > budget) fail(`memory: the reader left ${grown} bytes of ArrayBuffers allocated (maxBufferedBytes ${limits.maxBufferedBytes}, ${length} input bytes)`)
  }
  const onMessage = (m: RawMessage, csid: number): void => {
    if (m.payload.length > limits.maxMessageLength) fail(`delivered a ${m.payload.length}-byte message, over maxMessageLength`)
    transcript.push(`${csid} ${m.typeId} ${m.streamId} ${m.timestamp} ${digest(m.payload)}`)
  }
  try {
    for (const p of pieces) reader.receive(p, onMessage)
  } catch (error) {
    try {
      reader.receive(Uint8Array.of(0), () => fail('a failed reader delivered a message'))
    } catch (again) {
      if (again !== error) fail(`after ${errorKey(error)} the reader threw ${errorKey(again)} instead of the same error`)
      checkMemory()
      return { transcript, failed: true, error }
    }
    return fail(`after ${errorKey(error)} the reader accepted more input`)
  }
  checkMemory()
  return { transcript, failed: false, error: undefined }
}

const bufferLimited = (r: Run): boolean => r.failed && (r.error as ChunkError).code === 'RTMP_ERR_BUFFER_LIMIT'

export const chunkTarget: FuzzTarget = {
  name: 'chunk',
  about: 'ChunkReader(default or tight limits).receive(chunk stream) whole and split: same messages, same error; errors sticky',
  allowed: [ChunkError],
  seeds: (rng) => [
    ...[...realCorpus().clientSessions, ...realCorpus().serverSessions].map((s) => ({ bytes: s.slice(HANDSHAKE_BYTES) })),
    ...Array.from({ length: 30 }, () => chunkStream(rng)),
  ],
  generate: (rng) => chunkStream(rng),
  tokens: [Uint8Array.of(0x02), Uint8Array.of(0xc3), Uint8Array.of(0x00, 0x00), Uint8Array.of(0x01, 0xff, 0xff), Uint8Array.of(0xff, 0xff, 0xff)],
  check(input, rng) {
    const limits = rng.bool() ? DEFAULT_CHUNK_LIMITS : TIGHT
    const whole = runChunks([input], limits)
    const split = runChunks(randomPieces(input, rng), limits)
    // A message that arrives whole in one input is never buffered, so the buffer limit may trip in one split only.
    if (!bufferLimited(whole) && !bufferLimited(split)) sameRun(whole, split, 'ChunkReader')
    if (whole.failed) throw whole.error
  },
  // Each run checks its own reader against its limits; the case as a whole runs two readers.
  memoryBudget: (input) => 2 * DEFAULT_CHUNK_LIMITS.maxBufferedBytes + 4 * input.length + (4 << 20),
  quickCases: 1200,
}

/** decodeMessage, then encode → decode → encode must give the same bytes (AMF values checked for amplification). */
export function checkMessage(typeId: number, payload: Uint8Array): RtmpMessage {
  const raw = { typeId, streamId: 1, timestamp: 0, payload }
  const msg = decodeMessage(raw)
  if (msg.type === 'command') checkAmf0Roundtrip([msg.name, msg.transactionId, msg.commandObject, ...msg.args], payload.length, 'command')
  if (msg.type === 'data') checkAmf0Roundtrip(msg.values, payload.length, 'data message')
  const reencode = (m: RtmpMessage, what: string): { typeId: number; payload: Uint8Array } => {
    try {
      return encodeMessage(m)
    } catch (err) {
      return fail(`${what} does not re-encode: ${errorKey(err)}: ${(err as Error).message}`)
    }
  }
  const first = reencode(msg, `decoded ${msg.type} message`)
  let again: RtmpMessage
  try {
    again = decodeMessage({ ...raw, ...first })
  } catch (err) {
    return fail(`our own encoding of a ${msg.type} message does not decode: ${errorKey(err)}: ${(err as Error).message}\n  ${shortHex(first.payload)}`)
  }
  const second = reencode(again, `re-decoded ${msg.type} message`)
  if (first.typeId !== second.typeId || !bytesEqual(first.payload, second.payload)) {
    fail(`${msg.type} message re-encoding is not stable:\n  ${first.typeId} ${shortHex(first.payload)}\n  ${second.typeId} ${shortHex(second.payload)}`)
  }
  return msg
}

export const messageTarget: FuzzTarget = {
  name: 'message',
  about: 'decodeMessage({ typeId: bytes[0], payload: bytes[1..] }), then encode → decode → encode must be stable',
  allowed: [MessageError],
  seeds: (rng) => [
    ...realCorpus().messages.map((m) => ({ bytes: Uint8Array.of(m.typeId, ...m.payload), start: 1 })),
    ...Array.from({ length: 60 }, () => messageSample(rng)),
  ],
  generate: messageSample,
  tokens: AMF_TOKENS,
  check(input) {
    checkMessage(input[0] ?? 0, input.subarray(1))
  },
  memoryBudget: proportional(8),
  quickCases: 5000,
}

export const aggregateTarget: FuzzTarget = {
  name: 'aggregate',
  about: 'splitAggregate(payload): sub-messages are views that tile the payload; each decodes or throws MessageError',
  allowed: [MessageError],
  seeds: (rng) => Array.from({ length: 30 }, () => aggregatePayload(rng)),
  generate: aggregatePayload,
  check(input, rng) {
    const timestamp = rng.pick([0, 1000, 0xffffff, 0xffffffff])
    const subs = splitAggregate({ typeId: 22, streamId: 7, timestamp, payload: input })
    let covered = 0
    for (const s of subs) {
      const p = s.payload
      if (s.streamId !== 7) fail(`sub-message stream id ${s.streamId}, not the aggregate's`)
      if (!Number.isInteger(s.timestamp) || s.timestamp < 0 || s.timestamp > 0xffffffff) fail(`sub-message timestamp ${s.timestamp} is not a u32`)
      if (p.buffer !== input.buffer || p.byteOffset < input.byteOffset || p.byteOffset + p.length > input.byteOffset + input.length) fail('a sub-message payload is not a view of the aggregate')
      covered += 11 + p.length + 4
    }
    if (covered !== input.length) fail(`sub-messages cover ${covered} of ${input.length} bytes`)
    if (subs.length > 0 && subs[0]!.timestamp !== timestamp) fail(`first sub-message timestamp ${subs[0]!.timestamp}, not the aggregate's ${timestamp}`)
    let error: unknown
    for (const s of subs) {
      try {
        decodeMessage(s)
      } catch (err) {
        error ??= err
      }
    }
    if (error !== undefined) throw error
  },
  memoryBudget: proportional(8),
  quickCases: 5000,
}
