import { encodeAmf0 } from '../../src/amf/amf0-encoder'
import { AmfEcmaArray } from '../../src/amf/amf-value'
import { FlvWriter } from '../../src/media/flv-writer'
import { BitWriter, escapeRbsp } from '../helpers/bit-writer'
import type { Rng } from '../helpers/rng'
import { Builder } from './builder'
import { realCorpus } from './corpus'
import type { Field, Sample } from './mutate'
import { concatBytes } from './oracle'

const HIGH = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

/** An H.264 SPS NAL unit with random (mostly legal) fields, emulation prevention applied. */
export function randomSps(rng: Rng): Uint8Array {
  const w = new BitWriter()
  const profile = rng.pick([66, 77, 88, ...HIGH, rng.int(0, 255)])
  w.u(8, profile).u(8, rng.int(0, 255)).u(8, rng.pick([10, 30, 31, 40, 51, rng.int(0, 255)]))
  w.ue(rng.next() < 0.95 ? rng.int(0, 31) : rng.int(32, 300))
  let chroma = 1
  if (HIGH.includes(profile)) {
    chroma = rng.next() < 0.95 ? rng.int(0, 3) : rng.int(4, 9)
    w.ue(chroma)
    if (chroma === 3) w.u(1, rng.int(0, 1))
    w.ue(rng.int(0, 7)).ue(rng.int(0, 7)).u(1, rng.int(0, 1))
    const matrices = rng.next() < 0.3
    w.u(1, matrices ? 1 : 0)
    if (matrices) {
      for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) {
        const present = rng.bool()
        w.u(1, present ? 1 : 0)
        if (present) for (let j = 0; j < (i < 6 ? 16 : 64); j++) w.se(rng.next() < 0.98 ? rng.int(-8, 8) : rng.int(-300, 300))
      }
    }
  }
  w.ue(rng.next() < 0.95 ? rng.int(0, 12) : rng.int(13, 40))
  const poc = rng.next() < 0.95 ? rng.int(0, 2) : rng.int(3, 9)
  w.ue(poc)
  if (poc === 0) w.ue(rng.int(0, 12))
  if (poc === 1) {
    w.u(1, rng.int(0, 1)).se(rng.int(-1000, 1000)).se(rng.int(-1000, 1000))
    const cycle = rng.next() < 0.9 ? rng.int(0, 8) : rng.int(200, 300)
    w.ue(cycle)
    for (let i = 0; i < cycle; i++) w.se(rng.int(-100, 100))
  }
  w.ue(rng.int(0, 16)).u(1, rng.int(0, 1))
  w.ue(rng.pick([0, 3, 19, 119, rng.int(0, 600)])).ue(rng.pick([0, 2, 14, 67, rng.int(0, 600)]))
  const frameMbsOnly = rng.next() < 0.8
  w.u(1, frameMbsOnly ? 1 : 0)
  if (!frameMbsOnly) w.u(1, rng.int(0, 1))
  w.u(1, 1)
  const crop = rng.next() < 0.5
  w.u(1, crop ? 1 : 0)
  if (crop) for (let i = 0; i < 4; i++) w.ue(rng.next() < 0.9 ? rng.int(0, 8) : rng.int(0, 5000))
  w.u(1, 0) // no VUI
  return concatBytes([Uint8Array.of(0x67), escapeRbsp(w.bytes(rng.next() < 0.95))])
}

