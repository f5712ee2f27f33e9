import type { MediaMessage } from './media-message'

/**
 * Peeks at audio/video tag headers (legacy FLV and Enhanced RTMP) without copying or decoding the codec data.
 * Every function here is total: a payload too short or using reserved values gives `undefined` / `false`,
 * never an exception, because a live server must keep forwarding what it cannot classify.
 */

export type VideoFrameType = 'key' | 'inter' | 'disposable' | 'generated' | 'command'

/** Codec names; an Enhanced RTMP FourCC we do not know is returned as the FourCC itself (e.g. `'abcd'`). */
export type VideoCodec =
  | 'jpeg'
  | 'h263'
  | 'screen'
  | 'vp6'
  | 'vp6a'
  | 'screen2'
  | 'avc'
  | 'hevc'
  | 'vp8'
  | 'vp9'
  | 'av1'
  | 'vvc'
  | 'unknown'
  | (string & {})

export type AudioCodec =
  | 'lpcm'
  | 'adpcm'
  | 'mp3'
  | 'lpcm-le'
  | 'nellymoser-16k'
  | 'nellymoser-8k'
  | 'nellymoser'
  | 'g711-alaw'
  | 'g711-mulaw'
  | 'aac'
  | 'speex'
  | 'mp3-8k'
  | 'device'
  | 'opus'
  | 'flac'
  | 'ac-3'
  | 'ec-3'
  | 'unknown'
  | (string & {})

/** Enhanced RTMP VideoPacketType values. */
export const VideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const

/** Enhanced RTMP AudioPacketType values. */
export const AudioPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  MultichannelConfig: 4,
  Multitrack: 5,
  ModEx: 7,
} as const

export type MultitrackType = 'one-track' | 'many-tracks' | 'many-tracks-many-codecs'

export interface TrackInfo {
  readonly trackId: number
  readonly codec: string
}

/** Enhanced RTMP multitrack framing; `tracks` lists every track found in the message (best effort). */
export interface MultitrackInfo {
  readonly type: MultitrackType
  readonly tracks: readonly TrackInfo[]
}

export interface VideoInfo {
  readonly codec: VideoCodec
  readonly frameType: VideoFrameType
  /** AVC/HEVC sequence header, or Enhanced SequenceStart / MPEG2TSSequenceStart: a late joiner needs it. */
  readonly isSequenceHeader: boolean
  readonly isEndOfSequence: boolean
  /** Signed composition time offset in ms (0 when the packet carries none). */
  readonly compositionTime: number
  /** Enhanced RTMP ExVideoTagHeader (top bit of byte 0). */
  readonly enhanced: boolean
  /**
   * Legacy AVC/HEVC: AVCPacketType (0 header, 1 NALUs, 2 end). Enhanced: the VideoPacketType after any
   * ModEx and Multitrack wrappers (see `VideoPacketType`). -1 for codecs without one.
   */
  readonly packetType: number
  /** Offset in `data` where the codec payload of the (first) track starts. */
  readonly payloadOffset: number
  /** Enhanced ModEx TimestampOffsetNano (0..999_999), 0 when absent. */
  readonly timestampOffsetNano: number
  /**
   * Frame type 'command': the VideoCommand byte (0 start seek, 1 end seek), read right after byte 0 as
   * FLV v10 and Enhanced RTMP place it (FLV v10.1 puts AVC's packet type and CT first; rare either way).
   */
  readonly command?: number
  /** Enhanced single-track FourCC, as sent. */
  readonly fourCc?: string
  readonly multitrack?: MultitrackInfo
}

export interface AudioInfo {
  readonly codec: AudioCodec
  /** Legacy SoundFormat (0..15); 9 means Enhanced RTMP ExHeader. */
  readonly soundFormat: number
  /** AAC AudioSpecificConfig, or Enhanced SequenceStart: a late joiner needs it. */
  readonly isSequenceHeader: boolean
  readonly enhanced: boolean
  /** Legacy AAC: AACPacketType (0 config, 1 raw). Enhanced: AudioPacketType. -1 for codecs without one. */
  readonly packetType: number
  readonly payloadOffset: number
  readonly timestampOffsetNano: number
  /**
   * Legacy header fields. For AAC the spec fixes them at 44100 Hz / 16 bit / stereo whatever the stream is;
   * read the AudioSpecificConfig (`parseAacConfig`) for the real values. Absent on Enhanced audio.
   */
  readonly soundRate?: 5512 | 11025 | 22050 | 44100
  readonly soundSize?: 8 | 16
  readonly channels?: 1 | 2
  readonly fourCc?: string
  readonly multitrack?: MultitrackInfo
}

