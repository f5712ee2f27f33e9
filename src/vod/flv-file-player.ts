import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { RtmpError } from '../errors'
import { TagPacer } from '../media/tag-pacer'
import { NetStreamCode } from '../message/status'
import type { PlayStream } from '../transport/play-stream'
import type { FlvFileSource, SourceTag } from './flv-file-source'
import { VodError } from './vod-error'
import { planPlayback, planSeek, type PlaybackPlan } from './vod-plan'

export interface FlvFilePlayerOptions {
  /** ms to start at (the keyframe at or before it); default: the play request's `start` (< 0: the beginning) */
  start?: number
  /** ms to play; default: the play request's `duration` (< 0: to the end) */
  duration?: number
  /** media sent ahead of real time, ms (default 1000): fills the player's buffer at once */
  leadMs?: number
  /** bytes read from the file at once (default 256 KiB) */
  readAheadBytes?: number
}

/** Why playback ended: the file played to its end (or `duration`), the player left, `stop()`, or a read failed. */
export type VodEndReason = 'complete' | 'closed' | 'stopped' | 'failed'

export interface FlvFilePlayerEvents {
  /** the player sought to `positionMs`; playback restarts at the keyframe stamped `startMs` */
  seek: [positionMs: number, startMs: number]
  pause: [paused: boolean]
  end: [reason: VodEndReason, error: RtmpError | undefined]
}

/**
 * Plays an indexed FLV file to one RTMP player in real time (plus a small lead): StreamIsRecorded, onMetaData
 * and the sequence headers first, then the tags paced by their timestamps. Pause stops sending and keeps the
 * position; seek restarts at the keyframe at or before the position (Seek.Notify); the end of the file (or of
 * `duration`) sends onPlayStatus NetStream.Play.Complete and NetStream.Play.Stop. Backpressure: it waits for
 * the connection to drain. The only part of VOD with timers.
 */
export class FlvFilePlayer extends EventEmitter<FlvFilePlayerEvents> {
  /** resolves when playback ends */
  readonly done: Promise<VodEndReason>
  private resolveDone!: (reason: VodEndReason) => void
  private plan: PlaybackPlan
  private next: number
  private prelude: readonly number[] | undefined
  private generation = 0
  private readonly pacer: TagPacer
  private readonly readAhead: number
  private wakeUp: (() => void) | undefined
  private started = false
  private isEnded = false
  private lastSent: number | undefined
  private sent = 0

  constructor(
    readonly source: FlvFileSource,
    readonly stream: PlayStream,
    options: FlvFilePlayerOptions = {},
  ) {
    super()
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.plan = planPlayback(source.index, options.start ?? stream.start, options.duration ?? stream.duration)
    this.next = this.plan.from
    this.prelude = this.plan.prelude
    this.pacer = new TagPacer({ leadMs: options.leadMs ?? 1000 })
    this.readAhead = options.readAheadBytes ?? 256 * 1024
  }

  /** Timestamp of the tag playback started at (after play or the last seek): a keyframe at or before the position asked. */
  get startMs(): number {
    return this.plan.startMs
  }

  /** Timestamp of the last tag sent (where a pause holds). */
  get position(): number {
    return this.lastSent ?? this.plan.startMs
  }

  /** Media bytes sent so far. */
  get bytesSent(): number {
    return this.sent
  }

  get ended(): boolean {
    return this.isEnded
  }

  /** Starts sending (once). */
  start(): void {
    if (this.started || this.isEnded) return
    this.started = true
    if (this.stream.closed) return this.finish('closed')
    this.stream.on('pause', this.onPause)
    this.stream.on('seek', this.onSeek)
    this.stream.once('close', this.onClose)
    this.stream.markRecorded()
    void this.run()
  }

  /** Stops playing: the player gets StreamEOF + NetStream.Play.Stop; the file is closed. */
  stop(): void {
    if (this.isEnded) return
    this.stream.end(NetStreamCode.PlayStop, `Stopped playing ${this.stream.streamName}.`)
    this.finish('stopped')
  }

