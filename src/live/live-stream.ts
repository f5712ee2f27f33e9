import { ClosedError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import { FanoutLane } from './fanout-lane'
import { GopCache } from './gop-cache'
import type { LiveStart, LiveStreamConfig } from './live-options'
import type { ChunkedSink, LiveSink } from './live-sink'
import { LiveTimeline } from './live-timeline'
import { PlayerGate, gateFrameOf } from './player-gate'
import { MessageRouter, type RoutedMessage } from './routed-message'
import { StreamHeaders } from './stream-headers'
import { StreamStatsCollector, type LiveStreamState, type LiveStreamStats } from './stream-stats'

export type { GopCacheLimits, PlayerLimits } from './live-options'

interface Subscriber {
  readonly sink: LiveSink
  /** drop media until a keyframe: a player must start decoding at one */
  waitingForKeyframe: boolean
  /** what it loses, or whether it goes, when it falls behind */
  readonly gate: PlayerGate
  /** gets multitrack messages as published; otherwise only the default track, as single-track messages */
  readonly allTracks: boolean
  /** set when it may join a lane: it takes shared chunk bytes and its write limit is below the drop limit */
  readonly chunked: ChunkedSink | undefined
  /** the lane it is in, if any (then it is not in `slow`) */
  lane: FanoutLane<Subscriber> | undefined
  /** index of the first message held in its lane that is for it (it joined while a batch was held) */
  laneFrom: number
}

/** A lane's held batch is flushed at once past this many bytes, whatever the batch time. */
const LANE_FLUSH_BYTES = 64 * 1024

/** What a subscription gives back: a way to leave. */
export interface LiveSubscription {
  unsubscribe(): void
  /** video frames this subscriber did not get because it fell behind (`players.dropBufferedBytes`) */
  readonly droppedFrames: number
}

/** What a stream tells its router. */
export interface LiveStreamHooks {
  /** a subscriber left or was dropped */
  unsubscribed(stream: LiveStream): void
  /** the reconnect grace period ran out: the stream is idle now */
  ended(stream: LiveStream): void
}

/**
 * One live stream: whether it is being published, its subscribers, and what a late joiner needs to start at
 * once (onMetaData, sequence headers, the GOP since the last keyframe). Payloads are shared by every
 * subscriber, never copied.
 *
 * Enhanced RTMP multitrack: sinks that take multitrack (`LiveSink.multitrack`, or the router's
 * `multitrack: 'all'`) get messages as published; the others get the default track (trackId 0) only, as
 * single-track messages projected once per message and shared by all of them. Headers are kept per track.
 *
 * Fan-out lanes: a subscriber that takes shared chunk bytes (`LiveSink.chunked`: RTMP players) and keeps up
 * (its last write stayed under its write limit, its gate is clear, it waits for no keyframe) joins the lane of
 * its format. A lane's messages are chunked once and written as the same bytes to every member, with no
 * per-member decision: what the gate would decide for a member under its write limit is to send. With
 * `writeBatchMs` a lane holds the chunked messages and flushes them as one Buffer written once to each member
 * (per-member work per flush, not per message). A member whose write returns false, whose format changes
 * (paused, audio or video off, closed) or that must wait for a keyframe goes back to the per-message path,
 * which reads its unsent bytes and gates each message; it joins again once it keeps up.
 *
 * States: `idle` (no publisher; subscribers wait), `publishing`, `reconnecting` (the publisher left less than
 * the grace period ago; subscribers have not been told and a publisher of the same name takes over).
 */
export class LiveStream {
  readonly key: string
  private streamState: LiveStreamState = 'idle'
  private readonly subscribers = new Set<Subscriber>()
  /** subscribers in no lane: served message by message, gated on their unsent bytes */
  private readonly slow = new Set<Subscriber>()
  private readonly lanes = new Map<string, FanoutLane<Subscriber>>()
  private cancelFlush: (() => void) | undefined
  private laneSubscribers = 0
  private laneChunked = 0
  private laneWrites = 0
  private readonly headers = new StreamHeaders()
  private readonly router = new MessageRouter()
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
    this.headers.clear()
    this.router.reset()
    this.gop.clear()
    this.hasVideo = false
    this.leaveLanes()
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
    this.flushLanes()
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
    const ownsQueue = sink.ownsQueue === true
    const gate = new PlayerGate(this.config.players, ownsQueue)
    const allTracks = this.config.multitrack === 'all' || sink.multitrack === true
    const c = sink.chunked
    const chunked = c !== undefined && !ownsQueue && c.writeHighWaterMark <= this.config.players.dropBufferedBytes ? c : undefined
    const sub: Subscriber = { sink, waitingForKeyframe: true, gate, allTracks, chunked, lane: undefined, laneFrom: 0 }
    this.subscribers.add(sub)
    this.slow.add(sub)
    this.collector.subscribed(this.subscribers.size)
    if (this.streamState === 'publishing') this.catchUp(sub, start)
    return {
      unsubscribe: () => {
        if (!this.subscribers.delete(sub)) return
        if (sub.lane) {
          writeFrom(sub.sink, sub.lane.heldMessages, sub.laneFrom) // what its lane holds for it comes first
          this.leaveLane(sub)
        } else {
          this.slow.delete(sub)
        }
        this.hooks.unsubscribed(this)
      },
      get droppedFrames() {
        return gate.dropped
      },
    }
  }

  /** Routes one message from the publisher to every subscriber (ignored unless publishing). */
  publish(input: MediaMessage): void {
    if (this.streamState !== 'publishing') return
    const msg = this.timeline.map(input)
    const routed = this.remember(msg)
    const kind = routed.kind
    const now = this.config.clock.now()
    this.collector.received(msg, kind, now)
    let sent = 0
    // lane members that took this message but are now over their write limit: per message from the next one
    let behind: Subscriber[] | undefined
    for (const lane of this.lanes.values()) {
      const out = lane.allTracks ? msg : routed.plain
      if (!out) continue // a multitrack message without the default track
      if (this.config.writeBatchMs > 0) {
        lane.hold(out)
        this.laneChunked++
        if (lane.held >= LANE_FLUSH_BYTES) sent += this.flushLane(lane, (behind ??= []))
        // one timer per stream: every lane of it goes out together
        else this.cancelFlush ??= this.config.clock.schedule(this.config.writeBatchMs, () => this.onFlushTimer())
        continue
      }
      let bytes: Uint8Array | undefined
      for (const s of lane.members) {
        const c = s.chunked!
        if (c.laneFormat !== lane.format) {
          this.leaveLane(s)
          this.slow.add(s) // served by the loop below, this message included
          continue
        }
        if (bytes === undefined) {
          bytes = lane.chunk(out)
          this.laneChunked++
        }
        sent += out.data.length
        this.laneWrites++
        if (!c.writeChunks(bytes)) {
          this.leaveLane(s)
          ;(behind ??= []).push(s)
        }
      }
    }
    const startsPlayback = kind === 'keyframe' || !this.hasVideo
    // once per message, from the classification above; drops follow the default track (see gateFrameOf)
    const frame = gateFrameOf(routed)
    let dropped = 0
    for (const s of this.slow) {
      const out = s.allTracks ? msg : routed.plain
      if (!out) continue
      if (s.waitingForKeyframe && kind !== 'header' && msg.type !== 'data') {
        if (!startsPlayback) continue
        s.waitingForKeyframe = false
      }
      const before = s.sink.bufferedBytes
      const decision = s.gate.decide(frame, before, now)
      if (decision === 'drop') {
        dropped++
        continue
      }
      if (decision === 'disconnect') {
        this.dropSlow(s)
        continue
      }
      const ok = write(s.sink, out, out.timestamp)
      sent += out.data.length
      // read the sink again only when this write could have taken it past the hard limit: reading a
      // player's socket state costs cache misses, per message per player
      if (before + writeBound(out.data.length) > this.config.players.maxBufferedBytes && s.gate.afterWrite(s.sink.bufferedBytes) === 'disconnect') {
        this.dropSlow(s)
      } else if (ok && s.chunked !== undefined && !s.waitingForKeyframe && s.gate.clear) {
        this.joinLane(s)
      }
    }
    if (behind) for (const s of behind) this.slow.add(s)
    if (sent > 0) this.collector.sent(sent, now)
    if (dropped > 0) this.collector.framesDropped(dropped)
  }

  /** This stream's figures (plain JSON). */
  stats(): LiveStreamStats {
    return this.collector.snapshot(this.config.clock.now(), {
      state: this.streamState,
      subscribers: this.subscribers.size,
      gopCache: { messages: this.gop.length, bytes: this.gop.bytes, durationMs: this.gop.durationMs, overflows: this.gop.overflows },
      fanout: { laneSubscribers: this.laneSubscribers, messagesChunked: this.laneChunked, writes: this.laneWrites },
    })
  }

  /** Keeps what late joiners need and says what the message is. */
  private remember(msg: MediaMessage): RoutedMessage {
    const r = this.router.route(msg)
    if (msg.type === 'video') this.hasVideo = true
    this.headers.update(r)
    if (r.endsDefaultVideo) this.gop.clear() // its frames cannot be decoded without the header that ended
    if (r.kind === 'keyframe') this.gop.keyframe(msg, r.plain)
    else if (r.kind === 'frame') this.gop.frame(msg, r.plain)
    return r
  }

  private catchUp(sub: Subscriber, start: LiveStart): void {
    const replay = start === 'gop' && this.gop.startable
    const first = this.gop.entries[0]
    // headers carry the time playback starts at, so players see no step back
    const at = replay && first ? first.msg.timestamp : this.timeline.lastTimestamp
    let sent = 0
    for (const m of this.headers.replay(sub.allTracks)) {
      write(sub.sink, m, at)
      sent += m.data.length
    }
    if (replay) {
      sub.waitingForKeyframe = false
      for (const e of this.gop.entries) {
        const m = sub.allTracks ? e.msg : e.plain
        if (!m) continue
        write(sub.sink, m, m.timestamp)
        sent += m.data.length
      }
    }
    if (sent > 0) this.collector.sent(sent, this.config.clock.now())
  }

  /** Puts a subscriber that keeps up into the lane of its format (from the next message on). */
  private joinLane(s: Subscriber): void {
    const format = s.chunked!.laneFormat
    if (format === undefined) return
    const key = `${s.allTracks ? 'all' : 'default'}:${format.chunkSize}/${format.streamId}`
    let lane = this.lanes.get(key)
    if (lane === undefined) this.lanes.set(key, (lane = new FanoutLane<Subscriber>(key, format, s.allTracks)))
    // equal values in another object: a format past laneFormat's interning bound, served per message
    else if (lane.format !== format) return
    this.slow.delete(s)
    lane.members.add(s)
    this.laneSubscribers++
    s.lane = lane
    s.laneFrom = lane.heldCount
  }

  /**
   * Takes a subscriber out of its lane; the caller puts it in the per-message path (now or after the message
   * at hand) and has dealt with what the lane holds for it.
   */
  private leaveLane(s: Subscriber): void {
    const lane = s.lane!
    lane.members.delete(s)
    this.laneSubscribers--
    s.lane = undefined
    s.laneFrom = 0
    if (lane.members.size === 0) {
      lane.clear()
      if (this.lanes.get(lane.key) === lane) this.lanes.delete(lane.key)
    }
  }

  /** Every lane member back to the per-message path, after what its lane holds (a new publisher, a reset). */
  private leaveLanes(): void {
    this.flushLanes()
    for (const lane of [...this.lanes.values()]) {
      for (const s of [...lane.members]) {
        this.leaveLane(s)
        this.slow.add(s)
      }
    }
  }

  private onFlushTimer(): void {
    this.cancelFlush = undefined
    this.flushLanes()
  }

  /** Writes what every lane holds. */
  private flushLanes(): void {
    this.cancelFlush?.()
    this.cancelFlush = undefined
    let sent = 0
    const behind: Subscriber[] = []
    for (const lane of [...this.lanes.values()]) sent += this.flushLane(lane, behind)
    for (const s of behind) this.slow.add(s)
    if (sent > 0) this.collector.sent(sent, this.config.clock.now())
  }

  /**
   * One write per member of what the lane holds for it; returns the payload bytes sent. Members that leave
   * the lane (over their write limit, format changed) go to `behind`, not yet to the per-message path: they
   * have had every held message, the one being published included.
   */
  private flushLane(lane: FanoutLane<Subscriber>, behind: Subscriber[]): number {
    const batch = lane.take()
    if (batch === undefined) return 0
    const count = batch.messages.length
    let sent = 0
    for (const s of lane.members) {
      const from = s.laneFrom
      s.laneFrom = 0
      if (from >= count) continue
      const c = s.chunked!
      if (c.laneFormat !== lane.format) {
        // paused, audio or video off, closed: the per-message path decides for each held message
        writeFrom(s.sink, batch.messages, from)
        this.leaveLane(s)
        behind.push(s)
        continue
      }
      sent += batch.payloads[count]! - batch.payloads[from]!
      this.laneWrites++
      if (!c.writeChunks(from === 0 ? batch.bytes : batch.bytes.subarray(batch.offsets[from]))) {
        this.leaveLane(s)
        behind.push(s)
      }
    }
    return sent
  }

  private unpublished(): void {
    this.streamState = 'idle'
    this.collector.end()
    for (const s of this.subscribers) s.sink.publishEnded?.(this.key)
  }

  /** A sink that stopped reading must not make the server buffer without bound. */
  private dropSlow(s: Subscriber): void {
    this.subscribers.delete(s)
    this.slow.delete(s)
    this.collector.slowDrop()
    s.sink.abort(new ClosedError('RTMP_ERR_SLOW_CONSUMER', `subscriber of ${this.key} fell behind: ${s.gate.reason ?? 'too far'}`))
    this.hooks.unsubscribed(this)
  }
}

/** The most bytes a message of `length` can take queued: payload plus chunk headers (7 per 128 bytes at worst). */
function writeBound(length: number): number {
  return length + (length >> 4) + 64
}

/** Writes `messages` from index `from` on, one by one: the sink (its session) decides for each. */
function writeFrom(sink: LiveSink, messages: readonly MediaMessage[], from: number): void {
  for (let i = from; i < messages.length; i++) sink.write(messages[i]!)
}

function write(sink: LiveSink, m: MediaMessage, timestamp: number): boolean {
  return sink.write(timestamp === m.timestamp ? m : { type: m.type, timestamp, data: m.data })
}
