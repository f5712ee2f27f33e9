import { describe, expect, it } from 'vitest'
import { FlvError } from '../../src/media/flv-error'
import { videoInfo } from '../../src/media/flv-tag'
import { parseVpConfig, vp9FrameSize } from '../../src/media/vp9-config'
import { BitWriter } from '../helpers/bit-writer'
import { hex } from '../helpers/hex'
import { enhancedFixture } from './enhanced-fixtures'

interface FrameFields {
  profile: number
  showExisting?: boolean
  inter?: boolean
  showFrame?: boolean
  errorResilient?: boolean
  intraOnly?: boolean
  twelveBit?: boolean
  colorSpace?: number
  fullRange?: boolean
  subsampling?: [number, number]
  reservedBit?: number
  sync?: number
  width: number
  height: number
}

/** A VP9 uncompressed header (VP9 bitstream spec 6.2) through frame_size, then render_and_frame_size_different = 0. */
function vp9Frame(f: FrameFields): Uint8Array {
  const w = new BitWriter()
  w.u(2, 2).u(1, f.profile & 1).u(1, f.profile >> 1)
  if (f.profile === 3) w.u(1, f.reservedBit ?? 0)
  w.u(1, f.showExisting ? 1 : 0)
  if (f.showExisting) return w.u(3, 1).bytes()
  const showFrame = f.showFrame ?? true
  w.u(1, f.inter ? 1 : 0).u(1, showFrame ? 1 : 0).u(1, f.errorResilient ? 1 : 0)
  if (f.inter) {
    if (!showFrame) w.u(1, f.intraOnly ? 1 : 0)
    if (!f.errorResilient) w.u(2, 0)
    if (!f.intraOnly) return w.u(8, 0xff).bytes()
    w.u(24, f.sync ?? 0x498342)
    if (f.profile > 0) colorConfig(w, f)
    w.u(8, 0x01) // refresh_frame_flags
  } else {
    w.u(24, f.sync ?? 0x498342)
    colorConfig(w, f)
  }
  return w.u(16, f.width - 1).u(16, f.height - 1).u(1, 0).bytes()
}

function colorConfig(w: BitWriter, f: FrameFields): void {
  if (f.profile >= 2) w.u(1, f.twelveBit ? 1 : 0)
  const cs = f.colorSpace ?? 2
  w.u(3, cs)
  if (cs !== 7) {
    w.u(1, f.fullRange ? 1 : 0)
    if (f.profile === 1 || f.profile === 3) w.u(1, f.subsampling?.[0] ?? 1).u(1, f.subsampling?.[1] ?? 0).u(1, f.reservedBit ?? 0)
  } else if (f.profile === 1 || f.profile === 3) {
    w.u(1, f.reservedBit ?? 0)
  }
}

describe('parseVpConfig', () => {
  it('reads the vpcC ffmpeg 9 / libvpx-vp9 sent (FullBox version 1 + flags in front)', () => {
    const data = enhancedFixture('vp9-p0-330x186.seqstart')
    expect(videoInfo(data)).toMatchObject({ codec: 'vp9', fourCc: 'vp09', isSequenceHeader: true, payloadOffset: 5 })
    expect(parseVpConfig(data.subarray(5))).toMatchObject({
      profile: 0,
      level: 11,
      bitDepth: 8,
      chromaSubsampling: 1,
      videoFullRange: false,
      colourPrimaries: 2,
      transferCharacteristics: 2,
      matrixCoefficients: 2,
    })
    expect(parseVpConfig(enhancedFixture('vp9-p1-444-320x240.seqstart').subarray(5))).toMatchObject({ profile: 1, level: 20, chromaSubsampling: 3 })
  })

  it('reads a bare record (no FullBox header) and one without codecInitializationDataSize', () => {
    const bare = hex`02 // profile 2
                     29 // level 4.1
                     a5 // bitDepth 10, chromaSubsampling 2 (4:2:2), full range
                     09 10 09 // BT.2020, PQ, BT.2020 NCL
                     00 02 aa bb // codecInitializationDataSize 2 (not used by VP9, but allowed)`
    const c = parseVpConfig(bare)
    expect(c).toMatchObject({ profile: 2, level: 41, bitDepth: 10, chromaSubsampling: 2, videoFullRange: true, colourPrimaries: 9 })
    expect(c.transferCharacteristics).toBe(16)
    expect(Array.from(c.codecInitializationData)).toEqual([0xaa, 0xbb])
    expect(parseVpConfig(hex`00 1f 80 01 01 01`)).toMatchObject({ profile: 0, level: 31, bitDepth: 8, chromaSubsampling: 0 })
  })

  it('refuses FullBox version 0, bit depths other than 8/10/12, reserved subsampling, and truncation', () => {
    const reason = (b: Uint8Array): string | undefined => {
      try {
        parseVpConfig(b)
        return undefined
      } catch (err) {
        return err instanceof FlvError ? err.reason : 'untyped'
      }
    }
    expect(reason(hex`00 00 00 00 00 0b 82 02 02 02 00 00`)).toBe('vp-config') // version 0
    expect(reason(hex`00 0b 92 02 02 02`)).toBe('vp-config') // bitDepth 9
    expect(reason(hex`00 0b 88 02 02 02`)).toBe('vp-config') // chromaSubsampling 4
    expect(reason(hex`00 0b 82 02 02 02 00 05 00`)).toBe('vp-config') // init data cut short
    expect(reason(hex`00 0b 82 02 02`)).toBe('vp-config')
    expect(reason(new Uint8Array(0))).toBe('vp-config')
  })
})

