import { describe, expect, it } from 'vitest'
import { AmfEcmaArray } from '../../src/amf/amf-value'
import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { decodeScriptData, readFlvFile, type FlvTag } from '../../src/media/flv-reader'
import { isKeyframe } from '../../src/media/flv-tag'
import type { MediaMessage } from '../../src/media/media-message'
import { amfNumberBytes, findMetadataSlots, headerMetadata, lastTag, readMetadata, u32 } from '../../src/record/flv-metadata'
import { mediaTypeOf } from '../../src/media/media-message'
import { RecordingMuxer } from '../../src/record/recording-muxer'
import { mtAudio, mtVideo } from '../live/enhanced-frames'
import { aacHeader, asMessage, audioFrame, avcHeader, frameNumber, metadataBody, syntheticTags, videoFrame } from '../vod/synthetic-flv'
import { EAC3_1, frameLabels, HEADER_LABELS, HEVC1, label, multitrackFrames, multitrackHeaders } from './multitrack-stream'

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Feeds messages, returns the file bytes produced. */
function feed(muxer: RecordingMuxer, messages: readonly MediaMessage[]): Uint8Array {
  return concat(messages.flatMap((m) => muxer.push(m)))
}

function tagsOf(bytes: Uint8Array): FlvTag[] {
  const flv = readFlvFile(bytes)
  if (flv.error) throw flv.error
  return flv.tags
}

const v = (timestamp: number, n: number, key = false): MediaMessage => ({ type: 'video', timestamp, data: videoFrame(n, key) })
const a = (timestamp: number, n: number): MediaMessage => ({ type: 'audio', timestamp, data: audioFrame(n) })
const headers = (timestamp = 0): MediaMessage[] => [
  { type: 'data', timestamp, data: metadataBody() },
  { type: 'video', timestamp, data: avcHeader },
  { type: 'audio', timestamp, data: aacHeader },
]

