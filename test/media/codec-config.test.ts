import { describe, expect, it } from 'vitest'
import { parseAc3Header, parseMpegAudioHeader } from '../../src/media/audio-frame-header'
import {
  describeAudioConfig,
  describeAudioConfigs,
  describeVideoConfig,
  describeVideoConfigs,
  describeVideoKeyframe,
  type AudioConfigInfo,
  type VideoConfigInfo,
} from '../../src/media/codec-config'
import { audioExTag, audioMultitrackTag, videoExTag, videoMultitrackTag } from '../../src/media/ex-tag-builder'
import { parseFlacStreamInfo } from '../../src/media/flac-config'
import { FlvError } from '../../src/media/flv-error'
import { encodeMultichannelConfig, parseMultichannelConfig } from '../../src/media/multichannel-config'
import { parseOpusHead } from '../../src/media/opus-config'
import { concat, hex } from '../helpers/hex'
import { enhancedFixture, type EnhancedFixtureName } from './enhanced-fixtures'

// What ffprobe (ffmpeg 9.0.2) said about each captured stream (see test/fixtures/enhanced/*.hex headers)
const videoFixtures: Array<[EnhancedFixtureName, Partial<VideoConfigInfo>]> = [
  [
    'hevc-main-318x178.seqstart',
    { codec: 'hevc', fourCc: 'hvc1', profile: 1, level: 60, tier: 'main', width: 318, height: 178, bitDepth: 8, chromaFormat: '4:2:0', codecString: 'hvc1.1.6.L60.90' },
  ],
  ['hevc-main10-320x240.seqstart', { codec: 'hevc', profile: 2, level: 60, width: 320, height: 240, bitDepth: 10, codecString: 'hvc1.2.4.L60.90' }],
  ['av1-libaom-322x182.seqstart', { codec: 'av1', fourCc: 'av01', profile: 0, level: 0, tier: 'main', width: 322, height: 182, bitDepth: 8, chromaFormat: '4:2:0', codecString: 'av01.0.00M.08' }],
  ['av1-svt-320x240.seqstart', { codec: 'av1', profile: 0, level: 0, width: 320, height: 240 }],
  ['vp9-p0-330x186.seqstart', { codec: 'vp9', fourCc: 'vp09', profile: 0, level: 11, bitDepth: 8, chromaFormat: '4:2:0', codecString: 'vp09.00.11.08' }],
  ['vp9-p1-444-320x240.seqstart', { codec: 'vp9', profile: 1, level: 20, chromaFormat: '4:4:4', codecString: 'vp09.01.20.08' }],
  ['avc-multitrack-160x120.seqstart', { codec: 'avc', fourCc: 'avc1', trackId: 1, profile: 66, level: 11, width: 160, height: 120, codecString: 'avc1.42c00b' }],
]

const audioFixtures: Array<[EnhancedFixtureName, Partial<AudioConfigInfo>]> = [
  ['opus-48k-stereo.seqstart', { codec: 'opus', fourCc: 'Opus', sampleRate: 48000, channels: 2, codecString: 'opus' }],
  ['opus-48k-stereo.multichannel', { codec: 'opus', channels: 2 }],
  ['opus-multitrack.seqstart', { codec: 'opus', trackId: 1, sampleRate: 48000, channels: 2 }],
  ['flac-44k-mono.seqstart', { codec: 'flac', fourCc: 'fLaC', sampleRate: 44100, channels: 1, bitsPerSample: 16, codecString: 'flac' }],
  ['ac3-48k-stereo.frame', { codec: 'ac-3', sampleRate: 48000, channels: 2, codecString: 'ac-3' }],
  ['eac3-48k-stereo.frame', { codec: 'ec-3', sampleRate: 48000, channels: 2, codecString: 'ec-3' }],
  ['mp3-44k-stereo.frame', { codec: 'mp3', sampleRate: 44100, channels: 2, codecString: 'mp3' }],
]