  private readonly onPause = (paused: boolean): void => {
    if (this.isEnded) return
    if (!paused) this.pacer.reset() // real time starts again from the next tag
    this.emit('pause', paused)
    this.wake()
  }

  private readonly onSeek = (position: number): void => {
    if (this.isEnded) return // after Play.Complete the file is closed; a new play starts over
    this.generation++
    this.plan = planSeek(this.source.index, position, this.plan.endMs)
    this.next = this.plan.from
    this.prelude = this.plan.prelude
    this.lastSent = undefined
    this.pacer.reset()
    this.stream.notifySeek(position)
    this.emit('seek', position, this.plan.startMs)
    this.wake()
  }

  private readonly onClose = (): void => this.finish('closed')

  private async run(): Promise<void> {
    const index = this.source.index
    try {
      while (!this.isEnded) {
        if (this.stream.paused) {
          await this.sleep(Infinity) // until unpause, seek or close
          continue
        }
        const generation = this.generation
        if (this.prelude) await this.sendPrelude(this.prelude, generation)
        if (this.isEnded || generation !== this.generation) continue
        if (this.next >= index.length) return this.complete()
        const tags = await this.source.readTags(this.next, this.readAhead)
        for (const tag of tags) {
          if (this.isEnded || generation !== this.generation || this.stream.paused) break
          if (tag.timestamp > this.plan.endMs) return this.complete()
          if (tag.index === this.plan.skip) {
            this.next = tag.index + 1
            continue
          }
          const wait = this.pacer.delay(tag.timestamp, performance.now())
          if (wait > 0) {
            await this.sleep(wait)
            if (this.isEnded || generation !== this.generation || this.stream.paused) break
          }
          const ok = this.send(tag)
          this.next = tag.index + 1
          if (!ok && !this.stream.closed) await this.stream.drained()
        }
      }
    } catch (err) {
      this.fail(err)
    }
  }

  /** onMetaData (on play) and the sequence headers in effect, stamped where the media starts. */
  private async sendPrelude(prelude: readonly number[], generation: number): Promise<void> {
    const index = this.source.index
    const at = this.plan.startMs
    for (const i of prelude) {
      const data = index.body(i) ?? (await this.source.readTags(i, 0))[0]?.data
      if (this.isEnded || generation !== this.generation) return
      if (data) this.send({ index: i, type: index.type(i), timestamp: at, data })
    }
    this.prelude = undefined
  }

  private send(tag: SourceTag): boolean {
    this.sent += tag.data.length
    if (tag.type !== 18) this.lastSent = tag.timestamp
    if (tag.type === 9) return this.stream.writeVideo(tag.timestamp, tag.data)
    if (tag.type === 8) return this.stream.writeAudio(tag.timestamp, tag.data)
    return this.stream.writeData(tag.timestamp, tag.data)
  }

  private complete(): void {
    if (this.isEnded) return
    const at = this.position
    this.stream.complete(at, { duration: at / 1000, bytes: this.sent })
    this.finish('complete')
  }

  private fail(err: unknown): void {
    if (this.isEnded) return
    const error = err instanceof RtmpError ? err : new VodError('RTMP_ERR_IO', `playing ${this.source.path} failed: ${String(err)}`, this.source.path, { cause: err })
    this.stream.sendStatus(NetStreamCode.PlayFailed, `${this.stream.streamName} could not be played.`, 'error')
    this.finish('failed', error)
  }

  private finish(reason: VodEndReason, error?: RtmpError): void {
    if (this.isEnded) return
    this.isEnded = true
    this.stream.off('pause', this.onPause)
    this.stream.off('seek', this.onSeek)
    this.stream.off('close', this.onClose)
    this.wake()
    void this.source.close()
    this.emit('end', reason, error)
    this.resolveDone(reason)
  }

  /** Waits `ms` (Infinity: until woken); pause, seek, stop and close wake it early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => done(), ms) : undefined
      timer?.unref?.()
      const done = (): void => {
        clearTimeout(timer)
        if (this.wakeUp === done) this.wakeUp = undefined
        resolve()
      }
      this.wakeUp = done
    })
  }

  private wake(): void {
    this.wakeUp?.()
  }
}
