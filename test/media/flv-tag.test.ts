import { describe, it, expect } from 'vitest'
import { audioInfo, isKeyframe, isSequenceHeader, videoInfo } from '../../src/media/flv-tag'
import type { AudioInfo, VideoInfo } from '../../src/media/flv-tag'
import { hex } from '../helpers/hex'
import { property } from '../helpers/rng'

interface VideoCase {
  readonly name: string
  readonly bytes: Uint8Array
  readonly info: Partial<VideoInfo> | undefined
  readonly key: boolean
  readonly header: boolean
}

// Legacy VIDEODATA (FLV v10 E.4.3.1) and Enhanced RTMP v2 ExVideoTagHeader.
const video: VideoCase[] = [
  {
    name: 'legacy AVC sequence header (frame type key, but not a keyframe)',
    bytes: hex`17 // key(1) | AVC(7)
               00 // AVCPacketType 0: sequence header
               00 00 00 // composition time
               01 64 00 1f ff e1`,
    info: { codec: 'avc', frameType: 'key', isSequenceHeader: true, packetType: 0, payloadOffset: 5, enhanced: false },
    key: false,
    header: true,
  },
  {
    name: 'legacy AVC keyframe with composition time 40',
    bytes: hex`17 01 00 00 28 // key | AVC, NALU, CT +40
               00 00 00 02 09 10`,
    info: { codec: 'avc', frameType: 'key', isSequenceHeader: false, compositionTime: 40, packetType: 1 },
    key: true,
    header: false,
  },
  {
    name: 'legacy AVC inter frame with negative composition time',
    bytes: hex`27 01 ff ff d8 // inter | AVC, NALU, CT -40 (SI24)
               00 00 00 01 aa`,
    info: { codec: 'avc', frameType: 'inter', compositionTime: -40 },
    key: false,
    header: false,
  },
  {
    name: 'legacy AVC end of sequence',
    bytes: hex`17 02 00 00 00`,
    info: { codec: 'avc', isEndOfSequence: true, isSequenceHeader: false, packetType: 2 },
    key: false,
    header: false,
  },
  {
    name: 'legacy HEVC (codec id 12) sequence header',
    bytes: hex`1c 00 00 00 00 01 02`,
    info: { codec: 'hevc', isSequenceHeader: true, enhanced: false },
    key: false,
    header: true,
  },
  {
    name: 'Sorenson H.263 keyframe (no packet type)',
    bytes: hex`12 00 00 84`,
    info: { codec: 'h263', frameType: 'key', packetType: -1, payloadOffset: 1, compositionTime: 0 },
    key: true,
    header: false,
  },
  {
    name: 'VP6 disposable inter frame',
    bytes: hex`34 00 aa`,
    info: { codec: 'vp6', frameType: 'disposable' },
    key: false,
    header: false,
  },
  {
    name: 'legacy command frame (start of client-side seek)',
    bytes: hex`57 // command(5) | AVC
               00 // VideoCommand StartSeek`,
    info: { codec: 'avc', frameType: 'command', command: 0, isSequenceHeader: false },
    key: false,
    header: false,
  },
  {
    name: 'Enhanced HEVC SequenceStart',
    bytes: hex`90 // IsExHeader | key(001) | SequenceStart(0)
               68 76 63 31 // 'hvc1'
               01 01 60`,
    info: { codec: 'hevc', fourCc: 'hvc1', enhanced: true, isSequenceHeader: true, packetType: 0, payloadOffset: 5 },
    key: false,
    header: true,
  },
  {
    name: 'Enhanced HEVC CodedFrames carries SI24 composition time',
    bytes: hex`91 68 76 63 31 // key | CodedFrames, 'hvc1'
               00 00 21 // CT +33
               00 00 00 05 26 01`,
    info: { codec: 'hevc', compositionTime: 33, packetType: 1, payloadOffset: 8 },
    key: true,
    header: false,
  },
  {
    name: 'Enhanced HEVC CodedFramesX has no composition time',
    bytes: hex`a3 68 76 63 31 // inter | CodedFramesX, 'hvc1'
               00 00 00 05 02 01`,
    info: { codec: 'hevc', frameType: 'inter', compositionTime: 0, packetType: 3, payloadOffset: 5 },
    key: false,
    header: false,
  },
  {
    name: 'Enhanced HEVC keyframe as CodedFramesX',
    bytes: hex`93 68 76 63 31 00 00 00 05 26 01`,
    info: { codec: 'hevc', frameType: 'key', packetType: 3 },
    key: true,
    header: false,
  },
  {
    name: 'Enhanced AV1 CodedFrames has no composition time',
    bytes: hex`91 61 76 30 31 // key | CodedFrames, 'av01'
               12 00 0a 0b`,
    info: { codec: 'av1', compositionTime: 0, payloadOffset: 5 },
    key: true,
    header: false,
  },
  {
    name: 'Enhanced AV1 MPEG2TSSequenceStart counts as a sequence header',
    bytes: hex`95 61 76 30 31 80`,
    info: { codec: 'av1', isSequenceHeader: true, packetType: 5 },
    key: false,
    header: true,
  },
  {
    name: 'Enhanced VP9 SequenceEnd',
    bytes: hex`92 76 70 30 39 // key | SequenceEnd, 'vp09'`,
    info: { codec: 'vp9', isEndOfSequence: true },
    key: false,
    header: false,
  },
  {
    name: 'Enhanced Metadata packet (HDR colorInfo) is neither key nor header',
    bytes: hex`94 61 76 30 31 02 00 09 63 6f 6c 6f 72 49 6e 66 6f`,
    info: { codec: 'av1', packetType: 4, isSequenceHeader: false },
    key: false,
    header: false,
  },
  {
    name: 'Enhanced command frame: a VideoCommand byte and no FourCC',
    bytes: hex`d0 // IsExHeader | command(101) | SequenceStart
               01 // VideoCommand EndSeek`,
    info: { codec: 'unknown', frameType: 'command', command: 1, isSequenceHeader: false },
    key: false,
    header: false,
  },
  {
    name: 'Enhanced unknown FourCC is reported as sent',
    bytes: hex`91 78 79 7a 31 00`,
    info: { codec: 'xyz1', fourCc: 'xyz1' },
    key: true,
    header: false,
  },
  {
    name: 'ModEx TimestampOffsetNano wrapping CodedFrames',
    bytes: hex`97 // key | ModEx
               02 // modExDataSize - 1 = 2
               01 e2 40 // 123456 ns
               01 // TimestampOffsetNano(0) << 4 | CodedFrames(1)
               61 76 63 31 // 'avc1'
               00 00 14 // CT +20
               00 00 00 01 65`,
    info: { codec: 'avc', timestampOffsetNano: 123456, packetType: 1, compositionTime: 20, payloadOffset: 13 },
    key: true,
    header: false,
  },
  {
    name: 'two chained ModEx (the second with a 16-bit size escape) before SequenceStart',
    bytes: hex`97 00 ee 17 // 1-byte ModEx of type 1, next ModEx
               ff 00 00 // modExDataSize 256 = escape: UI16 + 1 = 1
               00 // the data byte
               00 // type 0 (too short for a nano offset), next SequenceStart
               61 76 63 31 01`,
    info: { codec: 'avc', isSequenceHeader: true, timestampOffsetNano: 0 },
    key: false,
    header: true,
  },
  {
    name: 'Multitrack OneTrack CodedFrames',
    bytes: hex`96 // key | Multitrack
               01 // OneTrack(0) << 4 | CodedFrames(1)
               61 76 63 31 // 'avc1' for all tracks
               00 // track id 0
               00 00 28 // CT +40
               00 00 00 01 65`,
    info: {
      codec: 'avc',
      compositionTime: 40,
      packetType: 1,
      payloadOffset: 10,
      multitrack: { type: 'one-track', tracks: [{ trackId: 0, codec: 'avc' }] },
    },
    key: true,
    header: false,
  },
  {
    name: 'Multitrack ManyTracks SequenceStart',
    bytes: hex`96 10 // key | Multitrack; ManyTracks(1) << 4 | SequenceStart
               68 76 63 31 // 'hvc1'
               00 00 00 03 01 02 03 // track 0, 3 bytes
               01 00 00 02 aa bb // track 1, 2 bytes`,
    info: {
      codec: 'hevc',
      isSequenceHeader: true,
      payloadOffset: 10,
      multitrack: { type: 'many-tracks', tracks: [{ trackId: 0, codec: 'hevc' }, { trackId: 1, codec: 'hevc' }] },
    },
    key: false,
    header: true,
  },
  {
    name: 'Multitrack ManyTracksManyCodecs inter frames',
    bytes: hex`a6 23 // inter | Multitrack; ManyTracksManyCodecs(2) << 4 | CodedFramesX
               61 76 63 31 00 00 00 02 11 22 // 'avc1' track 0, 2 bytes
               68 76 63 31 01 00 00 01 33 // 'hvc1' track 1, 1 byte`,
    info: {
      codec: 'avc',
      frameType: 'inter',
      packetType: 3,
      multitrack: {
        type: 'many-tracks-many-codecs',
        tracks: [
          { trackId: 0, codec: 'avc' },
          { trackId: 1, codec: 'hevc' },
        ],
      },
    },
    key: false,
    header: false,
  },
  { name: 'empty payload', bytes: hex``, info: undefined, key: false, header: false },
  { name: 'reserved frame type 0', bytes: hex`07 01 00 00 00`, info: undefined, key: false, header: false },
  { name: 'reserved frame type 6', bytes: hex`67 01 00 00 00`, info: undefined, key: false, header: false },
  { name: 'AVC packet type 3', bytes: hex`17 03 00 00 00`, info: undefined, key: false, header: false },
  { name: 'legacy AVC cut inside the composition time', bytes: hex`17 01 00`, info: undefined, key: false, header: false },
  { name: 'Enhanced cut inside the FourCC', bytes: hex`91 68 76 63`, info: undefined, key: false, header: false },
  { name: 'Enhanced CodedFrames cut inside CT', bytes: hex`91 68 76 63 31 00`, info: undefined, key: false, header: false },
  { name: 'ModEx cut inside its data', bytes: hex`97 02 01 e2`, info: undefined, key: false, header: false },
  { name: 'reserved packet type 8', bytes: hex`98 61 76 63 31`, info: undefined, key: false, header: false },
  { name: 'Multitrack nested in Multitrack', bytes: hex`96 06 61 76 63 31 00`, info: undefined, key: false, header: false },
  { name: 'reserved multitrack type 3', bytes: hex`96 31 61 76 63 31 00`, info: undefined, key: false, header: false },
]

