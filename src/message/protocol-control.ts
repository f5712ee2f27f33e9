import { ByteReader } from '../bytes/byte-reader'
import { ByteWriter } from '../bytes/byte-writer'
import { MessageError } from '../errors'
import { MessageType, PeerBandwidthLimit, type PeerBandwidthLimitType } from './message-type'
import type { RtmpMessage } from './rtmp-message'

type SetChunkSizeMessage = Extract<RtmpMessage, { type: 'setChunkSize' }>
type AbortMessage = Extract<RtmpMessage, { type: 'abort' }>
type AcknowledgementMessage = Extract<RtmpMessage, { type: 'acknowledgement' }>
type WindowAckSizeMessage = Extract<RtmpMessage, { type: 'windowAckSize' }>
type SetPeerBandwidthMessage = Extract<RtmpMessage, { type: 'setPeerBandwidth' }>

/** Largest chunk size RTMP allows: the field is 31 bits (RTMP 1.0 §5.4.1). */
export const MAX_CHUNK_SIZE = 0x7fffffff

/**
 * @internal A reader over a message payload whose short reads throw `MessageError(typeId)`.
 * Bytes past the fields a type defines are tolerated (ignored), as ffmpeg and nginx-rtmp do.
 */
export function payloadReader(typeId: number, payload: Uint8Array): ByteReader {
  return new ByteReader(payload, (needed, offset, length) => {
    const have = length - offset
    return new MessageError(typeId, `type ${typeId} payload too short: need ${needed} bytes at ${offset}, have ${have}`)
  })
}

/** @internal Throws `MessageError(typeId)` unless `v` fits an unsigned 32-bit field. */
export function checkU32(typeId: number, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new MessageError(typeId, `${field} must be an integer in 0..2^32-1, got ${v}`)
  }
}

/**
 * @internal The writer's bytes as a plain Uint8Array view (no copy): encoders hand out one type, so a
 * decode of an encode deep-equals the original (a Buffer would not).
 */
export function finish(w: ByteWriter): Uint8Array {
  const b = w.finish()
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

function u32Payload(typeId: number, field: string, v: number): Uint8Array {
  checkU32(typeId, field, v)
  return finish(new ByteWriter(4).u32be(v))
}

/**
 * Set Chunk Size (1): u32 whose top bit must be 0; 0 is refused too (a reader could never progress).
 * @throws {MessageError} payload shorter than 4 bytes, top bit set, or 0.
 */
export function decodeSetChunkSize(payload: Uint8Array): SetChunkSizeMessage {
  const chunkSize = payloadReader(MessageType.SetChunkSize, payload).u32be()
  if (chunkSize === 0 || chunkSize > MAX_CHUNK_SIZE) {
    throw new MessageError(MessageType.SetChunkSize, `chunk size must be 1..2^31-1, got ${chunkSize}`)
  }
  return { type: 'setChunkSize', chunkSize }
}

/** @throws {MessageError} `chunkSize` outside 1..2^31-1 or not an integer. */
export function encodeSetChunkSize(msg: SetChunkSizeMessage): Uint8Array {
  const { chunkSize } = msg
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new MessageError(MessageType.SetChunkSize, `chunk size must be 1..2^31-1, got ${chunkSize}`)
  }
  return finish(new ByteWriter(4).u32be(chunkSize))
}

/** Abort (2): u32 chunk stream id. @throws {MessageError} payload shorter than 4 bytes. */
export function decodeAbort(payload: Uint8Array): AbortMessage {
  return { type: 'abort', chunkStreamId: payloadReader(MessageType.Abort, payload).u32be() }
}

/** @throws {MessageError} `chunkStreamId` not a u32. */
export function encodeAbort(msg: AbortMessage): Uint8Array {
  return u32Payload(MessageType.Abort, 'chunkStreamId', msg.chunkStreamId)
}

/** Acknowledgement (3): u32 bytes received so far, mod 2^32. @throws {MessageError} payload shorter than 4 bytes. */
export function decodeAcknowledgement(payload: Uint8Array): AcknowledgementMessage {
  return { type: 'acknowledgement', sequenceNumber: payloadReader(MessageType.Acknowledgement, payload).u32be() }
}

/** @throws {MessageError} `sequenceNumber` not a u32. */
export function encodeAcknowledgement(msg: AcknowledgementMessage): Uint8Array {
  return u32Payload(MessageType.Acknowledgement, 'sequenceNumber', msg.sequenceNumber)
}

/** Window Acknowledgement Size (5): u32. @throws {MessageError} payload shorter than 4 bytes. */
export function decodeWindowAckSize(payload: Uint8Array): WindowAckSizeMessage {
  return { type: 'windowAckSize', size: payloadReader(MessageType.WindowAckSize, payload).u32be() }
}

/** @throws {MessageError} `size` not a u32. */
export function encodeWindowAckSize(msg: WindowAckSizeMessage): Uint8Array {
  return u32Payload(MessageType.WindowAckSize, 'size', msg.size)
}

function checkLimitType(v: number): asserts v is PeerBandwidthLimitType {
  if (v !== PeerBandwidthLimit.Hard && v !== PeerBandwidthLimit.Soft && v !== PeerBandwidthLimit.Dynamic) {
    throw new MessageError(MessageType.SetPeerBandwidth, `peer bandwidth limit type must be 0, 1 or 2, got ${v}`)
  }
}

/**
 * Set Peer Bandwidth (6): u32 window + u8 limit type. A missing limit byte is read as Dynamic (the
 * type that changes nothing when in doubt), as nginx-rtmp tolerates 4-byte payloads; ffmpeg always sends 5.
 * @throws {MessageError} payload shorter than 4 bytes, or a limit type other than 0, 1, 2.
 */
export function decodeSetPeerBandwidth(payload: Uint8Array): SetPeerBandwidthMessage {
  const r = payloadReader(MessageType.SetPeerBandwidth, payload)
  const size = r.u32be()
  const limitType = r.remaining > 0 ? r.u8() : PeerBandwidthLimit.Dynamic
  checkLimitType(limitType)
  return { type: 'setPeerBandwidth', size, limitType }
}

/** Always writes the limit byte. @throws {MessageError} `size` not a u32 or `limitType` not 0, 1, 2. */
export function encodeSetPeerBandwidth(msg: SetPeerBandwidthMessage): Uint8Array {
  checkU32(MessageType.SetPeerBandwidth, 'size', msg.size)
  checkLimitType(msg.limitType)
  return finish(new ByteWriter(5).u32be(msg.size).u8(msg.limitType))
}
