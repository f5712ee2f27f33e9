import { describe, expect, it } from 'vitest'
import type { RawMessage } from '../../src/chunk/raw-message'
import { AmfError, MessageError } from '../../src/errors'
import { decodeMessage, encodeMessage } from '../../src/message/message-codec'
import { MessageType } from '../../src/message/message-type'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { hex, toHex } from '../helpers/hex'
import { property } from '../helpers/rng'
import { messageVectors } from './message-vectors'

const raw = (typeId: number, payload: Uint8Array): RawMessage => ({ typeId, streamId: 1, timestamp: 1000, payload })

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

function expectMessageError(err: unknown, typeId: number): MessageError {
  expect(err).toBeInstanceOf(MessageError)
  const e = err as MessageError
  expect(e.code).toBe('RTMP_ERR_MESSAGE_MALFORMED')
  expect(e.typeId).toBe(typeId)
  return e
}

describe('message vectors', () => {
  describe('decode', () => {
    for (const v of messageVectors) {
      it(v.name, () => {
        expect(decodeMessage(raw(v.typeId, v.bytes))).toStrictEqual(v.message)
      })
    }
  })

  describe('encode', () => {
    for (const v of messageVectors) {
      it(v.name, () => {
        const out = encodeMessage(v.message)
        expect(out.typeId).toBe(v.typeId)
        expect(toHex(out.payload)).toBe(toHex(v.bytes))
      })
    }
  })

  describe('mirror', () => {
    for (const v of messageVectors) {
      it(v.name, () => {
        const back = encodeMessage(decodeMessage(raw(v.typeId, v.bytes)))
        expect(back.typeId).toBe(v.typeId)
        expect(toHex(back.payload)).toBe(toHex(v.bytes))
        const encoded = encodeMessage(v.message)
        expect(decodeMessage(raw(encoded.typeId, encoded.payload))).toEqual(v.message)
      })
    }
  })
})

describe('payloads passed through', () => {
  it('hands back audio, video, shared object, aggregate and unknown payloads without a copy', () => {
    const payload = hex`01 02 03`
    for (const typeId of [8, 9, 16, 19, 22, 7, 200]) {
      const msg = decodeMessage(raw(typeId, payload))
      const inner = 'data' in msg ? msg.data : 'payload' in msg ? msg.payload : undefined
      expect(inner).toBe(payload)
      expect(encodeMessage(msg).payload).toBe(payload)
    }
  })

  it('keeps the unknown user control event data as a view into the payload', () => {
    const payload = hex`00 1f 00 00 00 01`
    const msg = decodeMessage(raw(MessageType.UserControl, payload))
    expect(msg.type === 'userControl' && msg.event.kind === 'unknown' && msg.event.data.buffer).toBe(payload.buffer)
  })
})

