import { EventEmitter } from 'node:events'
import { UrlError } from '../errors'
import { LiveRouter } from '../live/live-router'
import { redactUrl } from '../transport/redact'
import { parseRtmpUrl } from '../transport/rtmp-url'
import { Backoff, normalizeBackoff, type BackoffOptions } from './backoff'
import { EdgePull, type EdgePullHost, type EdgePullStatus, type EdgeTarget } from './edge-pull'
import type { RelayCommonOptions } from './relay-options'
import { timerScheduler, type Scheduler } from './scheduler'

export interface EdgeOptions extends RelayCommonOptions {
  /**
   * Where to pull a stream from when a local player asks for one nobody publishes here:
   * - `'rtmp://origin[:port]'`: the same app and stream name on that server;
   * - `'rtmp://origin[:port]/app'`: that app, the same stream name;
   * - a function of the local app and stream name returning a full URL (`rtmp://origin/app/name`), or
   *   undefined to leave that stream alone (its players wait for a local publisher). It is asked again
   *   before every retry, so a pull follows a stream that moved; undefined then stops the pull
   *   (`'no-origin'`; call `demand()` once the stream is somewhere again).
   */
  origin: string | ((app: string, streamName: string) => string | undefined)
  /** ms to keep pulling after the last local player left, in case another comes (default 2000) */
  linger?: number
  /** ms without media from the origin, once it flowed, before the pull is restarted (default 10_000; 0 = never) */
  idleTimeout?: number
}

/** The stream a status is about. */
export interface EdgeStream {
  readonly app: string
  readonly streamName: string
  /** the origin URL played (the stream name last) */
  readonly origin: string
}

export interface EdgeRelayEvents {
  status: [status: EdgePullStatus, stream: EdgeStream]
}

/** What an edge needs from a router: publish locally, and count players when the linger ends. */
export type EdgeRouter = Pick<LiveRouter, 'publish' | 'get' | 'addHooks'>

/**
 * A pull relay ("edge"): pulls streams from an origin on demand. When a local player asks for a stream nobody
 * publishes here, it plays that stream from the origin and publishes it on the local router; when the last
 * player has left for `linger` ms, it stops. If the origin drops, refuses (NetStream.Play.StreamNotFound),
 * goes quiet or stops publishing while players remain, it tries again with backoff; local players stay
 * subscribed and wait meanwhile, as they do for any stream that is not live.
 *
 * The router calls the edge through the onDemand / onUnused hooks that `attach` adds:
 * ```ts
 * const edge = createEdge({ origin: 'rtmp://origin.example:1935' })
 * const server = createServer()
 * edge.attach(server)
 * ```
 */
export class EdgeRelay extends EventEmitter<EdgeRelayEvents> {
  private router: EdgeRouter | undefined
  private removeHooks: (() => void) | undefined
  private readonly active = new Map<string, EdgePull>()
  /** demands that came before `attach` */
  private readonly early = new Map<string, [string, string]>()
  private readonly backoffOptions: BackoffOptions
  private readonly host: EdgePullHost
  private closed = false

  /** @throws RangeError for bad backoff values; UrlError for an origin string that is not an rtmp:// URL */
  constructor(private readonly options: EdgeOptions) {
    super()
    this.backoffOptions = normalizeBackoff(options.backoff)
    if (typeof options.origin === 'string') originBase(options.origin)
    const linger = options.linger ?? 2000
    const idleTimeout = options.idleTimeout ?? 10_000
    if (!(linger >= 0) || !(idleTimeout >= 0)) throw new RangeError('edge linger and idleTimeout must be >= 0')
    const scheduler: Scheduler = options.scheduler ?? timerScheduler
    this.host = {
      options,
      scheduler,
      linger,
      idleTimeout,
      publish: (app, name) => this.router?.publish(app, name),
      target: (app, name) => this.originOf(app, name),
      subscribers: (app, name) => this.router?.get(app, name)?.subscriberCount ?? 0,
      status: (pull, status) => {
        const stream: EdgeStream = { app: pull.app, streamName: pull.streamName, origin: pull.origin }
        // not from inside the router's hooks or fan-out
        queueMicrotask(() => this.emit('status', status, stream))
      },
      removed: (pull) => {
        const key = LiveRouter.keyOf(pull.app, pull.streamName)
        if (this.active.get(key) === pull) this.active.delete(key)
      },
    }
  }

