import { EventEmitter } from 'node:events'
import type { LiveRouter } from '../live/live-router'
import type { RelayQueueLimits } from './relay-queue-limits'
import type { RelayCommonOptions } from './relay-options'
import { PushDestination, type PushDestinationStatus, type PushTarget } from './push-destination'

/** Defaults for every destination of a push relay; a `PushTarget` may override each. */
export interface PushRelayOptions extends RelayCommonOptions {
  queue?: Partial<RelayQueueLimits>
}

export interface PushRelayEvents {
  /** a destination changed state (see PushDestinationStatus) */
  status: [status: PushDestinationStatus, destination: PushDestination]
}

/**
 * Restreams one live stream of a router (`app/streamName`) to any number of RTMP destinations. Each
 * destination is its own `PushDestination`: its own connection, queue, drop policy and retry schedule, so
 * one that refuses, drops or lags affects neither the source nor the others.
 */
export class PushRelay extends EventEmitter<PushRelayEvents> {
  private readonly list: PushDestination[] = []
  private started = false

  /** @throws UrlError for a destination URL that is not usable; RangeError for bad limits */
  constructor(
    private readonly router: Pick<LiveRouter, 'subscribe'>,
    readonly app: string,
    readonly streamName: string,
    destinations: ReadonlyArray<string | PushTarget>,
    private readonly options: PushRelayOptions = {},
  ) {
    super()
    for (const d of destinations) this.create(d)
  }

  get destinations(): readonly PushDestination[] {
    return this.list
  }

  /** Subscribes every destination to the source; each connects once the source is live. */
  start(): this {
    this.started = true
    for (const d of this.list) d.start()
    return this
  }

  /** Adds a destination (started at once if the relay is). @throws UrlError, RangeError */
  add(destination: string | PushTarget): PushDestination {
    const d = this.create(destination)
    if (this.started) d.start()
    return d
  }

  /** Stops one destination and forgets it. */
  async remove(destination: PushDestination): Promise<void> {
    const i = this.list.indexOf(destination)
    if (i < 0) return
    this.list.splice(i, 1)
    await destination.stop()
    destination.removeAllListeners('status')
  }

  /** Stops every destination (unpublish, close); resolves when all are closed. */
  async stop(): Promise<void> {
    this.started = false
    await Promise.all(this.list.map((d) => d.stop()))
  }

  private create(destination: string | PushTarget): PushDestination {
    const { queue, ...common } = this.options
    const target: PushTarget = typeof destination === 'string' ? { url: destination } : destination
    const merged: PushTarget = {
      ...common,
      ...target,
      ...(queue || target.queue ? { queue: { ...queue, ...target.queue } } : {}),
      ...(common.backoff || target.backoff ? { backoff: { ...common.backoff, ...target.backoff } } : {}),
      ...(common.client || target.client ? { client: { ...common.client, ...target.client } } : {}),
    }
    const d = new PushDestination(this.router, this.app, this.streamName, merged)
    d.on('status', (s) => this.emit('status', s, d))
    this.list.push(d)
    return d
  }
}

/**
 * Starts restreaming `app/streamName` of `router` (e.g. `server.live`) to `destinations`.
 * @throws UrlError for a destination URL that is not usable; RangeError for bad limits
 */
export function pushRelay(
  router: Pick<LiveRouter, 'subscribe'>,
  app: string,
  streamName: string,
  destinations: ReadonlyArray<string | PushTarget>,
  options: PushRelayOptions = {},
): PushRelay {
  return new PushRelay(router, app, streamName, destinations, options).start()
}
