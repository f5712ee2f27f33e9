import { describe, expect, it } from 'vitest'
import {
  audioExTag,
  audioMultitrackTag,
  encodeModEx,
  timestampOffsetNanoModEx,
  videoExCommandTag,
  videoExTag,
  videoMultitrackTag,
  type ExTrack,
  type ModExEntry,
} from '../../src/media/ex-tag-builder'
import { FlvError } from '../../src/media/flv-error'
import { audioCodecOfFourCc, audioInfo, videoCodecOfFourCc, videoInfo, type MultitrackType, type VideoFrameType } from '../../src/media/flv-tag'
import { splitTracks } from '../../src/media/multitrack'
import { hex, toHex } from '../helpers/hex'
import { property, type Rng } from '../helpers/rng'

const VIDEO_FOURCCS = ['avc1', 'hvc1', 'vp09', 'av01', 'vp08', 'vvc1']
const AUDIO_FOURCCS = ['Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a']
const MULTITRACK: MultitrackType[] = ['one-track', 'many-tracks', 'many-tracks-many-codecs']
const CT_FOURCCS = new Set(['avc1', 'hvc1', 'vvc1'])

const randomFourCc = (rng: Rng, known: string[]): string =>
  rng.next() < 0.8 ? rng.pick(known) : String.fromCharCode(...Array.from({ length: 4 }, () => rng.int(0, 255)))

/** Extra ModEx wrappers of types other than TimestampOffsetNano (the decoder keeps the last nano offset). */
function randomModEx(rng: Rng): ModExEntry[] {
  if (rng.next() < 0.6) return []
  return Array.from({ length: rng.int(1, 3) }, () => ({
    type: rng.int(1, 15),
    data: rng.bytes(rng.pick([1, 2, 3, 255, 256, 257, rng.int(1, 600), rng.next() < 0.05 ? 65536 : 4])),
  }))
}

const nano = (rng: Rng): { timestampOffsetNano?: number } => (rng.bool() ? { timestampOffsetNano: rng.pick([0, 1, 999_999, rng.int(0, 999_999)]) } : {})

const carriesCt = (packetType: number, fourCc: string): boolean => packetType === 1 && CT_FOURCCS.has(fourCc)

describe('videoExTag / audioExTag round trip through videoInfo / audioInfo', () => {
  it('gives back frame type, packet type, FourCC, composition time, nano offset and the payload (property)', () => {
    property(400, (rng) => {
      const frameType = rng.pick<VideoFrameType>(['key', 'inter', 'disposable', 'generated'])
      const packetType = rng.int(0, 5)
      const fourCc = randomFourCc(rng, VIDEO_FOURCCS)
      const ct = carriesCt(packetType, fourCc) && rng.bool() ? { compositionTime: rng.pick([-0x800000, 0x7fffff, rng.int(-1000, 1000)]) } : {}
      const payload = rng.bytes(rng.int(0, 40))
      const modEx = randomModEx(rng)
      const n = nano(rng)
      const bytes = videoExTag({ frameType, packetType, fourCc, ...ct, ...n, modEx, payload })
      const info = videoInfo(bytes)!
      expect(info).toMatchObject({
        enhanced: true,
        frameType,
        packetType,
        fourCc,
        codec: videoCodecOfFourCc(fourCc),
        compositionTime: ct.compositionTime ?? 0,
        timestampOffsetNano: n.timestampOffsetNano ?? 0,
        isSequenceHeader: packetType === 0 || packetType === 5,
        isEndOfSequence: packetType === 2,
      })
      expect(toHex(bytes.subarray(info.payloadOffset))).toBe(toHex(payload))
    })
  })

  it('does the same for audio (property)', () => {
    property(400, (rng) => {
      const packetType = rng.pick([0, 1, 2, 4])
      const fourCc = randomFourCc(rng, AUDIO_FOURCCS)
      const payload = rng.bytes(rng.int(0, 40))
      const n = nano(rng)
      const bytes = audioExTag({ packetType, fourCc, ...n, modEx: randomModEx(rng), payload })
      const info = audioInfo(bytes)!
      expect(info).toMatchObject({
        enhanced: true,
        soundFormat: 9,
        packetType,
        fourCc,
        codec: audioCodecOfFourCc(fourCc),
        timestampOffsetNano: n.timestampOffsetNano ?? 0,
        isSequenceHeader: packetType === 0,
      })
      expect(toHex(bytes.subarray(info.payloadOffset))).toBe(toHex(payload))
    })
  })
})

