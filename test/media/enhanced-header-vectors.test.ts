import { describe, expect, it } from 'vitest'
import {
  audioExTag,
  audioMultitrackTag,
  videoExCommandTag,
  videoExTag,
  videoMultitrackTag,
} from '../../src/media/ex-tag-builder'
import { audioInfo, videoInfo, type AudioInfo, type VideoInfo } from '../../src/media/flv-tag'
import { concat, hex, toHex } from '../helpers/hex'

/**
 * One hand-built vector per Enhanced RTMP header form (Enhanced RTMP v2, ExVideoTagHeader / ExAudioTagHeader
 * tables), shared by both directions: our encoder must produce exactly these bytes, and videoInfo /
 * audioInfo must read the fields back. Decode-only vectors (legacy forms, reserved values) have no `build`.
 */
interface Vector {
  readonly name: string
  readonly kind: 'video' | 'audio'
  readonly bytes: Uint8Array
  readonly build?: () => Uint8Array
  /** undefined: the decoder must refuse the payload */
  readonly info: Partial<VideoInfo> | Partial<AudioInfo> | undefined
}

const AVCC = hex`01 42 c0 1e ff e1 00 04 67 42 c0 1e 01 00 02 68 ce` // a cut-down AVCDecoderConfigurationRecord
const HVCC = hex`01 01 60 00 00 00 90 00 00 00 00 00 5d f0 00 fc fd f8 f8 00 00 0f 00` // hvcC with no arrays
const NALU = hex`00 00 00 02 65 88`
const OPUS_HEAD = hex`4f 70 75 73 48 65 61 64 01 02 38 01 80 bb 00 00 00 00 00` // 'OpusHead' v1, 2 ch, pre-skip 312, 48 kHz
const MODEX_256 = new Uint8Array(256).fill(0xee)