describe('describeVideoConfig on ffmpeg 9 sequence headers', () => {
  for (const [name, expected] of videoFixtures) {
    it(`describes ${name} as ffprobe does`, () => {
      expect(describeVideoConfig(enhancedFixture(name))).toMatchObject(expected)
    })
  }

  it('gives the codec only for an empty SequenceStart (libaom, before its extradata)', () => {
    expect(describeVideoConfig(enhancedFixture('av1-libaom-322x182.empty-seqstart'))).toEqual({ codec: 'av1', fourCc: 'av01' })
  })

  it('gives undefined for what is not a sequence header: coded frames, metadata, audio-looking bytes', () => {
    expect(describeVideoConfig(enhancedFixture('hevc-main-318x178.keyframe'))).toBeUndefined()
    expect(describeVideoConfig(enhancedFixture('hevc-main-318x178.metadata'))).toBeUndefined()
    expect(describeVideoConfig(new Uint8Array(0))).toBeUndefined()
  })
})

describe('describeVideoKeyframe', () => {
  it('reads VP9 and AV1 keyframe sizes the sequence headers do not give (ffprobe: 330x186, 320x240 4:4:4, 322x182)', () => {
    expect(describeVideoKeyframe(enhancedFixture('vp9-p0-330x186.keyframe'))).toMatchObject({ codec: 'vp9', profile: 0, width: 330, height: 186, chromaFormat: '4:2:0' })
    expect(describeVideoKeyframe(enhancedFixture('vp9-p1-444-320x240.keyframe'))).toMatchObject({ codec: 'vp9', profile: 1, width: 320, height: 240, chromaFormat: '4:4:4' })
    expect(describeVideoKeyframe(enhancedFixture('av1-libaom-322x182.keyframe'))).toMatchObject({ codec: 'av1', level: 0, width: 322, height: 182 })
  })

  it('gives undefined for other codecs, inter frames and sequence headers', () => {
    expect(describeVideoKeyframe(enhancedFixture('hevc-main-318x178.keyframe'))).toBeUndefined()
    expect(describeVideoKeyframe(enhancedFixture('vp9-p0-330x186.seqstart'))).toBeUndefined()
    const inter = videoExTag({ frameType: 'inter', packetType: 1, fourCc: 'vp09', payload: enhancedFixture('vp9-p0-330x186.keyframe').subarray(5) })
    expect(describeVideoKeyframe(inter)).toBeUndefined()
  })

  it('reads the first track of a multitrack keyframe', () => {
    const frame = enhancedFixture('vp9-p0-330x186.keyframe').subarray(5)
    const mt = videoMultitrackTag({ frameType: 'key', packetType: 3, multitrack: 'many-tracks', tracks: [{ trackId: 7, fourCc: 'vp09', payload: frame }] })
    expect(describeVideoKeyframe(mt)).toMatchObject({ trackId: 7, width: 330, height: 186 })
  })
})

