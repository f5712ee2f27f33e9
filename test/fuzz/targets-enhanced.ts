import { parseAc3Header, parseMpegAudioHeader } from '../../src/media/audio-frame-header'
import { Av1ObuType, findAv1Obu, parseAv1Config, parseAv1SequenceHeader } from '../../src/media/av1-config'
import {
  describeAudioConfigs,
  describeVideoConfigs,
  describeVideoKeyframe,
  type AudioConfigInfo,
  type VideoConfigInfo,
} from '../../src/media/codec-config'
import { audioExTag, videoExTag } from '../../src/media/ex-tag-builder'
import { parseFlacStreamInfo } from '../../src/media/flac-config'
import { FlvError } from '../../src/media/flv-error'
import { audioInfo, videoInfo } from '../../src/media/flv-tag'
import { parseHevcConfig } from '../../src/media/hevc-config'
import { parseMultichannelConfig } from '../../src/media/multichannel-config'
import { parseOpusHead } from '../../src/media/opus-config'
import { parseVpConfig, vp9FrameSize } from '../../src/media/vp9-config'
import type { Rng } from '../helpers/rng'
import { enhancedAudio, enhancedFixtures, enhancedVideo } from './gen-enhanced'
import type { Sample } from './mutate'
import { fail, isAllowed, total, untyped } from './oracle'
import { proportional, type FuzzTarget } from './target'

/**
 * The `enhanced` target: one payload read as a video and as an audio message. Header peeks never throw;
 * the codec configuration describers and every record / frame header parser (fed the bytes after the
 * header, whatever the FourCC says) throw FlvError only; what they return is sane; a single-track header
 * rebuilt with our encoder from what `videoInfo` / `audioInfo` read gives back the same bytes.
 */
function checkEnhanced(input: Uint8Array): void {
  let refused: unknown
  const only = <T>(fn: () => T, where: string): T | undefined => {
    try {
      return fn()
    } catch (err) {
      if (!isAllowed(err, [FlvError])) throw untyped(err, where)
      refused ??= err
      return undefined
    }
  }

  const v = total(() => videoInfo(input), 'videoInfo')
  for (const d of only(() => describeVideoConfigs(input), 'describeVideoConfigs') ?? []) saneVideo(d)
  const key = only(() => describeVideoKeyframe(input), 'describeVideoKeyframe')
  if (key) saneVideo(key)
  const a = total(() => audioInfo(input), 'audioInfo')
  for (const d of only(() => describeAudioConfigs(input), 'describeAudioConfigs') ?? []) saneAudio(d)

  // every parser on the bytes after each header, whatever the codec
  for (const body of new Set([input.subarray(v?.payloadOffset ?? 0), input.subarray(a?.payloadOffset ?? 0)])) {
    const hevc = only(() => parseHevcConfig(body), 'parseHevcConfig')
    if (hevc?.width !== undefined) size(hevc.width, hevc.height ?? 0, 'HEVC')
    const av1 = only(() => parseAv1Config(body), 'parseAv1Config')
    if (av1?.width !== undefined) size(av1.width, av1.height ?? 0, 'AV1')
    const seq = only(() => findAv1Obu(body, Av1ObuType.SequenceHeader), 'findAv1Obu')
    if (seq) only(() => parseAv1SequenceHeader(seq), 'parseAv1SequenceHeader')
    only(() => parseVpConfig(body), 'parseVpConfig')
    const frame = only(() => vp9FrameSize(body), 'vp9FrameSize')
    if (frame) size(frame.width, frame.height, 'VP9')
    const opus = only(() => parseOpusHead(body), 'parseOpusHead')
    if (opus && opus.channels < 1) fail(`OpusHead channels ${opus.channels}`)
    const flac = only(() => parseFlacStreamInfo(body), 'parseFlacStreamInfo')
    if (flac && !(flac.sampleRate > 0 && flac.channels >= 1 && flac.channels <= 8)) fail(`STREAMINFO ${flac.sampleRate} Hz ${flac.channels} ch`)
    const ac3 = only(() => parseAc3Header(body), 'parseAc3Header')
    if (ac3 && !(ac3.sampleRate > 0 && ac3.channels >= 1 && ac3.channels <= 6)) fail(`AC-3 ${ac3.sampleRate} Hz ${ac3.channels} ch`)
    const mpeg = only(() => parseMpegAudioHeader(body), 'parseMpegAudioHeader')
    if (mpeg && !(mpeg.sampleRate >= 8000)) fail(`MPEG audio ${mpeg.sampleRate} Hz`)
    only(() => parseMultichannelConfig(body), 'parseMultichannelConfig')
  }

  mirror(input)
  if (refused !== undefined) throw refused
}

