import { describe, expect, it } from 'vitest'
import { describeVideoConfig } from '../../src/media/codec-config'
import { FlvError } from '../../src/media/flv-error'
import { videoInfo } from '../../src/media/flv-tag'
import { HevcNalType, parseHevcConfig, parseHevcSps } from '../../src/media/hevc-config'
import { BitWriter, escapeRbsp } from '../helpers/bit-writer'
import { concat, hex } from '../helpers/hex'
import { enhancedFixture } from './enhanced-fixtures'

interface SpsFields {
  maxSubLayersMinus1?: number
  /** [sub_layer_profile_present_flag, sub_layer_level_present_flag] per sub-layer */
  subLayers?: Array<[boolean, boolean]>
  tier?: 0 | 1
  profileIdc?: number
  levelIdc?: number
  spsId?: number
  chroma?: number
  separateColourPlane?: boolean
  width: number
  height: number
  window?: [number, number, number, number]
  bitDepthLuma?: number
  bitDepthChroma?: number
}

/** An H.265 SPS NAL unit (7.3.2.2) up to the bit depths plus a few later fields, emulation prevention applied. */
function hevcSps(f: SpsFields): Uint8Array {
  const w = new BitWriter()
  const maxSub = f.maxSubLayersMinus1 ?? 0
  w.u(4, 0).u(3, maxSub).u(1, 1) // vps id, sps_max_sub_layers_minus1, temporal_id_nesting
  // profile_tier_level: space, tier, profile, compatibility (all zero: plenty of 00 00 to escape), flags, level
  w.u(2, 0).u(1, f.tier ?? 0).u(5, f.profileIdc ?? 1).u(32, 0).u(4, 0b1001).u(43, 0).u(1, 0).u(8, f.levelIdc ?? 93)
  const subs = f.subLayers ?? []
  for (let i = 0; i < maxSub; i++) w.u(1, subs[i]?.[0] ? 1 : 0).u(1, subs[i]?.[1] ? 1 : 0)
  if (maxSub > 0) for (let i = maxSub; i < 8; i++) w.u(2, 0)
  for (let i = 0; i < maxSub; i++) {
    if (subs[i]?.[0]) w.u(44, 0x123456789ab).u(44, 0xfedcba98765) // sub-layer profile: 88 bits
    if (subs[i]?.[1]) w.u(8, 0xff) // sub-layer level
  }
  w.ue(f.spsId ?? 0).ue(f.chroma ?? 1)
  if ((f.chroma ?? 1) === 3) w.u(1, f.separateColourPlane ? 1 : 0)
  w.ue(f.width).ue(f.height)
  if (f.window) w.u(1, 1).ue(f.window[0]).ue(f.window[1]).ue(f.window[2]).ue(f.window[3])
  else w.u(1, 0)
  w.ue((f.bitDepthLuma ?? 8) - 8).ue((f.bitDepthChroma ?? 8) - 8)
  w.ue(4).u(1, 0) // log2_max_pic_order_cnt_lsb_minus4, sps_sub_layer_ordering_info_present_flag (not read)
  return concat([hex`42 01`, escapeRbsp(w.bytes(true))]) // NAL header: type 33, layer 0, tid 1
}

/** An hvcC around the given NAL units (one array per unit), general fields as given. */
function hvcc(units: Array<[number, Uint8Array]>, o: { version?: number; lengthSizeMinusOne?: number; b1?: number; level?: number } = {}): Uint8Array {
  const head = hex`
    ${(o.version ?? 1).toString(16).padStart(2, '0')} // configurationVersion
    ${(o.b1 ?? 0x01).toString(16).padStart(2, '0')} // profile_space 0, tier 0, profile_idc 1 (Main)
    60 00 00 00 // general_profile_compatibility_flags: Main, Main 10
    90 00 00 00 00 00 // general_constraint_indicator_flags: progressive, frame only
    ${(o.level ?? 93).toString(16).padStart(2, '0')} // general_level_idc
    f0 00 // reserved 1111, min_spatial_segmentation_idc 0
    fc // reserved 111111, parallelismType 0
    fd // reserved 111111, chromaFormat 1 (4:2:0)
    f8 // reserved 11111, bitDepthLumaMinus8 0
    f8 // reserved 11111, bitDepthChromaMinus8 0
    00 00 // avgFrameRate unspecified
    ${(0x0c | (o.lengthSizeMinusOne ?? 3)).toString(16).padStart(2, '0')} // constantFrameRate 0, 1 temporal layer, nested, lengthSizeMinusOne
    ${units.length.toString(16).padStart(2, '0')} // numOfArrays`
  const arrays = units.map(([type, nal]) => concat([Uint8Array.of(0x80 | type, 0, 1, nal.length >> 8, nal.length & 0xff), nal]))
  return concat([head, ...arrays])
}