describe('describeVideoConfigs', () => {
  const avcc = enhancedFixture('avc-multitrack-160x120.seqstart').subarray(7)
  const hvcc = enhancedFixture('hevc-main10-320x240.seqstart').subarray(5)

  it('reads a legacy AVC sequence header and an Enhanced avc1 SequenceStart alike', () => {
    const legacy = describeVideoConfig(concat([hex`17 00 00 00 00`, avcc]))
    const enhanced = describeVideoConfig(videoExTag({ frameType: 'key', packetType: 0, fourCc: 'avc1', payload: avcc }))
    expect(legacy).toMatchObject({ codec: 'avc', width: 160, height: 120, record: { format: 'avcC' } })
    expect(legacy?.fourCc).toBeUndefined()
    expect({ ...enhanced, fourCc: undefined }).toEqual({ ...legacy, fourCc: undefined })
  })

  it('describes every track of a many-tracks-many-codecs SequenceStart, with its trackId', () => {
    const mt = videoMultitrackTag({
      frameType: 'key',
      packetType: 0,
      multitrack: 'many-tracks-many-codecs',
      tracks: [
        { trackId: 0, fourCc: 'hvc1', payload: hvcc },
        { trackId: 1, fourCc: 'avc1', payload: avcc },
        { trackId: 2, fourCc: 'vp08', payload: hex`01 00 00 00 00 0a 82 01 01 01 00 00` },
        { trackId: 3, fourCc: 'abcd', payload: hex`01 02` },
      ],
    })
    const all = describeVideoConfigs(mt)!
    expect(all.map((d) => [d.trackId, d.codec, d.width ?? null])).toEqual([
      [0, 'hevc', 320],
      [1, 'avc', 160],
      [2, 'vp8', null],
      [3, 'abcd', null],
    ])
    expect(all[2]).toMatchObject({ codecString: 'vp08.00.10.08' })
    expect(describeVideoConfig(mt)).toEqual(all[0])
  })

  it('reads the AV1 video descriptor of an MPEG2TSSequenceStart (no configOBUs: no size)', () => {
    const d = describeVideoConfig(videoExTag({ frameType: 'key', packetType: 5, fourCc: 'av01', payload: hex`80 04 81 4d 0c 00` }))
    expect(d).toMatchObject({ codec: 'av1', profile: 2, level: 13, record: { format: 'av1C' } })
    expect(d?.width).toBeUndefined()
    expect(() => describeVideoConfig(videoExTag({ frameType: 'key', packetType: 5, fourCc: 'av01', payload: hex`81 04 81 00 0c 00` }))).toThrowError(
      expect.objectContaining({ reason: 'av1-config' }),
    )
  })

  it('throws the record parser`s FlvError for a malformed record', () => {
    const reason = (data: Uint8Array): string | undefined => {
      try {
        describeVideoConfig(data)
        return undefined
      } catch (err) {
        return err instanceof FlvError ? err.reason : 'untyped'
      }
    }
    expect(reason(videoExTag({ frameType: 'key', packetType: 0, fourCc: 'hvc1', payload: hex`00 01` }))).toBe('hevc-config')
    expect(reason(videoExTag({ frameType: 'key', packetType: 0, fourCc: 'av01', payload: hex`81 00` }))).toBe('av1-config')
    expect(reason(videoExTag({ frameType: 'key', packetType: 0, fourCc: 'vp09', payload: hex`01 00 00 00 00` }))).toBe('vp-config')
    expect(reason(concat([hex`17 00 00 00 00`, avcc.subarray(0, 10)]))).toBe('avc-config')
  })
})

