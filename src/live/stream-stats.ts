import { describeAudioConfig, describeVideoConfig, describeVideoKeyframe, type VideoConfigInfo } from '../media/codec-config'
import { audioInfo, videoInfo } from '../media/flv-tag'
import type { MediaMessage } from '../media/media-message'
import { timestampDiff } from '../session/timestamp'
import { RateMeter } from './rate-meter'
import { readOnMetaData } from './script-data'

export type LiveStreamState = 'idle' | 'publishing' | 'reconnecting'

export interface LiveVideoStats {
  /** `videoInfo` codec name: 'avc' (H.264), 'hevc', 'av1', 'vp9', … */
  readonly codec: string
  /**
   * from the sequence header (AVC/HEVC SPS, AV1 sequence header), a VP9/AV1 keyframe, else from onMetaData;
   * null when none says
   */
  readonly width: number | null
  readonly height: number | null
  /**
   * the codec's own numbers, from its sequence header: AVC profile_idc / level_idc (77 and 30 for Main@3.0),
   * HEVC general_profile_idc / general_level_idc (1 and 93 for Main@3.1), AV1 seq_profile / seq_level_idx
   * (0 and 8 for Main@4.0), VP9 profile / level × 10; null when unknown
   */
  readonly profile: number | null
  readonly level: number | null
  /** coded frames (sequence headers not counted) */
  readonly frames: number
  readonly keyframes: number
  /** every video message, sequence headers included */
  readonly bytes: number
  /** media time between the last two keyframes */
  readonly lastKeyframeIntervalMs: number | null
}

export interface LiveAudioStats {
  /** `audioInfo` codec name: 'aac', 'mp3', 'opus', … */
  readonly codec: string
  /**
   * AAC: from the AudioSpecificConfig (output rate with explicit SBR); Opus: 48000 and the OpusHead channels;
   * FLAC: STREAMINFO; AC-3/E-AC-3/MP3: a frame header; other legacy codecs: the FLV header bits
   */
  readonly sampleRate: number | null
  readonly channels: number | null
  /** AAC audio object type (2 LC, 5 HE-AAC, 29 HE-AACv2); null for other codecs */
  readonly objectType: number | null
  readonly frames: number
  readonly bytes: number
}

/** One live stream's figures, plain JSON. Counters cover the current broadcast (reconnects within the grace period included). */
export interface LiveStreamStats {
  readonly app: string
  readonly name: string
  readonly state: LiveStreamState
  /** clock time (ms since the epoch) the broadcast started; null when no broadcast is on */
  readonly publishingSince: number | null
  readonly uptimeMs: number
  /** publishers that came back within the grace period */
  readonly reconnects: number
  /** everything the publisher sent: media, sequence headers, data */
  readonly bytesIn: number
  /** bits per second over the router's statistics window */
  readonly bitrateIn: number
  /** bytes handed to subscribers, summed over all of them */
  readonly bytesOut: number
  readonly bitrateOut: number
  readonly video: LiveVideoStats | null
  readonly audio: LiveAudioStats | null
  readonly subscribers: number
  readonly peakSubscribers: number
  /** subscribers dropped with RTMP_ERR_SLOW_CONSUMER */
  readonly slowSubscribersDropped: number
  /** video frames not sent to subscribers that fell behind, summed over them (`players.dropBufferedBytes`) */
  readonly droppedFrames: number
  readonly gopCache: { readonly messages: number; readonly bytes: number; readonly durationMs: number; readonly overflows: number }
  /** the fan-out lanes (see LiveStream): how the players that keep up are served */
  readonly fanout: LiveFanoutStats
}

export interface LiveFanoutStats {
  /** subscribers in a lane now: they keep up and get shared bytes, with no per-message decision */
  readonly laneSubscribers: number
  /** messages chunked for a lane (once each for all its members) */
  readonly messagesChunked: number
  /** writes of shared bytes to lane members (one per message, or one per batch with writeBatchMs) */
  readonly writes: number
}

