import { describe, it, expect } from 'vitest'
import { parseAvcConfig, parseSps, unescapeRbsp } from '../../src/media/avc-config'
import { FlvError } from '../../src/media/flv-error'
import { videoInfo } from '../../src/media/flv-tag'
import { hex } from '../helpers/hex'

// AVC sequence header tag bodies produced by ffmpeg 5.1 / libx264 (core 164) on this machine, e.g.
//   ffmpeg -f lavfi -i testsrc=size=1920x1080:rate=25 -t 1 -c:v libx264 -f flv /tmp/x.flv
// and copied out of the first video tag. testsrc is RGB, so x264 picks High 4:4:4 Predictive (profile 244)
// unless -pix_fmt yuv420p is given.
const vectors = [
  {
    name: '1280x720 High 4:4:4 (ffmpeg testsrc, default pix_fmt)',
    tag: hex`17 00 00 00 00 // key | AVC, sequence header, CT 0
             01 // configurationVersion
             f4 00 1f // profile 244, compatibility 0, level 3.1
             ff // 111111 | lengthSizeMinusOne 3
             e1 // 111 | 1 SPS
             00 1a // SPS length 26
             67 f4 00 1f 91 9b 28 0a 00 b7 60 22 00 00 03 00 02 00 00 03 00 64 1e 30 63 2c
             01 // 1 PPS
             00 06 68 eb e3 c4 48 44
             ff f8 f8 00 // high-profile extension: chroma_format 3, bit depths 8`,
    expected: { profile: 244, compatibility: 0, level: 31, nalLengthSize: 4, width: 1280, height: 720 },
    sps: { chromaFormatIdc: 3, bitDepthLuma: 8, frameMbsOnly: true },
  },
  {
    name: '1920x1080 High 4:4:4 (1088 rows cropped by 8, crop unit 1)',
    tag: hex`17 00 00 00 00
             01 f4 00 28 ff e1
             00 1b 67 f4 00 28 91 9b 28 0f 00 44 fc 4e 02 20 00 00 03 00 20 00 00 06 41 e3 06 32 c0
             01 00 06 68 eb e3 c4 48 44
             ff f8 f8 00`,
    expected: { profile: 244, level: 40, width: 1920, height: 1080 },
    sps: { chromaFormatIdc: 3 },
  },
  {
    name: '1920x1080 High 4:2:0 (-pix_fmt yuv420p: crop unit 2)',
    tag: hex`17 00 00 00 00
             01 64 00 28 ff e1
             00 1b 67 64 00 28 ac d9 40 78 02 27 e5 c0 44 00 00 03 00 04 00 00 03 00 c8 3c 60 c6 58
             01 00 06 68 eb e3 cb 22 c0
             fd f8 f8 00`,
    expected: { profile: 100, level: 40, width: 1920, height: 1080 },
    sps: { chromaFormatIdc: 1, profileIdc: 100 },
  },
  {
    name: '1920x1080 Constrained Baseline (no chroma_format_idc in the SPS)',
    tag: hex`17 00 00 00 00
             01 42 c0 28 ff e1
             00 1a 67 42 c0 28 d9 00 78 02 27 e5 c0 44 00 00 03 00 04 00 00 03 00 c8 3c 60 c9 20
             01 00 05 68 cb 83 cb 20`,
    expected: { profile: 66, compatibility: 0xc0, width: 1920, height: 1080 },
    sps: { chromaFormatIdc: 1, constraintFlags: 0xc0 },
  },
  {
    name: '1280x720 Main',
    tag: hex`17 00 00 00 00
             01 4d 40 1f ff e1
             00 19 67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 90 78 c1 8c b0
             01 00 05 68 eb e3 cb 20`,
    expected: { profile: 77, width: 1280, height: 720 },
    sps: { profileIdc: 77 },
  },
  {
    name: '640x360 interlaced (frame_mbs_only 0: map units are field macroblock pairs)',
    tag: hex`17 00 00 00 00
             01 64 00 1e ff e1
             00 1a 67 64 00 1e ac d9 40 a0 63 f3 e0 22 00 00 03 00 02 00 00 03 00 64 3e 28 53 2c
             01 00 06 68 fb a3 cb 22 c0
             fd f8 f8 00`,
    expected: { width: 640, height: 360 },
    sps: { frameMbsOnly: false },
  },
]

