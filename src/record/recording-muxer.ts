import type { AmfObject } from '../amf/amf-value'
import { MessageRouter, type RoutedMessage } from '../live/routed-message'
import { StreamHeaders } from '../live/stream-headers'
import { FlvWriter } from '../media/flv-writer'
import { FlvTagType, type MediaMessage } from '../media/media-message'
import { headerMetadata, midstreamMetadata, readMetadata } from './flv-metadata'
import { RecordingTimeline, type RecordingTimelineOptions } from './recording-timeline'

/** `idle`: no file; `waiting`: a file was started, nothing written until a frame playback can start from; `recording`. */
export type RecordingMuxerState = 'idle' | 'waiting' | 'recording'

/** Appending to an FLV file that already has its header; its media ends at `endMs`. */
export interface AppendPoint {
  readonly endMs: number
}

/**
 * Shapes a live stream into FLV file bytes, without I/O: FLV header and an onMetaData with patchable
 * `duration`/`filesize` first, then the sequence headers, then frames from a keyframe on, with timestamps
 * from a `RecordingTimeline` (0 at the start of a file, monotonic across publishers).
 *
 * Feed every message of the stream to `push`, recording or not: the muxer keeps the latest onMetaData and
 * codec headers so that a file started mid-stream still opens with them. `push` returns the bytes to
 * append to the current file, in order (empty while idle or waiting for a keyframe).
 *
 * Enhanced RTMP multitrack is kept as published, and messages are classified as the live hub does
 * (`MessageRouter`): the headers are kept per track (`StreamHeaders`: each track's sequence header, HDR
 * colorInfo, multichannel config), so a file opens with every track's, and a file starts (or resumes after
 * dropped frames) at a key frame of the default track (trackId 0), the GOP boundary of the hub. The other
 * tracks start cleanly there when their key frames are aligned with track 0's and come after it (ffmpeg 9
 * sends aligned key frames in track order); otherwise they decode from their own next key frame.
 *
 * @throws FlvError RTMP_ERR_FLV_MALFORMED (reason 'tag-too-large') from `push` for a body over 16 MiB - 1.
 */
export class RecordingMuxer {
  readonly timeline: RecordingTimeline
  private fileState: RecordingMuxerState = 'idle'
  private writer = new FlvWriter()
  private metadata: AmfObject | undefined
  private readonly router = new MessageRouter()
  private readonly headers = new StreamHeaders()
  /** the last message classified: FlvRecorder asks `startsPlayback` of a message, then pushes it */
  private last: RoutedMessage | undefined
  private sawVideo = false
  private sawAudio = false
  private appending = false
  /** frames are held back until one that playback can start from (file start, new publisher) */
  private awaitingStart = false
  /** the writer fell behind: frames are dropped until the next keyframe */
  private dropping = false
  private dropped = 0

  constructor(options: RecordingTimelineOptions = {}) {
    this.timeline = new RecordingTimeline(options)
  }

  get state(): RecordingMuxerState {
    return this.fileState
  }

  /** Frames dropped by `dropUntilKeyframe` since the muxer was made. */
  get droppedFrames(): number {
    return this.dropped
  }

  /**
   * Whether `msg` would open the file now: a video keyframe (of the default track), or audio on a stream with
   * no video so far. Give it messages in stream order: it takes note of the headers among them, as `push` does.
   */
  startsPlayback(msg: MediaMessage): boolean {
    if (msg.type === 'data') return false
    const r = this.classify(msg)
    if (r.kind === 'header') return false
    return msg.type === 'video' ? r.kind === 'keyframe' : !this.sawVideo
  }

  /** Starts a file: a new one (header first) or, with `append`, after the media of an existing one. */
  startFile(append?: AppendPoint): void {
    this.fileState = 'waiting'
    this.awaitingStart = true
    this.dropping = false
    this.appending = append !== undefined
    this.writer = new FlvWriter()
    if (append) this.writer.writeHeader() // the file has its header: the writer must not emit another
    if (!append) {
      this.timeline.reset()
    } else if (this.timeline.hasStarted && this.timeline.durationMs >= append.endMs) {
      this.timeline.newSegment() // this muxer wrote the file's end itself
    } else {
      this.timeline.continueAt(append.endMs)
    }
  }

