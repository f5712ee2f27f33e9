import { ClosedError } from '../errors'
import { isKeyframe, isSequenceHeader } from '../media/flv-tag'
import type { MediaMessage } from '../media/media-message'
import { GopCache } from './gop-cache'
import type { LiveStart, LiveStreamConfig } from './live-options'
import type { LiveSink } from './live-sink'
import { LiveTimeline } from './live-timeline'
import { isOnMetaData } from './script-data'
import { StreamStatsCollector, type LiveStreamState, type LiveStreamStats } from './stream-stats'

export type { GopCacheLimits, PlayerLimits } from './live-options'

interface Subscriber {
  readonly sink: LiveSink
  /** drop media until a keyframe: a player must start decoding at one */
  waitingForKeyframe: boolean
}

/** What a subscription gives back: a way to leave. */
export interface LiveSubscription {
  unsubscribe(): void
}

/** What a stream tells its router. */
export interface LiveStreamHooks {
  /** a subscriber left or was dropped */
  unsubscribed(stream: LiveStream): void
  /** the reconnect grace period ran out: the stream is idle now */
  ended(stream: LiveStream): void
}

/** How a message counts: codec configuration (and onMetaData), a keyframe, or anything else. */
type MessageKind = 'header' | 'keyframe' | 'frame'

/**
 * One live stream: whether it is being published, its subscribers, and what a late joiner needs to start at
 * once (onMetaData, sequence headers, the GOP since the last keyframe). Payloads are shared by every
 * subscriber, never copied.
 *
 * States: `idle` (no publisher; subscribers wait), `publishing`, `reconnecting` (the publisher left less than
 * the grace period ago; subscribers have not been told and a publisher of the same name takes over).
 */
export class LiveStream {
  readonly key: string
  private streamState: LiveStreamState = 'idle'
  private readonly subscribers = new Set<Subscriber>()
  private metadata: MediaMessage | undefined
  private videoHeader: MediaMessage | undefined
  private audioHeader: MediaMessage | undefined
  private readonly gop: GopCache
  private hasVideo = false
  private readonly timeline = new LiveTimeline()
  private readonly collector: StreamStatsCollector
  private cancelGrace: (() => void) | undefined
  private leftAt = 0

  constructor(
    readonly app: string,
    readonly name: string,
    private readonly config: LiveStreamConfig,
    private readonly hooks: LiveStreamHooks,
  ) {
    this.key = `${app}/${name}`
    this.gop = new GopCache(config.gop)
    this.collector = new StreamStatsCollector(app, name, config.statsWindowMs)
  }

  get state(): LiveStreamState {
    return this.streamState
  }