describe('RecordingMuxer', () => {
  it('writes nothing while no file is started, but remembers metadata and sequence headers', () => {
    const m = new RecordingMuxer()
    expect(feed(m, [...headers(), v(0, 0, true), a(0, 0)])).toHaveLength(0)
    expect(m.state).toBe('idle')
  })

  it('opens a file with the FLV header, onMetaData (duration, filesize), sequence headers, then the first keyframe at 0', () => {
    const m = new RecordingMuxer()
    feed(m, headers(5000))
    m.startFile()
    const bytes = feed(m, [v(5000, 1), a(5010, 1), v(5040, 2, true), a(5050, 2), v(5080, 3)])
    const tags = tagsOf(bytes)
    expect(tags.map((t) => t.type)).toEqual([18, 9, 8, 9, 8, 9])
    const [meta, vh, ah, key, audio, inter] = tags
    const values = decodeScriptData(meta!.data)
    expect(values[0]).toBe('onMetaData')
    expect(values[1]).toBeInstanceOf(AmfEcmaArray)
    expect(values[1]).toMatchObject({ duration: 0, filesize: 0, width: 320, videocodecid: 7 })
    expect(vh!.data).toEqual(avcHeader)
    expect(ah!.data).toEqual(aacHeader)
    // the inter frame and audio before the keyframe were dropped
    expect(isKeyframe(key!.data)).toBe(true)
    expect(tags.slice(1).map((t) => t.timestamp)).toEqual([0, 0, 0, 10, 40])
    expect(frameNumber(audio!.data)).toBe(2)
    expect(frameNumber(inter!.data)).toBe(3)
    expect(m.state).toBe('recording')
  })

  it('sets the FLV header flags from what the stream carries', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const bytes = feed(m, [{ type: 'audio', timestamp: 0, data: aacHeader }, a(0, 0)])
    expect(bytes[4]).toBe(0x04) // audio only
  })

  it('records an audio-only stream from its first frame', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const tags = tagsOf(feed(m, [{ type: 'audio', timestamp: 100, data: aacHeader }, a(100, 0), a(123, 1)]))
    expect(tags.map((t) => [t.type, t.timestamp])).toEqual([[18, 0], [8, 0], [8, 0], [8, 23]])
  })

  it('writes a whole synthetic stream so that it reads back frame for frame', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const source = syntheticTags({ durationMs: 1000, offsetMs: 3000 })
    const tags = tagsOf(feed(m, source.map(asMessage)))
    const frames = (list: readonly { type: number; data: Uint8Array }[]): number[] => list.filter((t) => t.type !== 18).map((t) => frameNumber(t.data))
    expect(frames(tags)).toEqual(frames(source))
    expect(tags.filter((t) => t.type !== 18).every((t, i, all) => i === 0 || t.type !== all[i - 1]!.type || t.timestamp >= all[i - 1]!.timestamp)).toBe(true)
    expect(m.endFile()).toBe(1012) // audio ends last: 989 + 23 (video: 960 + 40)
  })

  it('continues the same file for a new publisher: its metadata (without duration) and headers, then its first keyframe', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const firstBytes = feed(m, [...headers(), v(0, 0, true), v(40, 1), a(40, 1)])
    const first = tagsOf(firstBytes)
    m.publishStarted()
    const more = feed(m, [...headers(0), v(0, 50), v(40, 51, true), a(60, 2), v(80, 52)])
    const tail = tagsOf(concat([firstBytes, more])).slice(first.length)
    expect(tail.map((t) => t.type)).toEqual([18, 9, 8, 9, 8, 9])
    expect(decodeScriptData(tail[0]!.data)[1]).not.toHaveProperty('duration')
    // first publisher ended at 40 + 40 (video); the new one continues there from its keyframe
    expect(tail.slice(3).map((t) => [frameNumber(t.data), t.timestamp])).toEqual([[51, 80], [2, 100], [52, 120]])
  })

  it('appends to an existing file: no FLV header, timestamps after its end', () => {
    const m = new RecordingMuxer()
    feed(m, headers())
    m.startFile({ endMs: 4000 })
    const bytes = feed(m, [v(0, 0, true), a(0, 0), v(40, 1)])
    expect(bytes.subarray(0, 3)).not.toEqual(Uint8Array.of(0x46, 0x4c, 0x56))
    // parse as the continuation of a file: prepend an empty FLV header
    const tags = tagsOf(concat([Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0), bytes]))
    expect(tags.map((t) => [t.type, t.timestamp])).toEqual([[18, 4000], [9, 4000], [8, 4000], [9, 4000], [8, 4000], [9, 4040]])
    expect(decodeScriptData(tags[0]!.data)[1]).not.toHaveProperty('duration')
  })

  it('drops frames until the next keyframe when the writer falls behind, keeping headers', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const before = feed(m, [...headers(), v(0, 0, true), v(40, 1)])
    m.dropUntilKeyframe()
    const during = feed(m, [v(80, 2), a(90, 1), { type: 'video', timestamp: 100, data: avcHeader }, v(120, 3), v(160, 4, true), v(200, 5)])
    const tags = tagsOf(concat([before, during]))
    expect(tags.filter((t) => t.type === 9).map((t) => (t.data[1] === 0 ? 'hdr' : frameNumber(t.data)))).toEqual(['hdr', 0, 1, 'hdr', 4, 5])
    expect(m.droppedFrames).toBe(3)
  })

  it('drop() also drops while the file keeps its headers', () => {
    const m = new RecordingMuxer()
    m.startFile()
    feed(m, [...headers(), v(0, 0, true)])
    expect(m.drop(v(40, 1))).toEqual([])
    expect(m.drop({ type: 'audio', timestamp: 40, data: aacHeader }).length).toBeGreaterThan(0)
    expect(m.push(v(80, 2))).toEqual([]) // still waiting for a keyframe
    expect(m.push(v(120, 3, true)).length).toBeGreaterThan(0)
    expect(m.droppedFrames).toBe(2)
  })

  it('takes onMetaData sent with @setDataFrame too', () => {
    const m = new RecordingMuxer()
    m.push({ type: 'data', timestamp: 0, data: encodeAmf0(['@setDataFrame', 'onMetaData', { width: 640 }]) })
    m.startFile()
    const tags = tagsOf(feed(m, [v(0, 0, true)]))
    expect(decodeScriptData(tags[0]!.data)[1]).toMatchObject({ width: 640, duration: 0 })
  })
})

const labels = (tags: readonly FlvTag[]): string[] => tags.map((t) => label({ type: mediaTypeOf(t.type)!, data: t.data }))
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