  /** Ends the file; returns its media duration in ms (the value for onMetaData `duration` × 1000). */
  endFile(): number {
    const duration = this.fileState === 'recording' ? this.timeline.durationMs : 0
    this.fileState = 'idle'
    return duration
  }

  /** A new publisher: forget its predecessor's metadata and headers; its first keyframe continues the file. */
  publishStarted(): void {
    this.metadata = this.last = undefined
    this.headers.clear()
    this.router.reset()
    this.sawVideo = this.sawAudio = false
    this.awaitingStart = true
    if (this.fileState === 'recording') this.timeline.newSegment()
  }

  /** The file writer cannot keep up: drop frames until the next keyframe (headers and metadata still go). */
  dropUntilKeyframe(): void {
    if (this.fileState === 'recording') this.dropping = true
  }

  /**
   * Takes a message the writer has no room for: a frame is dropped (the file resumes at a keyframe), while
   * metadata and sequence headers are kept and written as usual.
   */
  drop(msg: MediaMessage): Uint8Array[] {
    if (msg.type === 'data' || this.classify(msg).kind === 'header') return this.push(msg)
    if (msg.type === 'video') this.sawVideo = true
    else this.sawAudio = true
    if (this.fileState !== 'idle') {
      this.dropping = true
      this.dropped++
    }
    return []
  }

  /** Takes one message of the stream; returns the bytes to append to the file (possibly none). */
  push(msg: MediaMessage): Uint8Array[] {
    if (msg.type === 'data') return this.pushData(msg)
    const r = this.classify(msg)
    if (msg.type === 'video') this.sawVideo = true
    else this.sawAudio = true
    const type = FlvTagType[msg.type]
    if (r.kind === 'header') {
      if (this.fileState !== 'recording') return []
      return this.writer.writeTag(type, this.timeline.map('data', msg.timestamp), msg.data)
    }
    if (this.fileState === 'idle') return []
    if (this.awaitingStart || this.dropping) {
      if (!this.startsPlayback(msg)) {
        if (this.dropping) this.dropped++
        return []
      }
      this.awaitingStart = this.dropping = false
    }
    const out = this.fileState === 'waiting' ? this.opening(msg.timestamp) : []
    this.fileState = 'recording'
    out.push(...this.writer.writeTag(type, this.timeline.map(msg.type, msg.timestamp), msg.data))
    return out
  }

  private pushData(msg: MediaMessage): Uint8Array[] {
    const props = readMetadata(msg.data)
    if (props) this.metadata = props
    if (this.fileState !== 'recording') return []
    const body = props ? midstreamMetadata(props) : msg.data
    return this.writer.writeTag(18, this.timeline.map('data', msg.timestamp), body)
  }

  /** What a file (or an appended segment) starts with, stamped where its first frame will be. */
  private opening(timestamp: number): Uint8Array[] {
    const at = this.timeline.map('data', timestamp)
    const out: Uint8Array[] = []
    if (!this.appending) {
      const meta = this.metadata
      const video = this.sawVideo || (meta !== undefined && 'videocodecid' in meta)
      const audio = this.sawAudio || (meta !== undefined && 'audiocodecid' in meta)
      this.writer = new FlvWriter({ video, audio })
      out.push(this.writer.writeHeader(), ...this.writer.writeTag(18, at, headerMetadata(meta)))
    } else if (this.metadata) {
      out.push(...this.writer.writeTag(18, at, midstreamMetadata(this.metadata)))
    }
    // every track's, video then audio (only audio and video are kept there: onMetaData is the one above)
    for (const h of this.headers.replay(true)) out.push(...this.writer.writeTag(FlvTagType[h.type], at, h.data))
    return out
  }

  /** Classifies an audio/video message once (as the live hub does) and keeps it if it is a header. */
  private classify(msg: MediaMessage): RoutedMessage {
    if (this.last?.msg === msg) return this.last
    const r = this.router.route(msg)
    this.headers.update(r)
    this.last = r
    return r
  }
}