/** What the stream knows about its GOP cache and subscribers at snapshot time. */
export interface StreamSnapshotInput {
  readonly state: LiveStreamState
  readonly subscribers: number
  readonly gopCache: LiveStreamStats['gopCache']
  readonly fanout: LiveFanoutStats
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** How many frames of a codec may be read for its sample rate when no header said it (AC-3, E-AC-3, MP3 have none). */
const AUDIO_PROBES = 8

/** Collects one stream's figures as its messages pass. Parses codec configuration only for sequence headers. */
export class StreamStatsCollector {
  private since: number | undefined
  private reconnectCount = 0
  private bytesIn = 0
  private bytesOut = 0
  private readonly rateIn: RateMeter
  private readonly rateOut: RateMeter
  private video: Mutable<LiveVideoStats> | undefined
  private audio: Mutable<LiveAudioStats> | undefined
  private lastKeyframe: number | undefined
  private metaSize: { width: number; height: number } | undefined
  private peak = 0
  private slowDropped = 0
  /** non-header audio messages read for a sample rate since the codec was seen (bounded by AUDIO_PROBES) */
  private audioProbes = 0
  private framesDroppedCount = 0

  constructor(
    readonly app: string,
    readonly name: string,
    windowMs: number,
  ) {
    this.rateIn = new RateMeter(windowMs)
    this.rateOut = new RateMeter(windowMs)
  }

  /** A new broadcast: counters start again. */
  begin(now: number, subscribers: number): void {
    this.since = now
    this.reconnectCount = 0
    this.bytesIn = this.bytesOut = 0
    this.rateIn.reset()
    this.rateOut.reset()
    this.video = this.audio = undefined
    this.lastKeyframe = undefined
    this.metaSize = undefined
    this.peak = subscribers
    this.slowDropped = 0
    this.framesDroppedCount = 0
  }

  /** The publisher came back within the grace period: same broadcast; codecs are read again. */
  reconnected(): void {
    this.reconnectCount++
    this.lastKeyframe = undefined
  }

  /** The broadcast is over (counters stay readable until the next one). */
  end(): void {
    this.since = undefined
  }

  received(msg: MediaMessage, kind: 'header' | 'keyframe' | 'frame', now: number): void {
    const size = msg.data.length
    this.bytesIn += size
    this.rateIn.add(size, now)
    if (msg.type === 'video') this.onVideo(msg, kind, size)
    else if (msg.type === 'audio') this.onAudio(msg, kind, size)
    else if (kind === 'header') this.onMetadata(msg.data)
  }

  sent(bytes: number, now: number): void {
    this.bytesOut += bytes
    this.rateOut.add(bytes, now)
  }

  subscribed(count: number): void {
    if (count > this.peak) this.peak = count
  }

  slowDrop(): void {
    this.slowDropped++
  }

  framesDropped(count: number): void {
    this.framesDroppedCount += count
  }

  snapshot(now: number, s: StreamSnapshotInput): LiveStreamStats {
    const since = s.state === 'idle' ? undefined : this.since
    return {
      app: this.app,
      name: this.name,
      state: s.state,
      publishingSince: since ?? null,
      uptimeMs: since === undefined ? 0 : Math.max(0, now - since),
      reconnects: this.reconnectCount,
      bytesIn: this.bytesIn,
      bitrateIn: this.rateIn.bitsPerSecond(now),
      bytesOut: this.bytesOut,
      bitrateOut: this.rateOut.bitsPerSecond(now),
      video: this.video ? { ...this.video, ...this.size() } : null,
      audio: this.audio ? { ...this.audio } : null,
      subscribers: s.subscribers,
      peakSubscribers: Math.max(this.peak, s.subscribers),
      slowSubscribersDropped: this.slowDropped,
      droppedFrames: this.framesDroppedCount,
      gopCache: s.gopCache,
      fanout: s.fanout,
    }
  }

  private size(): { width: number | null; height: number | null } {
    const v = this.video
    if (v?.width != null && v.height != null) return { width: v.width, height: v.height }
    return { width: this.metaSize?.width ?? null, height: this.metaSize?.height ?? null }
  }

