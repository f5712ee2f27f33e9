import { ByteReader } from '../bytes/byte-reader'
import { unescapeRbsp } from './avc-config'
import { BitReader } from './bit-reader'
import { FlvError, flvTruncated } from './flv-error'

/** NAL unit types an HEVCDecoderConfigurationRecord usually carries (H.265 table 7-1). */
export const HevcNalType = { Vps: 32, Sps: 33, Pps: 34, PrefixSei: 39, SuffixSei: 40 } as const

/** What an H.265 sequence parameter set says about the picture (H.265 7.3.2.2). */
export interface HevcSpsInfo {
  readonly spsId: number
  readonly maxSubLayers: number
  readonly profileSpace: number
  readonly tier: 'main' | 'high'
  readonly profileIdc: number
  /** general_level_idc: 30 × the level number (93 = level 3.1). */
  readonly levelIdc: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number
  readonly separateColourPlane: boolean
  readonly bitDepthLuma: number
  readonly bitDepthChroma: number
  /** pic_width/height_in_luma_samples: the coded size. */
  readonly codedWidth: number
  readonly codedHeight: number
  /** Displayed size: the coded size minus the conformance window. */
  readonly width: number
  readonly height: number
}

/** One array of the record: NAL units of one type, views into the input (no copy). */
export interface HevcNalArray {
  readonly nalType: number
  /** array_completeness: every NAL unit of this type is in the record (none in band). */
  readonly complete: boolean
  readonly units: readonly Uint8Array[]
}

/** HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1), the body of an HEVC sequence header. */
export interface HevcConfig {
  readonly version: number
  readonly profileSpace: number
  readonly tier: 'main' | 'high'
  readonly profileIdc: number
  readonly profileCompatibility: number
  /** general_constraint_indicator_flags, 48 bits, as 6 bytes (a view into the input). */
  readonly constraintFlags: Uint8Array
  /** general_level_idc: 30 × the level number (93 = level 3.1). */
  readonly levelIdc: number
  readonly minSpatialSegmentation: number
  readonly parallelismType: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number
  readonly bitDepthLuma: number
  readonly bitDepthChroma: number
  /** In frames per 256 seconds; 0 = unspecified. */
  readonly avgFrameRate: number
  readonly constantFrameRate: number
  readonly numTemporalLayers: number
  readonly temporalIdNested: boolean
  /** Bytes of the length prefix in front of each NAL unit in coded frames: 1, 2 or 4. */
  readonly nalLengthSize: 1 | 2 | 4
  readonly arrays: readonly HevcNalArray[]
  /** From the first SPS; undefined when the record carries none (allowed when SPS travel in band). */
  readonly sps?: HevcSpsInfo
  readonly width?: number
  readonly height?: number
}

/**
 * Parses an HEVCDecoderConfigurationRecord: pass the video payload after its header
 * (`data.subarray(videoInfo(data).payloadOffset)`), legacy codec id 12 or Enhanced `hvc1` SequenceStart.
 * Reserved bits are not checked (encoders disagree on them). The size comes from the first SPS.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'hevc-config' (version ≠ 1, lengthSizeMinusOne = 2,
 * truncated) or 'hevc-sps' (the first SPS does not parse).
 */
export function parseHevcConfig(record: Uint8Array): HevcConfig {
  const r = new ByteReader(record, flvTruncated('hevc-config', 'HEVCDecoderConfigurationRecord'))
  const version = r.u8()
  if (version !== 1) throw new FlvError('hevc-config', `HEVCDecoderConfigurationRecord version ${version}, expected 1`, 0)
  const b1 = r.u8()
  const profileCompatibility = r.u32be()
  const constraintFlags = r.subarray(6)
  const levelIdc = r.u8()
  const minSpatialSegmentation = r.u16be() & 0x0fff
  const parallelismType = r.u8() & 0x03
  const chromaFormatIdc = r.u8() & 0x03
  const bitDepthLuma = (r.u8() & 0x07) + 8
  const bitDepthChroma = (r.u8() & 0x07) + 8
  const avgFrameRate = r.u16be()
  const b21 = r.u8()
  const lengthSize = (b21 & 0x03) + 1
  if (lengthSize === 3) throw new FlvError('hevc-config', 'lengthSizeMinusOne = 2 is not allowed', 21)
  const arrayCount = r.u8()
  const arrays: HevcNalArray[] = []
  for (let i = 0; i < arrayCount; i++) {
    const b = r.u8()
    const count = r.u16be()
    const units: Uint8Array[] = []
    for (let j = 0; j < count; j++) units.push(r.subarray(r.u16be()))
    arrays.push({ nalType: b & 0x3f, complete: (b & 0x80) !== 0, units })
  }
  const config: HevcConfig = {
    version,
    profileSpace: b1 >> 6,
    tier: b1 & 0x20 ? 'high' : 'main',
    profileIdc: b1 & 0x1f,
    profileCompatibility,
    constraintFlags,
    levelIdc,
    minSpatialSegmentation,
    parallelismType,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    avgFrameRate,
    constantFrameRate: b21 >> 6,
    numTemporalLayers: (b21 >> 3) & 0x07,
    temporalIdNested: (b21 & 0x04) !== 0,
    nalLengthSize: lengthSize as 1 | 2 | 4,
    arrays,
  }
  const first = arrays.find((a) => a.nalType === HevcNalType.Sps)?.units[0]
  if (first === undefined) return config
  const sps = parseHevcSps(first)
  return { ...config, sps, width: sps.width, height: sps.height }
}

