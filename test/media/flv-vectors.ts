import type { FlvTag } from '../../src/media/flv-reader'
import { hex } from '../helpers/hex'

/**
 * One small FLV file, byte by byte (Adobe FLV v10 E.2, E.3), shared by the reader tests (parse) and the
 * writer tests (generate). `ends` are the offsets where the input may stop cleanly.
 */
export const fileBytes = hex`
  46 4c 56 // Signature 'FLV'
  01 // Version 1
  05 // TypeFlags: audio (4) | video (1)
  00 00 00 09 // DataOffset 9
  00 00 00 00 // PreviousTagSize0

  12 // TagType 18 script data
  00 00 28 // DataSize 40
  00 00 00 00 // Timestamp 0, TimestampExtended 0
  00 00 00 // StreamID
  02 00 0a 6f 6e 4d 65 74 61 44 61 74 61 // AMF0 string 'onMetaData'
  08 00 00 00 01 // AMF0 ECMA array, 1 entry
  00 08 64 75 72 61 74 69 6f 6e 00 40 10 00 00 00 00 00 00 // 'duration': 4
  00 00 09 // object end
  00 00 00 33 // PreviousTagSize 51 = 11 + 40

  09 00 00 0a 00 00 00 00 00 00 00 // video, 10 bytes, ts 0
  17 00 00 00 00 01 42 c0 1e ff // AVC sequence header (cut-down record)
  00 00 00 15 // 21

  08 00 00 04 00 00 00 00 00 00 00 // audio, 4 bytes, ts 0
  af 00 12 10 // AAC sequence header, 44.1 kHz stereo
  00 00 00 0f // 15

  09 00 00 0a 00 00 28 00 00 00 00 // video, 10 bytes, ts 40
  17 01 00 00 00 00 00 00 01 65 // AVC keyframe
  00 00 00 15

  08 00 00 03 02 03 04 01 00 00 00 // audio, 3 bytes, ts 0x01020304: low 24 bits 02 03 04, extension 01
  af 01 21 // AAC raw
  00 00 00 0e // 14
`

export const fileTags: FlvTag[] = [
  { type: 18, timestamp: 0, streamId: 0, data: fileBytes.subarray(24, 64) },
  { type: 9, timestamp: 0, streamId: 0, data: hex`17 00 00 00 00 01 42 c0 1e ff` },
  { type: 8, timestamp: 0, streamId: 0, data: hex`af 00 12 10` },
  { type: 9, timestamp: 40, streamId: 0, data: hex`17 01 00 00 00 00 00 00 01 65` },
  { type: 8, timestamp: 0x01020304, streamId: 0, data: hex`af 01 21` },
]

/** Offsets after the header, after PreviousTagSize0, and after each tag body and its PreviousTagSize. */
export const cleanEnds: number[] = (() => {
  const ends = [9, 13]
  let o = 13
  for (const t of fileTags) {
    o += 11 + t.data.length
    ends.push(o, o + 4)
    o += 4
  }
  return ends
})()
