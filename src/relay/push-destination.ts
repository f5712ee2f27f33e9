import { EventEmitter } from 'node:events'
import { ClosedError, type RtmpError } from '../errors'
import type { LiveRouter } from '../live/live-router'
import type { LiveSink } from '../live/live-sink'
import type { LiveSubscription } from '../live/live-stream'
import type { MediaMessage } from '../media/media-message'
import type { ClientPublishStream } from '../transport/client-streams'
import { RtmpClient } from '../transport/rtmp-client'
import { redactUrl } from '../transport/redact'
import { parseRtmpUrl } from '../transport/rtmp-url'
import { Backoff, normalizeBackoff } from './backoff'
import { RelayFeed } from './relay-feed'
import { asRtmpError, type RelayCommonOptions } from './relay-options'
import { normalizeRelayQueueLimits, type RelayQueueLimits } from './relay-queue-limits'
import { timerScheduler, type CancelTimer, type Scheduler } from './scheduler'

/**
 * Where a push destination is:
 * - `idle`: the source is not live, so there is nothing to send (no connection);
 * - `connecting`: connecting and publishing (`attempt` = retries so far, 0 for a first try);
 * - `publishing`: the destination accepted the publish and gets the stream;
 * - `retrying`: the last attempt failed with `error`; the next one starts in `delay` ms;
 * - `stopped`: `stop()` was called, or the retries ran out (`error` = the last failure). Final.
 */
export type PushDestinationStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'publishing' }
  | { readonly state: 'retrying'; readonly error: RtmpError; readonly delay: number; readonly attempt: number }
  | { readonly state: 'stopped'; readonly error?: RtmpError }

export type PushDestinationState = PushDestinationStatus['state']

/** One destination: a URL, or a URL with options of its own (they override the relay's). */
export interface PushTarget extends RelayCommonOptions {
  /** `rtmp[s]://host[:port]/app[/stream]`; without a stream the source's name is published */
  url: string
  /** overrides the URL's stream name */
  streamName?: string
  queue?: Partial<RelayQueueLimits>
}

export interface PushDestinationStats {
  readonly state: PushDestinationState
  readonly queuedBytes: number
  readonly queuedMessages: number
  /** video frames dropped because the destination fell behind */
  readonly droppedFrames: number
  /** messages the destination's socket took */
  readonly sentMessages: number
  /** publishes the destination accepted (1 + successful reconnects) */
  readonly connections: number
}

export interface PushDestinationEvents {
  status: [PushDestinationStatus]
}

/** ms the queue may take to flush once the source ended, and an unpublish + close to finish, before the connection is dropped */
const CLOSE_TIMEOUT_MS = 5000

/** One connection attempt and what came of it. */
interface Link {
  readonly abort: AbortController
  client: RtmpClient | undefined
  pub: ClientPublishStream | undefined
  pumping: boolean
  /** the source ended: flush the queue, then close */
  ending: boolean
  /** gives up flushing a destination that stopped reading */
  flushTimer: CancelTimer | undefined
  closed: boolean
}

/**
 * Forwards one live stream of a `LiveRouter` to one RTMP destination. It subscribes to the router as a
 * `LiveSink` and owns a bounded `RelayFeed` (drop policy: see there) and at most one RtmpClient at a time.
 * It connects when the source goes live and unpublishes when it ends; when the destination refuses, drops
 * or falls behind past the hard limit, it reconnects after a backoff delay and starts again at a keyframe,
 * metadata and sequence headers first, with the source's timestamps. Nothing here throws into the router:
 * a failing destination affects neither the source nor other destinations.
 */
export class PushDestination extends EventEmitter<PushDestinationEvents> implements LiveSink {
  readonly url: string
  /** LiveSink: a relay forwards every track of a multitrack stream, as published */
  readonly multitrack = true
  /** the name published at the destination */
  readonly streamName: string
  private current: PushDestinationStatus = { state: 'idle' }
  private readonly feed: RelayFeed
  /** LiveSink: its RelayFeed drops by the relay queue limits, not the router's player policy */
  readonly ownsQueue = true
  private readonly limits: RelayQueueLimits
  private readonly backoff: Backoff
  private readonly scheduler: Scheduler
  private readonly options: PushTarget
  private link: Link | undefined
  private retryTimer: CancelTimer | undefined
  private subscription: LiveSubscription | undefined
  private sourceLive = false
  private sent = 0
  private connections = 0

