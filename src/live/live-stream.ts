import { ClosedError } from '../errors'
import type { MediaMessage } from '../media/media-message'
import { isKeyframe, isSequenceHeader } from '../media/flv-tag'
import type { PlayStream } from '../transport/play-stream'
import type { PublishStream } from '../transport/publish-stream'

export interface GopCacheLimits {
  /** most bytes kept from the last keyframe on (default 16 MiB); past it the cache is dropped until the next keyframe */
  maxBytes: number
}

export interface PlayerLimits {
  /** a player whose connection holds more unsent bytes than this is disconnected (default 16 MiB) */
  maxBufferedBytes: number
}

interface Player {
  readonly stream: PlayStream
  /** drop everything until a keyframe: a player must start decoding at one */
  waitingForKeyframe: boolean
}

/**
 * One live stream: its publisher, its players, and what a late joiner needs to start at once (metadata,
 * sequence headers, the frames since the last keyframe). Payloads are shared by every player, never copied.
 */
export class LiveStream {
  publisher: PublishStream | undefined
  private readonly players = new Set<Player>()
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
    private readonly playerLimits: PlayerLimits = { maxBufferedBytes: 16 * 1024 * 1024 },
  ) {}

  get playerCount(): number {
    return this.players.size
  }

  get idle(): boolean {
    return !this.publisher && this.players.size === 0
  }

  /** A publisher starts: players waiting get PublishNotify and will start at its first keyframe. */
  startPublishing(publisher: PublishStream): void {
    this.publisher = publisher
    this.metadata = this.videoHeader = this.audioHeader = undefined
    this.gop = []
    this.gopBytes = 0
    this.gopStarted = false
    this.hasVideo = false
    for (const p of this.players) {
      p.waitingForKeyframe = true
      p.stream.sendStatus('NetStream.Play.PublishNotify', `${this.key} is now published.`)
    }
  }

  /** The publisher left: players get StreamEOF + Play.UnpublishNotify and keep waiting for the next one. */
  stopPublishing(): void {
    this.publisher = undefined
    this.gop = []
    this.gopBytes = 0
    this.gopStarted = false
    for (const p of this.players) p.stream.end('NetStream.Play.UnpublishNotify', `${this.key} is now unpublished.`)
  }

  addPlayer(stream: PlayStream): void {
    const player: Player = { stream, waitingForKeyframe: true }
    this.players.add(player)
    stream.once('close', () => this.players.delete(player))
    if (!this.publisher) return
    const start = this.gop[0]?.timestamp ?? 0
    if (this.metadata) stream.writeData(start, this.metadata.data)
    if (this.videoHeader) stream.writeVideo(start, this.videoHeader.data)
    if (this.audioHeader) stream.writeAudio(start, this.audioHeader.data)
    if (this.gop.length > 0 || !this.hasVideo) {
      player.waitingForKeyframe = false
      for (const m of this.gop) send(stream, m)
    }
  }

  /** Routes one message from the publisher to every player. */
  publish(msg: MediaMessage): void {
    if (msg.type === 'data') {
      this.metadata = msg
    } else if (isSequenceHeader(msg.type, msg.data)) {
      if (msg.type === 'video') {
        this.videoHeader = msg
        this.hasVideo = true
      } else {
        this.audioHeader = msg
      }
    } else if (msg.type === 'video') {
      this.hasVideo = true
      if (isKeyframe(msg.data)) {
        this.gop = []
        this.gopBytes = 0
        this.gopStarted = true
      }
      this.cache(msg)
    } else {
      this.cache(msg)
    }
    const keyframe = msg.type === 'video' && isKeyframe(msg.data)
    for (const p of this.players) {
      if (p.waitingForKeyframe) {
        if (msg.type === 'data' || isSequenceHeader(msg.type, msg.data)) {
          send(p.stream, msg)
          continue
        }
        if (this.hasVideo && !keyframe) continue
        p.waitingForKeyframe = false
      }
      send(p.stream, msg)
      if (p.stream.bufferedBytes > this.playerLimits.maxBufferedBytes) this.dropSlowPlayer(p)
    }
  }

  /** A player that stopped reading must not make the server buffer without bound. */
  private dropSlowPlayer(p: Player): void {
    this.players.delete(p)
    const limit = this.playerLimits.maxBufferedBytes
    p.stream.connection.destroy(
      new ClosedError('RTMP_ERR_SLOW_CONSUMER', `player of ${this.key} fell behind: over ${limit} bytes waiting to be sent`),
    )
  }

  private cache(msg: MediaMessage): void {
    if (this.hasVideo && !this.gopStarted) return // no keyframe yet: nothing a player could start from
    this.gop.push(msg)
    this.gopBytes += msg.data.length
    if (this.gopBytes > this.limits.maxBytes) {
      this.gop = []
      this.gopBytes = 0
      this.gopStarted = false
    }
  }
}

function send(stream: PlayStream, m: MediaMessage): void {
  if (m.type === 'video') stream.writeVideo(m.timestamp, m.data)
  else if (m.type === 'audio') stream.writeAudio(m.timestamp, m.data)
  else stream.writeData(m.timestamp, m.data)
}