function size(width: number, height: number, what: string): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) fail(`${what} size ${width}x${height}`)
}

function saneVideo(d: VideoConfigInfo): void {
  if ((d.width === undefined) !== (d.height === undefined)) fail(`${d.codec}: width without height`)
  if (d.width !== undefined) size(d.width, d.height!, d.codec)
  if (d.trackId !== undefined && !(d.trackId >= 0 && d.trackId <= 255)) fail(`trackId ${d.trackId}`)
}

function saneAudio(d: AudioConfigInfo): void {
  if (d.sampleRate !== undefined && !(Number.isSafeInteger(d.sampleRate) && d.sampleRate > 0)) fail(`${d.codec}: sample rate ${d.sampleRate}`)
  if (d.channels !== undefined && !(Number.isInteger(d.channels) && d.channels >= 0 && d.channels <= 255)) fail(`${d.codec}: channels ${d.channels}`)
}

/**
 * Encoder ⇄ decoder mirror: a single-track Enhanced header without ModEx wrappers, rebuilt from the fields
 * the decoder read, must be byte for byte the input (video command frames and Multitrack aside).
 */
function mirror(input: Uint8Array): void {
  const b0 = input[0]
  if (b0 === undefined) return
  const v = videoInfo(input)
  if (v?.enhanced && v.fourCc !== undefined && (b0 & 0x0f) !== 7 && v.command === undefined) {
    const ct = v.compositionTime !== 0 ? { compositionTime: v.compositionTime } : {}
    const again = total(
      () => videoExTag({ frameType: v.frameType, packetType: v.packetType, fourCc: v.fourCc!, ...ct, payload: input.subarray(v.payloadOffset) }),
      'videoExTag of what videoInfo read',
    )
    if (!sameBytes(again, input)) fail('videoExTag(videoInfo(x)) differs from x')
  }
  const a = audioInfo(input)
  if (a?.enhanced && a.fourCc !== undefined && (b0 & 0x0f) !== 7) {
    const again = total(() => audioExTag({ packetType: a.packetType, fourCc: a.fourCc!, payload: input.subarray(a.payloadOffset) }), 'audioExTag of what audioInfo read')
    if (!sameBytes(again, input)) fail('audioExTag(audioInfo(x)) differs from x')
  }
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((b, i) => b === y[i])
}

const TOKENS = [
  ...['avc1', 'hvc1', 'av01', 'vp09', 'Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a', 'OpusHead'].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0))),
  Uint8Array.of(0x49, 0x83, 0x42), // VP9 sync code
  Uint8Array.of(0x0b, 0x77), // AC-3 sync word
  Uint8Array.of(0x0a, 0x0b), // AV1 sequence header OBU, 11 bytes
  Uint8Array.of(0x81), // av1C marker | version
  Uint8Array.of(0x00, 0x00, 0x03), // emulation prevention
  Uint8Array.of(0x42, 0x01), // HEVC SPS NAL header
  Uint8Array.of(0xff, 0x00, 0xff), // ModEx size 256
]

export const enhancedTarget: FuzzTarget = {
  name: 'enhanced',
  about: 'Enhanced RTMP payloads: videoInfo/audioInfo never throw; codec-config describers and hvcC/av1C/vpcC/VP9/Opus/FLAC/AC-3/MP3 parsers throw FlvError only; encoder mirrors decoder',
  allowed: [FlvError],
  seeds: (rng: Rng): Sample[] => [
    ...enhancedFixtures().map((f) => ({ bytes: f.bytes.slice() })),
    ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? enhancedVideo(rng) : enhancedAudio(rng))),
  ],
  generate: (rng) => (rng.bool() ? enhancedVideo(rng) : enhancedAudio(rng)),
  tokens: TOKENS,
  maxLength: 64 * 1024,
  check: checkEnhanced,
  memoryBudget: proportional(8),
  quickCases: 5000,
}
