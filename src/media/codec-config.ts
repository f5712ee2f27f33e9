import { parseAacConfig, type AacConfig } from './aac-config'
import { parseAc3Header, parseMpegAudioHeader, type Ac3FrameInfo, type MpegAudioFrameInfo } from './audio-frame-header'
import { Av1ObuType, findAv1Obu, parseAv1Config, parseAv1SequenceHeader, type Av1Config } from './av1-config'
import { parseAvcConfig, type AvcConfig } from './avc-config'
import { parseFlacStreamInfo, type FlacStreamInfo } from './flac-config'
import {
  AudioPacketType,
  VideoPacketType,
  audioCodecOfFourCc,
  audioInfo,
  videoCodecOfFourCc,
  videoInfo,
  type AudioCodec,
  type VideoCodec,
} from './flv-tag'
import { FlvError } from './flv-error'
import { parseHevcConfig, type HevcConfig } from './hevc-config'
import { parseMultichannelConfig, type MultichannelConfig } from './multichannel-config'
import { splitTracks } from './multitrack'
import { parseOpusHead, type OpusHead } from './opus-config'
import { parseVpConfig, vp9FrameSize, type Vp9FrameInfo, type VpConfig } from './vp9-config'

/**
 * One description for every codec configuration a video or audio message can carry: legacy AVC / HEVC
 * (codec id 12) sequence headers, Enhanced RTMP SequenceStart for avc1 / hvc1 / av01 / vp09 / vp08, AAC,
 * Opus, FLAC, AC-3 / E-AC-3 and MP3, per track for Multitrack messages.
 */

export type ChromaFormat = 'mono' | '4:2:0' | '4:2:2' | '4:4:4'

/** The parsed record behind a video description, by its format name. */
export type VideoConfigRecord =
  | { readonly format: 'avcC'; readonly avc: AvcConfig }
  | { readonly format: 'hvcC'; readonly hevc: HevcConfig }
  /** also the AV1 video descriptor of an MPEG2TSSequenceStart (no configOBUs, so no size) */
  | { readonly format: 'av1C'; readonly av1: Av1Config }
  | { readonly format: 'vpcC'; readonly vp: VpConfig }
  /** a VP9 keyframe's uncompressed header (`describeVideoKeyframe`) */
  | { readonly format: 'vp9-frame'; readonly vp9: Vp9FrameInfo }

export interface VideoConfigInfo {
  readonly codec: VideoCodec
  /** Enhanced RTMP: the FourCC as sent. */
  readonly fourCc?: string
  /** Multitrack messages: the track this describes. */
  readonly trackId?: number
  /**
   * The codec's own numbers: AVC profile_idc; HEVC general_profile_idc; AV1 seq_profile; VP8/VP9 profile.
   */
  readonly profile?: number
  /**
   * AVC level_idc (31 = 3.1); HEVC general_level_idc (93 = 3.1); AV1 seq_level_idx (0 = 2.0, 8 = 4.0);
   * VP9 level × 10 (31 = 3.1).
   */
  readonly level?: number
  readonly tier?: 'main' | 'high'
  /** Displayed size (AV1: max_frame_width/height). VP8/VP9 sequence headers have none: see `describeVideoKeyframe`. */
  readonly width?: number
  readonly height?: number
  readonly bitDepth?: number
  readonly chromaFormat?: ChromaFormat
  /** RFC 6381 `codecs` parameter, as WebCodecs / MSE / HLS take it (`avc1.64001f`, `hvc1.1.6.L93.B0`, `av01.0.04M.08`, `vp09.00.31.08`). */
  readonly codecString?: string
  readonly record?: VideoConfigRecord
}

/** The parsed header behind an audio description, by its format name. */
export type AudioConfigRecord =
  | { readonly format: 'AudioSpecificConfig'; readonly aac: AacConfig }
  | { readonly format: 'OpusHead'; readonly opus: OpusHead }
  | { readonly format: 'STREAMINFO'; readonly flac: FlacStreamInfo }
  | { readonly format: 'MultichannelConfig'; readonly multichannel: MultichannelConfig }
  | { readonly format: 'ac-3-frame'; readonly ac3: Ac3FrameInfo }
  | { readonly format: 'mpeg-audio-frame'; readonly mpeg: MpegAudioFrameInfo }
  /** legacy codecs whose only description is the FLV SoundRate/SoundSize/SoundType bits */
  | { readonly format: 'flv-header' }

export interface AudioConfigInfo {
  readonly codec: AudioCodec
  readonly fourCc?: string
  readonly trackId?: number
  /** Output rate (AAC with explicit SBR: the SBR rate; Opus: always 48000, see `record.opus.inputSampleRate`). */
  readonly sampleRate?: number
  readonly channels?: number
  readonly bitsPerSample?: number
  /** AAC audio object type (2 LC, 5 HE-AAC, 29 HE-AACv2). */
  readonly objectType?: number
  /** RFC 6381 / WebCodecs codec string (`mp4a.40.2`, `opus`, `flac`, `ac-3`, `ec-3`, `mp3`). */
  readonly codecString?: string
  readonly record?: AudioConfigRecord
}