const video: Vector[] = [
  {
    name: 'VideoPacketType 0 SequenceStart, avc1',
    kind: 'video',
    bytes: concat([hex`90 // IsExHeader(1) | KeyFrame(1) << 4 | SequenceStart(0)
                        61 76 63 31 // 'avc1'`, AVCC]),
    build: () => videoExTag({ frameType: 'key', packetType: 0, fourCc: 'avc1', payload: AVCC }),
    info: { codec: 'avc', fourCc: 'avc1', frameType: 'key', packetType: 0, isSequenceHeader: true, payloadOffset: 5, enhanced: true },
  },
  {
    name: 'VideoPacketType 1 CodedFrames, hvc1: SI24 composition time -40',
    kind: 'video',
    bytes: concat([hex`a1 // IsExHeader | InterFrame(2) << 4 | CodedFrames(1)
                        68 76 63 31 // 'hvc1'
                        ff ff d8 // SI24 -40`, NALU]),
    build: () => videoExTag({ frameType: 'inter', packetType: 1, fourCc: 'hvc1', compositionTime: -40, payload: NALU }),
    info: { codec: 'hevc', frameType: 'inter', packetType: 1, compositionTime: -40, payloadOffset: 8, isSequenceHeader: false },
  },
  {
    name: 'VideoPacketType 1 CodedFrames, vp09: no composition time',
    kind: 'video',
    bytes: hex`91 76 70 30 39 // key | CodedFrames, 'vp09'
               82 49 83 42 // frame data starts right after the FourCC`,
    build: () => videoExTag({ frameType: 'key', packetType: 1, fourCc: 'vp09', payload: hex`82 49 83 42` }),
    info: { codec: 'vp9', packetType: 1, compositionTime: 0, payloadOffset: 5 },
  },
  {
    name: 'VideoPacketType 2 SequenceEnd, av01',
    kind: 'video',
    bytes: hex`92 61 76 30 31 // key | SequenceEnd(2), 'av01'`,
    build: () => videoExTag({ frameType: 'key', packetType: 2, fourCc: 'av01' }),
    info: { codec: 'av1', packetType: 2, isEndOfSequence: true, isSequenceHeader: false, payloadOffset: 5 },
  },
  {
    name: 'VideoPacketType 3 CodedFramesX, hvc1: composition time implied 0',
    kind: 'video',
    bytes: concat([hex`b3 // IsExHeader | DisposableInterFrame(3) << 4 | CodedFramesX(3)
                        68 76 63 31`, NALU]),
    build: () => videoExTag({ frameType: 'disposable', packetType: 3, fourCc: 'hvc1', payload: NALU }),
    info: { codec: 'hevc', frameType: 'disposable', packetType: 3, compositionTime: 0, payloadOffset: 5 },
  },
  {
    name: 'VideoPacketType 4 Metadata (frame type command is ignored): AMF colorInfo, as ffmpeg 9 sends it',
    kind: 'video',
    bytes: hex`d4 // IsExHeader | Command(5) << 4 | Metadata(4)
               68 76 63 31 // 'hvc1'
               02 00 09 63 6f 6c 6f 72 49 6e 66 6f // AMF0 string 'colorInfo'
               03 00 0b 63 6f 6c 6f 72 43 6f 6e 66 69 67 03 00 00 09 // { colorConfig: {} }
               00 00 09`,
    build: () =>
      videoExTag({
        frameType: 'command',
        packetType: 4,
        fourCc: 'hvc1',
        payload: hex`02 00 09 63 6f 6c 6f 72 49 6e 66 6f 03 00 0b 63 6f 6c 6f 72 43 6f 6e 66 69 67 03 00 00 09 00 00 09`,
      }),
    info: { codec: 'hevc', frameType: 'command', packetType: 4, isSequenceHeader: false, payloadOffset: 5 },
  },
  {
    name: 'VideoPacketType 5 MPEG2TSSequenceStart, av01: AV1 video descriptor',
    kind: 'video',
    bytes: hex`95 61 76 30 31 // key | MPEG2TSSequenceStart(5), 'av01'
               80 04 // descriptor_tag 0x80, descriptor_length 4
               81 00 0c 00 // marker | version 1, profile 0 level 0, 4:2:0`,
    build: () => videoExTag({ frameType: 'key', packetType: 5, fourCc: 'av01', payload: hex`80 04 81 00 0c 00` }),
    info: { codec: 'av1', packetType: 5, isSequenceHeader: true, payloadOffset: 5 },
  },
  {
    name: 'VideoPacketType 6 Multitrack, one-track: avc1 SequenceStart on track 1',
    kind: 'video',
    bytes: concat([hex`96 // key | Multitrack(6)
                        00 // OneTrack(0) << 4 | SequenceStart(0)
                        61 76 63 31 // 'avc1'
                        01 // trackId 1 (no size: one track runs to the end)`, AVCC]),
    build: () => videoMultitrackTag({ frameType: 'key', packetType: 0, multitrack: 'one-track', tracks: [{ trackId: 1, fourCc: 'avc1', payload: AVCC }] }),
    info: { codec: 'avc', packetType: 0, isSequenceHeader: true, payloadOffset: 7, multitrack: { type: 'one-track', tracks: [{ trackId: 1, codec: 'avc' }] } },
  },
  {
    name: 'VideoPacketType 6 Multitrack, many-tracks: two vp09 tracks, UI24 sizes',
    kind: 'video',
    bytes: hex`a6 // inter | Multitrack
               11 // ManyTracks(1) << 4 | CodedFrames(1)
               76 70 30 39 // 'vp09' for every track
               00 00 00 02 aa bb // trackId 0, size 2, data
               02 00 00 03 cc dd ee // trackId 2, size 3, data`,
    build: () =>
      videoMultitrackTag({
        frameType: 'inter',
        packetType: 1,
        multitrack: 'many-tracks',
        tracks: [
          { trackId: 0, fourCc: 'vp09', payload: hex`aa bb` },
          { trackId: 2, fourCc: 'vp09', payload: hex`cc dd ee` },
        ],
      }),
    info: {
      codec: 'vp9',
      packetType: 1,
      compositionTime: 0,
      payloadOffset: 10,
      multitrack: { type: 'many-tracks', tracks: [{ trackId: 0, codec: 'vp9' }, { trackId: 2, codec: 'vp9' }] },
    },
  },
  {
    name: 'VideoPacketType 6 Multitrack, many-tracks-many-codecs: avc1 + hvc1 CodedFrames, sizes include the SI24',
    kind: 'video',
    bytes: hex`96 // key | Multitrack
               21 // ManyTracksManyCodecs(2) << 4 | CodedFrames(1)
               61 76 63 31 00 00 00 05 // 'avc1', trackId 0, size 5
               00 00 21 // SI24 +33
               65 01 // data
               68 76 63 31 01 00 00 04 // 'hvc1', trackId 1, size 4
               ff ff ff // SI24 -1
               26 // data`,
    build: () =>
      videoMultitrackTag({
        frameType: 'key',
        packetType: 1,
        multitrack: 'many-tracks-many-codecs',
        tracks: [
          { trackId: 0, fourCc: 'avc1', compositionTime: 33, payload: hex`65 01` },
          { trackId: 1, fourCc: 'hvc1', compositionTime: -1, payload: hex`26` },
        ],
      }),
    info: {
      codec: 'avc',
      compositionTime: 33,
      payloadOffset: 13,
      multitrack: { type: 'many-tracks-many-codecs', tracks: [{ trackId: 0, codec: 'avc' }, { trackId: 1, codec: 'hevc' }] },
    },
  },
  {
    name: 'VideoPacketType 7 ModEx: TimestampOffsetNano 500000 around avc1 CodedFrames',
    kind: 'video',
    bytes: concat([hex`97 // key | ModEx(7)
                        02 // modExDataSize - 1 = 2
                        07 a1 20 // UI24 500000 ns
                        01 // TimestampOffsetNano(0) << 4 | CodedFrames(1)
                        61 76 63 31 00 00 00 // 'avc1', SI24 0`, NALU]),
    build: () => videoExTag({ frameType: 'key', packetType: 1, fourCc: 'avc1', timestampOffsetNano: 500_000, payload: NALU }),
    info: { codec: 'avc', packetType: 1, timestampOffsetNano: 500_000, payloadOffset: 13 },
  },
  {
    name: 'VideoPacketType 7 ModEx: 256 data bytes take the UI16 size escape, then a nano offset, then Multitrack',
    kind: 'video',
    bytes: concat([
      hex`a7 // inter | ModEx
          ff 00 ff // UI8 255 → size 256 → UI16 255 + 1 = 256`,
      MODEX_256,
      hex`57 // ModEx type 5 (unknown, skipped) << 4 | ModEx(7): another wrapper follows
          02 00 00 01 // size 3, 1 ns
          06 // TimestampOffsetNano << 4 | Multitrack(6)
          03 // OneTrack | CodedFramesX(3)
          61 76 30 31 04 // 'av01', trackId 4
          12 00 // temporal delimiter OBU`,
    ]),
    build: () =>
      videoMultitrackTag({
        frameType: 'inter',
        packetType: 3,
        multitrack: 'one-track',
        modEx: [{ type: 5, data: MODEX_256 }, { type: 0, data: hex`00 00 01` }],
        tracks: [{ trackId: 4, fourCc: 'av01', payload: hex`12 00` }],
      }),
    info: { codec: 'av1', packetType: 3, timestampOffsetNano: 1, payloadOffset: 272, multitrack: { type: 'one-track', tracks: [{ trackId: 4, codec: 'av1' }] } },
  },
  {
    name: 'Command frame (Enhanced): VideoCommand EndSeek, no FourCC',
    kind: 'video',
    bytes: hex`d1 // IsExHeader | Command(5) << 4 | CodedFrames(1)
               01 // VideoCommand EndSeek`,
    build: () => videoExCommandTag({ command: 1 }),
    info: { frameType: 'command', command: 1, enhanced: true, isSequenceHeader: false, payloadOffset: 2 },
  },
  {
    name: 'Command frame (legacy): AVC StartSeek',
    kind: 'video',
    bytes: hex`57 // Command(5) << 4 | AVC(7)
               00 // StartSeek`,
    info: { codec: 'avc', frameType: 'command', command: 0, enhanced: false },
  },
  {
    name: 'legacy codec id 12 (HEVC before Enhanced RTMP): sequence header',
    kind: 'video',
    bytes: concat([hex`1c // KeyFrame(1) << 4 | codec 12
                        00 00 00 00 // sequence header, CT 0`, HVCC]),
    info: { codec: 'hevc', enhanced: false, isSequenceHeader: true, packetType: 0, payloadOffset: 5 },
  },
  {
    name: 'legacy codec id 12: coded frames with composition time -10',
    kind: 'video',
    bytes: concat([hex`2c 01 ff ff f6`, NALU]),
    info: { codec: 'hevc', frameType: 'inter', packetType: 1, compositionTime: -10, payloadOffset: 5 },
  },
  {
    name: 'reserved VideoPacketType 8 is refused',
    kind: 'video',
    bytes: hex`98 61 76 63 31`,
    info: undefined,
  },
  {
    name: 'Multitrack inside Multitrack is refused',
    kind: 'video',
    bytes: hex`96 06 61 76 63 31 00`,
    info: undefined,
  },
]