describe('videoInfo', () => {
  for (const c of video) {
    it(`classifies: ${c.name}`, () => {
      const info = videoInfo(c.bytes)
      if (c.info === undefined) expect(info).toBeUndefined()
      else expect(info).toMatchObject(c.info)
      expect(isKeyframe(c.bytes)).toBe(c.key)
      expect(isSequenceHeader('video', c.bytes)).toBe(c.header)
    })
  }

  it('reads the payload without copying: payloadOffset points into the same bytes', () => {
    const bytes = hex`17 00 00 00 00 01 64 00 1f`
    const info = videoInfo(bytes)!
    expect(bytes.subarray(info.payloadOffset)[0]).toBe(0x01)
  })

  it('works on a view with a non-zero byteOffset', () => {
    const outer = hex`ff ff 91 68 76 63 31 00 00 21`
    expect(videoInfo(outer.subarray(2))).toMatchObject({ codec: 'hevc', compositionTime: 33 })
  })
})

interface AudioCase {
  readonly name: string
  readonly bytes: Uint8Array
  readonly info: Partial<AudioInfo> | undefined
  readonly header: boolean
}

// Legacy AUDIODATA (FLV v10 E.4.2.1) and Enhanced RTMP v2 ExAudioTagHeader.
const audio: AudioCase[] = [
  {
    name: 'AAC sequence header (AudioSpecificConfig 44.1 kHz stereo)',
    bytes: hex`af // AAC(10) | 44 kHz(3) | 16 bit | stereo
               00 // AACPacketType 0
               12 10`,
    info: { codec: 'aac', soundFormat: 10, soundRate: 44100, soundSize: 16, channels: 2, packetType: 0, payloadOffset: 2 },
    header: true,
  },
  {
    name: 'AAC raw frame',
    bytes: hex`af 01 21 10 04`,
    info: { codec: 'aac', isSequenceHeader: false, packetType: 1 },
    header: false,
  },
  {
    name: 'MP3 44 kHz 16-bit mono',
    bytes: hex`2e // MP3(2) | 44 kHz(3) | 16 bit(1) | mono(0)
               ff fb 90 64`,
    info: { codec: 'mp3', soundRate: 44100, soundSize: 16, channels: 1, packetType: -1, payloadOffset: 1 },
    header: false,
  },
  {
    name: 'G.711 mu-law 5.5 kHz 8-bit mono',
    bytes: hex`80 d5`,
    info: { codec: 'g711-mulaw', soundRate: 5512, soundSize: 8, channels: 1 },
    header: false,
  },
  {
    name: 'Speex (16 kHz mono, but the spec fixes SoundRate at 0)',
    bytes: hex`b2 00 // Speex(11) | rate 0 | 16 bit | mono`,
    info: { codec: 'speex', soundRate: 5512, soundSize: 16, channels: 1 },
    header: false,
  },
  {
    name: 'Enhanced Opus SequenceStart',
    bytes: hex`90 // ExHeader(9) | SequenceStart(0)
               4f 70 75 73 // 'Opus'
               4f 70 75 73 48 65 61 64`,
    info: { codec: 'opus', fourCc: 'Opus', enhanced: true, soundFormat: 9, packetType: 0, payloadOffset: 5 },
    header: true,
  },
  {
    name: 'Enhanced FLAC CodedFrames',
    bytes: hex`91 66 4c 61 43 ff f8`,
    info: { codec: 'flac', isSequenceHeader: false, packetType: 1 },
    header: false,
  },
  {
    name: 'Enhanced AAC (mp4a) SequenceStart',
    bytes: hex`90 6d 70 34 61 12 10`,
    info: { codec: 'aac', isSequenceHeader: true },
    header: true,
  },
  {
    name: 'Enhanced MultichannelConfig is not a sequence header',
    bytes: hex`94 4f 70 75 73 01 02 00 00 00 03`,
    info: { codec: 'opus', packetType: 4, isSequenceHeader: false },
    header: false,
  },
  {
    name: 'Enhanced ModEx TimestampOffsetNano on AC-3',
    bytes: hex`97 02 00 00 10 // ModEx, size 3, 16 ns
               01 // TimestampOffsetNano << 4 | CodedFrames
               61 63 2d 33 0b 77`,
    info: { codec: 'ac-3', timestampOffsetNano: 16, packetType: 1, payloadOffset: 10 },
    header: false,
  },
  {
    name: 'Enhanced Multitrack ManyTracks Opus SequenceStart',
    bytes: hex`95 10 // Multitrack; ManyTracks << 4 | SequenceStart
               4f 70 75 73
               00 00 00 02 aa bb
               01 00 00 01 cc`,
    info: {
      codec: 'opus',
      isSequenceHeader: true,
      multitrack: { type: 'many-tracks', tracks: [{ trackId: 0, codec: 'opus' }, { trackId: 1, codec: 'opus' }] },
    },
    header: true,
  },
  {
    name: 'Enhanced E-AC-3 with an unknown FourCC track',
    bytes: hex`95 21 65 63 2d 33 00 00 00 01 00 71 71 71 71 01 00 00 00`,
    info: {
      codec: 'ec-3',
      multitrack: {
        type: 'many-tracks-many-codecs',
        tracks: [
          { trackId: 0, codec: 'ec-3' },
          { trackId: 1, codec: 'qqqq' },
        ],
      },
    },
    header: false,
  },
  { name: 'empty payload', bytes: hex``, info: undefined, header: false },
  { name: 'AAC without packet type', bytes: hex`af`, info: undefined, header: false },
  { name: 'AAC packet type 2', bytes: hex`af 02 00`, info: undefined, header: false },
  { name: 'Enhanced cut inside the FourCC', bytes: hex`90 4f 70`, info: undefined, header: false },
  { name: 'Enhanced reserved packet type 3', bytes: hex`93 4f 70 75 73`, info: undefined, header: false },
  { name: 'Enhanced reserved packet type 6', bytes: hex`96 4f 70 75 73`, info: undefined, header: false },
]