/** AVCDecoderConfigurationRecord around real or random SPS/PPS, with its count and length fields marked. */
export function avcConfig(rng: Rng): Sample {
  const real = realCorpus().avcConfigs
  if (real.length > 0 && rng.next() < 0.3) return { bytes: rng.pick(real).slice() }
  const b = new Builder()
  const sps = Array.from({ length: rng.pick([1, 1, 1, 0, 2, 31]) }, () => randomSps(rng))
  const pps = Array.from({ length: rng.pick([1, 1, 0, 2, 255]) }, () => Uint8Array.of(0x68, ...rng.bytes(rng.int(0, 6))))
  b.u8(rng.next() < 0.95 ? 1 : rng.int(0, 255), 'marker').u8(sps[0]?.[1] ?? 100).u8(0).u8(sps[0]?.[3] ?? 30)
  b.u8(0xfc | rng.pick([0, 1, 3, 3, 2]), 'marker').u8(0xe0 | sps.length, 'marker')
  for (const s of sps) b.u16(s.length).bytes(s)
  b.u8(pps.length, 'length')
  for (const p of pps) b.u16(p.length).bytes(p)
  return b.sample()
}

/** AudioSpecificConfig: object type (with the 31 escape), frequency index (with the explicit 24-bit form), channels. */
export function aacConfig(rng: Rng): Sample {
  const real = realCorpus().aacConfigs
  if (real.length > 0 && rng.next() < 0.2) return { bytes: rng.pick(real).slice() }
  const w = new BitWriter()
  const objectType = rng.pick([2, 2, 5, 29, 1, 0, 31, rng.int(0, 31)])
  const objectBits = (t: number): void => {
    if (t === 31) w.u(5, 31).u(6, rng.int(0, 63))
    else w.u(5, t)
  }
  const frequency = (): void => {
    const i = rng.pick([3, 4, 8, 11, 12, 13, 14, 15, rng.int(0, 15)])
    w.u(4, i)
    if (i === 15) w.u(24, rng.pick([0, 8000, 44100, 0xffffff]))
  }
  objectBits(objectType)
  frequency()
  w.u(4, rng.int(0, 15))
  if (objectType === 5 || objectType === 29) {
    frequency()
    objectBits(rng.pick([2, 0, 31, rng.int(0, 31)]))
  }
  w.u(rng.int(0, 16), rng.int(0, 0xffff))
  const bytes = w.bytes(false)
  return { bytes: rng.next() < 0.1 ? bytes.subarray(0, rng.int(0, bytes.length)) : bytes }
}

const VIDEO_FOURCC = ['avc1', 'hvc1', 'vp08', 'vp09', 'av01', 'vvc1', 'abcd']
const AUDIO_FOURCC = ['Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a', 'wxyz']

/** A video message payload: legacy (AVC/HEVC/others, command frames) or Enhanced RTMP (ModEx, Multitrack, FourCC). */
export function videoPayload(rng: Rng): Sample {
  const real = realCorpus().tags.filter((t) => t.type === 9)
  if (real.length > 0 && rng.next() < 0.2) return { bytes: rng.pick(real).data.slice() }
  const b = new Builder()
  const frameType = rng.int(0, 7)
  if (rng.next() < 0.4) {
    const codec = rng.pick([7, 7, 12, 2, 4, rng.int(0, 15)])
    b.u8((frameType << 4) | codec, 'marker')
    if (codec === 7 || codec === 12) b.u8(rng.int(0, 3), 'marker').u24(rng.int(0, 0xffffff), undefined)
    if (frameType === 5) b.u8(rng.int(0, 2))
  } else {
    exHeader(b, rng, 0x80 | (frameType << 4), [0, 1, 2, 3, 4, 5, 6, 7, 8, 15], 6, VIDEO_FOURCC)
  }
  b.bytes(rng.bytes(rng.int(0, 24)))
  return b.sample()
}

export function audioPayload(rng: Rng): Sample {
  const real = realCorpus().tags.filter((t) => t.type === 8)
  if (real.length > 0 && rng.next() < 0.2) return { bytes: rng.pick(real).data.slice() }
  const b = new Builder()
  if (rng.next() < 0.4) {
    const format = rng.pick([10, 10, 2, 11, 14, rng.int(0, 15)])
    b.u8((format << 4) | rng.int(0, 15), 'marker')
    if (format === 10) b.u8(rng.int(0, 2), 'marker')
  } else {
    exHeader(b, rng, 0x90, [0, 1, 2, 3, 4, 5, 6, 7, 15], 5, AUDIO_FOURCC)
  }
  b.bytes(rng.bytes(rng.int(0, 24)))
  return b.sample()
}