const FRAME_TYPES: readonly (VideoFrameType | undefined)[] = [
  undefined,
  'key',
  'inter',
  'disposable',
  'generated',
  'command',
  undefined,
  undefined,
]

const LEGACY_VIDEO: Readonly<Record<number, VideoCodec>> = {
  1: 'jpeg',
  2: 'h263',
  3: 'screen',
  4: 'vp6',
  5: 'vp6a',
  6: 'screen2',
  7: 'avc',
  12: 'hevc', // not in Adobe's spec; the pre-Enhanced-RTMP convention (Chinese CDNs, SRS, ffmpeg forks)
}

const VIDEO_FOURCC: Readonly<Record<string, VideoCodec>> = {
  avc1: 'avc',
  hvc1: 'hevc',
  vp08: 'vp8',
  vp09: 'vp9',
  av01: 'av1',
  vvc1: 'vvc',
}

const LEGACY_AUDIO: readonly AudioCodec[] = [
  'lpcm',
  'adpcm',
  'mp3',
  'lpcm-le',
  'nellymoser-16k',
  'nellymoser-8k',
  'nellymoser',
  'g711-alaw',
  'g711-mulaw',
  'unknown', // 9 = ExHeader, handled separately
  'aac',
  'speex',
  'unknown',
  'unknown',
  'mp3-8k',
  'device',
]

const AUDIO_FOURCC: Readonly<Record<string, AudioCodec>> = {
  Opus: 'opus',
  fLaC: 'flac',
  'ac-3': 'ac-3',
  'ec-3': 'ec-3',
  '.mp3': 'mp3',
  mp4a: 'aac',
}

const SOUND_RATES = [5512, 11025, 22050, 44100] as const
// 3, 6 and 8..15 are reserved (7, ModEx, is consumed before this check)
const AUDIO_PACKET_TYPES = new Set<number>([0, 1, 2, 4, 5])
const MULTITRACK_TYPES: readonly (MultitrackType | undefined)[] = ['one-track', 'many-tracks', 'many-tracks-many-codecs']

/** Bounds-checked cursor that returns -1 instead of throwing: these peeks never throw. */
class Peek {
  constructor(
    readonly d: Uint8Array,
    public o: number,
  ) {}

  u8(): number {
    return this.o < this.d.length ? this.d[this.o++]! : -1
  }

  u16(): number {
    if (this.o + 2 > this.d.length) return -1
    const v = (this.d[this.o]! << 8) | this.d[this.o + 1]!
    this.o += 2
    return v
  }

  u24(): number {
    if (this.o + 3 > this.d.length) return -1
    const v = (this.d[this.o]! << 16) | (this.d[this.o + 1]! << 8) | this.d[this.o + 2]!
    this.o += 3
    return v
  }

  fourCc(): string | undefined {
    if (this.o + 4 > this.d.length) return undefined
    const d = this.d
    const o = this.o
    this.o += 4
    return String.fromCharCode(d[o]!, d[o + 1]!, d[o + 2]!, d[o + 3]!)
  }
}

const si24 = (v: number): number => (v & 0x800000 ? v - 0x1000000 : v)

/**
 * Walks ModEx wrappers (Enhanced RTMP v2, same layout for audio and video). Returns the packet type that
 * follows them and the last TimestampOffsetNano, or undefined if the payload ends inside a wrapper.
 */
function skipModEx(p: Peek, packetType: number, modEx: number): { packetType: number; nano: number } | undefined {
  let nano = 0
  while (packetType === modEx) {
    let size = p.u8()
    if (size < 0) return undefined
    size += 1
    if (size === 256) {
      size = p.u16()
      if (size < 0) return undefined
      size += 1
    }
    if (p.o + size > p.d.length) return undefined
    const start = p.o
    p.o += size
    const b = p.u8()
    if (b < 0) return undefined
    if (b >> 4 === 0 && size >= 3) nano = ((p.d[start]! << 16) | (p.d[start + 1]! << 8) | p.d[start + 2]!) >>> 0
    packetType = b & 0x0f
  }
  return { packetType, nano }
}

interface ExBody {
  readonly codecFourCc: string
  readonly payloadOffset: number
  readonly multitrack?: MultitrackInfo
}

/**
 * Reads the FourCC (or the Multitrack framing) after the Ex header's packet type. `p` is left at the first
 * track's payload. `multitrackPacket` is the Multitrack packet type value for this kind (6 video, 5 audio).
 */