/** Inputs that decode, but leniently: the result is what real peers mean. Not byte-exact on re-encode. */
const lenient: ReadonlyArray<{ name: string; typeId: number; bytes: Uint8Array; message: RtmpMessage }> = [
  {
    name: 'SetChunkSize with trailing bytes ignores them',
    typeId: MessageType.SetChunkSize,
    bytes: hex`00 00 10 00 ff ff`,
    message: { type: 'setChunkSize', chunkSize: 4096 },
  },
  {
    name: 'Acknowledgement with trailing bytes ignores them',
    typeId: MessageType.Acknowledgement,
    bytes: hex`00 00 00 01 00`,
    message: { type: 'acknowledgement', sequenceNumber: 1 },
  },
  {
    name: 'SetPeerBandwidth without its limit byte reads as dynamic',
    typeId: MessageType.SetPeerBandwidth,
    bytes: hex`00 26 25 a0 // window, no limit type`,
    message: { type: 'setPeerBandwidth', size: 2500000, limitType: 2 },
  },
  {
    name: 'StreamBegin with trailing bytes ignores them',
    typeId: MessageType.UserControl,
    bytes: hex`00 00 00 00 00 01 99`,
    message: { type: 'userControl', event: { kind: 'streamBegin', streamId: 1 } },
  },
  {
    name: 'a command without transaction id reads as transaction 0 with a null command object',
    typeId: MessageType.CommandAmf0,
    bytes: hex`02 00 08 6f 6e 53 74 61 74 75 73 // "onStatus"`,
    message: { type: 'command', encoding: 'amf0', name: 'onStatus', transactionId: 0, commandObject: null, args: [] },
  },
  {
    name: 'a command without command object reads it as null',
    typeId: MessageType.CommandAmf0,
    bytes: hex`
      02 00 08 6f 6e 42 57 44 6f 6e 65 // "onBWDone"
      00 00 00 00 00 00 00 00 00       // 0
    `,
    message: { type: 'command', encoding: 'amf0', name: 'onBWDone', transactionId: 0, commandObject: null, args: [] },
  },
  {
    name: 'an AMF undefined command object stays undefined',
    typeId: MessageType.CommandAmf0,
    bytes: hex`
      02 00 01 61                 // "a"
      00 3f f0 00 00 00 00 00 00  // 1
      06                          // undefined
    `,
    message: { type: 'command', encoding: 'amf0', name: 'a', transactionId: 1, commandObject: undefined, args: [] },
  },
  {
    name: 'a type 17 command with a non-zero leading byte still decodes',
    typeId: MessageType.CommandAmf3,
    bytes: hex`
      01                                         // leading byte (not 0x00)
      02 00 0c 63 72 65 61 74 65 53 74 72 65 61 6d // "createStream"
      00 40 00 00 00 00 00 00 00                 // 2
      05                                         // null
    `,
    message: { type: 'command', encoding: 'amf3', name: 'createStream', transactionId: 2, commandObject: null, args: [] },
  },
  {
    // AMF3 values behind 0x11 decode as plain JS values; re-encoding writes a string as AMF0
    name: 'a type 17 command with an AMF3 string argument',
    typeId: MessageType.CommandAmf3,
    bytes: hex`
      00                         // prefix byte
      02 00 04 73 65 6e 64       // "send"
      00 00 00 00 00 00 00 00 00 // 0
      05                         // null
      11 06 05 68 69             // avmplus switch, AMF3 String "hi"
    `,
    message: { type: 'command', encoding: 'amf3', name: 'send', transactionId: 0, commandObject: null, args: ['hi'] },
  },
  {
    name: 'a type 15 data message with a non-zero leading byte still decodes',
    typeId: MessageType.DataAmf3,
    bytes: hex`
      7f          // leading byte (not 0x00)
      02 00 01 61 // "a"
    `,
    message: { type: 'data', encoding: 'amf3', values: ['a'] },
  },
]

describe('lenient decoding', () => {
  for (const v of lenient) {
    it(v.name, () => {
      expect(decodeMessage(raw(v.typeId, v.bytes))).toStrictEqual(v.message)
    })
  }
})

