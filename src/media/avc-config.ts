import { ByteReader } from '../bytes/byte-reader'
import { BitReader } from './bit-reader'
import { FlvError, flvTruncated } from './flv-error'

/** What an H.264 sequence parameter set says about the picture (H.264 7.3.2.1.1 / 7.4.2.1.1). */
export interface SpsInfo {
  readonly profileIdc: number
  readonly constraintFlags: number
  readonly levelIdc: number
  readonly spsId: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 unless a high profile says otherwise). */
  readonly chromaFormatIdc: number
  readonly bitDepthLuma: number
  readonly bitDepthChroma: number
  readonly frameMbsOnly: boolean
  /** Displayed size: macroblocks × 16 minus the frame cropping. */
  readonly width: number
  readonly height: number
}

/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1), the body of an AVC sequence header. */
export interface AvcConfig {
  readonly profile: number
  readonly compatibility: number
  readonly level: number
  /** Bytes of the length prefix in front of each NAL unit in coded frames: 1, 2 or 4. */
  readonly nalLengthSize: 1 | 2 | 4
  /** SPS / PPS NAL units, views into the input (no copy). */
  readonly sps: readonly Uint8Array[]
  readonly pps: readonly Uint8Array[]
  /** From the first SPS. */
  readonly width: number
  readonly height: number
  readonly spsInfo: SpsInfo
}

/**
 * Parses an AVCDecoderConfigurationRecord: pass the video payload after its 5-byte header
 * (`data.subarray(videoInfo(data).payloadOffset)`). The trailing high-profile extension (chroma format, bit
 * depth, SPS-ext) is not read: the SPS carries the same information. Reserved bits are not checked (some
 * encoders write zeros).
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'avc-config' (version ≠ 1, length size 3, no SPS,
 * truncated) or 'sps' (the first SPS does not parse).
 */
export function parseAvcConfig(record: Uint8Array): AvcConfig {
  const r = new ByteReader(record, flvTruncated('avc-config', 'AVCDecoderConfigurationRecord'))
  const version = r.u8()
  if (version !== 1) throw new FlvError('avc-config', `AVCDecoderConfigurationRecord version ${version}, expected 1`, 0)
  const profile = r.u8()
  const compatibility = r.u8()
  const level = r.u8()
  const lengthSize = (r.u8() & 0x03) + 1
  if (lengthSize === 3) throw new FlvError('avc-config', 'lengthSizeMinusOne = 2 is not allowed', 4)
  const sps: Uint8Array[] = []
  const pps: Uint8Array[] = []
  const spsCount = r.u8() & 0x1f
  for (let i = 0; i < spsCount; i++) sps.push(r.subarray(r.u16be()))
  const ppsCount = r.u8()
  for (let i = 0; i < ppsCount; i++) pps.push(r.subarray(r.u16be()))
  const first = sps[0]
  if (first === undefined) throw new FlvError('avc-config', 'AVCDecoderConfigurationRecord has no SPS', 5)
  const spsInfo = parseSps(first)
  return {
    profile,
    compatibility,
    level,
    nalLengthSize: lengthSize as 1 | 2 | 4,
    sps,
    pps,
    width: spsInfo.width,
    height: spsInfo.height,
    spsInfo,
  }
}

// profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling matrices
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135])

/**
 * Parses an H.264 SPS NAL unit (with its 1-byte NAL header, type 7) up to the frame cropping, after removing
 * emulation-prevention bytes. VUI is not read.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'sps': not NAL type 7, truncated, or out-of-range values.
 */