const audio: Vector[] = [
  {
    name: 'AudioPacketType 0 SequenceStart, mp4a: AudioSpecificConfig',
    kind: 'audio',
    bytes: hex`90 // ExHeader(9) << 4 | SequenceStart(0)
               6d 70 34 61 // 'mp4a'
               12 10 // AAC-LC 44.1 kHz stereo`,
    build: () => audioExTag({ packetType: 0, fourCc: 'mp4a', payload: hex`12 10` }),
    info: { codec: 'aac', fourCc: 'mp4a', soundFormat: 9, packetType: 0, isSequenceHeader: true, enhanced: true, payloadOffset: 5 },
  },
  {
    name: 'AudioPacketType 1 CodedFrames, Opus',
    kind: 'audio',
    bytes: hex`91 4f 70 75 73 // CodedFrames(1), 'Opus'
               fc ff fe // an Opus packet`,
    build: () => audioExTag({ packetType: 1, fourCc: 'Opus', payload: hex`fc ff fe` }),
    info: { codec: 'opus', packetType: 1, isSequenceHeader: false, payloadOffset: 5 },
  },
  {
    name: 'AudioPacketType 2 SequenceEnd, fLaC',
    kind: 'audio',
    bytes: hex`92 66 4c 61 43 // SequenceEnd(2), 'fLaC'`,
    build: () => audioExTag({ packetType: 2, fourCc: 'fLaC' }),
    info: { codec: 'flac', packetType: 2, isSequenceHeader: false, payloadOffset: 5 },
  },
  {
    name: 'AudioPacketType 4 MultichannelConfig, ac-3: native order, 5.1',
    kind: 'audio',
    bytes: hex`94 61 63 2d 33 // MultichannelConfig(4), 'ac-3'
               01 // AudioChannelOrder Native
               06 // 6 channels
               00 00 00 3f // FL | FR | FC | LFE1 | BL | BR`,
    build: () => audioExTag({ packetType: 4, fourCc: 'ac-3', payload: hex`01 06 00 00 00 3f` }),
    info: { codec: 'ac-3', packetType: 4, payloadOffset: 5 },
  },
  {
    name: 'AudioPacketType 5 Multitrack, one-track: ec-3 CodedFrames on track 0',
    kind: 'audio',
    bytes: hex`95 // Multitrack(5)
               01 // OneTrack(0) << 4 | CodedFrames(1)
               65 63 2d 33 00 // 'ec-3', trackId 0
               0b 77 01 7f`,
    build: () => audioMultitrackTag({ packetType: 1, multitrack: 'one-track', tracks: [{ trackId: 0, fourCc: 'ec-3', payload: hex`0b 77 01 7f` }] }),
    info: { codec: 'ec-3', packetType: 1, payloadOffset: 7, multitrack: { type: 'one-track', tracks: [{ trackId: 0, codec: 'ec-3' }] } },
  },
  {
    name: 'AudioPacketType 5 Multitrack, many-tracks: two .mp3 tracks',
    kind: 'audio',
    bytes: hex`95 11 // Multitrack; ManyTracks(1) << 4 | CodedFrames(1)
               2e 6d 70 33 // '.mp3'
               00 00 00 02 ff fb // trackId 0, size 2
               01 00 00 01 ff // trackId 1, size 1`,
    build: () =>
      audioMultitrackTag({
        packetType: 1,
        multitrack: 'many-tracks',
        tracks: [
          { trackId: 0, fourCc: '.mp3', payload: hex`ff fb` },
          { trackId: 1, fourCc: '.mp3', payload: hex`ff` },
        ],
      }),
    info: { codec: 'mp3', payloadOffset: 10, multitrack: { type: 'many-tracks', tracks: [{ trackId: 0, codec: 'mp3' }, { trackId: 1, codec: 'mp3' }] } },
  },
  {
    name: 'AudioPacketType 5 Multitrack, many-tracks-many-codecs: mp4a + Opus SequenceStart',
    kind: 'audio',
    bytes: concat([
      hex`95 20 // Multitrack; ManyTracksManyCodecs(2) << 4 | SequenceStart(0)
          6d 70 34 61 00 00 00 02 12 10 // 'mp4a', trackId 0, size 2, AudioSpecificConfig
          4f 70 75 73 01 00 00 13 // 'Opus', trackId 1, size 19`,
      OPUS_HEAD,
    ]),
    build: () =>
      audioMultitrackTag({
        packetType: 0,
        multitrack: 'many-tracks-many-codecs',
        tracks: [
          { trackId: 0, fourCc: 'mp4a', payload: hex`12 10` },
          { trackId: 1, fourCc: 'Opus', payload: OPUS_HEAD },
        ],
      }),
    info: { codec: 'aac', isSequenceHeader: true, payloadOffset: 10, multitrack: { type: 'many-tracks-many-codecs', tracks: [{ trackId: 0, codec: 'aac' }, { trackId: 1, codec: 'opus' }] } },
  },
  {
    name: 'AudioPacketType 7 ModEx: TimestampOffsetNano 999999 around Opus CodedFrames',
    kind: 'audio',
    bytes: hex`97 // ModEx(7)
               02 0f 42 3f // size 3, UI24 999999
               01 // TimestampOffsetNano << 4 | CodedFrames
               4f 70 75 73 fc`,
    build: () => audioExTag({ packetType: 1, fourCc: 'Opus', timestampOffsetNano: 999_999, payload: hex`fc` }),
    info: { codec: 'opus', packetType: 1, timestampOffsetNano: 999_999, payloadOffset: 10 },
  },
  {
    name: 'reserved AudioPacketType 3 is refused',
    kind: 'audio',
    bytes: hex`93 4f 70 75 73`,
    info: undefined,
  },
  {
    name: 'legacy AAC is not an ExHeader: rate/size/type bits kept',
    kind: 'audio',
    bytes: hex`af 00 12 10`,
    info: { codec: 'aac', enhanced: false, soundFormat: 10, soundRate: 44100, soundSize: 16, channels: 2, isSequenceHeader: true, payloadOffset: 2 },
  },
]

