import { describe, expect, it } from 'vitest'
import type { RawMessage } from '../../src/chunk/raw-message'
import { MessageError } from '../../src/errors'
import { splitAggregate } from '../../src/message/aggregate'
import { MessageType } from '../../src/message/message-type'
import { hex, toHex } from '../helpers/hex'
import { property } from '../helpers/rng'

const aggregate = (payload: Uint8Array, timestamp = 5000, streamId = 1): RawMessage => ({
  typeId: MessageType.Aggregate,
  streamId,
  timestamp,
  payload,
})

/** Three FLV-tag-shaped sub-messages at 1000, 1020 and 1040 ms (stream id fields deliberately not 1). */
const threeSubMessages = hex`
  09          // type Video
  00 00 03    // size 3
  00 03 e8 00 // timestamp 1000 + extension 0
  00 00 07    // stream id 7 (ignored)
  17 01 02    // body
  00 00 00 0e // back-pointer 14

  08          // type Audio
  00 00 02    // size 2
  00 03 fc 00 // timestamp 1020
  00 00 00    // stream id 0 (ignored)
  af 01       // body
  00 00 00 0d // back-pointer 13

  09          // type Video
  00 00 01    // size 1
  00 04 10 00 // timestamp 1040
  00 00 00    // stream id
  27          // body
  00 00 00 0c // back-pointer 12
`

function summary(subs: RawMessage[]): Array<{ typeId: number; streamId: number; timestamp: number; payload: string }> {
  return subs.map((s) => ({ typeId: s.typeId, streamId: s.streamId, timestamp: s.timestamp, payload: toHex(s.payload) }))
}

describe('splitAggregate', () => {
  it('splits three sub-messages and rebases their timestamps on the aggregate timestamp', () => {
    expect(summary(splitAggregate(aggregate(threeSubMessages, 5000, 1)))).toEqual([
      { typeId: 9, streamId: 1, timestamp: 5000, payload: '17 01 02' },
      { typeId: 8, streamId: 1, timestamp: 5020, payload: 'af 01' },
      { typeId: 9, streamId: 1, timestamp: 5040, payload: '27' },
    ])
  })

  it('returns views into the aggregate payload, not copies', () => {
    const subs = splitAggregate(aggregate(threeSubMessages))
    for (const s of subs) expect(s.payload.buffer).toBe(threeSubMessages.buffer)
    expect(subs[0]!.payload.byteOffset).toBe(threeSubMessages.byteOffset + 11)
  })

  it('wraps rebased timestamps modulo 2^32', () => {
    const subs = splitAggregate(aggregate(threeSubMessages, 0xfffffff0))
    expect(subs.map((s) => s.timestamp)).toEqual([0xfffffff0, 0x00000004, 0x00000018])
  })

  it('reads the timestamp extension byte as the top 8 bits', () => {
    const payload = hex`
      08 00 00 01 00 00 00 01 00 00 00 aa 00 00 00 0c // ts 0x01000000
      08 00 00 01 00 00 10 01 00 00 00 bb 00 00 00 0c // ts 0x01000010
    `
    expect(splitAggregate(aggregate(payload, 100)).map((s) => s.timestamp)).toEqual([100, 116])
  })

  it('rebases a sub-message older than the first one backwards, modulo 2^32', () => {
    const payload = hex`
      08 00 00 01 00 00 64 00 00 00 00 aa 00 00 00 0c // ts 100
      08 00 00 01 00 00 00 00 00 00 00 bb 00 00 00 0c // ts 0
    `
    expect(splitAggregate(aggregate(payload, 50)).map((s) => s.timestamp)).toEqual([50, 0xffffffce])
  })

  it('keeps a sub-message with an empty body', () => {
    const payload = hex`12 00 00 00 00 00 00 00 00 00 00 00 00 00 0b // type 18, size 0, back-pointer 11`
    expect(summary(splitAggregate(aggregate(payload)))).toEqual([
      { typeId: 18, streamId: 1, timestamp: 5000, payload: '' },
    ])
  })

  it('ignores the back-pointer value (writers disagree on it)', () => {
    const payload = hex`08 00 00 01 00 00 00 00 00 00 00 af ff ff ff ff`
    expect(splitAggregate(aggregate(payload)).length).toBe(1)
  })

  it('returns no sub-messages for an empty aggregate', () => {
    expect(splitAggregate(aggregate(new Uint8Array(0)))).toEqual([])
  })

  it('throws MessageError (typeId 22) for an aggregate cut anywhere inside a sub-message', () => {
    const ends = new Set([18, 35]) // sub-message boundaries are valid ends
    for (let n = 1; n < threeSubMessages.length; n++) {
      if (ends.has(n)) continue
      let err: unknown
      try {
        splitAggregate(aggregate(threeSubMessages.subarray(0, n)))
      } catch (e) {
        err = e
      }
      expect(err, `cut at ${n}`).toBeInstanceOf(MessageError)
      expect((err as MessageError).code).toBe('RTMP_ERR_MESSAGE_MALFORMED')
      expect((err as MessageError).typeId).toBe(MessageType.Aggregate)
    }
  })

  it('splits every prefix that ends on a sub-message boundary', () => {
    expect(splitAggregate(aggregate(threeSubMessages.subarray(0, 18))).length).toBe(1)
    expect(splitAggregate(aggregate(threeSubMessages.subarray(0, 35))).length).toBe(2)
  })

  it('throws MessageError when a declared size runs past the end', () => {
    const payload = hex`09 ff ff ff 00 00 00 00 00 00 00 17 00 00 00 0e // size 16777215, 1 byte present`
    expect(() => splitAggregate(aggregate(payload))).toThrow(MessageError)
  })

  it('only ever throws MessageError on random input', () => {
    property(2000, (rng) => {
      const fromValid = rng.bool()
      let payload = fromValid ? Uint8Array.from(threeSubMessages) : rng.bytes(rng.int(0, 60))
      if (fromValid) {
        for (let i = rng.int(1, 3); i > 0; i--) payload[rng.int(0, payload.length - 1)] = rng.int(0, 255)
        if (rng.bool()) payload = payload.subarray(0, rng.int(0, payload.length))
      }
      try {
        for (const s of splitAggregate(aggregate(payload, rng.int(0, 0xffffffff)))) {
          expect(s.timestamp).toBeGreaterThanOrEqual(0)
          expect(s.timestamp).toBeLessThanOrEqual(0xffffffff)
        }
      } catch (err) {
        expect(err).toBeInstanceOf(MessageError)
        expect((err as MessageError).typeId).toBe(MessageType.Aggregate)
      }
    })
  })
})