describe('describeAudioConfig', () => {
  for (const [name, expected] of audioFixtures) {
    it(`describes ${name} as ffprobe does`, () => {
      expect(describeAudioConfig(enhancedFixture(name))).toMatchObject(expected)
    })
  }

  it('gives the codec only for an empty SequenceStart (ffmpeg sends one for AC-3)', () => {
    expect(describeAudioConfig(enhancedFixture('ac3-48k-stereo.empty-seqstart'))).toEqual({ codec: 'ac-3', fourCc: 'ac-3' })
  })

  it('reads AAC from a legacy sequence header and from an mp4a SequenceStart (HE-AAC: the SBR rate)', () => {
    expect(describeAudioConfig(hex`af 00 12 10`)).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 2, objectType: 2, codecString: 'mp4a.40.2' })
    // HE-AAC explicit signalling: object type 5, 24 kHz core, 48 kHz extension, core type 2, stereo
    const he = audioExTag({ packetType: 0, fourCc: 'mp4a', payload: hex`2b 11 88 00` })
    expect(describeAudioConfig(he)).toMatchObject({ codec: 'aac', fourCc: 'mp4a', sampleRate: 48000, channels: 2, objectType: 5 })
    expect(describeAudioConfig(hex`af 01 21 00`)).toBeUndefined() // raw AAC
  })

  it('describes legacy codecs from their header bits, with the rates the 2-bit field cannot express', () => {
    expect(describeAudioConfig(hex`3e 00 00`)).toMatchObject({ codec: 'lpcm-le', sampleRate: 44100, channels: 1, bitsPerSample: 16, record: { format: 'flv-header' } })
    expect(describeAudioConfig(hex`42 00`)).toMatchObject({ codec: 'nellymoser-16k', sampleRate: 16000 })
    expect(describeAudioConfig(hex`b2 00`)).toMatchObject({ codec: 'speex', sampleRate: 16000, channels: 1 })
    expect(describeAudioConfig(hex`72 00`)).toMatchObject({ codec: 'g711-alaw', sampleRate: 8000 })
  })

  it('describes every track of a Multitrack message, skipping tracks with nothing to say', () => {
    const opus = enhancedFixture('opus-48k-stereo.seqstart').subarray(5)
    const flac = enhancedFixture('flac-44k-mono.seqstart').subarray(5)
    const mt = audioMultitrackTag({
      packetType: 0,
      multitrack: 'many-tracks-many-codecs',
      tracks: [
        { trackId: 0, fourCc: 'mp4a', payload: hex`11 90` },
        { trackId: 1, fourCc: 'Opus', payload: opus },
        { trackId: 2, fourCc: 'fLaC', payload: flac },
        { trackId: 3, fourCc: 'ec-3' },
      ],
    })
    expect(describeAudioConfigs(mt)!.map((d) => [d.trackId, d.codec, d.sampleRate ?? null, d.channels ?? null])).toEqual([
      [0, 'aac', 48000, 2],
      [1, 'opus', 48000, 2],
      [2, 'flac', 44100, 1],
      [3, 'ec-3', null, null],
    ])
    const frames = audioMultitrackTag({ packetType: 1, multitrack: 'many-tracks', tracks: [{ trackId: 0, fourCc: 'Opus', payload: hex`fc` }] })
    expect(describeAudioConfigs(frames)).toBeUndefined()
  })

  it('reads AC-3 / E-AC-3 / MP3 only from coded frames, and MultichannelConfig for any codec', () => {
    const ac3 = enhancedFixture('ac3-48k-stereo.frame').subarray(5)
    expect(describeAudioConfig(audioExTag({ packetType: 1, fourCc: '.mp3', payload: enhancedFixture('mp3-44k-stereo.frame').subarray(1) }))).toMatchObject({
      codec: 'mp3',
      sampleRate: 44100,
    })
    expect(describeAudioConfig(audioExTag({ packetType: 1, fourCc: 'ac-3', payload: ac3 }))).toMatchObject({ codec: 'ac-3', sampleRate: 48000, channels: 2 })
    const six = audioExTag({ packetType: 4, fourCc: 'fLaC', payload: encodeMultichannelConfig({ order: 'native', channels: 6, channelFlags: 0x3f }) })
    expect(describeAudioConfig(six)).toMatchObject({ codec: 'flac', channels: 6, record: { format: 'MultichannelConfig', multichannel: { order: 'native', channelFlags: 0x3f } } })
  })

  it('throws the header parser`s FlvError for a malformed header', () => {
    const reason = (data: Uint8Array): string | undefined => {
      try {
        describeAudioConfig(data)
        return undefined
      } catch (err) {
        return err instanceof FlvError ? err.reason : 'untyped'
      }
    }
    expect(reason(audioExTag({ packetType: 0, fourCc: 'Opus', payload: hex`4f 70 75 73` }))).toBe('opus-config')
    expect(reason(audioExTag({ packetType: 0, fourCc: 'fLaC', payload: hex`00 10` }))).toBe('flac-config')
    expect(reason(audioExTag({ packetType: 0, fourCc: 'mp4a', payload: hex`00 00` }))).toBe('aac-config')
    expect(reason(audioExTag({ packetType: 4, fourCc: 'Opus', payload: hex`07 02` }))).toBe('multichannel-config')
    expect(reason(audioExTag({ packetType: 1, fourCc: 'ac-3', payload: hex`0b 78 00 00 00 00` }))).toBe('audio-frame')
    expect(reason(hex`2f ff ea 00 00`)).toBe('audio-frame') // legacy MP3 with a reserved version
  })
})