/** Malformed payloads: `amf` marks the ones whose MessageError must carry an AmfError as `cause`. */
const malformed: ReadonlyArray<{ name: string; typeId: number; bytes: Uint8Array; amf?: boolean }> = [
  { name: 'SetChunkSize empty', typeId: 1, bytes: hex`` },
  { name: 'SetChunkSize 3 bytes', typeId: 1, bytes: hex`00 10 00` },
  { name: 'SetChunkSize 0', typeId: 1, bytes: hex`00 00 00 00` },
  { name: 'SetChunkSize with the top bit set', typeId: 1, bytes: hex`80 00 00 00` },
  { name: 'SetChunkSize 2^32-1', typeId: 1, bytes: hex`ff ff ff ff` },
  { name: 'Abort 3 bytes', typeId: 2, bytes: hex`00 00 04` },
  { name: 'Acknowledgement empty', typeId: 3, bytes: hex`` },
  { name: 'UserControl empty', typeId: 4, bytes: hex`` },
  { name: 'UserControl 1 byte', typeId: 4, bytes: hex`00` },
  { name: 'UserControl StreamBegin cut short', typeId: 4, bytes: hex`00 00 00 00 01` },
  { name: 'UserControl StreamEOF without stream id', typeId: 4, bytes: hex`00 01` },
  { name: 'UserControl StreamDry cut short', typeId: 4, bytes: hex`00 02 00` },
  { name: 'UserControl SetBufferLength without its length', typeId: 4, bytes: hex`00 03 00 00 00 01` },
  { name: 'UserControl SetBufferLength cut short', typeId: 4, bytes: hex`00 03 00 00 00 01 00 00 0b` },
  { name: 'UserControl StreamIsRecorded cut short', typeId: 4, bytes: hex`00 04 00 00` },
  { name: 'UserControl PingRequest cut short', typeId: 4, bytes: hex`00 06 12 34 56` },
  { name: 'UserControl PingResponse cut short', typeId: 4, bytes: hex`00 07` },
  { name: 'WindowAckSize 2 bytes', typeId: 5, bytes: hex`00 26` },
  { name: 'SetPeerBandwidth 3 bytes', typeId: 6, bytes: hex`00 26 25` },
  { name: 'SetPeerBandwidth limit type 3', typeId: 6, bytes: hex`00 26 25 a0 03` },
  { name: 'command: empty payload has no name', typeId: 20, bytes: hex`` },
  { name: 'command: name is a number', typeId: 20, bytes: hex`00 3f f0 00 00 00 00 00 00` },
  { name: 'command: name is null', typeId: 20, bytes: hex`05` },
  { name: 'command: transaction id is a string', typeId: 20, bytes: hex`02 00 01 61 02 00 01 62` },
  { name: 'command: transaction id is null', typeId: 20, bytes: hex`02 00 01 61 05` },
  { name: 'command: truncated string', typeId: 20, bytes: hex`02 00 05 61`, amf: true },
  { name: 'command: unknown AMF0 marker', typeId: 20, bytes: hex`02 00 01 61 ff`, amf: true },
  { name: 'command: truncated number', typeId: 20, bytes: hex`02 00 01 61 00 3f f0`, amf: true },
  { name: 'command: object without its end', typeId: 20, bytes: hex`02 00 01 61 00 3f f0 00 00 00 00 00 00 03 00 01 78 05`, amf: true },
  { name: 'type 17 command: empty payload (no leading byte)', typeId: 17, bytes: hex`` },
  { name: 'type 17 command: leading byte only, no name', typeId: 17, bytes: hex`00` },
  { name: 'type 17 command: truncated AMF', typeId: 17, bytes: hex`00 02 00 05 61`, amf: true },
  { name: 'type 17 command: name is a boolean', typeId: 17, bytes: hex`00 01 01` },
  { name: 'data: truncated string', typeId: 18, bytes: hex`02 00 0a 6f 6e`, amf: true },
  { name: 'data: unknown AMF0 marker', typeId: 18, bytes: hex`02 00 01 61 fe`, amf: true },
  { name: 'data: ECMA array cut short', typeId: 18, bytes: hex`08 00 00 00 01 00 01 61`, amf: true },
  { name: 'type 15 data: empty payload (no leading byte)', typeId: 15, bytes: hex`` },
  { name: 'type 15 data: truncated AMF', typeId: 15, bytes: hex`00 02 00 05 61`, amf: true },
]

describe('malformed payloads', () => {
  for (const v of malformed) {
    it(`${v.name} → MessageError (typeId ${v.typeId})${v.amf ? ' caused by an AmfError' : ''}`, () => {
      const err = expectMessageError(
        thrown(() => decodeMessage(raw(v.typeId, v.bytes))),
        v.typeId,
      )
      if (v.amf) expect(err.cause).toBeInstanceOf(AmfError)
      else expect(err.cause).toBeUndefined()
    })
  }
})

describe('MessageLimits', () => {
  const nested = hex`
    02 00 01 61                // "a"
    00 3f f0 00 00 00 00 00 00 // 1
    03 00 01 78                // { x:
    03 00 01 79                //   { y:
    03 00 00 09                //     {}
    00 00 09                   //   }
    00 00 09                   // }
  `

  it('decodes a nested command object under the default limits', () => {
    expect(decodeMessage(raw(MessageType.CommandAmf0, nested))).toMatchObject({ name: 'a', commandObject: { x: { y: {} } } })
  })

  it('passes amf limits to the AMF decoder: too deep → MessageError caused by an AmfError', () => {
    const err = expectMessageError(
      thrown(() => decodeMessage(raw(MessageType.CommandAmf0, nested), { amf: { maxDepth: 1 } })),
      MessageType.CommandAmf0,
    )
    expect(err.cause).toBeInstanceOf(AmfError)
    expect((err.cause as AmfError).code).toBe('RTMP_ERR_AMF_DEPTH')
  })

  it('applies them to data messages too', () => {
    const err = expectMessageError(
      thrown(() => decodeMessage(raw(MessageType.DataAmf0, hex`02 00 05 68 65 6c 6c 6f`), { amf: { maxStringLength: 2 } })),
      MessageType.DataAmf0,
    )
    expect((err.cause as AmfError).code).toBe('RTMP_ERR_AMF_LENGTH')
  })
})