describe('Enhanced RTMP header vectors', () => {
  for (const v of [...video, ...audio]) {
    it(`decodes ${v.kind}: ${v.name}`, () => {
      const info = v.kind === 'video' ? videoInfo(v.bytes) : audioInfo(v.bytes)
      if (v.info === undefined) expect(info).toBeUndefined()
      else expect(info).toMatchObject(v.info)
    })
    if (v.build) {
      const build = v.build
      it(`encodes ${v.kind}: ${v.name}`, () => {
        expect(toHex(build())).toBe(toHex(v.bytes))
      })
    }
  }

  it('covers every VideoPacketType, AudioPacketType and FourCC of the spec tables', () => {
    const vTypes = new Set(video.map((v) => v.bytes[0]! & 0x0f))
    const aTypes = new Set(audio.map((v) => v.bytes[0]! & 0x0f))
    expect([0, 1, 2, 3, 4, 5, 6, 7].every((t) => vTypes.has(t))).toBe(true)
    expect([0, 1, 2, 4, 5, 7].every((t) => aTypes.has(t))).toBe(true)
    const text = (vs: Vector[]): string => vs.map((v) => Buffer.from(v.bytes).toString('latin1')).join('|')
    for (const f of ['avc1', 'hvc1', 'vp09', 'av01']) expect(text(video)).toContain(f)
    for (const f of ['Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a']) expect(text(audio)).toContain(f)
  })
})
