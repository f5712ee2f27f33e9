import type { MediaMessage } from '../media/media-message'
import type { PlayRequest, PublishRequest } from '../transport/requests'
import { systemClock, type LiveClock } from './live-clock'
import {
  DEFAULT_STATS_WINDOW_MS,
  normalizeGopCache,
  checkBatchMs,
  normalizeMs,
  normalizePlayerLimits,
  type GopCacheLimits,
  type LiveStart,
  type LiveStreamConfig,
  type MultitrackRouting,
  type PlayerLimits,
  type SubscribeOptions,
} from './live-options'
import type { LiveSink } from './live-sink'
import { LiveStream, type LiveStreamHooks, type LiveSubscription } from './live-stream'
import type { LiveStreamState, LiveStreamStats } from './stream-stats'

export interface LiveRouterOptions {
  /** GOP cache for late joiners (default on, 16 MiB, 10 s of media time) */
  gopCache?: Partial<GopCacheLimits>
  players?: Partial<PlayerLimits>
  /** where subscribers start unless `subscribe` / `handlePlay` say otherwise (default 'gop') */
  start?: LiveStart
  /**
   * ms to wait for a publisher that left to come back before its subscribers are told (default 0: told at
   * once). A publisher of the same name arriving in time continues the broadcast.
   */
  reconnectGraceMs?: number
  /** window of the bitrates in `stats()` (default 5000 ms) */
  statsWindowMs?: number
  /** time and timers (default: Date.now and setTimeout); inject a fake one in tests */
  clock?: LiveClock
  /**
   * Who gets every track of an Enhanced RTMP multitrack stream (default 'negotiated': players that announced
   * the capsEx Multitrack bit, recorders and relays; the others get the default track, trackId 0). The spec
   * only requires a player that announces multitrack to handle it, but some players demux multitrack FLV
   * without announcing it (ffmpeg 9's FLV demuxer reads every track, while its RTMP client, like 5.1's, sends
   * no capsEx): 'all' sends messages as published to every sink, for deployments that know their players.
   */
  multitrack?: MultitrackRouting
  /**
   * ms a stream may hold media for the players that keep up, to write it to each in one piece (default 0: at
   * once; at most 100). An RtmpServer gives its own `writeBatchMs` unless this is set. See LiveStream's lanes.
   */
  writeBatchMs?: number | undefined
  /** a subscriber arrived on a stream nobody publishes (e.g. an edge starts pulling it from an origin) */
  onDemand?: (app: string, streamName: string) => void
  /** the last subscriber left a stream (e.g. an edge stops pulling) */
  onUnused?: (app: string, streamName: string) => void
}

/** Callbacks for what happens on a router; several sets can be added (`addHooks`), each is called in turn. */
export interface LiveRouterHooks {
  /** a subscriber arrived on a stream nobody publishes (e.g. an edge starts pulling it from an origin) */
  onDemand?: (app: string, streamName: string) => void
  /** the last subscriber left a stream (e.g. an edge stops pulling) */
  onUnused?: (app: string, streamName: string) => void
  /** a publisher (any source) started on a stream (e.g. start recording it) */
  onPublish?: (app: string, streamName: string) => void
}

export interface LiveStreamInfo {
  readonly key: string
  /** true while a publisher is on (false while `reconnecting`) */
  readonly publishing: boolean
  readonly state: LiveStreamState
  readonly players: number
}

/** The publishing side of a live stream, for any source (an RTMP publisher, a relay pulling from an origin, a file). */
export interface LivePublisher {
  write(msg: MediaMessage): void
  /** the publisher left; subscribers are told (after the grace period, if any) and stay for the next one */
  end(): void
}

/**
 * The built-in live router: a publisher's messages go to every subscriber of the same app and stream name.
 * Subscribers that come first wait for the publisher; when it leaves they are told and keep waiting.
 * A second publisher on a live name is refused (Publish.BadName for RTMP publishers).
 */
export class LiveRouter {
  private readonly streams = new Map<string, LiveStream>()
  private readonly config: LiveStreamConfig
  private readonly defaultStart: LiveStart
  private readonly options: LiveRouterOptions
  private readonly hookSets = new Set<LiveRouterHooks>()
  private readonly hooks: LiveStreamHooks = {
    unsubscribed: (stream) => this.unsubscribed(stream),
    ended: (stream) => this.release(stream),
  }

  constructor(options: LiveRouterOptions = {}) {
    this.options = options
    this.hookSets.add(options) // the options' onDemand / onUnused are the first hook set
    this.defaultStart = options.start === 'live' ? 'live' : 'gop'
    this.config = {
      gop: normalizeGopCache(options.gopCache),
      players: normalizePlayerLimits(options.players),
      clock: options.clock ?? systemClock,
      multitrack: options.multitrack === 'all' ? 'all' : 'negotiated',
      reconnectGraceMs: normalizeMs(options.reconnectGraceMs, 0),
      statsWindowMs: normalizeMs(options.statsWindowMs, DEFAULT_STATS_WINDOW_MS) || DEFAULT_STATS_WINDOW_MS,
      writeBatchMs: checkBatchMs(options.writeBatchMs),
    }
  }