describe('parseAvcConfig on ffmpeg vectors', () => {
  for (const v of vectors) {
    it(`reads ${v.name}`, () => {
      const info = videoInfo(v.tag)!
      expect(info).toMatchObject({ codec: 'avc', isSequenceHeader: true, payloadOffset: 5 })
      const config = parseAvcConfig(v.tag.subarray(info.payloadOffset))
      expect(config).toMatchObject(v.expected)
      expect(config.spsInfo).toMatchObject(v.sps)
      expect(config.sps).toHaveLength(1)
      expect(config.pps).toHaveLength(1)
      expect(config.sps[0]![0]! & 0x1f).toBe(7)
      expect(config.pps[0]![0]! & 0x1f).toBe(8)
      // views, not copies
      expect(config.sps[0]!.buffer).toBe(v.tag.buffer)
    })

    it(`throws FlvError (never anything else) for every truncation of ${v.name}`, () => {
      const record = v.tag.subarray(5)
      const spsEnd = 8 + record[7]! // header (6) + length (2) + SPS
      for (let n = 0; n < spsEnd + 1; n++) {
        let err: unknown
        try {
          parseAvcConfig(record.subarray(0, n))
        } catch (e) {
          err = e
        }
        expect(err, `cut at ${n}`).toBeInstanceOf(FlvError)
        expect((err as FlvError).code).toBe('RTMP_ERR_FLV_MALFORMED')
        expect(['avc-config', 'sps']).toContain((err as FlvError).reason)
      }
    })
  }
})

describe('parseAvcConfig errors', () => {
  const good = vectors[0]!.tag.subarray(5)
  const expectReason = (bytes: Uint8Array, reason: string): void => {
    let err: unknown
    try {
      parseAvcConfig(bytes)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(FlvError)
    expect(err).toMatchObject({ code: 'RTMP_ERR_FLV_MALFORMED', reason })
  }

  it('rejects configurationVersion other than 1', () => {
    const bad = good.slice()
    bad[0] = 2
    expectReason(bad, 'avc-config')
  })

  it('rejects lengthSizeMinusOne = 2 (3-byte NAL lengths are not allowed)', () => {
    const bad = good.slice()
    bad[4] = 0xfe
    expectReason(bad, 'avc-config')
  })

  it('accepts 1- and 2-byte NAL lengths and zeroed reserved bits', () => {
    const one = good.slice()
    one[4] = 0x00
    one[5] = 0x01
    expect(parseAvcConfig(one).nalLengthSize).toBe(1)
    one[4] = 0x01
    expect(parseAvcConfig(one).nalLengthSize).toBe(2)
  })

  it('rejects a record with no SPS', () => {
    expectReason(hex`01 64 00 1f ff e0 00`, 'avc-config')
  })

  it('rejects an SPS slot holding another NAL type', () => {
    expectReason(hex`01 64 00 1f ff e1 00 02 68 ee 00`, 'sps')
  })
})

// ── Hand-built SPS: exercises paths ffmpeg vectors do not (scaling lists, POC type 1, 4:2:2, monochrome). ──

class BitWriter {
  private bits: number[] = []
  u(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2)
    return this
  }
  ue(v: number): this {
    const len = Math.floor(Math.log2(v + 1))
    return this.u(len, 0).u(len + 1, v + 1)
  }
  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v)
  }
  /** rbsp_trailing_bits, then bytes */
  finish(): Uint8Array {
    this.bits.push(1)
    while (this.bits.length % 8) this.bits.push(0)
    const out = new Uint8Array(this.bits.length / 8)
    for (let i = 0; i < this.bits.length; i++) out[i >> 3]! |= this.bits[i]! << (7 - (i & 7))
    return out
  }
}

/** RBSP → NAL payload: inserts 0x03 after two zeros whenever the next byte is ≤ 3 (H.264 7.4.1). */
function escape(rbsp: Uint8Array): Uint8Array {
  const out: number[] = []
  let zeros = 0
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3)
      zeros = 0
    }
    out.push(b)
    zeros = b === 0 ? zeros + 1 : 0
  }
  return Uint8Array.from(out)
}

interface SpsFields {
  profile: number
  level?: number
  chroma?: number
  separatePlanes?: boolean
  scaling?: boolean
  poc: 0 | 1 | 2
  widthMbs: number
  heightUnits: number
  frameMbsOnly: boolean
  crop?: [number, number, number, number]
}

function buildSps(f: SpsFields): Uint8Array {
  const w = new BitWriter().u(8, f.profile).u(8, 0).u(8, f.level ?? 40).ue(0)
  if (f.chroma !== undefined) {
    w.ue(f.chroma)
    if (f.chroma === 3) w.u(1, f.separatePlanes ? 1 : 0)
    w.ue(2).ue(2).u(1, 0) // 10-bit luma and chroma, no transform bypass
    w.u(1, f.scaling ? 1 : 0)
    if (f.scaling) {
      const lists = f.chroma === 3 ? 12 : 8
      for (let i = 0; i < lists; i++) {
        if (i % 3 === 2) {
          w.u(1, 0) // not present
          continue
        }
        w.u(1, 1)
        const size = i < 6 ? 16 : 64
        if (i === 0) {
          w.se(-8) // nextScale 0 at once: the rest of the list is implied
        } else {
          for (let j = 0; j < size; j++) w.se(j === 0 ? 8 : j % 2 ? -3 : 3)
        }
      }
    }
  }
  w.ue(0) // log2_max_frame_num_minus4
  w.ue(f.poc)
  if (f.poc === 0) w.ue(2)
  if (f.poc === 1) w.u(1, 0).se(-2).se(5).ue(3).se(1).se(-1).se(0)
  w.ue(4).u(1, 0) // max_num_ref_frames, gaps
  w.ue(f.widthMbs - 1).ue(f.heightUnits - 1)
  w.u(1, f.frameMbsOnly ? 1 : 0)
  if (!f.frameMbsOnly) w.u(1, 1)
  w.u(1, 1) // direct_8x8_inference
  if (f.crop) {
    w.u(1, 1)
    for (const c of f.crop) w.ue(c)
  } else {
    w.u(1, 0)
  }
  w.u(1, 0) // no VUI
  return Uint8Array.from([0x67, ...escape(w.finish())])
}

