import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { RtmpError } from '../errors'
import type { LiveSink } from '../live/live-sink'
import type { MediaMessage } from '../media/media-message'
import { RecordingError } from './recording-error'
import { RecordingFile, type RecordingMode } from './recording-file'
import { RecordingMuxer } from './recording-muxer'
import { expandRecordingPath, type RecordingFileInfo } from './recording-path'
import type { RecordingTimelineOptions } from './recording-timeline'

export interface FlvRecorderOptions {
  /**
   * Where to write: a path, a template (`{app}`, `{name}`, `{date}`, `{time}`, `{ms}`, `{timestamp}`, `{n}`,
   * see `expandRecordingPath`) or a function. Relative to `dir` when given.
   */
  path: string | ((info: RecordingFileInfo) => string)
  dir?: string
  /** for the template; default: taken from the stream key when a publisher starts */
  app?: string
  name?: string
  /** 'new' (default): a file per publish (and per start()); 'append': one file, timestamps continuing */
  mode?: RecordingMode
  /** most bytes waiting for the disk; past it frames are dropped until a keyframe (default 8 MiB) */
  maxQueueBytes?: number
  /** record from the first keyframe on (default true); false waits for `start()` */
  autoStart?: boolean
  /** patch duration and filesize into the header onMetaData when a file is finished (default true) */
  finalize?: boolean
  timeline?: RecordingTimelineOptions
}

/** A finished recording file. */
export interface RecordedFile {
  readonly path: string
  /** media duration of the whole file (ms) */
  readonly durationMs: number
  readonly bytes: number
  /** the recording continued a file that existed before */
  readonly appended: boolean
  /** frames dropped while this file was written because the disk did not keep up */
  readonly droppedFrames: number
}

export interface FlvRecorderEvents {
  /** a file was opened (or reopened to append) */
  fileOpen: [path: string]
  /** a file was finished and closed */
  fileClose: [RecordedFile]
  /**
   * RecordingError RTMP_ERR_SLOW_CONSUMER: the disk fell behind and frames are dropped until a keyframe;
   * RecordingError RTMP_ERR_IO: a file failed (recording resumes with the next publish or `start()`);
   * or the error the live router dropped this recorder with. Never the EventEmitter 'error'.
   */
  recordingError: [RtmpError]
}

const DEFAULT_MAX_QUEUE_BYTES = 8 * 1024 * 1024

/** What arrives while a file is opening, kept in order: media, and the publisher boundaries between them. */
type Held = MediaMessage | { type: 'publishStarted'; streamKey: string } | { type: 'publishEnded' }

type Slot =
  | { kind: 'opening'; held: Held[]; heldBytes: number; overflowed: boolean; ready: Promise<void> }
  | { kind: 'open'; file: RecordingFile; droppedAtOpen: number }

/**
 * Records a live stream to FLV files: a `LiveSink`, so `router.subscribe(app, name, recorder)` records what
 * is published there. This is the I/O part (files, events); the FLV shaping is `RecordingMuxer`, pure.
 *
 * A file is opened at the first frame playback can start from (a keyframe; audio on an audio-only stream)
 * and finished when the publisher leaves, on `stop()`, or (mode 'new') when another publisher starts.
 * Writes never throw: failures are reported as `recordingError`.
 */
export class FlvRecorder extends EventEmitter<FlvRecorderEvents> implements LiveSink {
  /** LiveSink: a recording keeps every track of a multitrack stream */
  readonly multitrack = true
  private readonly options: FlvRecorderOptions
  private readonly mode: RecordingMode
  private readonly maxQueueBytes: number
  /** LiveSink: it drops frames by its own `maxQueueBytes` policy, not the router's player policy */
  readonly ownsQueue = true
  private readonly muxer: RecordingMuxer
  private active: boolean
  private isClosed = false
  /** a file failed: wait for the next publisher or start() before trying again */
  private failedSession = false
  private overflowing = false
  private slot: Slot | undefined
  private readonly finishing = new Set<Promise<RecordedFile | undefined>>()
  /** files being flushed and patched: a file is reopened (append) only after */
  private readonly flushing = new Set<Promise<unknown>>()
  private fileCount = 0
  private app: string
  private name: string

