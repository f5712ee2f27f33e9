import { describe, expect, it } from 'vitest'
import { Av1ObuType, findAv1Obu, parseAv1Config, parseAv1SequenceHeader } from '../../src/media/av1-config'
import { FlvError } from '../../src/media/flv-error'
import { videoInfo } from '../../src/media/flv-tag'
import { BitWriter } from '../helpers/bit-writer'
import { concat, hex } from '../helpers/hex'
import { enhancedFixture } from './enhanced-fixtures'

interface OperatingPoint {
  idc?: number
  level: number
  tier?: 0 | 1
  /** decoder_model_present_for_this_op (needs `decoderModel`) */
  decoderModel?: boolean
  /** initial_display_delay_minus_1 (needs `initialDisplayDelay`) */
  displayDelay?: number
}

interface SeqFields {
  profile?: number
  still?: boolean
  reduced?: boolean
  /** reduced_still_picture_header: seq_level_idx[0] */
  level?: number
  timing?: { equalPictureInterval?: number; decoderModel?: { bufferDelayLengthMinus1: number } }
  initialDisplayDelay?: boolean
  ops?: OperatingPoint[]
  width: number
  height: number
}

/** A sequence header OBU payload (AV1 spec 5.5) through max_frame_height_minus_1, then a few flags we do not read. */
function seqHeader(f: SeqFields): Uint8Array {
  const w = new BitWriter()
  w.u(3, f.profile ?? 0).u(1, f.still ? 1 : 0).u(1, f.reduced ? 1 : 0)
  if (f.reduced) {
    w.u(5, f.level ?? 0)
  } else {
    w.u(1, f.timing ? 1 : 0)
    const model = f.timing?.decoderModel
    if (f.timing) {
      w.u(32, 1).u(32, 25) // num_units_in_display_tick, time_scale
      const equal = f.timing.equalPictureInterval
      w.u(1, equal === undefined ? 0 : 1)
      if (equal !== undefined) {
        // uvlc(): leading zeros, a 1, then that many bits
        const x = equal + 1
        const n = Math.floor(Math.log2(x))
        w.u(n, 0).u(1, 1).u(n, x - 2 ** n)
      }
      w.u(1, model ? 1 : 0)
      if (model) w.u(5, model.bufferDelayLengthMinus1).u(32, 1).u(5, 31).u(5, 31)
    }
    w.u(1, f.initialDisplayDelay ? 1 : 0)
    const ops = f.ops ?? [{ level: 8 }]
    w.u(5, ops.length - 1)
    for (const op of ops) {
      w.u(12, op.idc ?? 0).u(5, op.level)
      if (op.level > 7) w.u(1, op.tier ?? 0)
      if (model) {
        w.u(1, op.decoderModel ? 1 : 0)
        if (op.decoderModel) {
          const n = model.bufferDelayLengthMinus1 + 1
          w.u(n, 2 ** n - 1).u(n, 0).u(1, 1) // decoder_buffer_delay, encoder_buffer_delay, low_delay_mode_flag
        }
      }
      if (f.initialDisplayDelay) {
        w.u(1, op.displayDelay === undefined ? 0 : 1)
        if (op.displayDelay !== undefined) w.u(4, op.displayDelay)
      }
    }
  }
  const bits = (v: number): number => Math.max(1, Math.ceil(Math.log2(v)))
  const wb = bits(f.width)
  const hb = bits(f.height)
  w.u(4, wb - 1).u(4, hb - 1).u(wb, f.width - 1).u(hb, f.height - 1)
  w.u(1, 0).u(1, 1).u(1, 0) // frame_id_numbers_present_flag (if not reduced), use_128x128_superblock, ...
  return w.bytes(true)
}

function leb128(n: number): number[] {
  const out: number[] = []
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0))
    n = Math.floor(n / 128)
  } while (n > 0)
  return out
}