/**
 * Parses an H.265 SPS NAL unit (with its 2-byte NAL header, type 33) up to the bit depths, after removing
 * emulation-prevention bytes. Later fields (VUI and the rest) are not read.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'hevc-sps': not NAL type 33, truncated, or
 * out-of-range values.
 */
export function parseHevcSps(nal: Uint8Array): HevcSpsInfo {
  const type = nal.length >= 2 ? (nal[0]! >> 1) & 0x3f : -1
  if (type !== HevcNalType.Sps) {
    throw new FlvError('hevc-sps', `expected an HEVC SPS NAL unit (type 33), got ${type < 0 ? 'nothing' : type}`, 0)
  }
  const b = new BitReader(unescapeRbsp(nal.subarray(2)), 'hevc-sps', 'HEVC SPS')
  b.skip(4) // sps_video_parameter_set_id
  const maxSubLayersMinus1 = b.bits(3)
  if (maxSubLayersMinus1 > 6) throw b.fail(`sps_max_sub_layers_minus1 ${maxSubLayersMinus1} > 6`)
  b.skip(1) // sps_temporal_id_nesting_flag
  // profile_tier_level(1, sps_max_sub_layers_minus1), 7.3.3
  const profileSpace = b.bits(2)
  const tier = b.bit() === 1 ? 'high' : 'main'
  const profileIdc = b.bits(5)
  b.skip(32 + 4 + 43 + 1) // compatibility flags, source flags, constraint flags, inbld/reserved
  const levelIdc = b.bits(8)
  const subProfile: boolean[] = []
  const subLevel: boolean[] = []
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subProfile.push(b.bit() === 1)
    subLevel.push(b.bit() === 1)
  }
  if (maxSubLayersMinus1 > 0) b.skip(2 * (8 - maxSubLayersMinus1)) // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subProfile[i]) b.skip(88)
    if (subLevel[i]) b.skip(8)
  }
  const spsId = b.ue()
  if (spsId > 15) throw b.fail(`sps_seq_parameter_set_id ${spsId} > 15`)
  const chromaFormatIdc = b.ue()
  if (chromaFormatIdc > 3) throw b.fail(`chroma_format_idc ${chromaFormatIdc} > 3`)
  const separateColourPlane = chromaFormatIdc === 3 && b.bit() === 1
  const codedWidth = b.ue()
  const codedHeight = b.ue()
  if (codedWidth === 0 || codedHeight === 0) throw b.fail(`picture size ${codedWidth}x${codedHeight}`)
  let left = 0
  let right = 0
  let top = 0
  let bottom = 0
  if (b.bit() === 1) {
    left = b.ue()
    right = b.ue()
    top = b.ue()
    bottom = b.ue()
  }
  const bitDepthLuma = 8 + b.ue()
  const bitDepthChroma = 8 + b.ue()
  if (bitDepthLuma > 16 || bitDepthChroma > 16) throw b.fail('bit depth > 16')
  // 7.4.3.2.1: offsets count in chroma samples (SubWidthC × SubHeightC luma samples)
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1
  const subHeightC = chromaArrayType === 1 ? 2 : 1
  const width = codedWidth - subWidthC * (left + right)
  const height = codedHeight - subHeightC * (top + bottom)
  if (width <= 0 || height <= 0) throw b.fail(`conformance window leaves ${width}x${height}`)
  return {
    spsId,
    maxSubLayers: maxSubLayersMinus1 + 1,
    profileSpace,
    tier,
    profileIdc,
    levelIdc,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    codedWidth,
    codedHeight,
    width,
    height,
  }
}
