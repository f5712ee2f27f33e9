import { describe, expect, it } from 'vitest'
import { audioInfo, videoInfo } from '../../src/media/flv-tag'
import { isMultitrack, singleTrack, splitTracks, type TrackKind, type TrackPacket } from '../../src/media/multitrack'
import { hex, toHex } from '../helpers/hex'

// Byte layouts from Enhanced RTMP v2, ExVideoTagHeader / ExAudioTagHeader and ExVideoTagBody / ExAudioTagBody:
// byte 0, ModEx wrappers, AvMultitrackType << 4 | PacketType, FourCC (unless ManyTracksManyCodecs), then per
// track [FourCC] trackId [UI24 size] body.

interface Vector {
  name: string
  kind: TrackKind
  bytes: Uint8Array
  /** trackId, fourCc, packetType, frameType (video), payload hex */
  tracks: Array<[number, string, number, string | undefined, string]> | undefined
  multitrack: boolean
  /** trackId → the expected single-track message (hex), or undefined when the track is absent */
  single: Record<number, string | undefined>
}

const vectors: Vector[] = [
  {
    name: 'video OneTrack CodedFrames avc1 (track 0)',
    kind: 'video',
    bytes: hex`96 // IsExHeader | KeyFrame(1) << 4 | Multitrack(6)
               01 // OneTrack(0) << 4 | CodedFrames(1)
               61 76 63 31 // 'avc1'
               00 // trackId 0
               00 00 28 00 00 00 01 65 // SI24 CT +40, then the NALUs`,
    tracks: [[0, 'avc1', 1, 'key', '00 00 28 00 00 00 01 65']],
    multitrack: true,
    single: { 0: '91 61 76 63 31 00 00 28 00 00 00 01 65', 1: undefined },
  },
  {
    name: 'video ManyTracks SequenceStart hvc1 (tracks 0 and 1)',
    kind: 'video',
    bytes: hex`96 10 // key | Multitrack; ManyTracks(1) << 4 | SequenceStart(0)
               68 76 63 31 // 'hvc1' for every track
               00 00 00 03 01 02 03 // trackId 0, size 3, body
               01 00 00 02 aa bb // trackId 1, size 2, body`,
    tracks: [
      [0, 'hvc1', 0, 'key', '01 02 03'],
      [1, 'hvc1', 0, 'key', 'aa bb'],
    ],
    multitrack: true,
    single: { 0: '90 68 76 63 31 01 02 03', 1: '90 68 76 63 31 aa bb', 2: undefined },
  },
  {
    name: 'video ManyTracksManyCodecs CodedFramesX avc1 + av01 (tracks 0 and 2)',
    kind: 'video',
    bytes: hex`a6 23 // inter | Multitrack; ManyTracksManyCodecs(2) << 4 | CodedFramesX(3)
               61 76 63 31 00 00 00 02 11 22 // 'avc1', trackId 0, size 2
               61 76 30 31 02 00 00 01 33 // 'av01', trackId 2, size 1`,
    tracks: [
      [0, 'avc1', 3, 'inter', '11 22'],
      [2, 'av01', 3, 'inter', '33'],
    ],
    multitrack: true,
    single: { 0: 'a3 61 76 63 31 11 22', 1: undefined, 2: 'a3 61 76 30 31 33' },
  },
  {
    name: 'video ModEx TimestampOffsetNano before ManyTracks vp09',
    kind: 'video',
    bytes: hex`97 // key | ModEx(7)
               02 00 03 e8 // modExDataSize - 1 = 2; TimestampOffsetNano UI24 = 1000
               06 // ModExType TimestampOffsetNano(0) << 4 | Multitrack(6)
               11 // ManyTracks << 4 | CodedFrames
               76 70 30 39 // 'vp09'
               00 00 00 02 aa bb // track 0
               01 00 00 01 cc // track 1`,
    tracks: [
      [0, 'vp09', 1, 'key', 'aa bb'],
      [1, 'vp09', 1, 'key', 'cc'],
    ],
    multitrack: true,
    single: { 0: '97 02 00 03 e8 01 76 70 30 39 aa bb', 1: '97 02 00 03 e8 01 76 70 30 39 cc' },
  },
  {
    name: 'video ModEx with the 16-bit size escape before OneTrack',
    kind: 'video',
    bytes: hex`a7 // inter | ModEx
               ff 00 02 // UI8 + 1 = 256: escape, UI16 + 1 = 3
               00 00 07 // TimestampOffsetNano 7
               06 // Nano << 4 | Multitrack
               03 61 76 30 31 05 // OneTrack << 4 | CodedFramesX, 'av01', trackId 5
               0a 0b 0c`,
    tracks: [[5, 'av01', 3, 'inter', '0a 0b 0c']],
    multitrack: true,
    single: { 0: undefined, 5: 'a7 ff 00 02 00 00 07 03 61 76 30 31 0a 0b 0c' },
  },
  {
    name: 'audio ManyTracksManyCodecs SequenceStart Opus + fLaC',
    kind: 'audio',
    bytes: hex`95 // ExHeader(9) << 4 | Multitrack(5)
               20 // ManyTracksManyCodecs << 4 | SequenceStart
               4f 70 75 73 00 00 00 03 01 02 03 // 'Opus', trackId 0, size 3
               66 4c 61 43 01 00 00 02 04 05 // 'fLaC', trackId 1, size 2`,
    tracks: [
      [0, 'Opus', 0, undefined, '01 02 03'],
      [1, 'fLaC', 0, undefined, '04 05'],
    ],
    multitrack: true,
    single: { 0: '90 4f 70 75 73 01 02 03', 1: '90 66 4c 61 43 04 05' },
  },
  {
    name: 'audio OneTrack CodedFrames Opus on track 1 only',
    kind: 'audio',
    bytes: hex`95 01 4f 70 75 73 01 // OneTrack << 4 | CodedFrames, 'Opus', trackId 1
               fc ff fe`,
    tracks: [[1, 'Opus', 1, undefined, 'fc ff fe']],
    multitrack: true,
    single: { 0: undefined, 1: '91 4f 70 75 73 fc ff fe' },
  },
  {
    name: 'audio ManyTracks MultichannelConfig with no track at all',
    kind: 'audio',
    bytes: hex`95 14 4f 70 75 73`,
    tracks: [],
    multitrack: true,
    single: { 0: undefined },
  },
  {
    name: 'single-track Enhanced video (no Multitrack framing) is track 0',
    kind: 'video',
    bytes: hex`93 68 76 63 31 00 00 00 01 26`,
    tracks: [[0, 'hvc1', 3, 'key', '00 00 00 01 26']],
    multitrack: false,
    single: { 0: 'same', 1: undefined },
  },
  {
    name: 'single-track Enhanced audio with ModEx is track 0',
    kind: 'audio',
    bytes: hex`97 02 00 00 05 01 66 4c 61 43 aa`,
    tracks: [[0, 'fLaC', 1, undefined, 'aa']],
    multitrack: false,
    single: { 0: 'same', 3: undefined },
  },
  {
    name: 'legacy AVC is track 0, but has no tracks to split',
    kind: 'video',
    bytes: hex`17 01 00 00 00 00 00 00 01 65`,
    tracks: undefined,
    multitrack: false,
    single: { 0: 'same', 1: undefined },
  },
  {
    name: 'legacy AAC is track 0',
    kind: 'audio',
    bytes: hex`af 01 21 10`,
    tracks: undefined,
    multitrack: false,
    single: { 0: 'same', 1: undefined },
  },
  {
    name: 'an Enhanced command frame whose packet type reads Multitrack carries a VideoCommand, not tracks',
    kind: 'video',
    bytes: hex`d6 00 // IsExHeader | Command(5) << 4 | 6; StartSeek`,
    tracks: undefined,
    multitrack: false,
    single: { 0: 'same' },
  },
  {
    name: 'a ManyTracks track longer than the message',
    kind: 'video',
    bytes: hex`96 11 61 76 63 31 00 00 00 09 01 02`,
    tracks: undefined,
    multitrack: true,
    single: { 0: undefined },
  },
  {
    name: 'a ManyTracksManyCodecs message cut inside the second FourCC',
    kind: 'audio',
    bytes: hex`95 21 4f 70 75 73 00 00 00 01 aa 66 4c`,
    tracks: undefined,
    multitrack: true,
    single: { 0: undefined },
  },
  {
    name: 'reserved AvMultitrackType 3',
    kind: 'video',
    bytes: hex`96 31 61 76 63 31 00 aa`,
    tracks: undefined,
    multitrack: true,
    single: { 0: undefined },
  },
  {
    name: 'Multitrack nested in Multitrack',
    kind: 'video',
    bytes: hex`96 06 61 76 63 31 00 aa`,
    tracks: undefined,
    multitrack: true,
    single: { 0: undefined },
  },
  {
    name: 'ModEx cut inside its data: cannot tell the tracks, so it counts as multitrack',
    kind: 'video',
    bytes: hex`97 02 01 e2`,
    tracks: undefined,
    multitrack: true,
    single: { 0: undefined },
  },
]