describe('vp9FrameSize', () => {
  it('reads the size of the keyframes libvpx-vp9 wrote (ffprobe: 330x186 4:2:0, 320x240 profile 1 4:4:4)', () => {
    const p0 = enhancedFixture('vp9-p0-330x186.keyframe')
    expect(vp9FrameSize(p0.subarray(videoInfo(p0)!.payloadOffset))).toMatchObject({
      profile: 0,
      keyframe: true,
      bitDepth: 8,
      subsamplingX: true,
      subsamplingY: true,
      width: 330,
      height: 186,
    })
    const p1 = enhancedFixture('vp9-p1-444-320x240.keyframe')
    expect(vp9FrameSize(p1.subarray(5))).toMatchObject({ profile: 1, subsamplingX: false, subsamplingY: false, width: 320, height: 240 })
  })

  it('reads 10- and 12-bit profiles 2 and 3, full range and sRGB color config', () => {
    expect(vp9FrameSize(vp9Frame({ profile: 2, width: 3840, height: 2160 }))).toMatchObject({ bitDepth: 10, subsamplingX: true, width: 3840, height: 2160 })
    expect(vp9FrameSize(vp9Frame({ profile: 2, twelveBit: true, fullRange: true, width: 16, height: 8 }))).toMatchObject({ bitDepth: 12, fullRange: true })
    expect(vp9FrameSize(vp9Frame({ profile: 3, subsampling: [1, 0], width: 640, height: 360 }))).toMatchObject({
      bitDepth: 10,
      subsamplingX: true,
      subsamplingY: false,
      width: 640,
    })
    expect(vp9FrameSize(vp9Frame({ profile: 1, colorSpace: 7, width: 1, height: 65536 }))).toMatchObject({
      colorSpace: 7,
      fullRange: true,
      subsamplingX: false,
      width: 1,
      height: 65536,
    })
  })

  it('reads intra-only frames (profile 0 has no color config: 8-bit 4:2:0)', () => {
    expect(vp9FrameSize(vp9Frame({ profile: 0, inter: true, showFrame: false, intraOnly: true, width: 176, height: 144 }))).toMatchObject({
      keyframe: false,
      bitDepth: 8,
      subsamplingX: true,
      width: 176,
      height: 144,
    })
    expect(vp9FrameSize(vp9Frame({ profile: 1, inter: true, showFrame: false, intraOnly: true, errorResilient: true, subsampling: [0, 0], width: 32, height: 32 }))).toMatchObject({
      subsamplingX: false,
      width: 32,
    })
  })

  it('gives undefined for inter frames and show_existing_frame', () => {
    expect(vp9FrameSize(vp9Frame({ profile: 0, inter: true, width: 16, height: 16 }))).toBeUndefined()
    expect(vp9FrameSize(vp9Frame({ profile: 0, showExisting: true, width: 16, height: 16 }))).toBeUndefined()
    const inter = enhancedFixture('vp9-p0-330x186.keyframe').slice(5)
    inter[0] = 0x86 // frame_type 1 (non-key), shown: no size in the header
    expect(vp9FrameSize(inter)).toBeUndefined()
  })

  it('refuses a bad frame marker or sync code, reserved bits, sRGB in profile 0, and truncation', () => {
    const reason = (b: Uint8Array): string | undefined => {
      try {
        vp9FrameSize(b)
        return undefined
      } catch (err) {
        return err instanceof FlvError ? err.reason : 'untyped'
      }
    }
    expect(reason(hex`c2 49 83 42 00 00`)).toBe('vp9-frame')
    expect(reason(vp9Frame({ profile: 0, sync: 0x498343, width: 16, height: 16 }))).toBe('vp9-frame')
    expect(reason(vp9Frame({ profile: 3, reservedBit: 1, width: 16, height: 16 }))).toBe('vp9-frame')
    expect(reason(vp9Frame({ profile: 1, reservedBit: 1, width: 16, height: 16 }))).toBe('vp9-frame')
    expect(reason(vp9Frame({ profile: 0, colorSpace: 7, width: 16, height: 16 }))).toBe('vp9-frame')
    const full = vp9Frame({ profile: 0, width: 1920, height: 1080 })
    for (let n = 0; n < full.length - 1; n++) expect(reason(full.subarray(0, n)), `cut at ${n}`).toBe('vp9-frame')
  })
})