/**
 * Describes the codec configuration in a video sequence header: legacy AVC / HEVC (codec id 12), or an
 * Enhanced SequenceStart (avc1, hvc1, av01, vp09, vp08; others give the codec only) or MPEG2TSSequenceStart
 * (av01). For a Multitrack message: the first track that carries one (`describeVideoConfigs` gives all).
 * An empty SequenceStart (ffmpeg sends one before libaom's extradata is known) gives the codec only.
 *
 * @returns undefined when `data` is not a video sequence header, or its Multitrack framing is broken.
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED with the record's reason ('avc-config', 'sps', 'hevc-config',
 * 'hevc-sps', 'av1-config', 'vp-config') when the configuration record itself is malformed.
 */
export function describeVideoConfig(data: Uint8Array): VideoConfigInfo | undefined {
  return describeVideoConfigs(data)?.[0]
}

/** Every track's description in a video sequence header, in message order; see `describeVideoConfig`. */
export function describeVideoConfigs(data: Uint8Array): VideoConfigInfo[] | undefined {
  const info = videoInfo(data)
  if (!info?.isSequenceHeader) return undefined
  if (!info.enhanced) return [describeVideoRecord(info.codec, VideoPacketType.SequenceStart, data.subarray(info.payloadOffset), {})]
  const tracks = splitTracks('video', data)
  if (!tracks) return undefined
  const out: VideoConfigInfo[] = []
  for (const t of tracks) {
    if (t.packetType !== VideoPacketType.SequenceStart && t.packetType !== VideoPacketType.Mpeg2TsSequenceStart) continue
    const ids = info.multitrack ? { fourCc: t.fourCc, trackId: t.trackId } : { fourCc: t.fourCc }
    out.push(describeVideoRecord(videoCodecOfFourCc(t.fourCc), t.packetType, t.payload, ids))
  }
  return out.length > 0 ? out : undefined
}

/**
 * Size and format from a coded keyframe, for codecs whose sequence header may not say: VP9 (the
 * uncompressed header of a keyframe or intra-only frame) and AV1 (a sequence header OBU in the temporal
 * unit). Multitrack: the first track.
 *
 * @returns undefined for other codecs, non-key frames, and frames that carry no size.
 * @throws {FlvError} reason 'vp9-frame' or 'av1-config' when that header is malformed.
 */
export function describeVideoKeyframe(data: Uint8Array): VideoConfigInfo | undefined {
  const info = videoInfo(data)
  if (!info?.enhanced || (info.frameType !== 'key' && info.frameType !== 'generated')) return undefined
  if (info.packetType !== VideoPacketType.CodedFrames && info.packetType !== VideoPacketType.CodedFramesX) return undefined
  const track = splitTracks('video', data)?.[0]
  if (!track) return undefined
  const codec = videoCodecOfFourCc(track.fourCc)
  const ids = info.multitrack ? { fourCc: track.fourCc, trackId: track.trackId } : { fourCc: track.fourCc }
  if (codec === 'vp9') {
    const frame = vp9FrameSize(track.payload)
    if (!frame) return undefined
    return {
      codec,
      ...ids,
      profile: frame.profile,
      width: frame.width,
      height: frame.height,
      bitDepth: frame.bitDepth,
      chromaFormat: chroma(frame.subsamplingX, frame.subsamplingY, false),
      record: { format: 'vp9-frame', vp9: frame },
    }
  }
  if (codec === 'av1') {
    const obu = findAv1Obu(track.payload, Av1ObuType.SequenceHeader)
    if (!obu) return undefined
    const seq = parseAv1SequenceHeader(obu)
    return { codec, ...ids, profile: seq.profile, level: seq.levelIdx, tier: seq.tier, width: seq.maxFrameWidth, height: seq.maxFrameHeight }
  }
  return undefined
}

type Ids = { readonly fourCc?: string; readonly trackId?: number }