const shape = (t: TrackPacket): [number, string, number, string | undefined, string] => [t.trackId, t.fourCc, t.packetType, t.frameType, toHex(t.payload)]

describe('splitTracks / singleTrack', () => {
  for (const v of vectors) {
    it(`splits and projects: ${v.name}`, () => {
      const tracks = splitTracks(v.kind, v.bytes)
      expect(tracks?.map(shape)).toEqual(v.tracks?.map(([id, cc, pt, ft, payload]) => [id, cc, pt, ft, toHex(hex(payload))]))
      expect(isMultitrack(v.kind, v.bytes)).toBe(v.multitrack)
      for (const [id, want] of Object.entries(v.single)) {
        const got = singleTrack(v.kind, v.bytes, Number(id))
        if (want === undefined) expect(got).toBeUndefined()
        else if (want === 'same') expect(got).toBe(v.bytes)
        else expect(toHex(got!)).toBe(toHex(hex(want)))
      }
    })
  }

  it('gives payloads as views into the message, never copies', () => {
    const v = vectors[1]!
    for (const t of splitTracks(v.kind, v.bytes)!) {
      expect(t.payload.buffer).toBe(v.bytes.buffer)
      expect(t.payload.byteOffset).toBeGreaterThan(v.bytes.byteOffset)
    }
  })

  it('projects onto messages our own tag reader classifies as that single track (codec, packet type, CT, nano offset)', () => {
    const avc = singleTrack('video', vectors[0]!.bytes, 0)!
    expect(videoInfo(avc)).toMatchObject({ codec: 'avc', frameType: 'key', packetType: 1, compositionTime: 40, fourCc: 'avc1' })
    expect(videoInfo(avc)?.multitrack).toBeUndefined()
    const vp9 = singleTrack('video', vectors[3]!.bytes, 1)!
    expect(videoInfo(vp9)).toMatchObject({ codec: 'vp9', frameType: 'key', packetType: 1, timestampOffsetNano: 1000, fourCc: 'vp09' })
    const av1 = singleTrack('video', vectors[2]!.bytes, 2)!
    expect(videoInfo(av1)).toMatchObject({ codec: 'av1', frameType: 'inter', packetType: 3 })
    const flac = singleTrack('audio', vectors[5]!.bytes, 1)!
    expect(audioInfo(flac)).toMatchObject({ codec: 'flac', isSequenceHeader: true, fourCc: 'fLaC' })
    expect(audioInfo(flac)?.multitrack).toBeUndefined()
  })

  it('works on a view that does not start at its buffer start (e.g. a chunk reader slice)', () => {
    const v = vectors[3]!
    const big = new Uint8Array(v.bytes.length + 7)
    big.set(v.bytes, 5)
    const view = big.subarray(5, 5 + v.bytes.length)
    expect(toHex(singleTrack('video', view, 1)!)).toBe(toHex(hex(v.single[1]!)))
    expect(splitTracks('video', view)?.map((t) => t.payload.byteOffset)).toEqual([5 + 15, 5 + 21])
  })
})
