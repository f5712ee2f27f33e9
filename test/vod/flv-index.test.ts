import { describe, expect, it } from 'vitest'
import { FlvError } from '../../src/media/flv-error'
import { writeFlvFile } from '../../src/media/flv-writer'
import { FlvIndexScanner, indexFlv, type FlvIndex } from '../../src/vod/flv-index'
import { planPlayback, planSeek } from '../../src/vod/vod-plan'
import { hex } from '../helpers/hex'
import { aacHeader, audioFrame, avcHeader, metadataBody, syntheticFlv, syntheticTags, videoFrame } from './synthetic-flv'

/** Index fields of every tag, for comparing indexes built in different ways. */
function dump(index: FlvIndex): unknown[] {
  return Array.from({ length: index.length }, (_, i) => index.entry(i))
}

/** Drives a scanner the way the file source does, reading `block` bytes (or what it asks, if more). */
function scanInBlocks(bytes: Uint8Array, block: number): { index: FlvIndex; bytesRead: number; reads: number } {
  const scan = new FlvIndexScanner(bytes.length)
  let bytesRead = 0
  let reads = 0
  for (let want = scan.want; want; want = scan.want) {
    const chunk = bytes.subarray(want.offset, Math.min(bytes.length, want.offset + Math.max(want.length, block)))
    bytesRead += chunk.length
    reads++
    if (chunk.length < want.length) scan.endOfFile()
    else scan.feed(want.offset, chunk)
  }
  return { index: scan.finish(), bytesRead, reads }
}

/** A hand-written file: header, an AVC sequence header, a keyframe at 0x01000010 ms (extended), an inter frame. */
const VECTOR = hex`
  46 4c 56 01 01 00 00 00 09   // 'FLV', version 1, video only, DataOffset 9
  00 00 00 00                  // PreviousTagSize0
  09 00 00 05 00 00 00 00 00 00 00   // video, DataSize 5, timestamp 0, stream 0
  17 00 00 00 00               // AVC keyframe, AVCPacketType 0: sequence header
  00 00 00 10                  // PreviousTagSize 16
  09 00 00 06 00 00 10 01 00 00 00   // video, DataSize 6, timestamp 0x000010 + extension 0x01 → 0x01000010
  17 01 00 00 00 65            // AVC keyframe, NALU
  00 00 00 11                  // PreviousTagSize 17
  09 00 00 06 00 00 38 01 00 00 00   // video, DataSize 6, timestamp 0x01000038
  27 01 00 00 00 41            // AVC inter frame, NALU
  00 00 00 11
`

describe('FlvIndex on a byte vector', () => {
  it('reads offsets, sizes, 32-bit timestamps and flags exactly', () => {
    const index = indexFlv(VECTOR)
    expect(index.header).toEqual({ version: 1, hasAudio: false, hasVideo: true, headerSize: 9 })
    expect(dump(index)).toEqual([
      { type: 9, timestamp: 0, offset: 13, size: 5, keyframe: false, sequenceHeader: true },
      { type: 9, timestamp: 0x01000010, offset: 33, size: 6, keyframe: true, sequenceHeader: false },
      { type: 9, timestamp: 0x01000038, offset: 54, size: 6, keyframe: false, sequenceHeader: false },
    ])
    expect(index.end(2)).toBe(VECTOR.length)
    expect(index.body(0)).toEqual(hex`17 00 00 00 00`)
    expect(index.seekIndex(0x01000037)).toBe(1)
    expect(index.headersBefore(1)).toEqual({ video: 0, audio: -1 })
  })

  it('asks for the file header, then each tag header, and a whole body only to keep it', () => {
    const scan = new FlvIndexScanner(VECTOR.length)
    expect(scan.want).toEqual({ offset: 0, length: 9 })
    scan.feed(0, VECTOR.subarray(0, 9))
    expect(scan.want).toEqual({ offset: 13, length: 11 }) // a tag header
    scan.feed(13, VECTOR.subarray(13, 24)) // just the tag header
    expect(scan.want).toEqual({ offset: 13, length: 16 }) // the whole sequence header, to keep it
    scan.feed(13, VECTOR.subarray(13, 29))
    expect(scan.want).toEqual({ offset: 33, length: 11 }) // the next tag header
    scan.feed(33, VECTOR.subarray(33))
    expect(scan.want).toBeUndefined()
    expect(dump(scan.finish())).toEqual(dump(indexFlv(VECTOR)))
  })

  it('indexes every tag when reads start close to the end of the file', () => {
    const file = syntheticFlv({ durationMs: 400 }) // small tags up to the end
    for (const block of [1, 30, 75]) {
      const scan = new FlvIndexScanner(file.length)
      for (let want = scan.want; want; want = scan.want) {
        const bytes = file.subarray(want.offset, want.offset + Math.max(want.length, block))
        if (bytes.length < want.length) scan.endOfFile()
        else scan.feed(want.offset, bytes)
      }
      const index = scan.finish()
      expect(index.truncated, `block ${block}`).toBe(false)
      expect(index.length, `block ${block}`).toBe(syntheticTags({ durationMs: 400 }).length)
    }
  })
})