const VPS = hex`40 01 0c 01 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d 95 98 09`
const PPS = hex`44 01 c1 72 b4 62 40`

describe('parseHevcConfig', () => {
  it('reads the hvcC ffmpeg 9 / libx265 sent for 318x178 Main (ffprobe: Main, level 60, coded 320x192)', () => {
    const data = enhancedFixture('hevc-main-318x178.seqstart')
    const info = videoInfo(data)!
    expect(info).toMatchObject({ codec: 'hevc', fourCc: 'hvc1', isSequenceHeader: true, payloadOffset: 5 })
    const c = parseHevcConfig(data.subarray(info.payloadOffset))
    expect(c).toMatchObject({
      version: 1,
      profileSpace: 0,
      tier: 'main',
      profileIdc: 1,
      profileCompatibility: 0x60000000,
      levelIdc: 60,
      chromaFormatIdc: 1,
      bitDepthLuma: 8,
      bitDepthChroma: 8,
      numTemporalLayers: 1,
      temporalIdNested: true,
      nalLengthSize: 4,
      width: 318,
      height: 178,
    })
    expect(c.arrays.map((a) => a.nalType)).toEqual([HevcNalType.Vps, HevcNalType.Sps, HevcNalType.Pps, HevcNalType.PrefixSei])
    expect(c.sps).toMatchObject({ codedWidth: 320, codedHeight: 192, profileIdc: 1, levelIdc: 60, chromaFormatIdc: 1 })
    // the NAL units are views into the payload, not copies
    expect(c.arrays[1]!.units[0]!.buffer).toBe(data.buffer)
  })

  it('reads a Main 10 record (ffprobe: Main 10, 320x240, yuv420p10le)', () => {
    const data = enhancedFixture('hevc-main10-320x240.seqstart')
    const c = parseHevcConfig(data.subarray(5))
    expect(c).toMatchObject({ profileIdc: 2, bitDepthLuma: 10, bitDepthChroma: 10, width: 320, height: 240 })
    expect(c.sps).toMatchObject({ bitDepthLuma: 10, codedWidth: 320, codedHeight: 240 })
  })

  it('reads legacy codec id 12 (pre-Enhanced HEVC in FLV) the same way', () => {
    const record = hvcc([[32, VPS], [33, hevcSps({ width: 1920, height: 1088, window: [0, 0, 0, 4] })], [34, PPS]])
    const tag = concat([hex`1c // key | codec 12
                             00 00 00 00 // sequence header, CT 0`, record])
    expect(videoInfo(tag)).toMatchObject({ codec: 'hevc', enhanced: false, isSequenceHeader: true, payloadOffset: 5 })
    expect(describeVideoConfig(tag)).toMatchObject({ codec: 'hevc', profile: 1, level: 93, width: 1920, height: 1080 })
  })

  it('accepts a record without an SPS (parameter sets in band): no size', () => {
    const c = parseHevcConfig(hvcc([[32, VPS]]))
    expect(c.sps).toBeUndefined()
    expect(c.width).toBeUndefined()
  })

  it('refuses version 0, lengthSizeMinusOne 2, and every truncation with FlvError reason hevc-config', () => {
    const record = hvcc([[32, VPS], [33, hevcSps({ width: 64, height: 64 })], [34, PPS]])
    expect(() => parseHevcConfig(hvcc([], { version: 0 }))).toThrowError(expect.objectContaining({ reason: 'hevc-config', offset: 0 }))
    expect(() => parseHevcConfig(hvcc([], { lengthSizeMinusOne: 2 }))).toThrowError(expect.objectContaining({ reason: 'hevc-config' }))
    for (let n = 0; n < record.length; n++) {
      const cut = record.subarray(0, n)
      let caught: unknown
      try {
        parseHevcConfig(cut)
      } catch (err) {
        caught = err
      }
      expect(caught, `cut at ${n}`).toBeInstanceOf(FlvError)
      expect((caught as FlvError).reason, `cut at ${n}`).toBe('hevc-config')
    }
  })

  it('reports an SPS that does not parse as reason hevc-sps', () => {
    const broken = hevcSps({ width: 64, height: 64 }).subarray(0, 10)
    expect(() => parseHevcConfig(hvcc([[33, broken]]))).toThrowError(expect.objectContaining({ reason: 'hevc-sps' }))
  })
})