describe('videoMultitrackTag / audioMultitrackTag round trip', () => {
  function randomTracks(rng: Rng, multitrack: MultitrackType, packetType: number, known: string[], video: boolean): ExTrack[] {
    const count = multitrack === 'one-track' ? 1 : rng.int(1, 4)
    const shared = randomFourCc(rng, known)
    return Array.from({ length: count }, () => {
      const fourCc = multitrack === 'many-tracks-many-codecs' ? randomFourCc(rng, known) : shared
      const ct = video && carriesCt(packetType, fourCc) ? { compositionTime: rng.int(-5000, 5000) } : {}
      return { trackId: rng.int(0, 255), fourCc, ...ct, payload: rng.bytes(rng.pick([0, 1, 5, rng.int(0, 300)])) }
    })
  }

  it('video: every track comes back from videoInfo (ids, codecs, first payload) and splitTracks (bodies) (property)', () => {
    property(300, (rng) => {
      const multitrack = rng.pick(MULTITRACK)
      const packetType = rng.int(0, 5)
      const frameType = rng.pick<VideoFrameType>(['key', 'inter'])
      const tracks = randomTracks(rng, multitrack, packetType, VIDEO_FOURCCS, true)
      const n = nano(rng)
      const bytes = videoMultitrackTag({ frameType, packetType, multitrack, tracks, ...n, modEx: randomModEx(rng) })
      const info = videoInfo(bytes)!
      const first = tracks[0]!
      expect(info).toMatchObject({
        frameType,
        packetType,
        codec: videoCodecOfFourCc(first.fourCc),
        compositionTime: first.compositionTime ?? 0,
        timestampOffsetNano: n.timestampOffsetNano ?? 0,
        multitrack: { type: multitrack, tracks: tracks.map((t) => ({ trackId: t.trackId, codec: videoCodecOfFourCc(t.fourCc) })) },
      })
      const firstEnd = multitrack === 'one-track' ? bytes.length : info.payloadOffset + first.payload!.length
      expect(toHex(bytes.subarray(info.payloadOffset, firstEnd))).toBe(toHex(first.payload!))
      const split = splitTracks('video', bytes)!
      expect(split.map((t) => [t.trackId, t.fourCc, t.packetType])).toEqual(tracks.map((t) => [t.trackId, t.fourCc, packetType]))
      split.forEach((t, i) => {
        const body = t.payload.subarray(carriesCt(packetType, t.fourCc) ? 3 : 0)
        expect(toHex(body)).toBe(toHex(tracks[i]!.payload!))
      })
    })
  })

  it('audio: the same without composition times (property)', () => {
    property(300, (rng) => {
      const multitrack = rng.pick(MULTITRACK)
      const packetType = rng.pick([0, 1, 2, 4])
      const tracks = randomTracks(rng, multitrack, packetType, AUDIO_FOURCCS, false)
      const bytes = audioMultitrackTag({ packetType, multitrack, tracks, ...nano(rng), modEx: randomModEx(rng) })
      const info = audioInfo(bytes)!
      expect(info).toMatchObject({
        packetType,
        codec: audioCodecOfFourCc(tracks[0]!.fourCc),
        multitrack: { type: multitrack, tracks: tracks.map((t) => ({ trackId: t.trackId, codec: audioCodecOfFourCc(t.fourCc) })) },
      })
      const split = splitTracks('audio', bytes)!
      expect(split.map((t) => toHex(t.payload))).toEqual(tracks.map((t) => toHex(t.payload!)))
    })
  })
})

describe('encodeModEx', () => {
  it('writes size - 1 in a UI8 up to 255 bytes, then 255 and size - 1 in a UI16 up to 65536', () => {
    const head = (size: number): string => toHex(encodeModEx([{ type: 3, data: new Uint8Array(size) }], 1).subarray(0, 3))
    expect(head(1)).toBe('00 00 31') // size 1, one data byte, type 3 << 4 | CodedFrames
    expect(head(255).slice(0, 2)).toBe('fe')
    expect(head(256)).toBe('ff 00 ff')
    expect(head(257)).toBe('ff 01 00')
    expect(head(65536)).toBe('ff ff ff')
    expect(encodeModEx([{ type: 3, data: new Uint8Array(65536) }], 1).length).toBe(3 + 65536 + 1)
  })

  it('chains wrappers: every type byte but the last names ModEx (7) as the next packet type', () => {
    const bytes = encodeModEx([timestampOffsetNanoModEx(258), { type: 2, data: hex`aa` }], 0)
    expect(toHex(bytes)).toBe('02 00 01 02 07 00 aa 20')
  })

  it('refuses empty or oversized data and a type above 15', () => {
    expect(() => encodeModEx([{ type: 1, data: new Uint8Array(0) }], 1)).toThrowError(expect.objectContaining({ reason: 'ex-tag' }))
    expect(() => encodeModEx([{ type: 1, data: new Uint8Array(65537) }], 1)).toThrowError(expect.objectContaining({ reason: 'ex-tag' }))
    expect(() => encodeModEx([{ type: 16, data: hex`00` }], 1)).toThrowError(expect.objectContaining({ reason: 'ex-tag' }))
  })
})

