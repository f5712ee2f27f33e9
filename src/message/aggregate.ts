import type { RawMessage } from '../chunk/raw-message'
import { MessageError } from '../errors'
import { MessageType } from './message-type'
import { payloadReader } from './protocol-control'

/** Sub-message header: type (1) + size (3) + timestamp (3) + timestamp extension (1) + stream id (3). */
const SUB_HEADER_SIZE = 11
/** Back-pointer after each sub-message body (FLV PreviousTagSize). */
const BACK_POINTER_SIZE = 4

/**
 * Splits an Aggregate (22) into its FLV-tag-shaped sub-messages (RTMP 1.0 §7.1.6).
 *
 * Timestamps are rebased: the first sub-message gets the aggregate's timestamp, each later one
 * `aggregate.timestamp + (sub.timestamp - first.timestamp)`, modulo 2^32 (what ffmpeg does). Every
 * sub-message takes the aggregate's stream id; the stream id written in the sub-header is ignored, and so
 * is the back-pointer's value (writers disagree on it), but its 4 bytes must be present. Payloads are views
 * into `raw.payload`, not copies. Sub-messages are returned as they are: the caller decides what to do with
 * unexpected types (including a nested aggregate, which should not be split again).
 *
 * @throws {MessageError} (typeId 22) a sub-header, body or back-pointer cut short by the end of the payload.
 */
export function splitAggregate(raw: RawMessage): RawMessage[] {
  const r = payloadReader(MessageType.Aggregate, raw.payload)
  const out: RawMessage[] = []
  let first = 0
  while (r.remaining > 0) {
    if (r.remaining < SUB_HEADER_SIZE) {
      throw new MessageError(
        MessageType.Aggregate,
        `aggregate: ${r.remaining} trailing bytes at ${r.offset}, need an 11-byte sub-header`,
      )
    }
    const typeId = r.u8()
    const size = r.u24be()
    const low = r.u24be()
    const timestamp = ((r.u8() << 24) | low) >>> 0
    r.skip(3) // stream id: the aggregate's own is used
    if (size + BACK_POINTER_SIZE > r.remaining) {
      throw new MessageError(
        MessageType.Aggregate,
        `aggregate: sub-message of ${size} bytes at ${r.offset} runs past the end`,
      )
    }
    const payload = r.subarray(size)
    r.skip(BACK_POINTER_SIZE)
    if (out.length === 0) first = timestamp
    out.push({ typeId, streamId: raw.streamId, timestamp: (raw.timestamp + timestamp - first) >>> 0, payload })
  }
  return out
}