describe('FlvIndex', () => {
  // 2 s at 25 fps, a keyframe every 10 frames (0, 400, 800, 1200, 1600 ms), audio every 23 ms
  const file = syntheticFlv({ durationMs: 2000 })
  const tags = syntheticTags({ durationMs: 2000 })
  const index = indexFlv(file)

  it('lists every tag with its type, timestamp, position and flags', () => {
    expect(index.length).toBe(tags.length)
    expect(index.header).toEqual({ version: 1, hasAudio: true, hasVideo: true, headerSize: 9 })
    expect(index.truncated).toBe(false)
    let offset = 13
    tags.forEach((t, i) => {
      expect(index.entry(i)).toMatchObject({ type: t.type, timestamp: t.timestamp, offset, size: t.data.length })
      offset += 11 + t.data.length + 4
    })
    expect(index.end(index.length - 1)).toBe(file.length)
    expect(index.metadataIndex).toBe(0)
    expect(index.isSequenceHeader(1) && index.isSequenceHeader(2)).toBe(true)
    expect(index.keyframeTotal).toBe(5)
    expect(index.hasVideo).toBe(true)
    expect(index.firstTimestamp).toBe(0)
    expect(index.lastTimestamp).toBe(1978) // audio 86 × 23
  })

  it('keeps the bodies of onMetaData and the sequence headers, and only those', () => {
    expect(index.body(0)).toEqual(new Uint8Array(metadataBody()))
    expect(index.body(1)).toEqual(avcHeader)
    expect(index.body(2)).toEqual(aacHeader)
    expect(index.body(3)).toBeUndefined()
  })

  it('is the same whether scanned whole, in small blocks, or byte by byte', () => {
    for (const block of [0, 1, 7, 100, 4096]) expect(dump(scanInBlocks(file, block).index), `block ${block}`).toEqual(dump(index))
  })

  it('reads only tag headers and the start of each body, skipping large frames', () => {
    const big = syntheticFlv({ durationMs: 2000, videoPad: 50_000 })
    const { index: bigIndex, bytesRead } = scanInBlocks(big, 0)
    expect(bigIndex.length).toBe(tags.length)
    expect(bytesRead).toBeLessThan(big.length / 20)
  })

  it('seeks to the keyframe at or before a position', () => {
    const keyAt = (ms: number): number => index.timestamp(index.seekIndex(ms))
    expect(keyAt(-5)).toBe(0) // before everything: the first keyframe
    expect(keyAt(0)).toBe(0)
    expect(keyAt(399)).toBe(0)
    expect(keyAt(400)).toBe(400)
    expect(keyAt(1000)).toBe(800)
    expect(keyAt(99_999)).toBe(1600)
    expect(index.isKeyframe(index.seekIndex(1000))).toBe(true)
  })

  it('seeks an audio-only file to the last audio tag at or before the position', () => {
    const audio = indexFlv(syntheticFlv({ durationMs: 1000, video: false }))
    expect(audio.hasVideo).toBe(false)
    expect(audio.timestamp(audio.seekIndex(500))).toBe(483) // 21 × 23
    expect(audio.seekIndex(-1)).toBe(0)
  })

  it('tells the sequence headers in effect before a tag, including ones that change mid-file', () => {
    const changed = Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 0)
    const f = indexFlv(
      writeFlvFile([
        { type: 9, timestamp: 0, data: avcHeader },
        { type: 9, timestamp: 0, data: videoFrame(0, true) },
        { type: 9, timestamp: 40, data: changed },
        { type: 9, timestamp: 40, data: videoFrame(1, true) },
      ]),
    )
    expect(f.headersBefore(1)).toEqual({ video: 0, audio: -1 })
    expect(f.headersBefore(3)).toEqual({ video: 2, audio: -1 })
    expect(f.headersBefore(0)).toEqual({ video: -1, audio: -1 })
  })

  it('indexes a file cut short up to its last complete tag', () => {
    const cut = file.subarray(0, file.length - 10)
    const partial = indexFlv(cut)
    expect(partial.truncated).toBe(true)
    expect(partial.length).toBe(tags.length - 1)
    expect(indexFlv(file.subarray(0, 13)).length).toBe(0)
  })

  it('accepts a file without the last PreviousTagSize', () => {
    const f = indexFlv(file.subarray(0, file.length - 4))
    expect(f.length).toBe(tags.length)
    expect(f.truncated).toBe(false)
  })

  it('rejects what is not FLV with the FlvError reasons of the reader', () => {
    const bad = (bytes: Uint8Array): FlvError => {
      try {
        indexFlv(bytes)
      } catch (err) {
        return err as FlvError
      }
      throw new Error('no error')
    }
    expect(bad(Uint8Array.from('GIF89a....', (c) => c.charCodeAt(0)))).toMatchObject({ code: 'RTMP_ERR_FLV_MALFORMED', reason: 'signature' })
    expect(bad(Uint8Array.of(0x46, 0x4c, 0x56, 2, 5, 0, 0, 0, 9))).toMatchObject({ reason: 'version' })
    expect(bad(Uint8Array.of(0x46, 0x4c, 0x56))).toMatchObject({ reason: 'truncated' })
    const strict = new FlvIndexScanner(file.length, { skipUnknownTags: false })
    const weird = file.slice()
    weird[13] = 7 // first tag type
    expect(() => strict.feed(0, weird)).toThrow(expect.objectContaining({ reason: 'tag-type' }))
    expect(() => indexFlv(file, { maxTagSize: 4 })).toThrow(expect.objectContaining({ reason: 'tag-too-large' }))
  })

  it('skips tags of unknown types by default', () => {
    const weird = file.slice()
    weird[13] = 7
    const f = indexFlv(weird)
    expect(f.length).toBe(tags.length - 1)
    expect(f.metadataIndex).toBe(-1)
  })
})

