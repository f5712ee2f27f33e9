import { ClosedError, TimeoutError, type RtmpError } from '../errors'
import type { LivePublisher } from '../live/live-router'
import type { MediaMessage } from '../media/media-message'
import type { ClientPlayStream } from '../transport/client-streams'
import { RtmpClient } from '../transport/rtmp-client'
import type { Backoff } from './backoff'
import { asRtmpError, type RelayCommonOptions } from './relay-options'
import type { CancelTimer, Scheduler } from './scheduler'

/** Why an edge stopped pulling a stream. */
export type EdgeStopReason =
  /** the last local player left and `linger` ms passed */
  | 'unused'
  /** `edge.close()` */
  | 'closed'
  /** the retries ran out (`error` = the last failure); local players keep waiting, the next one starts again */
  | 'gave-up'
  /** someone published the same name locally first */
  | 'published-locally'
  /** before a retry, a function `origin` returned undefined: nowhere to pull from now; local players keep waiting */
  | 'no-origin'

/**
 * Where an edge is with one stream:
 * - `connecting`: connecting to the origin and sending play (`attempt` = retries so far);
 * - `waiting`: the origin accepted play, no media yet (its stream is not live);
 * - `live`: media flows and is published on the local router;
 * - `retrying`: the origin refused (e.g. NetStream.Play.StreamNotFound), dropped, went idle or stopped
 *   publishing (`error` says which); the next attempt starts in `delay` ms. Local players stay and wait;
 * - `stopped`: final for this pull (see EdgeStopReason).
 */
export type EdgePullStatus =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'waiting' }
  | { readonly state: 'live' }
  | { readonly state: 'retrying'; readonly error: RtmpError; readonly delay: number; readonly attempt: number }
  | { readonly state: 'stopped'; readonly reason: EdgeStopReason; readonly error?: RtmpError }

/** Where a pull plays from. */
export interface EdgeTarget {
  /** what RtmpClient.connect gets (the app is taken from it) */
  readonly url: string
  /** the name played at the origin */
  readonly name: string
  /** the origin stream as one URL, for status events (password and query values masked) */
  readonly display: string
}

/** What a pull needs from its edge. */
export interface EdgePullHost {
  readonly options: RelayCommonOptions
  readonly scheduler: Scheduler
  readonly linger: number
  readonly idleTimeout: number
  /** starts publishing locally, or undefined if the name is already live here */
  publish(app: string, streamName: string): LivePublisher | undefined
  /** where to play `app/streamName` from now (asked again before every retry); undefined: nowhere; may throw */
  target(app: string, streamName: string): EdgeTarget | undefined
  subscribers(app: string, streamName: string): number
  status(pull: EdgePull, status: EdgePullStatus): void
  removed(pull: EdgePull): void
}

interface PullLink {
  readonly abort: AbortController
  client: RtmpClient | undefined
  publisher: LivePublisher | undefined
  /** media arrived since the last idle check */
  fresh: boolean
  idleTimer: CancelTimer | undefined
  closed: boolean
}

/**
 * One stream an edge pulls: plays its target with an RtmpClient and publishes what arrives on the local
 * router under the same app and name. Publishes locally only once media flows, so local players see
 * PublishNotify when the origin's stream really starts; ends the local publish when the origin stops
 * (players get UnpublishNotify and may wait for the next one) and plays again, with backoff, while
 * players remain. Each retry asks the edge for the target again, so a stream that moved (to another
 * origin, another cluster worker) is followed.
 */
export class EdgePull {
  private current: EdgePullStatus = { state: 'connecting', attempt: 0 }
  private link: PullLink | undefined
  private retryTimer: CancelTimer | undefined
  private lingerTimer: CancelTimer | undefined
  private stopped = false

  constructor(
    private readonly host: EdgePullHost,
    readonly app: string,
    readonly streamName: string,
    private target: EdgeTarget,
    private readonly backoff: Backoff,
  ) {}

  get status(): EdgePullStatus {
    return this.current
  }

  /** the origin stream as one URL (password and query values masked) */
  get origin(): string {
    return this.target.display
  }

  start(): void {
    this.connect()
  }

  /** A player arrived: keep pulling. */
  demand(): void {
    this.lingerTimer?.()
    this.lingerTimer = undefined
  }

  /** The last player left: stop after `linger` ms unless one came back. */
  unused(): void {
    if (this.stopped || this.lingerTimer) return
    this.lingerTimer = this.host.scheduler.schedule(this.host.linger, () => {
      this.lingerTimer = undefined
      if (this.host.subscribers(this.app, this.streamName) === 0) void this.stop('unused')
    })
  }