  get publishing(): boolean {
    return this.streamState === 'publishing'
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** Nothing to keep it for: no publisher, none expected back, no subscriber. */
  get idle(): boolean {
    return this.streamState === 'idle' && this.subscribers.size === 0
  }

  /**
   * A publisher starts. Subscribers get `publishStarted` and start again at its first keyframe (after its
   * metadata and sequence headers). Within the grace period this continues the broadcast: statistics go on and
   * timestamps are shifted to follow the last ones sent.
   */
  startPublishing(): void {
    const now = this.config.clock.now()
    if (this.streamState === 'reconnecting') {
      this.cancelGrace?.()
      this.cancelGrace = undefined
      this.timeline.resume(now - this.leftAt)
      this.collector.reconnected()
    } else {
      this.timeline.reset()
      this.collector.begin(now, this.subscribers.size)
    }
    this.streamState = 'publishing'
    this.metadata = this.videoHeader = this.audioHeader = undefined
    this.gop.clear()
    this.hasVideo = false
    for (const s of this.subscribers) {
      s.waitingForKeyframe = true
      s.sink.publishStarted?.(this.key)
    }
  }

  /**
   * The publisher left. Without a grace period subscribers get `publishEnded` at once and stay for the next
   * publisher; with one they hear nothing unless it runs out before a publisher comes back.
   */
  stopPublishing(): void {
    if (this.streamState !== 'publishing') return
    this.gop.clear()
    const grace = this.config.reconnectGraceMs
    if (grace <= 0) return this.unpublished()
    this.streamState = 'reconnecting'
    this.leftAt = this.config.clock.now()
    this.cancelGrace = this.config.clock.schedule(grace, () => {
      this.cancelGrace = undefined
      if (this.streamState !== 'reconnecting') return
      this.unpublished()
      this.hooks.ended(this)
    })
  }

  /**
   * Adds a sink. If the stream is live it gets onMetaData and the sequence headers at once, then with
   * `start: 'gop'` the cached GOP (when there is one), otherwise media from the next keyframe.
   */
  subscribe(sink: LiveSink, start: LiveStart = 'gop'): LiveSubscription {
    const sub: Subscriber = { sink, waitingForKeyframe: true }
    this.subscribers.add(sub)
    this.collector.subscribed(this.subscribers.size)
    if (this.streamState === 'publishing') this.catchUp(sub, start)
    return {
      unsubscribe: () => {
        if (this.subscribers.delete(sub)) this.hooks.unsubscribed(this)
      },
    }
  }

  /** Routes one message from the publisher to every subscriber (ignored unless publishing). */
  publish(input: MediaMessage): void {
    if (this.streamState !== 'publishing') return
    const msg = this.timeline.map(input)
    const kind = this.remember(msg)
    const now = this.config.clock.now()
    this.collector.received(msg, kind, now)
    const startsPlayback = kind === 'keyframe' || !this.hasVideo
    let sent = 0
    for (const s of this.subscribers) {
      if (s.waitingForKeyframe && kind !== 'header' && msg.type !== 'data') {
        if (!startsPlayback) continue
        s.waitingForKeyframe = false
      }
      write(s.sink, msg, msg.timestamp)
      sent += msg.data.length
      if (s.sink.bufferedBytes > this.config.players.maxBufferedBytes) this.dropSlow(s)
    }
    if (sent > 0) this.collector.sent(sent, now)
  }

  /** This stream's figures (plain JSON). */
  stats(): LiveStreamStats {
    return this.collector.snapshot(this.config.clock.now(), {
      state: this.streamState,
      subscribers: this.subscribers.size,
      gopCache: { messages: this.gop.messages.length, bytes: this.gop.bytes, durationMs: this.gop.durationMs, overflows: this.gop.overflows },
    })
  }

  /** Keeps what late joiners need and says what the message is. */
  private remember(msg: MediaMessage): MessageKind {
    if (msg.type === 'data') {
      if (isOnMetaData(msg.data)) {
        this.metadata = msg
        return 'header'
      }
      this.gop.frame(msg) // cue points, captions: in order with the frames around them
      return 'frame'
    }
    if (msg.type === 'video') this.hasVideo = true
    if (isSequenceHeader(msg.type, msg.data)) {
      if (msg.type === 'video') this.videoHeader = msg
      else this.audioHeader = msg
      return 'header'
    }
    if (msg.type === 'video' && isKeyframe(msg.data)) {
      this.gop.keyframe(msg)
      return 'keyframe'
    }
    this.gop.frame(msg)
    return 'frame'
  }

  private catchUp(sub: Subscriber, start: LiveStart): void {
    const replay = start === 'gop' && this.gop.startable
    const first = this.gop.messages[0]
    // headers carry the time playback starts at, so players see no step back
    const at = replay && first ? first.timestamp : this.timeline.lastTimestamp
    let sent = 0
    for (const m of [this.metadata, this.videoHeader, this.audioHeader]) {
      if (!m) continue
      write(sub.sink, m, at)
      sent += m.data.length
    }
    if (replay) {
      sub.waitingForKeyframe = false
      for (const m of this.gop.messages) {
        write(sub.sink, m, m.timestamp)
        sent += m.data.length
      }
    }
    if (sent > 0) this.collector.sent(sent, this.config.clock.now())
  }

  private unpublished(): void {
    this.streamState = 'idle'
    this.collector.end()
    for (const s of this.subscribers) s.sink.publishEnded?.(this.key)
  }

  /** A sink that stopped reading must not make the server buffer without bound. */
  private dropSlow(s: Subscriber): void {
    this.subscribers.delete(s)
    this.collector.slowDrop()
    const limit = this.config.players.maxBufferedBytes
    s.sink.abort(new ClosedError('RTMP_ERR_SLOW_CONSUMER', `subscriber of ${this.key} fell behind: over ${limit} bytes waiting to be sent`))
    this.hooks.unsubscribed(this)
  }
}

function write(sink: LiveSink, m: MediaMessage, timestamp: number): void {
  sink.write(timestamp === m.timestamp ? m : { type: m.type, timestamp, data: m.data })
}