describe('playback plans', () => {
  const index = indexFlv(syntheticFlv({ durationMs: 2000 }))

  it('plays from the beginning for start < 0 (live-or-recorded -2, ffmpeg -2000) and 0', () => {
    for (const start of [-2, -1, -2000, 0]) {
      expect(planPlayback(index, start, -1)).toEqual({ prelude: [0], from: 0, skip: 0, startMs: 0, endMs: Infinity })
    }
  })

  it('starts at the keyframe at or before `start` with onMetaData and the sequence headers first', () => {
    const plan = planPlayback(index, 1000, -1)
    expect(index.timestamp(plan.from)).toBe(800)
    expect(index.isKeyframe(plan.from)).toBe(true)
    expect(plan).toMatchObject({ prelude: [0, 1, 2], startMs: 800, endMs: Infinity })
  })

  it('ends `duration` ms after `start` (0: up to the start frame)', () => {
    expect(planPlayback(index, 1000, 500).endMs).toBe(1500)
    expect(planPlayback(index, -2, 500).endMs).toBe(500)
    expect(planPlayback(index, 1000, 0).endMs).toBe(1000)
  })

  it('plans a seek from the keyframe at or before the position, keeping the end', () => {
    expect(planSeek(index, 1300, 1500)).toMatchObject({ prelude: [1, 2], startMs: 1200, endMs: 1500, skip: 0 })
    expect(planSeek(index, 0, Infinity)).toMatchObject({ from: 0, prelude: [], startMs: 0 })
  })

  it('handles an empty file', () => {
    const empty = indexFlv(Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0))
    expect(planPlayback(empty, 0, -1)).toEqual({ prelude: [], from: 0, skip: -1, startMs: 0, endMs: Infinity })
    expect(planSeek(empty, 1000, Infinity).from).toBe(0)
  })

  it('uses audio frames of audio-only files', () => {
    const audio = indexFlv(writeFlvFile([{ type: 8, timestamp: 0, data: aacHeader }, ...[0, 1, 2, 3].map((n) => ({ type: 8 as const, timestamp: n * 23, data: audioFrame(n) }))]))
    expect(planPlayback(audio, 50, -1)).toMatchObject({ prelude: [0], startMs: 46 })
  })
})