  constructor(options: FlvRecorderOptions) {
    super()
    this.options = options
    this.mode = options.mode ?? 'new'
    this.maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES
    this.active = options.autoStart ?? true
    this.muxer = new RecordingMuxer(options.timeline)
    this.app = options.app ?? ''
    this.name = options.name ?? ''
  }

  /** Whether it records (or will, at the next keyframe). */
  get recording(): boolean {
    return this.active && !this.isClosed
  }

  /** The file being written, if any. */
  get currentPath(): string | undefined {
    return this.slot?.kind === 'open' ? this.slot.file.path : undefined
  }

  /** LiveSink: bytes waiting for the disk. */
  get bufferedBytes(): number {
    const slot = this.slot
    if (!slot) return 0
    return slot.kind === 'open' ? slot.file.bufferedBytes : slot.heldBytes
  }

  /** Starts recording (a no-op when recording); the file opens at the next keyframe. */
  start(): void {
    if (this.isClosed) return
    this.active = true
    this.failedSession = false
  }

  /** Stops recording: finishes the current file. Resolves with it (undefined if none was open). */
  async stop(): Promise<RecordedFile | undefined> {
    this.active = false
    const file = await this.finishFile()
    await Promise.all([...this.finishing])
    return file
  }

  /** Stops for good (later starts are ignored). */
  async close(): Promise<RecordedFile | undefined> {
    this.isClosed = true
    return this.stop()
  }

  /** LiveSink: a publisher started. Mode 'new' finishes the current file; 'append' continues it. */
  publishStarted(streamKey: string): void {
    if (this.slot?.kind === 'opening') return this.hold(this.slot, { type: 'publishStarted', streamKey })
    const slash = streamKey.lastIndexOf('/')
    if (this.options.app === undefined) this.app = streamKey.slice(0, Math.max(0, slash))
    if (this.options.name === undefined) this.name = streamKey.slice(slash + 1)
    this.failedSession = false
    this.muxer.publishStarted()
    if (this.mode === 'new') void this.finishFile()
  }

  /** LiveSink: the publisher left; the file is finished (it stays subscribed for the next one). */
  publishEnded(): void {
    if (this.slot?.kind === 'opening') return this.hold(this.slot, { type: 'publishEnded' })
    void this.finishFile()
  }

  /** LiveSink: the router dropped this recorder; the file is finished. */
  abort(error: RtmpError): void {
    this.emit('recordingError', error)
    void this.close()
  }

  /** LiveSink: one message of the stream (recorded when recording, else only remembered: metadata, headers). */
  write(msg: MediaMessage): boolean {
    if (this.isClosed) return false
    if (!this.active || this.failedSession) {
      this.muxer.push(msg) // keeps metadata and headers for a later start
      return true
    }
    return this.route(msg)
  }

  /** Where a message goes while recording (also for held messages replayed after a stop() was asked). */
  private route(msg: MediaMessage): boolean {
    const slot = this.slot
    if (!slot) {
      if (this.muxer.startsPlayback(msg)) this.openFile(msg)
      else this.muxer.push(msg)
      return true
    }
    if (slot.kind === 'opening') {
      this.hold(slot, msg)
      return true
    }
    this.feed(slot.file, msg)
    return slot.file.bufferedBytes < this.maxQueueBytes / 2
  }

  private hold(slot: Slot & { kind: 'opening' }, msg: Held): void {
    if (!('data' in msg)) {
      slot.held.push(msg) // boundaries are never dropped
      return
    }
    if (slot.heldBytes + msg.data.length > this.maxQueueBytes && msg.type !== 'data') {
      if (!slot.overflowed) this.reportOverflow()
      slot.overflowed = true
      // held messages stop here; after the gap the file resumes at a keyframe
      return
    }
    if (slot.overflowed) return
    slot.held.push(msg)
    slot.heldBytes += msg.data.length
  }

  private feed(file: RecordingFile, msg: MediaMessage): void {
    try {
      if (this.overflowing && file.bufferedBytes > this.maxQueueBytes / 2) {
        file.write(this.muxer.drop(msg))
        return
      }
      this.overflowing = false
      file.write(this.muxer.push(msg))
      if (file.bufferedBytes > this.maxQueueBytes) {
        this.overflowing = true
        this.muxer.dropUntilKeyframe()
        this.reportOverflow(file.path)
      }
    } catch (err) {
      // a tag the FLV format cannot hold (over 16 MiB): skip it, keep recording
      this.emit('recordingError', new RecordingError('RTMP_ERR_IO', `cannot record a ${msg.type} message: ${String(err)}`, file.path, { cause: err }))
    }
  }