  /**
   * The router the edge publishes on (a LiveRouter, or a server whose `live` is one): the edge adds its
   * onDemand / onUnused hooks to it; `close()` removes them.
   * @throws Error when the server has no live router
   */
  attach(target: EdgeRouter | { readonly live: EdgeRouter | undefined }): this {
    const router = 'publish' in target ? target : target.live
    if (!router) throw new Error('edge.attach: the server has no live router (createServer({ live: false }) turns it off)')
    this.router = router
    this.removeHooks?.()
    this.removeHooks = router.addHooks({ onDemand: (app, name) => this.demand(app, name), onUnused: (app, name) => this.unused(app, name) })
    for (const [app, name] of this.early.values()) this.demand(app, name)
    this.early.clear()
    return this
  }

  /**
   * The router's onDemand: a player waits for `app/streamName`. Never throws. Call it yourself when a function
   * `origin` has an answer again for a stream whose players wait (after a `'no-origin'` stop, say).
   */
  demand(app: string, streamName: string): void {
    if (this.closed) return
    const key = LiveRouter.keyOf(app, streamName)
    if (!this.router) {
      this.early.set(key, [app, streamName])
      return
    }
    const existing = this.active.get(key)
    if (existing) return existing.demand()
    let target: EdgeTarget | undefined
    try {
      target = this.originOf(app, streamName)
    } catch (err) {
      const error = err instanceof UrlError ? err : new UrlError('RTMP_ERR_URL_INVALID', `edge origin for ${app}/${streamName}: ${String(err)}`, { cause: err })
      queueMicrotask(() => this.emit('status', { state: 'stopped', reason: 'gave-up', error }, { app, streamName, origin: '' }))
      return
    }
    if (!target) return
    const pull = new EdgePull(this.host, app, streamName, target, new Backoff(this.backoffOptions, this.options.random))
    this.active.set(key, pull)
    pull.start()
  }

  /** The router's onUnused: the last player of `app/streamName` left. Never throws. */
  unused(app: string, streamName: string): void {
    const key = LiveRouter.keyOf(app, streamName)
    this.early.delete(key)
    this.active.get(key)?.unused()
  }

  /** The streams being pulled and where each one is. */
  pulls(): Array<EdgeStream & { readonly status: EdgePullStatus }> {
    return [...this.active.values()].map((p) => ({ app: p.app, streamName: p.streamName, origin: p.origin, status: p.status }))
  }

  /** Stops every pull (local publishes end, origin connections close); no new ones start. */
  async close(): Promise<void> {
    this.closed = true
    this.removeHooks?.()
    this.removeHooks = undefined
    this.early.clear()
    await Promise.all([...this.active.values()].map((pull) => pull.stop('closed')))
  }

  private originOf(app: string, streamName: string): EdgeTarget | undefined {
    const origin = this.options.origin
    if (typeof origin === 'string') {
      const base = originBase(origin)
      const url = base.app ? base.url : `${base.url}/${app}`
      return { url, name: streamName, display: redactUrl(`${url}/${streamName}`) }
    }
    const full = origin(app, streamName)
    if (full === undefined) return undefined
    // RtmpClient.connect takes the app from a URL that also names the stream
    const named = parseRtmpUrl(full).streamName
    return named === undefined
      ? { url: full, name: streamName, display: redactUrl(`${full.replace(/\/+$/, '')}/${streamName}`) }
      : { url: full, name: named, display: redactUrl(full) }
  }
}

/** `rtmp://host[:port][/app]` without a trailing slash, and whether it names the app. */
function originBase(origin: string): { url: string; app: boolean } {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    throw new UrlError('RTMP_ERR_URL_INVALID', `edge origin is not a URL: ${redactUrl(origin)}`)
  }
  if (url.protocol !== 'rtmp:' && url.protocol !== 'rtmps:') throw new UrlError('RTMP_ERR_URL_INVALID', `edge origin must be rtmp:// or rtmps://: ${redactUrl(origin)}`)
  const trimmed = origin.replace(/\/+$/, '')
  return { url: trimmed, app: url.pathname.replace(/\/+$/, '') !== '' }
}

/** Makes an edge; wire it to a server with `edge.attach(server)`. */
export function createEdge(options: EdgeOptions): EdgeRelay {
  return new EdgeRelay(options)
}
