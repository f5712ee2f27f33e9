import type { PlayRequest, PublishRequest } from '../transport/requests'
import { LiveStream, type GopCacheLimits, type PlayerLimits } from './live-stream'

export interface LiveRouterOptions {
  gopCache?: Partial<GopCacheLimits>
  players?: Partial<PlayerLimits>
}

export interface LiveStreamInfo {
  readonly key: string
  readonly publishing: boolean
  readonly players: number
}

/**
 * The built-in live router: a publisher's messages go to every player of the same app and stream name.
 * Players that come first wait for the publisher (PublishNotify); when it leaves they get UnpublishNotify.
 * A second publisher on a live name gets Publish.BadName.
 */
export class LiveRouter {
  private readonly streams = new Map<string, LiveStream>()
  private readonly gopLimits: GopCacheLimits
  private readonly playerLimits: PlayerLimits

  constructor(options: LiveRouterOptions = {}) {
    this.gopLimits = { maxBytes: options.gopCache?.maxBytes ?? 16 * 1024 * 1024 }
    this.playerLimits = { maxBufferedBytes: options.players?.maxBufferedBytes ?? 16 * 1024 * 1024 }
  }

  static keyOf(app: string, streamName: string): string {
    return `${app}/${streamName}`
  }

  /** Accepts the publish unless the name is already live, then routes its media. */
  handlePublish(req: PublishRequest): void {
    const key = LiveRouter.keyOf(req.app, req.streamName)
    const live = this.streams.get(key)
    if (live?.publisher) {
      req.reject('NetStream.Publish.BadName', `${key} is already being published`)
      return
    }
    const stream = live ?? this.create(key)
    const publisher = req.accept()
    if (publisher.ended) return this.release(stream)
    stream.startPublishing(publisher)
    publisher.on('media', (msg) => stream.publish(msg))
    publisher.once('end', () => {
      if (stream.publisher !== publisher) return
      stream.stopPublishing()
      this.release(stream)
    })
  }

  /** Accepts the play and joins the stream (waiting for a publisher if there is none yet). */
  handlePlay(req: PlayRequest): void {
    const key = LiveRouter.keyOf(req.app, req.streamName)
    const stream = this.streams.get(key) ?? this.create(key)
    const player = req.accept()
    if (player.closed) return this.release(stream)
    stream.addPlayer(player)
    player.once('close', () => this.release(stream))
  }

  list(): LiveStreamInfo[] {
    return [...this.streams.values()].map((s) => ({ key: s.key, publishing: s.publisher !== undefined, players: s.playerCount }))
  }

  get(app: string, streamName: string): LiveStream | undefined {
    return this.streams.get(LiveRouter.keyOf(app, streamName))
  }

  private create(key: string): LiveStream {
    const s = new LiveStream(key, this.gopLimits, this.playerLimits)
    this.streams.set(key, s)
    return s
  }

  private release(stream: LiveStream): void {
    if (stream.idle && this.streams.get(stream.key) === stream) this.streams.delete(stream.key)
  }
}