  private reportOverflow(path?: string): void {
    const limit = this.maxQueueBytes
    this.emit('recordingError', new RecordingError('RTMP_ERR_SLOW_CONSUMER', `the disk fell behind: over ${limit} bytes waiting; dropping frames until a keyframe`, path))
  }

  private openFile(first: MediaMessage): void {
    this.fileCount++
    const info: RecordingFileInfo = { app: this.app, name: this.name, startedAt: new Date(), index: this.fileCount }
    const relative = typeof this.options.path === 'function' ? this.options.path(info) : expandRecordingPath(this.options.path, info)
    const path = this.options.dir !== undefined ? join(this.options.dir, relative) : relative
    const slot: Slot & { kind: 'opening' } = { kind: 'opening', held: [first], heldBytes: first.data.length, overflowed: false, ready: Promise.resolve() }
    this.slot = slot
    // a file still being finished (same path in append mode) is flushed and patched before it is reopened
    const previous = Promise.all([...this.flushing])
    slot.ready = previous.then(() => RecordingFile.open(path, this.mode, (err) => this.fileFailed(err))).then(
      (file) => {
        const opened: Slot = { kind: 'open', file, droppedAtOpen: this.muxer.droppedFrames }
        this.slot = opened
        this.muxer.startFile(file.appendPoint)
        this.emit('fileOpen', file.path)
        if (slot.overflowed) this.muxer.dropUntilKeyframe()
        this.replay(slot.held)
      },
      (err: unknown) => {
        if (this.slot === slot) this.slot = undefined
        this.failedSession = true
        this.replay(slot.held.filter((h) => !('data' in h))) // the boundaries still count
        this.emit('recordingError', err instanceof RecordingError ? err : new RecordingError('RTMP_ERR_IO', String(err), path, { cause: err }))
      },
    )
  }

  /** Carries out what was held, in order; a boundary may finish this file and the media after it open the next. */
  private replay(held: readonly Held[]): void {
    for (const h of held) {
      if (h.type === 'publishStarted') this.publishStarted(h.streamKey)
      else if (h.type === 'publishEnded') this.publishEnded()
      else if (!this.failedSession) this.route(h) // held before any stop() or close(): still recorded
      else this.muxer.push(h)
    }
  }

  private fileFailed(error: RecordingError): void {
    const slot = this.slot
    if (slot?.kind === 'open' && slot.file.path === error.path) {
      this.slot = undefined
      this.muxer.endFile()
      this.failedSession = true
      slot.file.abandon()
    }
    this.emit('recordingError', error)
  }

  /** Finishes the current file (after it opened, if it is opening). */
  private finishFile(): Promise<RecordedFile | undefined> {
    const slot = this.slot
    if (!slot) return Promise.resolve(undefined)
    // the open handler replays what was held, then this runs: both are microtasks, no media comes between
    const p = slot.kind === 'opening' ? slot.ready.then(() => (this.slot === slot ? undefined : this.finishFile())) : this.flush(slot)
    this.finishing.add(p)
    void p.finally(() => this.finishing.delete(p))
    return p
  }

  private flush(slot: Slot & { kind: 'open' }): Promise<RecordedFile | undefined> {
    const p = this.finishOpen(slot)
    this.flushing.add(p)
    void p.finally(() => this.flushing.delete(p))
    return p
  }

  private async finishOpen(slot: Slot & { kind: 'open' }): Promise<RecordedFile | undefined> {
    if (this.slot === slot) this.slot = undefined
    this.overflowing = false
    const durationMs = this.muxer.endFile()
    const { file } = slot
    try {
      await file.finish(durationMs, this.options.finalize ?? true)
    } catch (err) {
      this.emit('recordingError', err as RtmpError)
      return undefined
    }
    if (file.size === 0) return undefined // nothing was recorded: the empty file is gone
    const recorded: RecordedFile = {
      path: file.path,
      durationMs,
      bytes: file.size,
      appended: file.appendPoint !== undefined,
      droppedFrames: this.muxer.droppedFrames - slot.droppedAtOpen,
    }
    this.emit('fileClose', recorded)
    return recorded
  }
}