function obu(type: number, payload: Uint8Array, o: { size?: boolean; extension?: boolean } = {}): Uint8Array {
  const size = o.size ?? true
  const header = [(type << 3) | (o.extension ? 0x04 : 0) | (size ? 0x02 : 0)]
  if (o.extension) header.push(0x28) // temporal_id 1, spatial_id 1
  return concat([Uint8Array.from(size ? [...header, ...leb128(payload.length)] : header), payload])
}

function av1c(b1: number, b2: number, obus: Uint8Array = new Uint8Array(0), b3 = 0): Uint8Array {
  return concat([Uint8Array.of(0x81, b1, b2, b3), obus])
}

describe('parseAv1Config', () => {
  it('reads the av1C ffmpeg 9 / libaom sent for 322x182 (ffprobe: Main, level 0, yuv420p)', () => {
    const data = enhancedFixture('av1-libaom-322x182.seqstart')
    expect(videoInfo(data)).toMatchObject({ codec: 'av1', fourCc: 'av01', isSequenceHeader: true, payloadOffset: 5 })
    const c = parseAv1Config(data.subarray(5))
    expect(c).toMatchObject({
      profile: 0,
      levelIdx: 0,
      tier: 'main',
      bitDepth: 8,
      monochrome: false,
      chromaSubsamplingX: true,
      chromaSubsamplingY: true,
      chromaSamplePosition: 0,
      width: 322,
      height: 182,
    })
    expect(c.initialPresentationDelay).toBeUndefined()
    expect(c.sequenceHeader).toMatchObject({ reducedStillPictureHeader: false, operatingPoints: 1, maxFrameWidth: 322 })
  })

  it('reads SVT-AV1 (initial display delay signalled) at 320x240', () => {
    const c = parseAv1Config(enhancedFixture('av1-svt-320x240.seqstart').subarray(5))
    expect(c).toMatchObject({ profile: 0, levelIdx: 0, width: 320, height: 240 })
  })

  it('reads bit depth, monochrome, subsampling and the initial presentation delay from the fixed bytes', () => {
    // profile 2, level 13; tier 1, high_bitdepth, twelve_bit, not mono, 4:2:2 (x only), position 2; delay present, 3
    const c = parseAv1Config(av1c((2 << 5) | 13, 0b1110_1010, undefined, 0x12))
    expect(c).toMatchObject({ profile: 2, levelIdx: 13, tier: 'high', bitDepth: 12, chromaSubsamplingX: true, chromaSubsamplingY: false })
    expect(c).toMatchObject({ chromaSamplePosition: 2, initialPresentationDelay: 3 })
    expect(c.width).toBeUndefined() // configOBUs empty
    expect(parseAv1Config(av1c(1 << 5, 0b0101_0000)).bitDepth).toBe(10) // twelve_bit only counts in profile 2
    expect(parseAv1Config(av1c(0, 0b0001_1100)).monochrome).toBe(true)
  })

  it('refuses a wrong marker/version byte and a record shorter than 4 bytes', () => {
    expect(() => parseAv1Config(hex`01 00 0c 00`)).toThrowError(expect.objectContaining({ reason: 'av1-config', offset: 0 }))
    expect(() => parseAv1Config(hex`82 00 0c 00`)).toThrowError(expect.objectContaining({ reason: 'av1-config' }))
    expect(() => parseAv1Config(hex`81 00 0c`)).toThrowError(expect.objectContaining({ reason: 'av1-config' }))
  })

  it('finds the sequence header after other OBUs in configOBUs', () => {
    const obus = concat([obu(Av1ObuType.Metadata, hex`04 01 02`), obu(Av1ObuType.SequenceHeader, seqHeader({ width: 1920, height: 1080 }))])
    expect(parseAv1Config(av1c(8, 0x0c, obus))).toMatchObject({ width: 1920, height: 1080 })
  })
})