export function parseSps(nal: Uint8Array): SpsInfo {
  const header = nal[0]
  if (header === undefined || (header & 0x1f) !== 7) {
    throw new FlvError('sps', `expected an SPS NAL unit (type 7), got ${header === undefined ? 'nothing' : header & 0x1f}`, 0)
  }
  const b = new BitReader(unescapeRbsp(nal.subarray(1)), 'sps', 'SPS')
  const profileIdc = b.bits(8)
  const constraintFlags = b.bits(8)
  const levelIdc = b.bits(8)
  const spsId = b.ue()
  if (spsId > 31) throw b.fail(`seq_parameter_set_id ${spsId} > 31`)
  let chromaFormatIdc = 1
  let separateColourPlane = false
  let bitDepthLuma = 8
  let bitDepthChroma = 8
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = b.ue()
    if (chromaFormatIdc > 3) throw b.fail(`chroma_format_idc ${chromaFormatIdc} > 3`)
    if (chromaFormatIdc === 3) separateColourPlane = b.bit() === 1
    bitDepthLuma = 8 + b.ue()
    bitDepthChroma = 8 + b.ue()
    if (bitDepthLuma > 14 || bitDepthChroma > 14) throw b.fail('bit depth > 14')
    b.skip(1) // qpprime_y_zero_transform_bypass_flag
    if (b.bit() === 1) {
      // seq_scaling_matrix_present_flag: the lists are only skipped, but their length depends on content
      const lists = chromaFormatIdc === 3 ? 12 : 8
      for (let i = 0; i < lists; i++) if (b.bit() === 1) skipScalingList(b, i < 6 ? 16 : 64)
    }
  }
  const log2MaxFrameNumMinus4 = b.ue()
  if (log2MaxFrameNumMinus4 > 12) throw b.fail(`log2_max_frame_num_minus4 ${log2MaxFrameNumMinus4} > 12`)
  const pocType = b.ue()
  if (pocType === 0) {
    b.ue() // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    b.skip(1) // delta_pic_order_always_zero_flag
    b.se() // offset_for_non_ref_pic
    b.se() // offset_for_top_to_bottom_field
    const cycle = b.ue()
    if (cycle > 255) throw b.fail(`num_ref_frames_in_pic_order_cnt_cycle ${cycle} > 255`)
    for (let i = 0; i < cycle; i++) b.se()
  } else if (pocType !== 2) {
    throw b.fail(`pic_order_cnt_type ${pocType} > 2`)
  }
  b.ue() // max_num_ref_frames
  b.skip(1) // gaps_in_frame_num_value_allowed_flag
  const widthMbs = b.ue() + 1
  const heightMapUnits = b.ue() + 1
  const frameMbsOnly = b.bit() === 1
  if (!frameMbsOnly) b.skip(1) // mb_adaptive_frame_field_flag
  b.skip(1) // direct_8x8_inference_flag
  let cropLeft = 0
  let cropRight = 0
  let cropTop = 0
  let cropBottom = 0
  if (b.bit() === 1) {
    cropLeft = b.ue()
    cropRight = b.ue()
    cropTop = b.ue()
    cropBottom = b.ue()
  }
  // 7.4.2.1.1: crop units depend on ChromaArrayType and field coding
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1
  const subHeightC = chromaArrayType === 1 ? 2 : 1
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2)
  const width = widthMbs * 16 - (cropLeft + cropRight) * cropUnitX
  const height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - (cropTop + cropBottom) * cropUnitY
  if (width <= 0 || height <= 0) throw b.fail(`frame cropping leaves ${width}x${height}`)
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    width,
    height,
  }
}

function skipScalingList(b: BitReader, size: number): void {
  let last = 8
  let next = 8
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = b.se()
      if (delta < -128 || delta > 127) throw b.fail(`delta_scale ${delta} out of range`)
      next = (last + delta + 256) % 256
    }
    last = next === 0 ? last : next
  }
}

/**
 * NAL payload → RBSP: drops each 0x03 that follows two zero bytes (emulation prevention, H.264 7.4.1).
 * Returns the input itself when there is nothing to drop.
 */
export function unescapeRbsp(bytes: Uint8Array): Uint8Array {
  let i = findEscape(bytes, 0)
  if (i < 0) return bytes
  const out = new Uint8Array(bytes.length)
  let n = 0
  let from = 0
  while (i >= 0) {
    out.set(bytes.subarray(from, i), n) // up to and including the two zeros
    n += i - from
    from = i + 1 // skip the 0x03
    i = findEscape(bytes, from)
  }
  out.set(bytes.subarray(from), n)
  n += bytes.length - from
  return out.subarray(0, n)
}

/** Index of the next emulation-prevention 0x03 (preceded by 00 00) at or after `from`, or -1. */
function findEscape(bytes: Uint8Array, from: number): number {
  let zeros = 0
  for (let i = from; i < bytes.length; i++) {
    const v = bytes[i]!
    if (zeros >= 2 && v === 3) return i
    zeros = v === 0 ? zeros + 1 : 0
  }
  return -1
}