describe('RecordingMuxer with an Enhanced RTMP multitrack stream', () => {
  it('opens a file started mid-stream with every track\'s headers, then the default track\'s next key frame', () => {
    const m = new RecordingMuxer()
    feed(m, [...multitrackHeaders(), ...multitrackFrames(0, 12)])
    m.startFile()
    const tags = tagsOf(feed(m, multitrackFrames(12, 25)))
    expect(labels(tags)).toEqual(['meta', ...HEADER_LABELS, ...range(20, 25).flatMap((n) => frameLabels(n))])
    // the file's time starts at the key frame (source 800 ms): both video tracks at 40 ms steps, audio 10 ms after
    const frameTimes = range(0, 5).flatMap((i) => [i * 40, i * 40, i * 40 + 10, i * 40 + 10])
    expect(tags.map((t) => t.timestamp)).toEqual([0, 0, 0, 0, 0, ...frameTimes])
  })

  it('keeps a header per track: a new one replaces only its own track\'s', () => {
    const m = new RecordingMuxer()
    const avc2 = Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x4d, 0x40, 0x1f, 0xff, 0xe1, 0, 0)
    const hevcAgain = mtVideo('key', 'seq', 'one', [HEVC1], 7)
    feed(m, [...multitrackHeaders(), ...multitrackFrames(0, 5), { type: 'video', timestamp: 200, data: hevcAgain }])
    m.startFile()
    const first = tagsOf(feed(m, multitrackFrames(10, 11)))
    expect(labels(first).slice(1, 5)).toEqual(['avc:H', 'MT[1 hvc1:KS7]', 'aac:H', 'MT[1 ec-3:S0]'])
    m.endFile()
    feed(m, [{ type: 'video', timestamp: 440, data: avc2 }])
    m.startFile()
    const second = tagsOf(feed(m, multitrackFrames(20, 21)))
    // arrival order within a kind: track 1's header came before track 0's new one
    expect(second.slice(1, 5).map((t) => t.data)).toEqual([hevcAgain, avc2, aacHeader, mtAudio('seq', 'one', [EAC3_1])])
  })

  it('keeps HDR colorInfo and multichannel config per track, and forgets a track\'s sequence header at its SequenceEnd', () => {
    const m = new RecordingMuxer()
    const extras = [
      { type: 'video', timestamp: 0, data: mtVideo('inter', 'meta', 'one', [HEVC1], 3) },
      { type: 'audio', timestamp: 0, data: mtAudio('mcc', 'one', [EAC3_1], 4) },
    ] as const
    feed(m, [...multitrackHeaders(), ...extras, ...multitrackFrames(0, 5)])
    m.startFile()
    expect(labels(tagsOf(feed(m, multitrackFrames(10, 11)))).slice(1, 8)).toEqual([
      'avc:H',
      'MT[1 hvc1:KS0]',
      'MT[1 hvc1:IM3]',
      'aac:H',
      'MT[1 ec-3:S0]',
      'MT[1 ec-3:C4]',
      'avc:K10',
    ])
    m.endFile()
    feed(m, [{ type: 'video', timestamp: 500, data: mtVideo('key', 'end', 'one', [HEVC1]) }])
    m.startFile()
    expect(labels(tagsOf(feed(m, multitrackFrames(20, 21)))).slice(1, 7)).toEqual(['avc:H', 'MT[1 hvc1:IM3]', 'aac:H', 'MT[1 ec-3:S0]', 'MT[1 ec-3:C4]', 'avc:K20'])
  })

  it('starts a file only at a key frame of the default track, not at another track\'s', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const hevcKey = { type: 'video', timestamp: 0, data: mtVideo('key', 'coded', 'one', [HEVC1], 0) } as const
    expect(feed(m, [...multitrackHeaders(), hevcKey, ...multitrackFrames(1, 3)])).toHaveLength(0)
    expect(m.startsPlayback(hevcKey)).toBe(false)
    expect(m.state).toBe('waiting')
    expect(labels(tagsOf(feed(m, multitrackFrames(10, 11))))).toEqual(['meta', ...HEADER_LABELS, ...frameLabels(10)])
  })

  it('drops every track until the default track\'s next key frame when the writer falls behind, writing headers', () => {
    const m = new RecordingMuxer()
    m.startFile()
    const before = feed(m, [...multitrackHeaders(), ...multitrackFrames(0, 2)])
    m.dropUntilKeyframe()
    const hevcKey = { type: 'video', timestamp: 100, data: mtVideo('key', 'coded', 'one', [HEVC1], 99) } as const
    const hevcHeader = { type: 'video', timestamp: 100, data: mtVideo('key', 'seq', 'one', [HEVC1], 98) } as const
    const during = feed(m, [...multitrackFrames(2, 4), hevcHeader, hevcKey, ...multitrackFrames(4, 11)])
    const video = labels(tagsOf(concat([before, during]))).filter((l) => l.startsWith('avc') || l.includes('hvc1'))
    expect(video).toEqual([
      ...['avc:H', 'MT[1 hvc1:KS0]', 'avc:K0', 'MT[1 hvc1:KC0]', 'avc:I1', 'MT[1 hvc1:IC1]'],
      'MT[1 hvc1:KS98]', // a header while dropping: written
      ...['avc:K10', 'MT[1 hvc1:KC10]'],
    ])
    // frames 2..9 of all four tracks and track 1's lone key frame
    expect(m.droppedFrames).toBe(8 * 4 + 1)
  })

  it('forgets every track\'s headers for a new publisher', () => {
    const m = new RecordingMuxer()
    feed(m, [...multitrackHeaders(), ...multitrackFrames(0, 3)])
    m.publishStarted()
    feed(m, [{ type: 'video', timestamp: 0, data: avcHeader }, { type: 'audio', timestamp: 0, data: aacHeader }])
    m.startFile()
    expect(labels(tagsOf(feed(m, [v(0, 0, true)])))).toEqual(['meta', 'avc:H', 'aac:H', 'avc:K0'])
  })
})

