import type { RawMessage } from '../../src/chunk/raw-message'
import { concat, hex } from '../helpers/hex'

/** One message as it travels on a chunk stream. */
export interface CsidMessage {
  readonly csid: number
  readonly message: RawMessage
}

/**
 * One chunk stream byte vector, read by the reader tests and (when `writer`) produced by the writer tests.
 * Convention shared with the round-trip test: after writing a type 1 (Set Chunk Size) message the writer
 * switches to the size it carries; the reader does so by itself.
 */
export interface ChunkVector {
  readonly name: string
  readonly messages: readonly CsidMessage[]
  readonly bytes: Uint8Array
  /** false: the bytes are another implementation's choices that our writer would not make (reader only). */
  readonly writer: boolean
}

/** Deterministic payload bytes: easy to tell apart, cheap to compare. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed * 31 + 1) & 0xff
  return out
}

function msg(csid: number, typeId: number, streamId: number, timestamp: number, payload: Uint8Array): CsidMessage {
  return { csid, message: { typeId, streamId, timestamp, payload } }
}

const setChunkSize = (size: number): Uint8Array =>
  new Uint8Array([size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff])

// Payloads, named so the byte layouts below can refer to them.
const audio = [0, 1, 2, 3].map((i) => pattern(32, i))
const video307 = pattern(307, 9)
const video300 = pattern(300, 10)
const video200 = pattern(200, 11)
const video5000 = pattern(5000, 12)
const small = pattern(3, 13)
const small5 = pattern(5, 14)
const two = pattern(2, 15)
const ten = pattern(10, 16)
const empty = new Uint8Array(0)

export const CHUNK_VECTORS: readonly ChunkVector[] = [
  {
    name: 'RTMP 1.0 §5.3.2.1 example 1: audio on one stream, fmt 0 then fmt 2 then fmt 3 twice',
    writer: true,
    messages: [
      msg(3, 8, 12345, 1000, audio[0]!),
      msg(3, 8, 12345, 1020, audio[1]!),
      msg(3, 8, 12345, 1040, audio[2]!),
      msg(3, 8, 12345, 1060, audio[3]!),
    ],
    bytes: concat([
      hex`03           // fmt 0, csid 3
          00 03 e8     // timestamp 1000
          00 00 20     // length 32
          08           // type 8 (audio)
          39 30 00 00  // message stream id 12345 (little-endian)`,
      audio[0]!,
      hex`83           // fmt 2, csid 3
          00 00 14     // timestamp delta 20`,
      audio[1]!,
      hex`c3           // fmt 3, csid 3: same delta again (1040)`,
      audio[2]!,
      hex`c3           // fmt 3, csid 3 (1060)`,
      audio[3]!,
    ]),
  },
  {
    name: 'RTMP 1.0 §5.3.2.2 example 2: a 307-byte video message split at 128, fmt 0 then two fmt 3',
    writer: true,
    messages: [msg(4, 9, 12346, 1000, video307)],
    bytes: concat([
      hex`04           // fmt 0, csid 4
          00 03 e8     // timestamp 1000
          00 01 33     // length 307
          09           // type 9 (video)
          3a 30 00 00  // message stream id 12346`,
      video307.subarray(0, 128),
      hex`c4           // fmt 3, csid 4: continuation`,
      video307.subarray(128, 256),
      hex`c4           // fmt 3, csid 4: last 51 bytes`,
      video307.subarray(256),
    ]),
  },
  {
    name: 'two-byte basic header: csid 64 and 319',
    writer: true,
    messages: [msg(64, 20, 0, 0, small), msg(319, 20, 0, 0, small)],
    bytes: concat([
      hex`00 00        // fmt 0, csid 0 marker + (64 - 64)
          00 00 00  00 00 03  14  00 00 00 00`,
      small,
      hex`00 ff        // fmt 0, csid 319 = 255 + 64
          00 00 00  00 00 03  14  00 00 00 00`,
      small,
    ]),
  },
  {
    name: 'three-byte basic header: csid 320 and 65599, little-endian',
    writer: true,
    messages: [msg(320, 20, 0, 0, small), msg(65599, 20, 0, 0, small)],
    bytes: concat([
      hex`01 00 01     // fmt 0, csid 1 marker, 320 - 64 = 256 = 00 + 01*256
          00 00 00  00 00 03  14  00 00 00 00`,
      small,
      hex`01 ff ff     // fmt 0, csid 65599 = 255 + 255*256 + 64
          00 00 00  00 00 03  14  00 00 00 00`,
      small,
    ]),
  },
  {
    name: 'fmt 1 when the length or the type changes',
    writer: true,
    messages: [msg(6, 9, 1, 0, small), msg(6, 9, 1, 33, small5), msg(6, 8, 1, 66, small5)],
    bytes: concat([
      hex`06  00 00 00  00 00 03  09  01 00 00 00   // fmt 0, csid 6, ts 0, length 3, video, stream 1`,
      small,
      hex`46  00 00 21  00 00 05  09                // fmt 1: delta 33, length 5, video`,
      small5,
      hex`46  00 00 21  00 00 05  08                // fmt 1: same delta, type 8 (audio)`,
      small5,
    ]),
  },
  {
    name: 'extended timestamp on fmt 0 is repeated in every fmt 3 continuation chunk',
    writer: true,
    messages: [msg(4, 9, 1, 0x01000000, video300)],
    bytes: concat([
      hex`04           // fmt 0, csid 4
          ff ff ff     // timestamp: see extended field
          00 01 2c     // length 300
          09  01 00 00 00
          01 00 00 00  // extended timestamp 0x01000000`,
      video300.subarray(0, 128),
      hex`c4  01 00 00 00  // fmt 3 continuation + extended timestamp again`,
      video300.subarray(128, 256),
      hex`c4  01 00 00 00`,
      video300.subarray(256),
    ]),
  },
  {
    name: 'absolute timestamps at 0xFFFFFE fit 3 bytes, 0xFFFFFF needs the extended field, small deltas across it do not',
    writer: true,
    messages: [msg(3, 8, 1, 0xfffffe, two), msg(4, 8, 1, 0xffffff, two), msg(3, 8, 1, 0x01000001, two)],
    bytes: concat([
      hex`03  ff ff fe  00 00 02  08  01 00 00 00   // fmt 0, csid 3, timestamp 0xFFFFFE (plain)`,
      two,
      hex`04  ff ff ff  00 00 02  08  01 00 00 00   // fmt 0, csid 4, timestamp field 0xFFFFFF...
          00 ff ff ff                               // ...so the extended field carries 0x00FFFFFF`,
      two,
      hex`83  00 00 03                              // fmt 2, csid 3, delta 3 -> 0x01000001`,
      two,
    ]),
  },
  {
    name: 'extended delta on fmt 2 and on the fmt 3 that repeats it',
    writer: true,
    messages: [msg(5, 9, 1, 0, two), msg(5, 9, 1, 0x01000000, two), msg(5, 9, 1, 0x02000000, two)],
    bytes: concat([
      hex`05  00 00 00  00 00 02  09  01 00 00 00   // fmt 0, csid 5, timestamp 0`,
      two,
      hex`85  ff ff ff  01 00 00 00                 // fmt 2, extended delta 0x01000000`,
      two,
      hex`c5  01 00 00 00                           // fmt 3 new message: carries the extended delta too`,
      two,
    ]),
  },
  {
    name: 'timestamp wrap-around at 2^32 is a small forward delta',
    writer: true,
    messages: [msg(3, 8, 1, 0xfffffff0, two), msg(3, 8, 1, 0x10, two)],
    bytes: concat([
      hex`03  ff ff ff  00 00 02  08  01 00 00 00  ff ff ff f0   // fmt 0, extended timestamp 0xFFFFFFF0`,
      two,
      hex`83  00 00 20                                           // fmt 2, delta 0x20 -> 0x10 (mod 2^32)`,
      two,
    ]),
  },
  {
    name: 'a timestamp going backwards or a new message stream id gets fmt 0',
    writer: true,
    messages: [msg(3, 8, 1, 1000, two), msg(3, 8, 1, 500, two), msg(3, 8, 2, 520, two)],
    bytes: concat([
      hex`03  00 03 e8  00 00 02  08  01 00 00 00   // fmt 0, timestamp 1000, stream 1`,
      two,
      hex`03  00 01 f4  00 00 02  08  01 00 00 00   // fmt 0, timestamp 500 (backwards)`,
      two,
      hex`03  00 02 08  00 00 02  08  02 00 00 00   // fmt 0, timestamp 520, stream 2`,
      two,
    ]),
  },
  {
    name: 'zero-length messages: fmt 0, fmt 2, fmt 3 with no chunk data',
    writer: true,
    messages: [msg(7, 18, 1, 10, empty), msg(7, 18, 1, 20, empty), msg(7, 18, 1, 30, empty)],
    bytes: hex`
      07  00 00 0a  00 00 00  12  01 00 00 00   // fmt 0, timestamp 10, length 0, type 18
      87  00 00 0a                              // fmt 2, delta 10
      c7                                        // fmt 3, same delta`,
  },
  {
    name: 'Set Chunk Size 4096 then a 5000-byte video message in two chunks',
    writer: true,
    messages: [msg(2, 1, 0, 0, setChunkSize(4096)), msg(6, 9, 1, 40, video5000)],
    bytes: concat([
      hex`02  00 00 00  00 00 04  01  00 00 00 00   // fmt 0, csid 2, Set Chunk Size
          00 00 10 00                               // 4096
          06  00 00 28  00 13 88  09  01 00 00 00   // fmt 0, csid 6, timestamp 40, length 5000`,
      video5000.subarray(0, 4096),
      hex`c6`,
      video5000.subarray(4096),
    ]),
  },
  // Reader only: other implementations' choices.
  {
    name: 'fmt 3 new message after fmt 0 adds the fmt 0 timestamp again (ffmpeg, librtmp; FMLE sends it)',
    writer: false,
    messages: [msg(4, 8, 1, 26, two), msg(4, 8, 1, 52, two)],
    bytes: concat([
      hex`04  00 00 1a  00 00 02  08  01 00 00 00   // fmt 0, timestamp 26`,
      two,
      hex`c4                                        // fmt 3 new message: 26 + 26`,
      two,
    ]),
  },
  {
    name: 'interleaved chunk streams keep their own partial message',
    writer: false,
    messages: [msg(3, 8, 1, 5, ten), msg(4, 9, 1, 0, video200)],
    bytes: concat([
      hex`04  00 00 00  00 00 c8  09  01 00 00 00   // fmt 0, csid 4, video, length 200`,
      video200.subarray(0, 128),
      hex`03  00 00 05  00 00 0a  08  01 00 00 00   // fmt 0, csid 3, audio, length 10`,
      ten,
      hex`c4                                        // fmt 3, csid 4: rest of the video`,
      video200.subarray(128),
    ]),
  },
  {
    name: "Set Chunk Size between chunks of another csid's message applies at once",
    writer: false,
    messages: [msg(2, 1, 0, 0, setChunkSize(256)), msg(4, 9, 1, 1000, video300)],
    bytes: concat([
      hex`04  00 03 e8  00 01 2c  09  01 00 00 00   // fmt 0, csid 4, video, length 300`,
      video300.subarray(0, 128),
      hex`02  00 00 00  00 00 04  01  00 00 00 00   // csid 2, Set Chunk Size
          00 00 01 00                               // 256`,
      hex`c4                                        // the other 172 bytes in one chunk now`,
      video300.subarray(128),
    ]),
  },
  {
    name: 'Abort drops the partial message of the csid it names',
    writer: false,
    messages: [msg(2, 2, 0, 0, new Uint8Array([0, 0, 0, 4])), msg(4, 9, 1, 1000, small)],
    bytes: concat([
      hex`04  00 03 e8  00 01 2c  09  01 00 00 00   // fmt 0, csid 4, video, length 300`,
      video300.subarray(0, 128),
      hex`02  00 00 00  00 00 04  02  00 00 00 00   // csid 2, Abort
          00 00 00 04                               // chunk stream 4
          44  00 00 00  00 00 03  09                // fmt 1, csid 4: a new 3-byte message, delta 0`,
      small,
    ]),
  },
  {
    name: 'a fmt 0 header repeated mid-message is read as a continuation',
    writer: false,
    messages: [msg(4, 9, 1, 0, video200)],
    bytes: concat([
      hex`04  00 00 00  00 00 c8  09  01 00 00 00`,
      video200.subarray(0, 128),
      hex`04  00 00 00  00 00 c8  09  01 00 00 00   // same header again instead of c4`,
      video200.subarray(128),
    ]),
  },
]