  private onVideo(msg: MediaMessage, kind: string, size: number): void {
    if (!this.video || kind === 'header') this.readVideoCodec(msg.data, kind === 'header')
    const v = this.video!
    v.bytes += size
    if (kind === 'header') return
    v.frames++
    if (kind !== 'keyframe') return
    v.keyframes++
    // VP9 sequence headers carry no size, and AV1 ones may not: a keyframe does
    if (v.width === null && (v.codec === 'vp9' || v.codec === 'av1')) this.readVideoFigures(() => describeVideoKeyframe(msg.data))
    if (this.lastKeyframe !== undefined) v.lastKeyframeIntervalMs = Math.max(0, timestampDiff(msg.timestamp, this.lastKeyframe))
    this.lastKeyframe = msg.timestamp
  }

  /** Codec from any video message; size, profile and level from a sequence header (`describeVideoConfig`). */
  private readVideoCodec(data: Uint8Array, header: boolean): void {
    const info = videoInfo(data)
    const codec = info?.codec ?? 'unknown'
    const prev = this.video
    if (!prev || codec !== prev.codec) {
      this.video = {
        codec,
        width: null,
        height: null,
        profile: null,
        level: null,
        frames: prev?.frames ?? 0,
        keyframes: prev?.keyframes ?? 0,
        bytes: prev?.bytes ?? 0,
        lastKeyframeIntervalMs: prev?.lastKeyframeIntervalMs ?? null,
      }
    }
    if (header) this.readVideoFigures(() => describeVideoConfig(data))
  }

  /** Copies what a description says into the video figures (for the same codec only). */
  private readVideoFigures(describe: () => VideoConfigInfo | undefined): void {
    const v = this.video!
    let d: VideoConfigInfo | undefined
    try {
      d = describe()
    } catch {
      // a malformed header is forwarded as it is; the figures stay unknown
      return
    }
    if (d === undefined || d.codec !== v.codec) return
    if (d.width !== undefined && d.height !== undefined) Object.assign(v, { width: d.width, height: d.height })
    if (d.profile !== undefined) v.profile = d.profile
    if (d.level !== undefined) v.level = d.level
  }

  private onAudio(msg: MediaMessage, kind: string, size: number): void {
    const unknown = this.audio !== undefined && this.audio.sampleRate === null && this.audioProbes < AUDIO_PROBES
    if (!this.audio || kind === 'header' || unknown) this.readAudioCodec(msg.data, kind === 'header')
    const a = this.audio!
    a.bytes += size
    if (kind !== 'header') a.frames++
  }

  /**
   * Codec from any audio message; rate and channels from the FLV header bits of legacy codecs (not AAC), then
   * from what `describeAudioConfig` reads: a sequence header, a MultichannelConfig, or for codecs without a
   * configuration record (AC-3, E-AC-3, MP3) one of the first frames.
   */
  private readAudioCodec(data: Uint8Array, header: boolean): void {
    const info = audioInfo(data)
    const codec = info?.codec ?? 'unknown'
    const prev = this.audio
    if (!prev || codec !== prev.codec) {
      // the legacy header bits mean something except for AAC, whose spec fixes them at 44100 Hz stereo
      const legacy = info !== undefined && codec !== 'aac' && info.soundRate !== undefined
      this.audio = {
        codec,
        sampleRate: legacy ? (info.soundRate ?? null) : null,
        channels: legacy ? (info.channels ?? null) : null,
        objectType: null,
        frames: prev?.frames ?? 0,
        bytes: prev?.bytes ?? 0,
      }
      this.audioProbes = 0
    }
    if (!header) this.audioProbes++
    try {
      const d = describeAudioConfig(data)
      if (d === undefined || d.codec !== codec) return
      const a = this.audio!
      if (d.sampleRate !== undefined) a.sampleRate = d.sampleRate
      if (d.channels !== undefined) a.channels = d.channels || null
      if (d.objectType !== undefined) a.objectType = d.objectType
    } catch {
      // forwarded as it is; the figures stay unknown (or keep the FLV header bits)
    }
  }

  private onMetadata(payload: Uint8Array): void {
    const props = readOnMetaData(payload)
    const width = props?.width
    const height = props?.height
    if (typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0) this.metaSize = { width, height }
  }
}