/** The bytes of `tags` as a file (to splice continuation bytes after). */
function headerBytes(tags: readonly FlvTag[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0)]
  for (const t of tags) {
    const size = t.data.length
    const total = size + 11
    parts.push(Uint8Array.of(t.type, size >> 16, (size >> 8) & 0xff, size & 0xff, (t.timestamp >> 16) & 0xff, (t.timestamp >> 8) & 0xff, t.timestamp & 0xff, 0, 0, 0, 0), t.data, Uint8Array.of(total >>> 24, (total >> 16) & 0xff, (total >> 8) & 0xff, total & 0xff))
  }
  return concat(parts)
}

describe('recording onMetaData patching', () => {
  it('finds the duration and filesize slots of the header onMetaData and patches them in place', () => {
    const m = new RecordingMuxer()
    feed(m, headers())
    m.startFile()
    const bytes = feed(m, [v(0, 0, true), v(40, 1)])
    const slots = findMetadataSlots(bytes)
    expect(slots.need).toBeUndefined()
    expect(slots.duration).toBeGreaterThan(13 + 11)
    expect(slots.filesize).toBeGreaterThan(slots.duration!)
    bytes.set(amfNumberBytes(4.04), slots.duration!)
    bytes.set(amfNumberBytes(bytes.length), slots.filesize!)
    const meta = decodeScriptData(tagsOf(bytes)[0]!.data)[1]
    expect(meta).toMatchObject({ duration: 4.04, filesize: bytes.length, width: 320 })
  })

  it('asks for more bytes until the whole first tag is there', () => {
    const file = concat([Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0)])
    expect(findMetadataSlots(file.subarray(0, 10))).toEqual({ need: 24 })
    const meta = headerMetadata({ width: 1 })
    const withTag = headerBytes([{ type: 18, timestamp: 0, streamId: 0, data: meta }])
    expect(findMetadataSlots(withTag.subarray(0, 30)).need).toBe(13 + 11 + meta.length)
    expect(findMetadataSlots(withTag).duration).toBeDefined()
  })

  it('finds nothing when the first tag is not script data', () => {
    const file = headerBytes([{ type: 9, timestamp: 0, streamId: 0, data: avcHeader }])
    expect(findMetadataSlots(file)).toEqual({})
    expect(findMetadataSlots(Uint8Array.from('NOT AN FLV FILE AT ALL 12', (c) => c.charCodeAt(0)))).toEqual({})
  })

  it('reads the last tag of a complete file and refuses a file cut mid-tag', () => {
    const file = headerBytes([
      { type: 9, timestamp: 0, streamId: 0, data: avcHeader },
      { type: 9, timestamp: 0x1234567, streamId: 0, data: videoFrame(1, true) },
    ])
    file[file.length - 4 - 20 + 7] = 0x01 // extension byte of the last tag: timestamp 0x01234567
    const previous = u32(file, file.length - 4)
    const start = file.length - 4 - previous
    expect(lastTag(previous, file.subarray(start, start + 11), file.length)).toEqual({ type: 9, timestamp: 0x1234567 })
    const cut = file.subarray(0, file.length - 3)
    const p2 = u32(cut, cut.length - 4)
    expect(lastTag(p2, cut.subarray(Math.max(0, cut.length - 4 - p2), Math.max(0, cut.length - 4 - p2) + 11), cut.length)).toBeUndefined()
  })

  it('reads onMetaData properties, with or without @setDataFrame, and tolerates garbage', () => {
    expect(readMetadata(metadataBody())).toMatchObject({ width: 320 })
    expect(readMetadata(encodeAmf0(['@setDataFrame', 'onMetaData', { a: 1 }]))).toEqual({ a: 1 })
    expect(readMetadata(encodeAmf0(['onCuePoint', { a: 1 }]))).toBeUndefined()
    expect(readMetadata(Uint8Array.of(2, 0, 50, 1))).toBeUndefined()
  })
})