function describeVideoRecord(codec: VideoCodec, packetType: number, body: Uint8Array, ids: Ids): VideoConfigInfo {
  const base = { codec, ...ids }
  if (body.length === 0) return base
  if (packetType === VideoPacketType.Mpeg2TsSequenceStart) {
    if (codec !== 'av1') return base
    // AV1 video descriptor (AV1 in MPEG-2 TS 2.2): tag 0x80, length, then av1C's first four bytes
    if (body[0] !== 0x80 || (body[1] ?? 0) < 4 || body.length < 6) throw new FlvError('av1-config', 'AV1 video descriptor: bad tag or length', 0)
    return describeAv1(base, parseAv1Config(body.subarray(2, 6)))
  }
  switch (codec) {
    case 'avc': {
      const avc = parseAvcConfig(body)
      const s = avc.spsInfo
      return {
        ...base,
        profile: avc.profile,
        level: avc.level,
        width: avc.width,
        height: avc.height,
        bitDepth: s.bitDepthLuma,
        chromaFormat: CHROMA_IDC[s.chromaFormatIdc]!,
        codecString: `avc1.${hex2(avc.profile)}${hex2(avc.compatibility)}${hex2(avc.level)}`,
        record: { format: 'avcC', avc },
      }
    }
    case 'hevc': {
      const hevc = parseHevcConfig(body)
      return {
        ...base,
        profile: hevc.profileIdc,
        level: hevc.levelIdc,
        tier: hevc.tier,
        ...(hevc.width === undefined || hevc.height === undefined ? {} : { width: hevc.width, height: hevc.height }),
        bitDepth: hevc.bitDepthLuma,
        chromaFormat: CHROMA_IDC[hevc.chromaFormatIdc]!,
        codecString: hevcCodecString(hevc),
        record: { format: 'hvcC', hevc },
      }
    }
    case 'av1':
      return describeAv1(base, parseAv1Config(body))
    case 'vp9':
    case 'vp8': {
      const vp = parseVpConfig(body)
      const subsampling: ChromaFormat = vp.chromaSubsampling <= 1 ? '4:2:0' : vp.chromaSubsampling === 2 ? '4:2:2' : '4:4:4'
      return {
        ...base,
        profile: vp.profile,
        level: vp.level,
        bitDepth: vp.bitDepth,
        chromaFormat: subsampling,
        codecString: `${codec === 'vp9' ? 'vp09' : 'vp08'}.${dec2(vp.profile)}.${dec2(vp.level)}.${dec2(vp.bitDepth)}`,
        record: { format: 'vpcC', vp },
      }
    }
    default:
      return base
  }
}

function describeAv1(base: { codec: VideoCodec } & Ids, av1: Av1Config): VideoConfigInfo {
  return {
    ...base,
    profile: av1.profile,
    level: av1.levelIdx,
    tier: av1.tier,
    ...(av1.width === undefined || av1.height === undefined ? {} : { width: av1.width, height: av1.height }),
    bitDepth: av1.bitDepth,
    chromaFormat: chroma(av1.chromaSubsamplingX, av1.chromaSubsamplingY, av1.monochrome),
    codecString: `av01.${av1.profile}.${dec2(av1.levelIdx)}${av1.tier === 'high' ? 'H' : 'M'}.${dec2(av1.bitDepth)}`,
    record: { format: 'av1C', av1 },
  }
}

const CHROMA_IDC: readonly ChromaFormat[] = ['mono', '4:2:0', '4:2:2', '4:4:4']

function chroma(x: boolean, y: boolean, mono: boolean): ChromaFormat {
  if (mono) return 'mono'
  return x ? (y ? '4:2:0' : '4:2:2') : '4:4:4'
}

const hex2 = (v: number): string => v.toString(16).padStart(2, '0')
const dec2 = (v: number): string => String(v).padStart(2, '0')

/** ISO/IEC 14496-15 annex E: hvc1.[A-C]profile.compat(bit-reversed hex).{L|H}level[.constraint bytes]. */
function hevcCodecString(c: HevcConfig): string {
  let reversed = 0
  for (let i = 0; i < 32; i++) if (c.profileCompatibility & (1 << i)) reversed |= 1 << (31 - i)
  const constraints = Array.from(c.constraintFlags, hex2)
  while (constraints.length > 0 && constraints[constraints.length - 1] === '00') constraints.pop()
  const space = ['', 'A', 'B', 'C'][c.profileSpace]!
  const parts = [`hvc1`, `${space}${c.profileIdc}`, (reversed >>> 0).toString(16).toUpperCase(), `${c.tier === 'high' ? 'H' : 'L'}${c.levelIdc}`]
  return [...parts, ...constraints.map((b) => b.toUpperCase())].join('.')
}

/**
 * Describes the audio configuration a message carries: AAC AudioSpecificConfig (legacy, or Enhanced `mp4a`
 * SequenceStart), OpusHead, FLAC STREAMINFO, an Enhanced MultichannelConfig, the frame header of AC-3 /
 * E-AC-3 / MP3 coded frames (those codecs have no configuration record), or the FLV header bits of other
 * legacy codecs. For a Multitrack message: the first track that carries one (`describeAudioConfigs` gives all).
 * An empty SequenceStart (ffmpeg sends one for AC-3) gives the codec only.
 *
 * @returns undefined when the message carries none of these (AAC raw frames, Opus/FLAC frames, sequence end).
 * @throws {FlvError} RTMP_ERR_FLV_MALFORMED with the header's reason ('aac-config', 'opus-config',
 * 'flac-config', 'multichannel-config', 'audio-frame') when that header is malformed.
 */
