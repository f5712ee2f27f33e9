import type { MediaMessage } from '../media/media-message'
import type { PlayRequest, PublishRequest } from '../transport/requests'
import type { LiveSink } from './live-sink'
import { LiveStream, type GopCacheLimits, type LiveSubscription, type PlayerLimits } from './live-stream'

export interface LiveRouterOptions {
  gopCache?: Partial<GopCacheLimits>
  players?: Partial<PlayerLimits>
  /** a subscriber arrived on a stream nobody publishes (e.g. an edge starts pulling it from an origin) */
  onDemand?: (app: string, streamName: string) => void
  /** the last subscriber left a stream (e.g. an edge stops pulling) */
  onUnused?: (app: string, streamName: string) => void
}

export interface LiveStreamInfo {
  readonly key: string
  readonly publishing: boolean
  readonly players: number
}

/** The publishing side of a live stream, for any source (an RTMP publisher, a relay pulling from an origin, a file). */
export interface LivePublisher {
  write(msg: MediaMessage): void
  /** the publisher left; subscribers are told and stay for the next one */
  end(): void
}

/**
 * The built-in live router: a publisher's messages go to every subscriber of the same app and stream name.
 * Subscribers that come first wait for the publisher; when it leaves they are told and keep waiting.
 * A second publisher on a live name is refused (Publish.BadName for RTMP publishers).
 */
export class LiveRouter {
  private readonly streams = new Map<string, LiveStream>()
  private readonly gopLimits: GopCacheLimits
  private readonly playerLimits: PlayerLimits
  private readonly options: LiveRouterOptions

  constructor(options: LiveRouterOptions = {}) {
    this.options = options
    this.gopLimits = { maxBytes: options.gopCache?.maxBytes ?? 16 * 1024 * 1024 }
    this.playerLimits = { maxBufferedBytes: options.players?.maxBufferedBytes ?? 16 * 1024 * 1024 }
  }

  static keyOf(app: string, streamName: string): string {
    return `${app}/${streamName}`
  }

  /** Starts publishing `app/streamName` from any source, or returns undefined if it is already live. */
  publish(app: string, streamName: string): LivePublisher | undefined {
    const key = LiveRouter.keyOf(app, streamName)
    const stream = this.streams.get(key) ?? this.create(key)
    if (stream.publishing) return undefined
    stream.startPublishing()
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
  subscribe(app: string, streamName: string, sink: LiveSink): LiveSubscription {
    const key = LiveRouter.keyOf(app, streamName)
    const stream = this.streams.get(key) ?? this.create(key)
    const subscription = stream.subscribe(sink)
    if (!stream.publishing) this.options.onDemand?.(app, streamName)
    return subscription
  }

  /** Accepts the publish unless the name is already live, then routes its media. */
  handlePublish(req: PublishRequest): void {
    const publisher = this.publish(req.app, req.streamName)
    if (!publisher) {
      req.reject('NetStream.Publish.BadName', `${LiveRouter.keyOf(req.app, req.streamName)} is already being published`)
      return
    }
    const stream = req.accept()
    if (stream.ended) return publisher.end()
    stream.on('media', (msg) => publisher.write(msg))
    stream.once('end', () => publisher.end())
  }

  /** Accepts the play and subscribes the player (it waits for a publisher if there is none yet). */
  handlePlay(req: PlayRequest): void {
    const player = req.accept()
    if (player.closed) return
    const subscription = this.subscribe(req.app, req.streamName, player)
    player.once('close', () => subscription.unsubscribe())
  }

  list(): LiveStreamInfo[] {
    return [...this.streams.values()].map((s) => ({ key: s.key, publishing: s.publishing, players: s.subscriberCount }))
  }

  get(app: string, streamName: string): LiveStream | undefined {
    return this.streams.get(LiveRouter.keyOf(app, streamName))
  }

  private create(key: string): LiveStream {
    const s = new LiveStream(key, this.gopLimits, this.playerLimits, (stream) => this.unsubscribed(stream))
    this.streams.set(key, s)
    return s
  }

  private unsubscribed(stream: LiveStream): void {
    if (stream.subscriberCount === 0 && this.options.onUnused) {
      const slash = stream.key.lastIndexOf('/')
      this.options.onUnused(stream.key.slice(0, slash), stream.key.slice(slash + 1))
    }
    this.release(stream)
  }

  private release(stream: LiveStream): void {
    if (stream.idle && this.streams.get(stream.key) === stream) this.streams.delete(stream.key)
  }
}