describe('parseHevcSps', () => {
  it('removes emulation prevention bytes (the all-zero compatibility flags need several)', () => {
    const nal = hevcSps({ width: 1280, height: 720, levelIdc: 120 })
    expect(Array.from(nal.subarray(2, 12))).toContain(3)
    expect(parseHevcSps(nal)).toMatchObject({ width: 1280, height: 720, codedWidth: 1280, levelIdc: 120, tier: 'main', maxSubLayers: 1 })
  })

  it('walks sub-layer profile and level fields before the size', () => {
    const subLayers: Array<[boolean, boolean]> = [[true, true], [false, true], [true, false]]
    const s = parseHevcSps(hevcSps({ maxSubLayersMinus1: 3, subLayers, width: 640, height: 360, tier: 1, profileIdc: 2, spsId: 5 }))
    expect(s).toMatchObject({ maxSubLayers: 4, width: 640, height: 360, tier: 'high', profileIdc: 2, spsId: 5 })
  })

  it('counts the conformance window in chroma units: 4:2:0 ×2×2, 4:2:2 ×2×1, 4:4:4 and monochrome ×1', () => {
    const window: [number, number, number, number] = [1, 2, 3, 4]
    const sizes = [0, 1, 2, 3].map((chroma) => parseHevcSps(hevcSps({ chroma, width: 200, height: 100, window })))
    expect(sizes.map((s) => [s.width, s.height])).toEqual([
      [197, 93], // monochrome: 200 - 3, 100 - 7
      [194, 86], // 4:2:0
      [194, 93], // 4:2:2
      [197, 93], // 4:4:4
    ])
    // separate colour planes are coded as monochrome: crop unit 1
    expect(parseHevcSps(hevcSps({ chroma: 3, separateColourPlane: true, width: 200, height: 100, window }))).toMatchObject({
      separateColourPlane: true,
      width: 197,
      height: 93,
    })
  })

  it('reads bit depths and the 4:2:2 chroma format', () => {
    expect(parseHevcSps(hevcSps({ chroma: 2, width: 64, height: 64, bitDepthLuma: 12, bitDepthChroma: 10 }))).toMatchObject({
      chromaFormatIdc: 2,
      bitDepthLuma: 12,
      bitDepthChroma: 10,
    })
  })

  it('refuses other NAL types, a window larger than the picture, and out-of-range fields', () => {
    const bad = (nal: Uint8Array): string | undefined => {
      try {
        parseHevcSps(nal)
        return undefined
      } catch (err) {
        return err instanceof FlvError ? err.reason : 'untyped'
      }
    }
    expect(bad(VPS)).toBe('hevc-sps')
    expect(bad(new Uint8Array(0))).toBe('hevc-sps')
    expect(bad(hevcSps({ width: 16, height: 16, window: [8, 0, 0, 0] }))).toBe('hevc-sps')
    expect(bad(hevcSps({ width: 16, height: 16, spsId: 16 }))).toBe('hevc-sps')
    expect(bad(hevcSps({ width: 16, height: 16, chroma: 4 }))).toBe('hevc-sps')
    expect(bad(hevcSps({ width: 0, height: 16 }))).toBe('hevc-sps')
    expect(bad(hevcSps({ width: 16, height: 16, maxSubLayersMinus1: 7 }))).toBe('hevc-sps')
  })
})
