import { ClosedError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import { isKeyframe, isSequenceHeader } from '../media/flv-tag'
import type { LiveSink } from './live-sink'

export interface GopCacheLimits {
  /** most bytes kept from the last keyframe on (default 16 MiB); past it the cache is dropped until the next keyframe */
  maxBytes: number
}

export interface PlayerLimits {
  /** a sink holding more unsent bytes than this is dropped with RTMP_ERR_SLOW_CONSUMER (default 16 MiB) */
  maxBufferedBytes: number
}

interface Subscriber {
  readonly sink: LiveSink
  /** drop everything until a keyframe: a player must start decoding at one */
  waitingForKeyframe: boolean
}

/** What a subscription gives back: a way to leave. */
export interface LiveSubscription {
  unsubscribe(): void
}

/**
 * One live stream: whether it is being published, its subscribers, and what a late joiner needs to start at
 * once (metadata, sequence headers, the frames since the last keyframe). Payloads are shared by every
 * subscriber, never copied.
 */
export class LiveStream {
  private isPublishing = false
  private readonly subscribers = new Set<Subscriber>()
  private metadata: MediaMessage | undefined
  private videoHeader: MediaMessage | undefined
  private audioHeader: MediaMessage | undefined
  private gop: MediaMessage[] = []
  private gopBytes = 0
  /** the cache holds a keyframe and what followed it */
  private gopStarted = false
  private hasVideo = false

  constructor(
    readonly key: string,
    private readonly limits: GopCacheLimits,
    private readonly playerLimits: PlayerLimits,
    private readonly onUnsubscribed: (stream: LiveStream) => void,
  ) {}

  get publishing(): boolean {
    return this.isPublishing
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  get idle(): boolean {
    return !this.isPublishing && this.subscribers.size === 0
  }

  /** A publisher starts: subscribers get `publishStarted` and will start at its first keyframe. */
  startPublishing(): void {
    this.isPublishing = true
    this.metadata = this.videoHeader = this.audioHeader = undefined
    this.resetGop()
    this.hasVideo = false
    for (const s of this.subscribers) {
      s.waitingForKeyframe = true
      s.sink.publishStarted?.(this.key)
    }
  }

  /** The publisher left: subscribers get `publishEnded` and stay for the next one. */
  stopPublishing(): void {
    this.isPublishing = false
    this.resetGop()
    for (const s of this.subscribers) s.sink.publishEnded?.(this.key)
  }

  /** Adds a sink; if the stream is live it gets metadata, sequence headers and the cached GOP first. */
  subscribe(sink: LiveSink): LiveSubscription {
    const sub: Subscriber = { sink, waitingForKeyframe: true }
    this.subscribers.add(sub)
    if (this.isPublishing) {
      const start = this.gop[0]?.timestamp ?? 0
      if (this.metadata) sink.writeData(start, this.metadata.data)
      if (this.videoHeader) sink.writeVideo(start, this.videoHeader.data)
      if (this.audioHeader) sink.writeAudio(start, this.audioHeader.data)
      if (this.gopStarted || !this.hasVideo) {
        sub.waitingForKeyframe = false
        for (const m of this.gop) write(sink, m)
      }
    }
    return {
      unsubscribe: () => {
        if (this.subscribers.delete(sub)) this.onUnsubscribed(this)
      },
    }
  }

  /** Routes one message from the publisher to every subscriber. */
  publish(msg: MediaMessage): void {
    const header = msg.type !== 'data' && isSequenceHeader(msg.type, msg.data)
    const keyframe = msg.type === 'video' && !header && isKeyframe(msg.data)
    if (msg.type === 'data') {
      this.metadata = msg
    } else if (header) {
      if (msg.type === 'video') this.videoHeader = msg
      else this.audioHeader = msg
    } else {
      if (msg.type === 'video') this.hasVideo = true
      if (keyframe) {
        this.resetGop()
        this.gopStarted = true
      }
      this.cache(msg)
    }
    if (msg.type === 'video' && header) this.hasVideo = true
    for (const s of this.subscribers) {
      if (s.waitingForKeyframe && msg.type !== 'data' && !header) {
        if (this.hasVideo && !keyframe) continue
        s.waitingForKeyframe = false
      }
      write(s.sink, msg)
      if (s.sink.bufferedBytes > this.playerLimits.maxBufferedBytes) this.dropSlow(s)
    }
  }

  /** A sink that stopped reading must not make the server buffer without bound. */
  private dropSlow(s: Subscriber): void {
    this.subscribers.delete(s)
    const limit = this.playerLimits.maxBufferedBytes
    s.sink.abort(new ClosedError('RTMP_ERR_SLOW_CONSUMER', `subscriber of ${this.key} fell behind: over ${limit} bytes waiting to be sent`))
    this.onUnsubscribed(this)
  }

  private resetGop(): void {
    this.gop = []
    this.gopBytes = 0
    this.gopStarted = false
  }

  private cache(msg: MediaMessage): void {
    if (this.hasVideo && !this.gopStarted) return // no keyframe yet: nothing a player could start from
    this.gop.push(msg)
    this.gopBytes += msg.data.length
    if (this.gopBytes > this.limits.maxBytes) this.resetGop()
  }
}

function write(sink: LiveSink, m: MediaMessage): void {
  if (m.type === 'video') sink.writeVideo(m.timestamp, m.data)
  else if (m.type === 'audio') sink.writeAudio(m.timestamp, m.data)
  else sink.writeData(m.timestamp, m.data)
}