describe('parseAv1SequenceHeader', () => {
  it('reads a reduced still picture header (no operating point loop)', () => {
    const s = parseAv1SequenceHeader(seqHeader({ profile: 1, still: true, reduced: true, level: 9, width: 4096, height: 2304 }))
    expect(s).toMatchObject({ profile: 1, stillPicture: true, reducedStillPictureHeader: true, levelIdx: 9, tier: 'main' })
    expect(s).toMatchObject({ operatingPoints: 1, maxFrameWidth: 4096, maxFrameHeight: 2304 })
  })

  it('walks timing info, the decoder model and every operating point; level and tier come from point 0', () => {
    const s = parseAv1SequenceHeader(
      seqHeader({
        profile: 0,
        timing: { equalPictureInterval: 5, decoderModel: { bufferDelayLengthMinus1: 20 } },
        initialDisplayDelay: true,
        ops: [
          { idc: 0x103, level: 12, tier: 1, decoderModel: true, displayDelay: 9 },
          { idc: 0x101, level: 5, decoderModel: false },
          { idc: 0x100, level: 31, tier: 0, decoderModel: true, displayDelay: 2 },
        ],
        width: 1281,
        height: 721,
      }),
    )
    expect(s).toMatchObject({ levelIdx: 12, tier: 'high', operatingPoints: 3, maxFrameWidth: 1281, maxFrameHeight: 721 })
  })

  it('reads timing info without equal picture interval nor decoder model', () => {
    const s = parseAv1SequenceHeader(seqHeader({ timing: {}, ops: [{ level: 4 }], width: 640, height: 480 }))
    expect(s).toMatchObject({ levelIdx: 4, tier: 'main', maxFrameWidth: 640, maxFrameHeight: 480 })
  })

  it('refuses seq_profile 3 and a header that ends before the frame size', () => {
    expect(() => parseAv1SequenceHeader(Uint8Array.of(0x60))).toThrowError(expect.objectContaining({ reason: 'av1-config' }))
    const full = seqHeader({ width: 640, height: 480 })
    for (let n = 0; n < 5; n++) expect(() => parseAv1SequenceHeader(full.subarray(0, n)), `cut at ${n}`).toThrow(FlvError)
  })
})

describe('findAv1Obu', () => {
  it('reads the sequence header out of a coded keyframe (temporal delimiter first)', () => {
    const data = enhancedFixture('av1-libaom-322x182.keyframe')
    const payload = data.subarray(videoInfo(data)!.payloadOffset)
    const seq = findAv1Obu(payload, Av1ObuType.SequenceHeader)!
    expect(parseAv1SequenceHeader(seq)).toMatchObject({ maxFrameWidth: 322, maxFrameHeight: 182 })
    expect(findAv1Obu(payload, Av1ObuType.TemporalDelimiter)!.length).toBe(0)
  })

  it('skips extension headers and takes a last OBU without a size field to the end', () => {
    const payload = hex`aa bb cc`
    const obus = concat([obu(Av1ObuType.TemporalDelimiter, new Uint8Array(0), { extension: true }), obu(Av1ObuType.Frame, payload, { size: false })])
    expect(findAv1Obu(obus, Av1ObuType.Frame)).toEqual(payload)
    expect(findAv1Obu(obus, Av1ObuType.SequenceHeader)).toBeUndefined()
  })

  it('refuses a forbidden bit, a size past the end, and leb128 sizes of 9 bytes or ≥ 2^32', () => {
    const reason = (obus: Uint8Array): string | undefined => {
      try {
        findAv1Obu(obus, Av1ObuType.SequenceHeader)
        return undefined
      } catch (err) {
        return err instanceof FlvError ? err.reason : 'untyped'
      }
    }
    expect(reason(hex`8a 00`)).toBe('av1-config')
    expect(reason(hex`0a 05 00 00`)).toBe('av1-config')
    expect(reason(hex`0a 80 80 80 80 80 80 80 80 01`)).toBe('av1-config')
    expect(reason(hex`0a 80 80 80 80 10`)).toBe('av1-config') // 2^32
    expect(reason(hex`0a ff`)).toBe('av1-config') // leb128 cut short
    expect(reason(hex`0e`)).toBe('av1-config') // extension flag, no extension byte
    expect(reason(hex`12 00`)).toBeUndefined() // a temporal delimiter alone: no sequence header, no error
  })
})