function readExBody(
  p: Peek,
  packetType: number,
  multitrackPacket: number,
  name: (fourCc: string) => string,
): { packetType: number; body: ExBody } | undefined {
  if (packetType !== multitrackPacket) {
    const fourCc = p.fourCc()
    if (fourCc === undefined) return undefined
    return { packetType, body: { codecFourCc: fourCc, payloadOffset: p.o } }
  }
  const b = p.u8()
  if (b < 0) return undefined
  const type = MULTITRACK_TYPES[b >> 4]
  const inner = b & 0x0f
  if (type === undefined || inner === multitrackPacket) return undefined
  let shared: string | undefined
  if (type !== 'many-tracks-many-codecs') {
    shared = p.fourCc()
    if (shared === undefined) return undefined
  }
  const tracks: TrackInfo[] = []
  let firstFourCc: string | undefined
  let firstPayload = -1
  for (;;) {
    const fourCc = shared ?? p.fourCc()
    const trackId = p.u8()
    if (fourCc === undefined || trackId < 0) break
    let size = -1
    if (type !== 'one-track') {
      size = p.u24()
      if (size < 0) break
    }
    tracks.push({ trackId, codec: name(fourCc) })
    if (firstPayload < 0) {
      firstFourCc = fourCc
      firstPayload = p.o
    }
    if (type === 'one-track' || p.o + size >= p.d.length) break
    p.o += size
  }
  if (firstFourCc === undefined) return undefined
  p.o = firstPayload
  return { packetType: inner, body: { codecFourCc: firstFourCc, payloadOffset: firstPayload, multitrack: { type, tracks } } }
}

const videoName = (fourCc: string): VideoCodec => VIDEO_FOURCC[fourCc] ?? fourCc
const audioName = (fourCc: string): AudioCodec => AUDIO_FOURCC[fourCc] ?? fourCc

/** The codec name `videoInfo` gives an Enhanced RTMP video FourCC (`'hvc1'` → `'hevc'`; unknown: the FourCC). */
export const videoCodecOfFourCc = (fourCc: string): VideoCodec => videoName(fourCc)
/** The codec name `audioInfo` gives an Enhanced RTMP audio FourCC (`'mp4a'` → `'aac'`; unknown: the FourCC). */
export const audioCodecOfFourCc = (fourCc: string): AudioCodec => audioName(fourCc)

/**
 * Classifies a video message payload (FLV VIDEODATA): legacy codec ids (7 AVC, 12 HEVC, …) and Enhanced
 * RTMP ExVideoTagHeader (ModEx, Multitrack, FourCC). Returns undefined when `data` is too short or uses a
 * reserved frame type / packet type. For Multitrack, the fields describe the first track.
 */
export function videoInfo(data: Uint8Array): VideoInfo | undefined {
  const b0 = data[0]
  if (b0 === undefined) return undefined
  const enhanced = (b0 & 0x80) !== 0
  const frameType = FRAME_TYPES[(b0 >> 4) & 0x07]
  if (frameType === undefined) return undefined
  const p = new Peek(data, 1)
  if (!enhanced) {
    const codecId = b0 & 0x0f
    const codec = LEGACY_VIDEO[codecId] ?? 'unknown'
    if (frameType === 'command') {
      const command = p.u8()
      if (command < 0) return undefined
      return legacyVideo(codec, frameType, -1, 0, 2, command)
    }
    if (codec !== 'avc' && codec !== 'hevc') return legacyVideo(codec, frameType, -1, 0, 1)
    const packetType = p.u8()
    const ct = p.u24()
    if (packetType < 0 || ct < 0 || packetType > 2) return undefined
    return legacyVideo(codec, frameType, packetType, packetType === 1 ? si24(ct) : 0, 5)
  }
  const mod = skipModEx(p, b0 & 0x0f, VideoPacketType.ModEx)
  if (mod === undefined || mod.packetType > VideoPacketType.Multitrack) return undefined
  if (frameType === 'command' && mod.packetType !== VideoPacketType.Metadata) {
    // a command frame carries only the VideoCommand byte, no FourCC
    const command = p.u8()
    if (command < 0) return undefined
    return {
      codec: 'unknown',
      frameType,
      isSequenceHeader: false,
      isEndOfSequence: false,
      compositionTime: 0,
      enhanced,
      packetType: mod.packetType,
      payloadOffset: p.o,
      timestampOffsetNano: mod.nano,
      command,
    }
  }
  const ex = readExBody(p, mod.packetType, VideoPacketType.Multitrack, videoName)
  if (ex === undefined) return undefined
  const { packetType, body } = ex
  let compositionTime = 0
  let payloadOffset = body.payloadOffset
  const codec = videoName(body.codecFourCc)
  // only AVC/HEVC/VVC CodedFrames carry SI24 composition time; CodedFramesX implies 0
  if (packetType === VideoPacketType.CodedFrames && (codec === 'avc' || codec === 'hevc' || codec === 'vvc')) {
    const ct = p.u24()
    if (ct < 0) return undefined
    compositionTime = si24(ct)
    payloadOffset += 3
  }
  const info: VideoInfo = {
    codec,
    frameType,
    isSequenceHeader: packetType === VideoPacketType.SequenceStart || packetType === VideoPacketType.Mpeg2TsSequenceStart,
    isEndOfSequence: packetType === VideoPacketType.SequenceEnd,
    compositionTime,
    enhanced,
    packetType,
    payloadOffset,
    timestampOffsetNano: mod.nano,
  }
  if (body.multitrack) return { ...info, multitrack: body.multitrack }
  return { ...info, fourCc: body.codecFourCc }
}

