import { BitReader } from './bit-reader'
import { FlvError } from './flv-error'

/** AV1 OBU types (AV1 spec 6.2.2) that matter here. */
export const Av1ObuType = { SequenceHeader: 1, TemporalDelimiter: 2, Metadata: 5, Frame: 6 } as const

/** What an AV1 sequence header OBU says (AV1 spec 5.5), up to the maximum frame size. */
export interface Av1SequenceHeader {
  readonly profile: number
  readonly stillPicture: boolean
  readonly reducedStillPictureHeader: boolean
  /** seq_level_idx of operating point 0 (0 = level 2.0, 31 = unconstrained). */
  readonly levelIdx: number
  readonly tier: 'main' | 'high'
  readonly operatingPoints: number
  readonly maxFrameWidth: number
  readonly maxFrameHeight: number
}

/** AV1CodecConfigurationRecord (av1C, "AV1 Codec ISO Media File Format Binding" 2.3). */
export interface Av1Config {
  readonly profile: number
  /** seq_level_idx_0 (0 = level 2.0, 31 = unconstrained). */
  readonly levelIdx: number
  readonly tier: 'main' | 'high'
  /** 8, 10 or 12 (from high_bitdepth and twelve_bit). */
  readonly bitDepth: number
  readonly monochrome: boolean
  readonly chromaSubsamplingX: boolean
  readonly chromaSubsamplingY: boolean
  readonly chromaSamplePosition: number
  /** initial_presentation_delay_minus_one + 1, when present. */
  readonly initialPresentationDelay?: number
  /** configOBUs, a view into the input. */
  readonly configObus: Uint8Array
  /** From the sequence header OBU in configOBUs, when there is one. */
  readonly sequenceHeader?: Av1SequenceHeader
  readonly width?: number
  readonly height?: number
}

/**
 * Parses an AV1CodecConfigurationRecord: pass the video payload after its header
 * (`data.subarray(videoInfo(data).payloadOffset)`) of an Enhanced `av01` SequenceStart. The size comes from
 * the sequence header OBU in configOBUs (max_frame_width/height); configOBUs may be empty.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'av1-config': marker or version not 1, truncated, or a
 * sequence header OBU that does not parse.
 */
export function parseAv1Config(record: Uint8Array): Av1Config {
  if (record.length < 4) throw new FlvError('av1-config', `AV1CodecConfigurationRecord: ${record.length} bytes, need 4`, 0)
  const b0 = record[0]!
  if (b0 !== 0x81) throw new FlvError('av1-config', `AV1CodecConfigurationRecord marker/version byte 0x${b0.toString(16)}, expected 0x81`, 0)
  const b1 = record[1]!
  const b2 = record[2]!
  const b3 = record[3]!
  const profile = b1 >> 5
  const highBitdepth = (b2 & 0x40) !== 0
  const twelveBit = (b2 & 0x20) !== 0
  const configObus = record.subarray(4)
  const config: Av1Config = {
    profile,
    levelIdx: b1 & 0x1f,
    tier: b2 & 0x80 ? 'high' : 'main',
    bitDepth: highBitdepth ? (profile === 2 && twelveBit ? 12 : 10) : 8,
    monochrome: (b2 & 0x10) !== 0,
    chromaSubsamplingX: (b2 & 0x08) !== 0,
    chromaSubsamplingY: (b2 & 0x04) !== 0,
    chromaSamplePosition: b2 & 0x03,
    ...(b3 & 0x10 ? { initialPresentationDelay: (b3 & 0x0f) + 1 } : {}),
    configObus,
  }
  const obu = findAv1Obu(configObus, Av1ObuType.SequenceHeader)
  if (obu === undefined) return config
  const sequenceHeader = parseAv1SequenceHeader(obu)
  return { ...config, sequenceHeader, width: sequenceHeader.maxFrameWidth, height: sequenceHeader.maxFrameHeight }
}

/**
 * The payload of the first OBU of `type` in a run of OBUs (low overhead bitstream format: each OBU with
 * obu_has_size_field set, except possibly the last), or undefined when there is none. Coded AV1 frames in
 * Enhanced RTMP use this format; a keyframe's temporal unit usually starts with a sequence header.
 *
 * @throws {FlvError} reason 'av1-config': a truncated OBU header or size, or a forbidden bit set.
 */