  /** Adds a set of hooks; returns a function that removes them. A hook that throws does not stop the others. */
  addHooks(hooks: LiveRouterHooks): () => void {
    const own = { ...hooks }
    this.hookSets.add(own)
    return () => {
      this.hookSets.delete(own)
    }
  }

  private callHooks(name: keyof LiveRouterHooks, app: string, streamName: string): void {
    for (const h of [...this.hookSets]) {
      try {
        h[name]?.(app, streamName)
      } catch {
        // an application hook's failure must not break routing for everyone else
      }
    }
  }

  /**
   * The router's key of a stream. Unambiguous on purpose: app `live` with name `secret/cam` and app
   * `live/secret` with name `cam` are different streams (an application that authorizes by app must not be
   * bypassed through the name). `LiveStream.key` is the readable `app/name`.
   */
  static keyOf(app: string, streamName: string): string {
    return `${app.length}:${app}/${streamName}`
  }

  /**
   * Starts publishing `app/streamName` from any source, or returns undefined if it is already live. A stream
   * whose publisher left within the grace period is taken over: its subscribers continue.
   */
  publish(app: string, streamName: string): LivePublisher | undefined {
    const stream = this.streamFor(app, streamName)
    if (stream.publishing) return undefined
    stream.startPublishing()
    this.callHooks('onPublish', app, streamName)
    let ended = false
    return {
      write: (msg) => {
        if (!ended) stream.publish(msg)
      },
      end: () => {
        if (ended) return
        ended = true
        stream.stopPublishing()
        this.release(stream)
      },
    }
  }

  /** Subscribes any sink to `app/streamName` (created, waiting for a publisher, if it does not exist). */
  subscribe(app: string, streamName: string, sink: LiveSink, options: SubscribeOptions = {}): LiveSubscription {
    const stream = this.streamFor(app, streamName)
    const subscription = stream.subscribe(sink, options.start ?? this.defaultStart)
    // not while reconnecting: a publisher is expected back
    if (stream.state === 'idle') this.callHooks('onDemand', app, streamName)
    return subscription
  }

  /** Accepts the publish unless the name is already live, then routes its media. */
  handlePublish(req: PublishRequest): void {
    const publisher = this.publish(req.app, req.streamName)
    if (!publisher) {
      req.reject('NetStream.Publish.BadName', `${req.app}/${req.streamName} is already being published`)
      return
    }
    const stream = req.accept()
    if (stream.ended) return publisher.end()
    stream.on('media', (msg) => publisher.write(msg))
    stream.once('end', () => publisher.end())
  }

  /**
   * Accepts the play and subscribes the player (it waits for a publisher if there is none yet).
   * `options.start` chooses where it starts (default: the router's `start`), e.g. from the play query:
   * `router.handlePlay(req, { start: req.query.start === 'live' ? 'live' : 'gop' })`.
   */
  handlePlay(req: PlayRequest, options: SubscribeOptions = {}): void {
    const player = req.accept()
    if (player.closed) return
    const subscription = this.subscribe(req.app, req.streamName, player, options)
    player.once('close', () => subscription.unsubscribe())
  }

  list(): LiveStreamInfo[] {
    return [...this.streams.values()].map((s) => ({ key: s.key, publishing: s.publishing, state: s.state, players: s.subscriberCount }))
  }

  get(app: string, streamName: string): LiveStream | undefined {
    return this.streams.get(LiveRouter.keyOf(app, streamName))
  }

  /** Figures of every stream the router knows (published, reconnecting, or with waiting subscribers). */
  stats(): LiveStreamStats[] {
    return [...this.streams.values()].map((s) => s.stats())
  }

  /** Figures of one stream, or undefined if the router does not know it. */
  streamStats(app: string, streamName: string): LiveStreamStats | undefined {
    return this.get(app, streamName)?.stats()
  }

  private streamFor(app: string, streamName: string): LiveStream {
    const key = LiveRouter.keyOf(app, streamName)
    let stream = this.streams.get(key)
    if (!stream) {
      stream = new LiveStream(app, streamName, this.config, this.hooks)
      this.streams.set(key, stream)
    }
    return stream
  }

  private unsubscribed(stream: LiveStream): void {
    if (stream.subscriberCount === 0) this.callHooks('onUnused', stream.app, stream.name)
    this.release(stream)
  }

  private release(stream: LiveStream): void {
    const key = LiveRouter.keyOf(stream.app, stream.name)
    if (stream.idle && this.streams.get(key) === stream) this.streams.delete(key)
  }
}