  /** Stops for good; resolves once the origin connection is closed. */
  stop(reason: EdgeStopReason, error?: RtmpError): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.stopped = true
    this.lingerTimer?.()
    this.retryTimer?.()
    this.lingerTimer = this.retryTimer = undefined
    const closed = this.link ? this.drop(this.link) : Promise.resolve()
    this.link = undefined
    this.setStatus(error ? { state: 'stopped', reason, error } : { state: 'stopped', reason })
    this.host.removed(this)
    return closed
  }

  private connect(): void {
    const link: PullLink = { abort: new AbortController(), client: undefined, publisher: undefined, fresh: false, idleTimer: undefined, closed: false }
    this.link = link
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempts })
    void this.pull(link)
  }

  private async pull(link: PullLink): Promise<void> {
    const o = this.host.options
    try {
      const client = await RtmpClient.connect(this.target.url, {
        ...o.client,
        signal: link.abort.signal,
        ...(o.socket ? { socket: o.socket() } : {}),
      })
      link.client = client
      if (link.closed) return client.destroy()
      const play = await client.play(this.target.name, { signal: link.abort.signal, ...(o.client?.timeout !== undefined ? { timeout: o.client.timeout } : {}) })
      if (link.closed) return
      this.setStatus({ state: 'waiting' })
      await this.forward(link, play)
      this.lost(link, new ClosedError('RTMP_ERR_CLOSED', `the origin stopped publishing ${this.target.name}`))
    } catch (err) {
      this.lost(link, asRtmpError(err))
    }
  }

  private async forward(link: PullLink, play: ClientPlayStream): Promise<void> {
    // the iterator, not 'media' events: it also holds what arrived right behind Play.Start
    for await (const msg of play) {
      if (link.closed) return
      this.onMedia(link, msg)
    }
  }

  private onMedia(link: PullLink, msg: MediaMessage): void {
    link.fresh = true
    if (!link.publisher) {
      const publisher = this.host.publish(this.app, this.streamName)
      if (!publisher) return void this.stop('published-locally')
      link.publisher = publisher
      this.backoff.reset()
      this.setStatus({ state: 'live' })
      this.watchIdle(link)
    }
    link.publisher.write(msg)
  }

  /** An origin may stop sending without a word (nginx-rtmp without play_restart): check media keeps coming. */
  private watchIdle(link: PullLink): void {
    const ms = this.host.idleTimeout
    if (ms <= 0) return
    link.fresh = false
    link.idleTimer = this.host.scheduler.schedule(ms, () => {
      link.idleTimer = undefined
      if (link.closed) return
      if (!link.fresh) return this.lost(link, new TimeoutError('RTMP_ERR_TIMEOUT', `no media from the origin for ${ms} ms`))
      this.watchIdle(link)
    })
  }

  /** The origin refused, dropped, went quiet or stopped publishing: try again while players remain. */
  private lost(link: PullLink, error: RtmpError): void {
    if (link.closed) return
    void this.drop(link)
    if (this.link !== link || this.stopped) return
    this.link = undefined
    const delay = this.backoff.next()
    if (delay === undefined) return void this.stop('gave-up', error)
    this.setStatus({ state: 'retrying', error, delay, attempt: this.backoff.attempts })
    this.retryTimer = this.host.scheduler.schedule(delay, () => {
      this.retryTimer = undefined
      if (!this.stopped && this.retarget()) this.connect()
    })
  }

  /** Asks where the stream is now; stops when it is nowhere (or the edge's `origin` function threw). */
  private retarget(): boolean {
    let target: EdgeTarget | undefined
    try {
      target = this.host.target(this.app, this.streamName)
    } catch (err) {
      void this.stop('gave-up', asRtmpError(err))
      return false
    }
    if (!target) {
      void this.stop('no-origin')
      return false
    }
    this.target = target
    return true
  }

  /** Ends a link: the local publish ends (players are told and wait), the origin connection closes. */
  private drop(link: PullLink): Promise<void> {
    if (link.closed) return Promise.resolve()
    link.closed = true
    link.abort.abort()
    link.idleTimer?.()
    link.publisher?.end()
    const client = link.client
    return client ? client.close().catch(() => client.destroy()) : Promise.resolve()
  }

  private setStatus(status: EdgePullStatus): void {
    this.current = status
    this.host.status(this, status)
  }
}
