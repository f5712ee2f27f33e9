import { BitReader } from './bit-reader'
import { FlvError } from './flv-error'

/**
 * VP Codec Configuration Record (vpcC, "VP Codec ISO Media File Format Binding" 2.2), the body of an
 * Enhanced `vp09` / `vp08` SequenceStart. It carries no picture size: read it from a keyframe
 * (`vp9FrameSize`).
 */
export interface VpConfig {
  readonly profile: number
  /** 10 × the level number (11 = level 1.1); 0 when not set. */
  readonly level: number
  readonly bitDepth: number
  /** 0 4:2:0 vertical, 1 4:2:0 colocated with luma (0,0), 2 4:2:2, 3 4:4:4. */
  readonly chromaSubsampling: number
  readonly videoFullRange: boolean
  /** ISO/IEC 23091-4 (H.273) code points. */
  readonly colourPrimaries: number
  readonly transferCharacteristics: number
  readonly matrixCoefficients: number
  /** codecInitializationData, a view into the input (empty for VP8 and VP9). */
  readonly codecInitializationData: Uint8Array
}

/**
 * Parses a VPCodecConfigurationRecord, with or without the FullBox version/flags in front (ffmpeg writes
 * them: `01 00 00 00`, version 1; a bare record cannot start with a profile of 1 and three zero bytes,
 * since bitDepth 0 is not allowed). codecInitializationDataSize may be left out when zero.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'vp-config': FullBox version ≠ 1, truncated, bitDepth
 * not 8/10/12, or chromaSubsampling > 3.
 */
export function parseVpConfig(record: Uint8Array): VpConfig {
  // a bare record with level 0 and a zero bitDepth byte would be invalid anyway: three zeros mean FullBox flags
  const fullBox = record.length >= 4 && record[1] === 0 && record[2] === 0 && record[3] === 0
  if (fullBox && record[0] !== 1) throw new FlvError('vp-config', `vpcC version ${record[0]}, expected 1`, 0)
  const o = fullBox ? 4 : 0
  if (record.length < o + 6) throw new FlvError('vp-config', `VPCodecConfigurationRecord: ${record.length} bytes, need ${o + 6}`, 0)
  const b = record[o + 2]!
  const bitDepth = b >> 4
  const chromaSubsampling = (b >> 1) & 0x07
  if (bitDepth !== 8 && bitDepth !== 10 && bitDepth !== 12) throw new FlvError('vp-config', `bitDepth ${bitDepth}, expected 8, 10 or 12`, o + 2)
  if (chromaSubsampling > 3) throw new FlvError('vp-config', `chromaSubsampling ${chromaSubsampling} > 3`, o + 2)
  let codecInitializationData = record.subarray(0, 0)
  if (record.length >= o + 8) {
    const size = (record[o + 6]! << 8) | record[o + 7]!
    if (o + 8 + size > record.length) throw new FlvError('vp-config', `codecInitializationData of ${size} bytes, only ${record.length - o - 8} left`, o + 6)
    codecInitializationData = record.subarray(o + 8, o + 8 + size)
  }
  return {
    profile: record[o]!,
    level: record[o + 1]!,
    bitDepth,
    chromaSubsampling,
    videoFullRange: (b & 0x01) !== 0,
    colourPrimaries: record[o + 3]!,
    transferCharacteristics: record[o + 4]!,
    matrixCoefficients: record[o + 5]!,
    codecInitializationData,
  }
}

/** What a VP9 keyframe (or intra-only frame) header says (VP9 bitstream spec 6.2). */
export interface Vp9FrameInfo {
  readonly profile: number
  readonly keyframe: boolean
  readonly bitDepth: number
  /** color_space (0 unknown … 7 sRGB). */
  readonly colorSpace: number
  readonly fullRange: boolean
  readonly subsamplingX: boolean
  readonly subsamplingY: boolean
  readonly width: number
  readonly height: number
}

const CS_RGB = 7

/**
 * Reads the uncompressed header of the first frame in a VP9 frame (or superframe) payload up to its size:
 * frame marker, profile, show_existing_frame, frame type, sync code 49 83 42, color config,
 * frame_width/height_minus_1. Returns undefined for frames that carry no size (inter frames,
 * show_existing_frame).
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'vp9-frame': bad frame marker or sync code, a reserved
 * bit set, or truncated.
 */
export function vp9FrameSize(frame: Uint8Array): Vp9FrameInfo | undefined {
  const b = new BitReader(frame, 'vp9-frame', 'VP9 frame header')
  const marker = b.bits(2)
  if (marker !== 2) throw b.fail(`frame_marker ${marker}, expected 2`)
  const low = b.bit()
  const profile = (b.bit() << 1) | low
  if (profile === 3 && b.bit() !== 0) throw b.fail('reserved_zero bit set')
  if (b.bit() === 1) return undefined // show_existing_frame
  const keyframe = b.bit() === 0
  const showFrame = b.bit() === 1
  const errorResilient = b.bit() === 1
  if (!keyframe) {
    const intraOnly = showFrame ? false : b.bit() === 1
    if (!intraOnly) return undefined
    if (!errorResilient) b.skip(2) // reset_frame_context
    syncCode(b)
    // intra-only frames of profile 0 have no color_config: 8-bit 4:2:0 BT.601 (spec 6.2)
    const color = profile > 0 ? colorConfig(b, profile) : { bitDepth: 8, colorSpace: 1, fullRange: false, subsamplingX: true, subsamplingY: true }
    b.skip(8) // refresh_frame_flags
    return { profile, keyframe, ...color, ...frameSize(b) }
  }
  syncCode(b)
  const color = colorConfig(b, profile)
  return { profile, keyframe, ...color, ...frameSize(b) }
}

function syncCode(b: BitReader): void {
  const code = b.bits(24)
  if (code !== 0x498342) throw b.fail(`frame_sync_code 0x${code.toString(16)}, expected 0x498342`)
}

function colorConfig(b: BitReader, profile: number): Omit<Vp9FrameInfo, 'profile' | 'keyframe' | 'width' | 'height'> {
  const bitDepth = profile >= 2 ? (b.bit() === 1 ? 12 : 10) : 8
  const colorSpace = b.bits(3)
  let fullRange = true
  let subsamplingX = false
  let subsamplingY = false
  if (colorSpace !== CS_RGB) {
    fullRange = b.bit() === 1
    if (profile === 1 || profile === 3) {
      subsamplingX = b.bit() === 1
      subsamplingY = b.bit() === 1
      if (b.bit() !== 0) throw b.fail('reserved_zero bit set')
    } else {
      subsamplingX = subsamplingY = true
    }
  } else if (profile === 1 || profile === 3) {
    if (b.bit() !== 0) throw b.fail('reserved_zero bit set')
  } else {
    throw b.fail(`sRGB color space in profile ${profile}`)
  }
  return { bitDepth, colorSpace, fullRange, subsamplingX, subsamplingY }
}

function frameSize(b: BitReader): { width: number; height: number } {
  return { width: b.bits(16) + 1, height: b.bits(16) + 1 }
}