describe('builder input checks', () => {
  const refused = (fn: () => unknown): string | undefined => {
    try {
      fn()
      return undefined
    } catch (err) {
      return err instanceof FlvError ? `${err.code} ${err.reason}` : 'untyped'
    }
  }
  const EX_TAG = 'RTMP_ERR_FLV_MALFORMED ex-tag'

  it('refuses packet types the decoders would refuse, and Multitrack/ModEx given as a plain packet type', () => {
    for (const packetType of [-1, 6, 7, 8, 1.5]) expect(refused(() => videoExTag({ frameType: 'key', packetType, fourCc: 'avc1' })), `video ${packetType}`).toBe(EX_TAG)
    for (const packetType of [3, 5, 6, 7, 15]) expect(refused(() => audioExTag({ packetType, fourCc: 'Opus' })), `audio ${packetType}`).toBe(EX_TAG)
  })

  it('refuses a composition time where the spec carries none, or one that does not fit SI24', () => {
    expect(refused(() => videoExTag({ frameType: 'key', packetType: 3, fourCc: 'avc1', compositionTime: 1 }))).toBe(EX_TAG)
    expect(refused(() => videoExTag({ frameType: 'key', packetType: 1, fourCc: 'vp09', compositionTime: 1 }))).toBe(EX_TAG)
    expect(refused(() => videoExTag({ frameType: 'key', packetType: 1, fourCc: 'avc1', compositionTime: 0x800000 }))).toBe(EX_TAG)
    expect(refused(() => videoExTag({ frameType: 'key', packetType: 1, fourCc: 'vp09', compositionTime: 0 }))).toBeUndefined()
  })

  it('refuses bad FourCCs, nano offsets, frame types, track ids and track lists', () => {
    expect(refused(() => videoExTag({ frameType: 'key', packetType: 0, fourCc: 'avc' }))).toBe(EX_TAG)
    expect(refused(() => videoExTag({ frameType: 'key', packetType: 0, fourCc: 'av€1' }))).toBe(EX_TAG)
    expect(refused(() => audioExTag({ packetType: 0, fourCc: 'Opus', timestampOffsetNano: 1_000_000 }))).toBe(EX_TAG)
    expect(refused(() => audioExTag({ packetType: 0, fourCc: 'Opus', timestampOffsetNano: -1 }))).toBe(EX_TAG)
    expect(refused(() => videoExTag({ frameType: 'command', packetType: 1, fourCc: 'avc1' }))).toBe(EX_TAG)
    expect(refused(() => videoExTag({ frameType: 'nope' as VideoFrameType, packetType: 1, fourCc: 'avc1' }))).toBe(EX_TAG)
    expect(refused(() => videoExCommandTag({ command: 256 }))).toBe(EX_TAG)
    expect(refused(() => videoExCommandTag({ command: 0, packetType: 4 }))).toBe(EX_TAG)
    const track = { trackId: 0, fourCc: 'Opus' }
    expect(refused(() => audioMultitrackTag({ packetType: 1, multitrack: 'one-track', tracks: [] }))).toBe(EX_TAG)
    expect(refused(() => audioMultitrackTag({ packetType: 1, multitrack: 'one-track', tracks: [track, track] }))).toBe(EX_TAG)
    expect(refused(() => audioMultitrackTag({ packetType: 1, multitrack: 'many-tracks', tracks: [track, { trackId: 1, fourCc: 'fLaC' }] }))).toBe(EX_TAG)
    expect(refused(() => audioMultitrackTag({ packetType: 1, multitrack: 'many-tracks', tracks: [{ trackId: 256, fourCc: 'Opus' }] }))).toBe(EX_TAG)
    expect(refused(() => audioMultitrackTag({ packetType: 1, multitrack: 'many-tracks', tracks: [{ trackId: 0, fourCc: 'Opus', payload: new Uint8Array(0x1000000) }] }))).toBe(EX_TAG)
    expect(refused(() => videoMultitrackTag({ frameType: 'key', packetType: 3, multitrack: 'one-track', tracks: [{ trackId: 0, fourCc: 'avc1', compositionTime: 5 }] }))).toBe(EX_TAG)
  })

  it('returns one fresh buffer: the payload is copied, not aliased', () => {
    const payload = hex`01 02 03`
    const bytes = audioExTag({ packetType: 1, fourCc: 'Opus', payload })
    payload[0] = 0xff
    expect(toHex(bytes)).toBe('91 4f 70 75 73 01 02 03')
  })
})