/** Messages with a field outside its wire range: encoding refuses them rather than writing something else. */
const unencodable: ReadonlyArray<{ name: string; typeId: number; message: RtmpMessage }> = [
  { name: 'chunk size 0', typeId: 1, message: { type: 'setChunkSize', chunkSize: 0 } },
  { name: 'chunk size 2^31', typeId: 1, message: { type: 'setChunkSize', chunkSize: 0x80000000 } },
  { name: 'chunk size 1.5', typeId: 1, message: { type: 'setChunkSize', chunkSize: 1.5 } },
  { name: 'abort csid -1', typeId: 2, message: { type: 'abort', chunkStreamId: -1 } },
  { name: 'acknowledgement 2^32', typeId: 3, message: { type: 'acknowledgement', sequenceNumber: 2 ** 32 } },
  { name: 'window ack size NaN', typeId: 5, message: { type: 'windowAckSize', size: Number.NaN } },
  { name: 'peer bandwidth -1', typeId: 6, message: { type: 'setPeerBandwidth', size: -1, limitType: 2 } },
  {
    name: 'peer bandwidth limit type 3',
    typeId: 6,
    message: { type: 'setPeerBandwidth', size: 1, limitType: 3 as unknown as 2 },
  },
  { name: 'StreamBegin stream id 2^32', typeId: 4, message: { type: 'userControl', event: { kind: 'streamBegin', streamId: 2 ** 32 } } },
  {
    name: 'SetBufferLength length -5',
    typeId: 4,
    message: { type: 'userControl', event: { kind: 'setBufferLength', streamId: 1, bufferLength: -5 } },
  },
  { name: 'ping timestamp 1.5', typeId: 4, message: { type: 'userControl', event: { kind: 'pingRequest', timestamp: 1.5 } } },
  {
    name: 'unknown user control event 65536',
    typeId: 4,
    message: { type: 'userControl', event: { kind: 'unknown', eventType: 0x10000, data: hex`` } },
  },
  { name: 'unknown message type 256', typeId: 256, message: { type: 'unknown', typeId: 256, payload: hex`` } },
]

describe('encoding refuses out-of-range fields', () => {
  for (const v of unencodable) {
    it(v.name, () => {
      expectMessageError(
        thrown(() => encodeMessage(v.message)),
        v.typeId,
      )
    })
  }
})

describe('fuzz', () => {
  const typeIds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20, 21, 22, 23, 99, 255]
  const seeds = messageVectors.map((v) => v.bytes).filter((b) => b.length > 0)

  it('random and mutated payloads only ever throw MessageError, and what decodes re-encodes stably', () => {
    property(3000, (rng) => {
      const typeId = rng.pick(typeIds)
      let payload: Uint8Array
      if (rng.bool()) {
        payload = rng.bytes(rng.int(0, 40))
      } else {
        // a valid body with a few bytes changed, or cut short: reaches deeper into the AMF decoder
        payload = Uint8Array.from(rng.pick(seeds))
        for (let i = rng.int(0, 3); i > 0; i--) payload[rng.int(0, payload.length - 1)] = rng.int(0, 255)
        if (rng.bool()) payload = payload.subarray(0, rng.int(0, payload.length))
      }
      let msg: RtmpMessage
      try {
        msg = decodeMessage(raw(typeId, payload))
      } catch (err) {
        expectMessageError(err, typeId)
        return
      }
      const once = encodeMessage(msg)
      const twice = encodeMessage(decodeMessage(raw(once.typeId, once.payload)))
      expect(twice.typeId).toBe(once.typeId)
      expect(toHex(twice.payload)).toBe(toHex(once.payload))
    })
  })
})