function legacyVideo(
  codec: VideoCodec,
  frameType: VideoFrameType,
  packetType: number,
  compositionTime: number,
  payloadOffset: number,
  command?: number,
): VideoInfo {
  const info: VideoInfo = {
    codec,
    frameType,
    isSequenceHeader: packetType === 0,
    isEndOfSequence: packetType === 2,
    compositionTime,
    enhanced: false,
    packetType,
    payloadOffset,
    timestampOffsetNano: 0,
  }
  return command === undefined ? info : { ...info, command }
}

/**
 * Classifies an audio message payload (FLV AUDIODATA): legacy SoundFormat (10 AAC, 2 MP3, …) and Enhanced
 * RTMP ExAudioTagHeader (SoundFormat 9: ModEx, Multitrack, FourCC). Returns undefined when `data` is too
 * short or malformed. For Multitrack, the fields describe the first track.
 */
export function audioInfo(data: Uint8Array): AudioInfo | undefined {
  const b0 = data[0]
  if (b0 === undefined) return undefined
  const soundFormat = b0 >> 4
  const p = new Peek(data, 1)
  if (soundFormat !== 9) {
    const legacy = {
      codec: LEGACY_AUDIO[soundFormat] ?? 'unknown',
      soundFormat,
      enhanced: false,
      timestampOffsetNano: 0,
      soundRate: SOUND_RATES[(b0 >> 2) & 0x03]!,
      soundSize: b0 & 0x02 ? 16 : 8,
      channels: b0 & 0x01 ? 2 : 1,
    } as const
    if (soundFormat !== 10) return { ...legacy, isSequenceHeader: false, packetType: -1, payloadOffset: 1 }
    const packetType = p.u8()
    if (packetType < 0 || packetType > 1) return undefined
    return { ...legacy, isSequenceHeader: packetType === 0, packetType, payloadOffset: 2 }
  }
  const mod = skipModEx(p, b0 & 0x0f, AudioPacketType.ModEx)
  if (mod === undefined || !AUDIO_PACKET_TYPES.has(mod.packetType)) return undefined
  const ex = readExBody(p, mod.packetType, AudioPacketType.Multitrack, audioName)
  if (ex === undefined) return undefined
  const { packetType, body } = ex
  const info: AudioInfo = {
    codec: audioName(body.codecFourCc),
    soundFormat,
    isSequenceHeader: packetType === AudioPacketType.SequenceStart,
    enhanced: true,
    packetType,
    payloadOffset: body.payloadOffset,
    timestampOffsetNano: mod.nano,
  }
  if (body.multitrack) return { ...info, multitrack: body.multitrack }
  return { ...info, fourCc: body.codecFourCc }
}

/**
 * True for a video payload that starts a GOP: frame type key (or server-generated key) carrying coded
 * frames. Sequence headers, end-of-sequence, metadata and command frames are not keyframes, even when their
 * frame type bits say "key" (encoders set them on AVC sequence headers).
 */
export function isKeyframe(data: Uint8Array): boolean {
  const info = videoInfo(data)
  return info !== undefined && startsGop(info)
}

/** `isKeyframe` for a payload already read with `videoInfo`. */
export function startsGop(info: VideoInfo): boolean {
  if (info.frameType !== 'key' && info.frameType !== 'generated') return false
  if (info.isSequenceHeader || info.isEndOfSequence || info.command !== undefined) return false
  return !info.enhanced || info.packetType === VideoPacketType.CodedFrames || info.packetType === VideoPacketType.CodedFramesX
}

/**
 * True for a codec configuration a late-joining player needs before any frame: AVC/HEVC sequence header,
 * Enhanced SequenceStart (video or audio), AAC AudioSpecificConfig. Always false for `'data'`.
 * Note: Enhanced video Metadata (HDR colorInfo) and audio MultichannelConfig packets are not counted here;
 * check `packetType` if you cache those too.
 */
export function isSequenceHeader(type: MediaMessage['type'], data: Uint8Array): boolean {
  if (type === 'video') return videoInfo(data)?.isSequenceHeader ?? false
  if (type === 'audio') return audioInfo(data)?.isSequenceHeader ?? false
  return false
}
