import { EventEmitter } from 'node:events'
import type { RtmpError, RtmpStatus } from '../errors'
import type { MediaMessage } from '../media/media-message'

export interface FlowSwitch {
  pause(): void
  resume(): void
}

export interface MediaReaderEvents {
  media: [MediaMessage]
  /** the stream ended; `error` when it failed */
  end: [RtmpError | undefined]
  /** an onStatus the server sent on this stream (client side) */
  status: [RtmpStatus]
}

/**
 * Incoming media of one stream, as events (`media`) and as an async iterator. Messages are queued for the
 * iterator (also before iteration starts, unless a `media` listener consumes them). The queue is bounded: when
 * it holds `highWaterMark` messages the underlying Duplex is paused until the consumer catches up.
 * Breaking out of a `for await` closes the stream (`onReturn`). A failure makes the loop throw the RtmpError.
 */
export class MediaReader extends EventEmitter<MediaReaderEvents> implements AsyncIterable<MediaMessage> {
  private queue: MediaMessage[] = []
  private head = 0
  private waiter: ((r: IteratorResult<MediaMessage>) => void) | undefined
  private failer: ((e: unknown) => void) | undefined
  private iterating = false
  private done = false
  private error: RtmpError | undefined
  private paused = false

  constructor(
    private readonly flow: FlowSwitch,
    protected readonly onReturn: () => void,
    private readonly highWaterMark = 256,
  ) {
    super()
  }

  get ended(): boolean {
    return this.done
  }

  /** Delivers one message (transport side). */
  push(msg: MediaMessage): void {
    if (this.done) return
    // Queue for an iterator, or for a consumer that has not started yet; listeners alone need no queue.
    const queue = this.iterating || this.listenerCount('media') === 0
    this.emit('media', msg)
    if (!queue) return
    if (this.waiter) {
      const w = this.waiter
      this.waiter = undefined
      this.failer = undefined
      w({ value: msg, done: false })
      return
    }
    this.queue.push(msg)
    if (!this.paused && this.queue.length - this.head >= this.highWaterMark) {
      this.paused = true
      this.flow.pause()
    }
  }

  /** Ends the stream (transport side). */
  finish(error?: RtmpError): void {
    if (this.done) return
    this.done = true
    this.error = error
    this.resumeFlow()
    this.emit('end', error)
    if (this.waiter && this.head >= this.queue.length) {
      const w = this.waiter
      const f = this.failer
      this.waiter = undefined
      this.failer = undefined
      if (error && f) f(error)
      else w({ value: undefined, done: true })
    }
  }

  private resumeFlow(): void {
    if (this.paused) {
      this.paused = false
      this.flow.resume()
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<MediaMessage> {
    this.iterating = true
    return {
      next: () => {
        if (this.head < this.queue.length) {
          const value = this.queue[this.head++]!
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue = this.queue.slice(this.head)
            this.head = 0
          }
          if (this.paused && this.queue.length - this.head < this.highWaterMark / 2) this.resumeFlow()
          return Promise.resolve({ value, done: false })
        }
        if (this.done) {
          if (this.error) {
            const e = this.error
            this.error = undefined
            return Promise.reject(e)
          }
          return Promise.resolve({ value: undefined, done: true })
        }
        return new Promise<IteratorResult<MediaMessage>>((resolve, reject) => {
          this.waiter = resolve
          this.failer = reject
        })
      },
      return: () => {
        this.iterating = false
        this.done = true
        this.queue = []
        this.head = 0
        this.resumeFlow()
        if (!this.done) this.onReturn()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}