describe('audio headers', () => {
  it('OpusHead: mapping family 1 with its table; major version must be 0', () => {
    const head = hex`4f 70 75 73 48 65 61 64 // 'OpusHead'
                     01 06 // version 1, 6 channels
                     38 01 44 ac 00 00 // pre-skip 312, input rate 44100
                     00 fe // gain -512 (Q7.8)
                     01 04 02 // family 1, 4 streams, 2 coupled
                     00 04 01 02 03 05 // mapping`
    expect(parseOpusHead(head)).toMatchObject({ channels: 6, preSkip: 312, inputSampleRate: 44100, outputGain: -512, mappingFamily: 1, streamCount: 4, coupledCount: 2 })
    expect(Array.from(parseOpusHead(head).channelMapping!)).toEqual([0, 4, 1, 2, 3, 5])
    const v16 = head.slice()
    v16[8] = 0x10
    expect(() => parseOpusHead(v16)).toThrowError(expect.objectContaining({ reason: 'opus-config' }))
    expect(() => parseOpusHead(head.subarray(0, 25))).toThrowError(expect.objectContaining({ reason: 'opus-config' }))
  })

  it('FLAC: the spec form (fLaC + block header + STREAMINFO), a block header alone, and bare STREAMINFO agree', () => {
    const bare = enhancedFixture('flac-44k-mono.seqstart').subarray(5)
    const header = hex`00 00 00 22` // last-block 0, type 0 STREAMINFO, length 34
    const forms = [bare, concat([header, bare]), concat([hex`66 4c 61 43`, header, bare]), concat([hex`66 4c 61 43 80 00 00 22`, bare])]
    for (const f of forms) expect(parseFlacStreamInfo(f)).toMatchObject({ sampleRate: 44100, channels: 1, bitsPerSample: 16, minBlockSize: 1024, maxFrameSize: 2069 })
    expect(() => parseFlacStreamInfo(concat([hex`66 4c 61 43 04 00 00 22`, bare]))).toThrowError(expect.objectContaining({ reason: 'flac-config' }))
  })

  it('AC-3: channel count follows acmod and lfeon; bsid 9/10 halve/quarter the rate', () => {
    // 0b77, crc, fscod 1 (44.1 kHz) | frmsizecod 28, bsid 8 bsmod 0, acmod 7 (3/2): cmixlev, surmixlev, lfeon 1
    expect(parseAc3Header(hex`0b 77 00 00 5c 40 e1 00`)).toMatchObject({ sampleRate: 44100, acmod: 7, lfe: true, channels: 6, bitRate: 384 })
    expect(parseAc3Header(hex`0b 77 00 00 00 48 20 00`)).toMatchObject({ bsid: 9, sampleRate: 24000, acmod: 1, channels: 1, bitRate: 16 })
    // E-AC-3, fscod 3 → reduced rate fscod2 1 (22.05 kHz), acmod 3, lfe 0, bsid 16
    expect(parseAc3Header(hex`0b 77 00 10 d6 80`)).toMatchObject({ codec: 'ec-3', sampleRate: 22050, acmod: 3, channels: 3 })
  })

  it('MPEG audio: version and layer change the rate table; mode 3 is mono', () => {
    expect(parseMpegAudioHeader(hex`ff f3 64 c4`)).toMatchObject({ version: 2, layer: 3, sampleRate: 24000, channels: 1 })
    expect(parseMpegAudioHeader(hex`ff e3 68 00`)).toMatchObject({ version: 2.5, sampleRate: 8000, channels: 2 })
    expect(parseMpegAudioHeader(hex`ff fd 14 00`)).toMatchObject({ version: 1, layer: 2, sampleRate: 48000 })
  })

  it('MultichannelConfig: encode and parse agree for every order', () => {
    for (const c of [
      { order: 'unspecified', channels: 3 },
      { order: 'native', channels: 2, channelFlags: 0x3 },
      { order: 'custom', channels: 3, mapping: [0, 1, 0xff] },
    ] as const) {
      expect(parseMultichannelConfig(encodeMultichannelConfig(c))).toEqual(c)
    }
    expect(() => encodeMultichannelConfig({ order: 'custom', channels: 2, mapping: [0] })).toThrow(FlvError)
    expect(() => parseMultichannelConfig(hex`02 03 00 01`)).toThrowError(expect.objectContaining({ reason: 'multichannel-config' }))
  })
})