describe('audioInfo', () => {
  for (const c of audio) {
    it(`classifies: ${c.name}`, () => {
      const info = audioInfo(c.bytes)
      if (c.info === undefined) expect(info).toBeUndefined()
      else expect(info).toMatchObject(c.info)
      expect(isSequenceHeader('audio', c.bytes)).toBe(c.header)
    })
  }

  it('leaves the legacy rate/size/channels fields out on Enhanced audio', () => {
    const info = audioInfo(hex`90 4f 70 75 73`)!
    expect('soundRate' in info || 'soundSize' in info || 'channels' in info).toBe(false)
  })
})

describe('isSequenceHeader / isKeyframe', () => {
  it('is false for data messages whatever their bytes', () => {
    expect(isSequenceHeader('data', hex`17 00 00 00 00`)).toBe(false)
  })

  it('isKeyframe never throws and is false for audio-looking bytes', () => {
    expect(isKeyframe(hex`af 00 12 10`)).toBe(false)
  })

  it('never throws on random bytes (property)', () => {
    property(2000, (rng) => {
      const bytes = rng.bytes(rng.int(0, 24))
      expect(() => {
        videoInfo(bytes)
        audioInfo(bytes)
        isKeyframe(bytes)
        isSequenceHeader('audio', bytes)
        isSequenceHeader('video', bytes)
      }).not.toThrow()
    })
  })

  it('returns undefined or a consistent answer for every prefix of each vector', () => {
    for (const c of video) {
      for (let n = 0; n <= c.bytes.length; n++) {
        const info = videoInfo(c.bytes.subarray(0, n))
        if (info) expect(info.payloadOffset).toBeLessThanOrEqual(n)
      }
    }
  })
})