describe('parseSps on hand-built SPS', () => {
  const cases: Array<{ name: string; f: SpsFields; width: number; height: number; chroma: number }> = [
    {
      name: 'High 10 4:2:0 with scaling lists and POC type 1',
      f: { profile: 110, chroma: 1, scaling: true, poc: 1, widthMbs: 80, heightUnits: 45, frameMbsOnly: true },
      width: 1280,
      height: 720,
      chroma: 1,
    },
    {
      name: 'High 4:2:2 interlaced, cropped (crop unit 2 x 2)',
      f: { profile: 122, chroma: 2, poc: 2, widthMbs: 45, heightUnits: 18, frameMbsOnly: false, crop: [0, 4, 0, 2] },
      width: 720 - 8,
      height: 576 - 4,
      chroma: 2,
    },
    {
      name: 'High 4:4:4 with 12 scaling lists, cropped (crop unit 1)',
      f: { profile: 244, chroma: 3, scaling: true, poc: 0, widthMbs: 120, heightUnits: 68, frameMbsOnly: true, crop: [1, 1, 0, 8] },
      width: 1918,
      height: 1080,
      chroma: 3,
    },
    {
      name: 'separate colour planes: ChromaArrayType 0, crop unit 1',
      f: { profile: 244, chroma: 3, separatePlanes: true, poc: 2, widthMbs: 20, heightUnits: 15, frameMbsOnly: true, crop: [0, 3, 0, 5] },
      width: 317,
      height: 235,
      chroma: 3,
    },
    {
      name: 'monochrome High, interlaced: crop unit y 2',
      f: { profile: 100, chroma: 0, poc: 0, widthMbs: 40, heightUnits: 15, frameMbsOnly: false, crop: [0, 0, 1, 1] },
      width: 640,
      height: 480 - 4,
      chroma: 0,
    },
    {
      name: 'Baseline 16x16 with an all-zero cropping window',
      f: { profile: 66, poc: 2, widthMbs: 1, heightUnits: 1, frameMbsOnly: true, crop: [0, 0, 0, 0] },
      width: 16,
      height: 16,
      chroma: 1,
    },
  ]
  for (const c of cases) {
    it(`computes the size of ${c.name}`, () => {
      const info = parseSps(buildSps(c.f))
      expect(info).toMatchObject({ width: c.width, height: c.height, chromaFormatIdc: c.chroma, profileIdc: c.f.profile })
    })
  }

  it('removes emulation prevention before reading fields', () => {
    // profile_idc 0, constraint flags 0, level_idc 3: the RBSP starts 00 00 03, which must go out as 00 00 03 03
    const nal = buildSps({ profile: 0, level: 3, poc: 2, widthMbs: 40, heightUnits: 30, frameMbsOnly: true })
    expect(Array.from(nal.subarray(0, 5))).toEqual([0x67, 0, 0, 3, 3])
    expect(parseSps(nal)).toMatchObject({ profileIdc: 0, constraintFlags: 0, levelIdc: 3, width: 640, height: 480 })
  })

  it('rejects cropping that leaves nothing', () => {
    const nal = buildSps({ profile: 66, poc: 2, widthMbs: 1, heightUnits: 1, frameMbsOnly: true, crop: [4, 4, 0, 0] })
    expect(() => parseSps(nal)).toThrow(FlvError)
  })

  it('rejects a chroma_format_idc above 3', () => {
    const nal = buildSps({ profile: 100, chroma: 4, poc: 2, widthMbs: 1, heightUnits: 1, frameMbsOnly: true })
    expect(() => parseSps(nal)).toThrow(expect.objectContaining({ reason: 'sps' }))
  })

  it('rejects an Exp-Golomb code of more than 32 bits', () => {
    expect(() => parseSps(hex`67 42 00 1f 00 00 00 00 00 01`)).toThrow(expect.objectContaining({ reason: 'sps' }))
  })
})

describe('unescapeRbsp', () => {
  it('drops 03 after two zeros, and only there', () => {
    expect(unescapeRbsp(hex`00 00 03 01 00 03 00 00 03 00 00 03`)).toEqual(hex`00 00 01 00 03 00 00 00 00`)
  })

  it('returns the same bytes when nothing is escaped', () => {
    const b = hex`12 00 00 04 03`
    expect(unescapeRbsp(b)).toBe(b)
  })
})