export function findAv1Obu(obus: Uint8Array, type: number): Uint8Array | undefined {
  let o = 0
  while (o < obus.length) {
    const header = obus[o]!
    if (header & 0x80) throw new FlvError('av1-config', 'OBU forbidden bit set', o)
    const obuType = (header >> 3) & 0x0f
    const hasExtension = (header & 0x04) !== 0
    const hasSize = (header & 0x02) !== 0
    let p = o + 1 + (hasExtension ? 1 : 0)
    if (p > obus.length) throw new FlvError('av1-config', 'OBU extension header cut short', o)
    let size = obus.length - p
    if (hasSize) {
      const leb = readLeb128(obus, p)
      p = leb.end
      size = leb.value
      if (p + size > obus.length) throw new FlvError('av1-config', `OBU of ${size} bytes, only ${obus.length - p} left`, p)
    }
    if (obuType === type) return obus.subarray(p, p + size)
    o = p + size
  }
  return undefined
}

/** leb128() (AV1 spec 4.10.5): at most 8 bytes, value below 2^32. */
function readLeb128(bytes: Uint8Array, offset: number): { value: number; end: number } {
  let value = 0
  for (let i = 0; i < 8; i++) {
    const b = bytes[offset + i]
    if (b === undefined) throw new FlvError('av1-config', 'OBU size (leb128) cut short', offset)
    value += (b & 0x7f) * 2 ** (7 * i)
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw new FlvError('av1-config', 'OBU size (leb128) ≥ 2^32', offset)
      return { value, end: offset + i + 1 }
    }
  }
  throw new FlvError('av1-config', 'OBU size (leb128) longer than 8 bytes', offset)
}

/**
 * Parses a sequence header OBU payload (AV1 spec 5.5.1) through max_frame_height_minus_1: reduced still
 * picture header, timing and decoder model info, and every operating point are walked.
 *
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED, reason 'av1-config': truncated or seq_profile > 2.
 */
export function parseAv1SequenceHeader(payload: Uint8Array): Av1SequenceHeader {
  const b = new BitReader(payload, 'av1-config', 'AV1 sequence header')
  const profile = b.bits(3)
  if (profile > 2) throw b.fail(`seq_profile ${profile} > 2`)
  const stillPicture = b.bit() === 1
  const reducedStillPictureHeader = b.bit() === 1
  let levelIdx: number
  let tier: 'main' | 'high' = 'main'
  let operatingPoints = 1
  if (reducedStillPictureHeader) {
    levelIdx = b.bits(5)
  } else {
    let bufferDelayLength = 0
    let decoderModelInfo = false
    if (b.bit() === 1) {
      // timing_info()
      b.skip(64) // num_units_in_display_tick, time_scale
      if (b.bit() === 1) uvlc(b) // equal_picture_interval → num_ticks_per_picture_minus_1
      decoderModelInfo = b.bit() === 1
      if (decoderModelInfo) {
        bufferDelayLength = b.bits(5) + 1
        b.skip(32 + 5 + 5) // num_units_in_decoding_tick, buffer_removal_time_length, frame_presentation_time_length
      }
    }
    const initialDisplayDelay = b.bit() === 1
    operatingPoints = b.bits(5) + 1
    levelIdx = 0
    for (let i = 0; i < operatingPoints; i++) {
      b.skip(12) // operating_point_idc
      const level = b.bits(5)
      const highTier = level > 7 && b.bit() === 1
      if (i === 0) {
        levelIdx = level
        tier = highTier ? 'high' : 'main'
      }
      if (decoderModelInfo && b.bit() === 1) b.skip(2 * bufferDelayLength + 1) // operating_parameters_info
      if (initialDisplayDelay && b.bit() === 1) b.skip(4)
    }
  }
  const widthBits = b.bits(4) + 1
  const heightBits = b.bits(4) + 1
  const maxFrameWidth = b.bits(widthBits) + 1
  const maxFrameHeight = b.bits(heightBits) + 1
  return { profile, stillPicture, reducedStillPictureHeader, levelIdx, tier, operatingPoints, maxFrameWidth, maxFrameHeight }
}

/** uvlc() (AV1 spec 4.10.3); only skipped here, so the value is not built. */
function uvlc(b: BitReader): void {
  let zeros = 0
  while (b.bit() === 0) zeros++
  if (zeros < 32) b.skip(zeros)
}