export function describeAudioConfig(data: Uint8Array): AudioConfigInfo | undefined {
  return describeAudioConfigs(data)?.[0]
}

/** Every track's description in an audio message, in message order; see `describeAudioConfig`. */
export function describeAudioConfigs(data: Uint8Array): AudioConfigInfo[] | undefined {
  const info = audioInfo(data)
  if (!info) return undefined
  if (!info.enhanced) {
    const d = describeLegacyAudio(info.codec, info, data.subarray(info.payloadOffset))
    return d ? [d] : undefined
  }
  const tracks = splitTracks('audio', data)
  if (!tracks) return undefined
  const out: AudioConfigInfo[] = []
  for (const t of tracks) {
    const ids = info.multitrack ? { fourCc: t.fourCc, trackId: t.trackId } : { fourCc: t.fourCc }
    const d = describeExAudio(audioCodecOfFourCc(t.fourCc), t.packetType, t.payload, ids)
    if (d) out.push(d)
  }
  return out.length > 0 ? out : undefined
}

// legacy formats whose rate the 2-bit SoundRate field cannot say (FLV spec, SoundFormat notes)
const FIXED_RATES: Partial<Record<AudioCodec, number>> = {
  'nellymoser-16k': 16000,
  'nellymoser-8k': 8000,
  'g711-alaw': 8000,
  'g711-mulaw': 8000,
  speex: 16000,
}

function describeLegacyAudio(
  codec: AudioCodec,
  info: { packetType: number; soundRate?: number; soundSize?: number; channels?: number },
  body: Uint8Array,
): AudioConfigInfo | undefined {
  if (codec === 'aac') return info.packetType === 0 ? describeAac({ codec }, body) : undefined
  if (codec === 'mp3' || codec === 'mp3-8k') return body.length === 0 ? undefined : describeMpeg({ codec }, body)
  const fixed = FIXED_RATES[codec]
  const sampleRate = fixed ?? info.soundRate
  return {
    codec,
    ...(sampleRate === undefined ? {} : { sampleRate }),
    ...(info.channels === undefined ? {} : { channels: codec === 'speex' ? 1 : info.channels }),
    ...(info.soundSize === undefined ? {} : { bitsPerSample: info.soundSize }),
    record: { format: 'flv-header' },
  }
}

function describeExAudio(codec: AudioCodec, packetType: number, body: Uint8Array, ids: Ids): AudioConfigInfo | undefined {
  const base = { codec, ...ids }
  if (packetType === AudioPacketType.MultichannelConfig) {
    const multichannel = parseMultichannelConfig(body)
    return { ...base, channels: multichannel.channels, record: { format: 'MultichannelConfig', multichannel } }
  }
  if (packetType === AudioPacketType.SequenceStart) {
    if (body.length === 0) return base
    switch (codec) {
      case 'aac':
        return describeAac(base, body)
      case 'opus': {
        const opus = parseOpusHead(body)
        return { ...base, sampleRate: 48000, channels: opus.channels, codecString: 'opus', record: { format: 'OpusHead', opus } }
      }
      case 'flac': {
        const flac = parseFlacStreamInfo(body)
        const { sampleRate, channels, bitsPerSample } = flac
        return { ...base, sampleRate, channels, bitsPerSample, codecString: 'flac', record: { format: 'STREAMINFO', flac } }
      }
      default:
        return base
    }
  }
  if (packetType !== AudioPacketType.CodedFrames || body.length === 0) return undefined
  if (codec === 'ac-3' || codec === 'ec-3') {
    const ac3 = parseAc3Header(body)
    return { ...base, sampleRate: ac3.sampleRate, channels: ac3.channels, codecString: ac3.codec, record: { format: 'ac-3-frame', ac3 } }
  }
  if (codec === 'mp3') return describeMpeg(base, body)
  return undefined
}

function describeAac(base: { codec: AudioCodec } & Ids, body: Uint8Array): AudioConfigInfo {
  const aac = parseAacConfig(body)
  return {
    ...base,
    sampleRate: aac.outputSampleRate,
    ...(aac.channels > 0 ? { channels: aac.channels } : {}),
    objectType: aac.objectType,
    codecString: `mp4a.40.${aac.objectType}`,
    record: { format: 'AudioSpecificConfig', aac },
  }
}

function describeMpeg(base: { codec: AudioCodec } & Ids, body: Uint8Array): AudioConfigInfo {
  const mpeg = parseMpegAudioHeader(body)
  return { ...base, sampleRate: mpeg.sampleRate, channels: mpeg.channels, codecString: 'mp3', record: { format: 'mpeg-audio-frame', mpeg } }
}