/** Ex header: first byte's high nibble given, packet type in the low nibble, ModEx wrappers, FourCC or Multitrack. */
function exHeader(b: Builder, rng: Rng, high: number, packetTypes: number[], multitrack: number, fourCcs: string[]): void {
  let packetType = rng.pick(packetTypes)
  b.u8((high & 0xf0) | packetType, 'marker')
  for (let mods = 0; packetType === 7 && mods < 4; mods++) {
    // ModEx: size-1 (u8, 255 = u16 follows), data, then modExType << 4 | next packet type
    const size = rng.pick([1, 3, 3, 256, 300, rng.int(1, 8)])
    if (size >= 256) b.u8(255).u16(size - 1)
    else b.u8(size - 1, 'length')
    b.bytes(rng.bytes(Math.min(size, 16))) // often shorter than declared: cut short on purpose
    packetType = rng.pick(packetTypes.filter((p) => p !== 7).concat([7]))
    b.u8((rng.int(0, 1) << 4) | packetType, 'marker')
  }
  if (packetType !== multitrack) {
    b.ascii(rng.pick(fourCcs))
    return
  }
  const type = rng.int(0, 3)
  b.u8((type << 4) | rng.pick(packetTypes), 'marker')
  if (type !== 2) b.ascii(rng.pick(fourCcs))
  for (let t = rng.int(1, 4); t > 0; t--) {
    if (type === 2) b.ascii(rng.pick(fourCcs))
    b.u8(rng.int(0, 255))
    if (type !== 0) {
      const size = rng.int(0, 6)
      b.u24(rng.next() < 0.9 ? size : rng.int(0, 0xffffff))
      b.bytes(rng.bytes(size))
    }
  }
}

/** An FLV file from our writer: metadata, real or random sequence headers, frames; tag headers marked. */
export function flvFile(rng: Rng): Sample {
  const real = realCorpus().flvFiles
  if (real.length > 0 && rng.next() < 0.2) return { bytes: rng.pick(real).slice() }
  const writer = new FlvWriter({ audio: rng.next() < 0.9, video: rng.next() < 0.9 })
  const parts: Uint8Array[] = [writer.writeHeader()]
  const fields: Field[] = [{ offset: 5, size: 4, kind: 'length' }, { offset: 9, size: 4, kind: 'length' }]
  let offset = 13
  let ts = rng.pick([0, 0xffffff - 50, 0xffffffff - 100])
  for (let n = rng.int(0, 12); n > 0; n--) {
    const kind = rng.int(0, 9)
    let type: 8 | 9 | 18
    let data: Uint8Array
    if (kind === 0) {
      type = 18
      data = encodeAmf0(['onMetaData', AmfEcmaArray.from({ duration: rng.int(0, 100), width: 320, videocodecid: 7 })])
    } else if (kind <= 2) {
      type = 9
      data = concatBytes([Uint8Array.of(0x17, 0, 0, 0, 0), avcConfig(rng).bytes])
    } else if (kind === 3) {
      type = 8
      data = concatBytes([Uint8Array.of(0xaf, 0), aacConfig(rng).bytes])
    } else if (kind <= 6) {
      type = 9
      data = videoPayload(rng).bytes
    } else {
      type = 8
      data = audioPayload(rng).bytes
    }
    const pieces = writer.writeTag(type, ts, data)
    fields.push({ offset, size: 11, kind: 'header' }, { offset: offset + 1, size: 3, kind: 'length' }, { offset, size: 1, kind: 'marker' })
    fields.push({ offset: offset + 11 + data.length, size: 4, kind: 'length' })
    for (const p of pieces) {
      parts.push(p)
      offset += p.length
    }
    ts = (ts + rng.int(0, 100)) >>> 0
  }
  return { bytes: concatBytes(parts), fields }
}