  /** @throws UrlError when `target.url` is not a usable rtmp:// URL; RangeError for bad limits */
  constructor(
    private readonly router: Pick<LiveRouter, 'subscribe'>,
    readonly app: string,
    readonly sourceName: string,
    target: PushTarget,
  ) {
    super()
    this.options = target
    this.url = target.url
    this.streamName = target.streamName ?? parseRtmpUrl(target.url).streamName ?? sourceName
    this.limits = normalizeRelayQueueLimits(target.queue)
    this.feed = new RelayFeed(this.limits)
    this.backoff = new Backoff(normalizeBackoff(target.backoff), target.random)
    this.scheduler = target.scheduler ?? timerScheduler
  }

  get status(): PushDestinationStatus {
    return this.current
  }

  get stats(): PushDestinationStats {
    return {
      state: this.current.state,
      queuedBytes: this.feed.bytes,
      queuedMessages: this.feed.length,
      droppedFrames: this.feed.dropped,
      sentMessages: this.sent,
      connections: this.connections,
    }
  }

  /** Subscribes to the source; connects as soon as it is live. */
  start(): this {
    if (this.current.state === 'stopped' || this.subscription) return this
    this.subscription = this.router.subscribe(this.app, this.sourceName, this)
    return this
  }

  /** Unsubscribes, cancels any retry and unpublishes from the destination. Resolves once it is closed. */
  async stop(): Promise<void> {
    await this.halt(undefined)
  }

  // ── LiveSink ──────────────────────────────────────────────────────────

  get bufferedBytes(): number {
    return this.feed.bytes
  }

  publishStarted(): void {
    this.feed.reset() // a new publisher: new metadata, headers and timestamps
    this.sourceStarted()
  }

  publishEnded(): void {
    this.sourceEnded()
  }

  /** The router dropped this sink (it held more than `live.players.maxBufferedBytes`): start over. */
  abort(error: RtmpError): void {
    this.subscription = undefined
    if (this.link) this.lost(this.link, error)
    // not from inside the router's fan-out loop
    queueMicrotask(() => {
      if (this.current.state !== 'stopped' && !this.subscription) this.start()
    })
  }

  // ── source ────────────────────────────────────────────────────────────

  /** LiveSink: queues one message for the destination (dropping per the queue policy). */
  write(msg: MediaMessage): boolean {
    if (this.current.state === 'stopped') return false
    if (!this.sourceLive) this.sourceStarted() // subscribed to a stream that was already live
    const result = this.feed.push(msg)
    const link = this.link
    if (result === 'overflow' && link?.pub) {
      const { hardMaxBytes, hardMaxMessages } = this.limits
      this.lost(link, new ClosedError('RTMP_ERR_SLOW_CONSUMER', `${redactUrl(this.url)} fell behind: over ${hardMaxBytes} bytes or ${hardMaxMessages} messages queued`))
    } else if (link?.pub) {
      this.pump(link)
    }
    return !this.feed.congested
  }

  private sourceStarted(): void {
    this.sourceLive = true
    if (this.current.state === 'stopped' || this.retryTimer) return
    if (this.link) {
      if (!this.link.ending) return
      void this.close(this.link) // still flushing the previous publisher: that tail is gone with the reset
    }
    this.connect()
  }

  private sourceEnded(): void {
    this.sourceLive = false
    if (this.current.state === 'stopped') return
    this.retryTimer?.()
    this.retryTimer = undefined
    this.backoff.reset()
    const link = this.link
    if (link?.pub && !link.closed) {
      link.ending = true // what is queued still goes out, then unpublish
      if (!link.pumping) return this.finish(link)
      link.flushTimer = this.scheduler.schedule(CLOSE_TIMEOUT_MS, () => {
        if (this.link === link && !link.closed) this.finish(link)
      })
      return
    }
    if (link) void this.close(link)
    this.feed.restart()
    this.setStatus({ state: 'idle' })
  }

  // ── destination ───────────────────────────────────────────────────────

  private connect(): void {
    const link: Link = { abort: new AbortController(), client: undefined, pub: undefined, pumping: false, ending: false, flushTimer: undefined, closed: false }
    this.link = link
    this.feed.holding = true
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempts })
    void this.open(link)
  }

  private async open(link: Link): Promise<void> {
    const o = this.options
    try {
      const client = await RtmpClient.connect(this.url, {
        ...o.client,
        signal: link.abort.signal,
        ...(o.socket ? { socket: o.socket() } : {}),
      })
      link.client = client
      client.once('close', (err) => this.lost(link, err ?? new ClosedError('RTMP_ERR_CLOSED', `${redactUrl(this.url)} closed the connection`)))
      if (link.closed) return client.destroy()
      const pub = await client.publish(this.streamName, { signal: link.abort.signal, ...(o.client?.timeout !== undefined ? { timeout: o.client.timeout } : {}) })
      if (link.closed) return
      link.pub = pub
      this.connections++
      this.backoff.reset()
      this.feed.holding = false
      this.setStatus({ state: 'publishing' })
      this.pump(link)
    } catch (err) {
      this.lost(link, asRtmpError(err))
    }
  }

  /** Sends what is queued, one message per socket drain check, until the queue is empty. */
  private pump(link: Link): void {
    if (link.pumping || link.closed || !link.pub) return
    link.pumping = true
    void this.drain(link, link.pub)
  }

  private async drain(link: Link, pub: ClientPublishStream): Promise<void> {
    try {
      for (;;) {
        if (link.closed || this.link !== link) return
        const msg = this.feed.shift()
        if (!msg) break
        await pub.write(msg)
        this.sent++
      }
    } catch {
      return // the client's close event reports why
    } finally {
      link.pumping = false
    }
    if (link.ending) this.finish(link)
  }

  /** The link failed (or was dropped for falling behind): retry unless the source is gone. */
  private lost(link: Link, error: RtmpError): void {
    if (link.closed) return
    link.closed = true
    link.abort.abort()
    link.flushTimer?.()
    link.client?.destroy(error)
    if (this.link !== link) return
    this.link = undefined
    this.feed.holding = true
    this.feed.restart()
    if (this.current.state === 'stopped') return
    if (!this.sourceLive) return this.setStatus({ state: 'idle' })
    const delay = this.backoff.next()
    if (delay === undefined) {
      queueMicrotask(() => void this.halt(error)) // may be inside the router's fan-out: unsubscribe after it
      return
    }
    this.setStatus({ state: 'retrying', error, delay, attempt: this.backoff.attempts })
    this.retryTimer = this.scheduler.schedule(delay, () => {
      this.retryTimer = undefined
      if (this.sourceLive && this.current.state !== 'stopped') this.connect()
    })
  }

  /** The source ended and the queue is flushed: unpublish and wait for the next publisher. */
  private finish(link: Link): void {
    void this.close(link)
    this.feed.holding = true
    this.setStatus({ state: 'idle' })
  }

  /** Ends a link on purpose (no retry): unpublish and close when it got that far, else abandon it. */
  private close(link: Link): Promise<void> {
    if (this.link === link) this.link = undefined
    if (link.closed) return Promise.resolve()
    link.closed = true
    link.abort.abort()
    link.flushTimer?.()
    const { client, pub } = link
    if (!client) return Promise.resolve()
    if (!pub) {
      client.destroy()
      return Promise.resolve()
    }
    // a destination that stopped reading would never let the unpublish drain
    const cancel = this.scheduler.schedule(CLOSE_TIMEOUT_MS, () => client.destroy())
    return pub
      .close()
      .then(() => client.close())
      .catch(() => client.destroy())
      .finally(cancel)
  }

  private async halt(error: RtmpError | undefined): Promise<void> {
    if (this.current.state === 'stopped') return
    this.subscription?.unsubscribe()
    this.subscription = undefined
    this.retryTimer?.()
    this.retryTimer = undefined
    const link = this.link
    this.feed.reset()
    this.setStatus(error ? { state: 'stopped', error } : { state: 'stopped' })
    if (link) await this.close(link)
  }

  /** Status is current at once; listeners hear of it after the router's call returns (never inside it). */
  private setStatus(status: PushDestinationStatus): void {
    this.current = status
    queueMicrotask(() => this.emit('status', status))
  }
}
