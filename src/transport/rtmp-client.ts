import { EventEmitter } from 'node:events'
import { isIP, connect as netConnect } from 'node:net'
import type { Duplex } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls'
import type { AmfObject, AmfValue } from '../amf/amf-value'
import type { AdobeCredentials } from '../auth/adobe-auth'
import { ClosedError, RejectedError, RtmpError, TimeoutError, UrlError, type RtmpStatus } from '../errors'
import type { HandshakeOptions } from '../handshake/handshake'
import type { MediaMessage } from '../media/media-message'
import { readStatus } from '../message/status'
import { CapsEx, announcedCapsEx, type Capabilities, type CapabilitiesInit } from '../session/capabilities'
import { ClientSession, type PlayParams } from '../session/client-session'
import { RECONNECT_REQUEST_CODE } from '../session/reconnect-request'
import type { PublishMode } from '../session/server-events'
import type { SessionOptions } from '../session/session-options'
import { clientCredentials, connectWithAdobeAuth, withAuthQuery } from './client-auth'
import { ClientLink, type LinkOwner } from './client-link'
import { Reconnection, leaveOld, type PublishPlace } from './client-reconnect'
import { ClientPlayStream, ClientPublishStream, MovableFlow, type PublishSink } from './client-streams'
import { withDeadline } from './deadline'
import { debug } from './debug'
import { DuplexTransport } from './duplex-transport'
import { PublishRoute } from './publish-route'
import { reconnectTarget, type ReconnectTarget } from './reconnect-target'
import { parseRtmpUrl, type RtmpUrl } from './rtmp-url'
import { redactUrl } from './redact'

export interface RtmpClientOptions extends SessionOptions {
  /** application; overrides the URL's */
  app?: string
  /** default stream name for play()/publish(); overrides the URL's */
  streamName?: string
  /** tcUrl in the connect command; default derived from the URL */
  tcUrl?: string
  flashVer?: string
  swfUrl?: string
  pageUrl?: string
  objectEncoding?: 0 | 3
  /** extra members of the connect command object */
  connectObject?: AmfObject
  /** extra connect arguments */
  connectArgs?: readonly AmfValue[]
  /**
   * user name and password for Adobe challenge auth (`authmod=adobe`, FMS/Wowza style); default: the URL's
   * `user:password@`. The exchange takes new connections, so it is not done with `socket`.
   */
  credentials?: AdobeCredentials
  /** a Duplex to run on instead of opening TCP/TLS (e.g. `tls.connect(...)`, an in-memory pair) */
  socket?: Duplex
  /** `node:tls` options for rtmps:// (e.g. `ca` for a private CA); host, port and servername come from the URL */
  tls?: TlsConnectionOptions
  /** abort connecting */
  signal?: AbortSignal
  /** ms for TCP + handshake + connect `_result` (default 10_000) */
  timeout?: number
  handshake?: HandshakeOptions
  /**
   * Enhanced RTMP members of the connect command object (fourCcList, FourCC info maps, capsEx). Default
   * `DEFAULT_CAPABILITIES` (every FourCC the library routes, CanForward; Reconnect, Multitrack, ModEx,
   * TimestampNanoOffset); `false` announces nothing, as a legacy client. The server's answer:
   * `client.serverCapabilities`.
   */
  capabilities?: CapabilitiesInit | false
  /**
   * Follow a server's reconnect request (default true). Only a client that announced capsEx Reconnect follows;
   * `reconnectRequest` is emitted either way.
   */
  followReconnect?: boolean
  /**
   * Opens the Duplex for a reconnection (`url` is where it goes) when `socket` was given, which serves only
   * the first connection. Without it a client on a caller-supplied socket does not follow reconnect requests.
   */
  reconnectSocket?: (url: string) => Duplex
}

/** Where to connect when no URL string is given: a URL, or its parts. */
export type RtmpConnectTarget =
  | (RtmpClientOptions & { url: string })
  | (RtmpClientOptions & { host: string; port?: number; protocol?: 'rtmp' | 'rtmps'; app: string })

export interface ClientPlayOptions extends PlayParams {
  signal?: AbortSignal
  /** SetBufferLength sent with play, ms (default 3000) */
  bufferLength?: number
  /** ms to wait for NetStream.Play.Start (default 10_000) */
  timeout?: number
}

export interface ClientPublishOptions {
  mode?: PublishMode
  signal?: AbortSignal
  /** ms to wait for NetStream.Publish.Start (default 10_000) */
  timeout?: number
}

export interface RtmpClientEvents {
  /** onStatus from the server on any stream */
  status: [RtmpStatus, number]
  /** a call from the server we do not interpret (onBWDone, close, ...) */
  command: [name: string, args: readonly AmfValue[]]
  /** Enhanced RTMP v2: the server asked this client to reconnect (followed when `following`) */
  reconnectRequest: [ReconnectRequestEvent]
  /** a followed reconnect request is done: the streams run on the new connection, the old one is closed */
  reconnected: [{ tcUrl: string }]
  /** following a reconnect request failed; the client stays on the old connection while it lasts */
  reconnectFailed: [RtmpError]
  close: [RtmpError | undefined]
}

/** A reconnect request as `RtmpClient` reports it. */
export interface ReconnectRequestEvent {
  /** the server's tcUrl as sent (maybe relative); undefined: reconnect to the same tcUrl */
  readonly tcUrl: string | undefined
  readonly description: string
  /** the absolute tcUrl the client reconnects to (undefined when the request's tcUrl is unusable) */
  readonly target: string | undefined
  /** whether the client follows it (see `followReconnect`, `capabilities` and `reconnectSocket`) */
  readonly following: boolean
}

type Link = ClientLink<RtmpClientOptions>

/** Pauses between attempts to open the new connection of a reconnect (the target may be starting up). */
const RECONNECT_RETRY_MS = [0, 250, 500, 1000, 2000] as const

/**
 * An RTMP client connection. `RtmpClient.connect()` resolves once the server accepted the connect command;
 * then `play()` and `publish()` open streams on it.
 *
 * Enhanced RTMP v2 reconnect: a client that announced capsEx Reconnect (the default) follows a server's
 * reconnect request make-before-break. It opens a new connection (same options; to the request's tcUrl,
 * else the same URL) while the old one keeps working, plays each play stream there again and switches it
 * over where the new connection goes on without repeating a frame or starting mid-GOP (PlaySwitch), and
 * moves each publish stream at its next keyframe (it leaves the old connection there, holds the writes from
 * that keyframe on while it publishes again, then sends the last metadata and sequence headers and the held
 * writes first: PublishRoute). Then it closes the old connection. The stream objects stay the same: play
 * iterators do not end, publish writes keep resolving.
 */
export class RtmpClient extends EventEmitter<RtmpClientEvents> {
  readonly defaultStreamName: string | undefined
  private link!: Link
  private readonly publishing = new Map<ClientPublishStream, PublishPlace<RtmpClientOptions>>()
  /** the reconnect in progress */
  private moving: Reconnection<RtmpClientOptions> | undefined
  private closeError: RtmpError | undefined
  private isClosed = false

  private constructor(streamName: string | undefined) {
    super()
    this.defaultStreamName = streamName
  }

  /** application of the current connection */
  get app(): string {
    return this.link.app
  }

  /** tcUrl of the current connection (another one after a reconnect to another server) */
  get tcUrl(): string {
    return this.link.tcUrl
  }

  /** what the server answered to connect: properties (fmsVer, capabilities, Enhanced RTMP members) */
  get serverProperties(): AmfObject {
    return this.link.properties
  }

  /** what the server answered to connect: info (code, objectEncoding, ...) */
  get serverInfo(): AmfObject {
    return this.link.info
  }

  /** what the server announced in the connect `_result`: Enhanced RTMP fourCcList, FourCC info maps, capsEx */
  get serverCapabilities(): Capabilities {
    return this.link.capabilities
  }

  /**
   * Connects (TCP or TLS for rtmps://, or `options.socket`), handshakes and sends connect. Takes a URL and
   * options, or one object with `url` or `host`/`port`/`protocol`/`app` among the options.
   * @throws RejectedError when the server rejects connect; TimeoutError; ClosedError (RTMP_ERR_ABORTED on abort); UrlError
   */
  static async connect(target: string | RtmpConnectTarget, options: RtmpClientOptions = {}): Promise<RtmpClient> {
    if (typeof target !== 'string') {
      options = target
      target = 'url' in target ? target.url : `${target.protocol ?? 'rtmp'}://${formatHost(target.host)}${target.port ? `:${target.port}` : ''}/${target.app}`
    }
    const url = target
    const parsed = parseRtmpUrl(url)
    // Adobe auth reconnects, which a caller-supplied socket cannot
    const credentials = options.socket ? undefined : clientCredentials(options.credentials, parsed)
    if (credentials) return connectWithAdobeAuth(credentials, (query) => RtmpClient.open(url, parsed, options, query))
    return RtmpClient.open(url, parsed, options, '')
  }

  /** One connection attempt; `authQuery` (Adobe auth) goes after the app in connect's `app` and `tcUrl`. */
  private static async open(url: string, parsed: RtmpUrl, options: RtmpClientOptions, authQuery: string): Promise<RtmpClient> {
    const app = options.app ?? parsed.app
    if (!app) throw new UrlError('RTMP_ERR_URL_INVALID', `no application in ${redactUrl(url)}`)
    const tcUrl = options.tcUrl ?? (options.app ? `${parsed.protocol}://${parsed.host}:${parsed.port}/${options.app}` : parsed.tcUrl)
    const client = new RtmpClient(options.streamName ?? parsed.streamName)
    const link: Link = new ClientLink(client.linkOwner, new ClientSession(options), { url, options }, app, tcUrl)
    client.link = link
    const socket =
      options.socket ??
      (parsed.protocol === 'rtmps'
        ? tlsConnect({ ...(isIP(parsed.host) ? {} : { servername: parsed.host }), ...options.tls, host: parsed.host, port: parsed.port })
        : netConnect({ host: parsed.host, port: parsed.port, noDelay: true }))
    const timeout = options.timeout ?? 10_000
    const connected = new Promise<void>((resolve, reject) => {
      link.connectWaiter = { resolve, reject }
    })
    link.transport = new DuplexTransport(
      socket,
      'client',
      {
        onReady: (rest) => {
          const params: Parameters<ClientSession['connect']>[0] = { app: withAuthQuery(app, authQuery), tcUrl: withAuthQuery(tcUrl, authQuery) }
          if (options.flashVer !== undefined) params.flashVer = options.flashVer
          if (options.swfUrl !== undefined) params.swfUrl = options.swfUrl
          if (options.pageUrl !== undefined) params.pageUrl = options.pageUrl
          if (options.objectEncoding !== undefined) params.objectEncoding = options.objectEncoding
          if (options.capabilities !== undefined) params.capabilities = options.capabilities
          if (options.connectObject !== undefined) params.extra = options.connectObject
          if (options.connectArgs !== undefined) params.args = options.connectArgs
          link.run(link.session.connect(params))
          if (rest.length > 0) link.receive(rest)
        },
        onBytes: (bytes) => link.receive(bytes),
        onClose: (error) => link.transportClosed(error),
      },
      { handshakeTimeout: timeout, ...(options.handshake ? { handshake: options.handshake } : {}) },
    )
    try {
      await withDeadline(connected, timeout, options.signal, 'connect')
    } catch (err) {
      link.transport.fail(err as RtmpError)
      throw err
    }
    return client
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Calls a server method and resolves with its `_result` (rejects with RejectedError on `_error`). */
  async call(name: string, commandObject: AmfValue = null, ...args: AmfValue[]): Promise<{ commandObject: AmfValue; args: readonly AmfValue[] }> {
    this.ensureOpen()
    const res = await this.link.call(name, commandObject, args)
    if (!res.ok) throw new RejectedError(readStatus(res.args[0], 'NetConnection.Call.Failed'))
    return res
  }

  /** createStream; resolves with the message stream id. */
  async createStream(signal?: AbortSignal, timeout = 10_000): Promise<number> {
    this.ensureOpen()
    return this.link.createStream(signal, timeout)
  }

  /**
   * Plays a stream; resolves on NetStream.Play.Start with the incoming media.
   * @throws RejectedError (e.g. NetStream.Play.StreamNotFound), TimeoutError, ClosedError
   */
  async play(name: string | undefined = this.defaultStreamName, options: ClientPlayOptions = {}): Promise<ClientPlayStream> {
    if (!name) throw new UrlError('RTMP_ERR_URL_INVALID', 'play: no stream name (give one or put it in the URL)')
    this.ensureOpen()
    const timeout = options.timeout ?? 10_000
    const link = this.link
    const streamId = await link.createStream(options.signal, timeout)
    const params: PlayParams = {}
    if (options.start !== undefined) params.start = options.start
    if (options.duration !== undefined) params.duration = options.duration
    if (options.reset !== undefined) params.reset = options.reset
    const playArguments = { params, bufferLength: options.bufferLength ?? 3000 }
    const stream: ClientPlayStream = new ClientPlayStream(streamId, name, new MovableFlow(link.transport.flow), () => this.stopPlaying(stream), playArguments)
    link.players.set(streamId, stream)
    try {
      await withDeadline(link.play(streamId, name, params, playArguments.bufferLength), timeout, options.signal, 'play')
    } catch (err) {
      stream.finish(err as RtmpError)
      link.deleteStream(streamId)
      throw err
    }
    return stream
  }

  /**
   * Publishes like an encoder does (releaseStream, FCPublish, createStream, publish); resolves on
   * NetStream.Publish.Start. @throws RejectedError (e.g. NetStream.Publish.BadName), TimeoutError, ClosedError
   */
  async publish(name: string | undefined = this.defaultStreamName, options: ClientPublishOptions = {}): Promise<ClientPublishStream> {
    if (!name) throw new UrlError('RTMP_ERR_URL_INVALID', 'publish: no stream name (give one or put it in the URL)')
    this.ensureOpen()
    const timeout = options.timeout ?? 10_000
    const mode = options.mode ?? 'live'
    const link = this.link
    link.notify('releaseStream', [name])
    link.notify('FCPublish', [name])
    const streamId = await link.createStream(options.signal, timeout)
    try {
      await withDeadline(link.publish(streamId, name, mode), timeout, options.signal, 'publish')
    } catch (err) {
      link.deleteStream(streamId)
      throw err
    }
    const stream = new ClientPublishStream(this.sink, streamId, name, mode)
    this.publishing.set(stream, { stream, link, streamId, route: new PublishRoute() })
    return stream
  }

  /** Ends open streams (FCUnpublish/deleteStream), then closes the connection once that is flushed. */
  async close(): Promise<void> {
    if (this.isClosed) return
    const done = new Promise<void>((resolve) => this.once('close', () => resolve()))
    this.stopMoving()
    for (const pub of [...this.publishing.keys()]) void pub.close()
    for (const [id, p] of [...this.link.players]) {
      p.finish()
      this.link.deleteStream(id)
    }
    this.link.transport.end()
    await done
  }

  /**
   * Drops the connection at once, without flushing (e.g. a relay destination that stopped reading): open
   * streams end, and `close` is emitted with `error` (default RTMP_ERR_CLOSED).
   */
  destroy(error?: RtmpError): void {
    if (this.isClosed) return
    this.stopMoving()
    this.link.transport.fail(error ?? new ClosedError('RTMP_ERR_CLOSED', 'connection destroyed'))
  }

  private readonly sink: PublishSink = {
    write: (stream, msg) => this.writePublish(stream, msg),
    unpublish: async (stream) => {
      const place = this.publishing.get(stream)
      this.publishing.delete(stream)
      place?.left?.()
      if (!place || this.isClosed || !place.link.usable) return
      place.link.unpublish(place.streamId, stream.streamName)
      await place.link.transport.drained()
    },
    isClosed: () => this.isClosed,
  }

  private readonly linkOwner: LinkOwner<RtmpClientOptions> = {
    status: (_link, status, streamId) => this.emit('status', status, streamId),
    command: (_link, name, args) => this.emit('command', name, args),
    reconnectRequest: (link, request) => this.onReconnectRequest(link, request.tcUrl, request.description),
    closed: (link, error) => this.onLinkClosed(link, error),
  }

  private writePublish(stream: ClientPublishStream, msg: MediaMessage): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedError())
    const place = this.publishing.get(stream)
    if (!place) return Promise.reject(new ClosedError('RTMP_ERR_CLOSED', 'write after the publish stream closed'))
    if (place.route.state === 'atBoundary' && place.route.isBoundary(msg)) leaveOld(place)
    const out = place.route.write(msg)
    if (out === 'send') place.link.send(place.streamId, msg)
    else for (const m of out) place.link.send(place.streamId, m)
    // held writes resolve at once: the hold is bounded
    return out === 'send' || out.length > 0 ? place.link.transport.drained() : Promise.resolve()
  }

  /** Stops a play stream on the connections that carry it (two while a reconnect moves it). */
  private stopPlaying(stream: ClientPlayStream): void {
    for (const link of this.links()) {
      for (const [id, p] of link.players) if (p === stream) link.deleteStream(id)
    }
  }

  private links(): Link[] {
    const from = this.moving?.from
    return from && from !== this.link ? [this.link, from] : [this.link]
  }

  private ensureOpen(): void {
    if (this.isClosed) throw this.closedError()
  }

  private closedError(): RtmpError {
    return this.closeError ?? new ClosedError('RTMP_ERR_CLOSED', 'connection closed')
  }

  private onLinkClosed(link: Link, error: RtmpError | undefined): void {
    if (this.isClosed) return
    if (link.retiring) return this.moving?.oldLost()
    if (link === this.link) this.onClose(error)
  }

  private onClose(error: RtmpError | undefined): void {
    if (this.isClosed) return
    this.isClosed = true
    this.closeError = error
    const links = this.links()
    for (const link of links) for (const p of link.players.values()) p.finish(error)
    this.moving?.cancel()
    this.moving = undefined
    for (const link of links) {
      link.players.clear()
      if (!link.closed) link.transport.end()
    }
    this.publishing.clear()
    this.emit('close', error)
  }

  // ── Enhanced RTMP v2 reconnect ────────────────────────────────────────────

  private onReconnectRequest(link: Link, requested: string | undefined, description: string): void {
    const options = link.origin.options
    let target: ReconnectTarget | undefined
    let problem: RtmpError | undefined
    try {
      target = reconnectTarget({ url: link.origin.url, tcUrl: link.tcUrl }, requested)
    } catch (err) {
      problem = err as RtmpError
    }
    const following =
      target !== undefined &&
      link === this.link &&
      this.moving === undefined &&
      !this.isClosed &&
      options.followReconnect !== false &&
      (announcedCapsEx(options.capabilities) & CapsEx.Reconnect) !== 0 &&
      (options.socket === undefined || options.reconnectSocket !== undefined)
    debug('client: reconnect request to %s (%s)', target ? redactUrl(target.tcUrl) : 'an unusable tcUrl', following ? 'following' : 'not following')
    this.emit('status', { level: 'status', code: RECONNECT_REQUEST_CODE, description }, 0)
    this.emit('reconnectRequest', { tcUrl: requested, description, target: target?.tcUrl, following })
    if (problem && link === this.link && options.followReconnect !== false) this.emit('reconnectFailed', problem)
    if (following && target) void this.reconnect(link, target)
  }

  /** Make-before-break (see Reconnection): a new connection, the streams moved to it, then the old one closed. */
  private async reconnect(from: Link, target: ReconnectTarget): Promise<void> {
    const serverOf = (tcUrl: string): string => {
      const u = parseRtmpUrl(tcUrl)
      return `${u.host}:${u.port}`
    }
    const sameServer = serverOf(target.tcUrl) === serverOf(from.tcUrl)
    const moving: Reconnection<RtmpClientOptions> = new Reconnection(from, {
      open: (signal) => this.openLink(from, target, signal),
      adopt: (next) => {
        this.link = next // calls made from now on go to the new connection
      },
      publishing: (link) => [...this.publishing.values()].filter((p) => p.link === link),
      holds: (place) => this.publishing.get(place.stream) === place,
      failed: (place, error) => {
        this.publishing.delete(place.stream)
        place.stream.fail(error)
      },
    }, sameServer)
    this.moving = moving
    let next: Link | undefined
    try {
      next = await moving.run()
    } catch (err) {
      this.moveFailed(moving, err)
      return
    }
    if (this.moving !== moving || !next) return // closed meanwhile
    this.moving = undefined
    if (!from.closed) from.transport.end()
    debug('client: reconnected to %s', redactUrl(next.tcUrl))
    this.emit('reconnected', { tcUrl: next.tcUrl })
  }

  /** Opens the new connection like the old one (options, auth, TLS), retrying while the target starts up. */
  private async openLink(from: Link, target: ReconnectTarget, signal: AbortSignal): Promise<Link> {
    const { signal: _signal, socket: _socket, ...base } = from.origin.options
    const options: RtmpClientOptions = { ...base, signal }
    if (target.app !== undefined) {
      options.app = target.app
      options.tcUrl = target.tcUrl
      // credentials are not handed to another host a server names
      const fromUrl = parseRtmpUrl(from.origin.url)
      const credentials = options.credentials ?? clientCredentials(undefined, fromUrl)
      delete options.credentials
      if (credentials && parseRtmpUrl(target.url).host === fromUrl.host) options.credentials = credentials
    }
    let failure: unknown
    for (const pause of RECONNECT_RETRY_MS) {
      try {
        if (pause > 0) await sleep(pause, undefined, { signal })
        const attempt = base.reconnectSocket ? { ...options, socket: base.reconnectSocket(target.url) } : options
        const successor = await RtmpClient.connect(target.url, attempt)
        successor.link.owner = this.linkOwner // adopted: its events are this client's from now on
        return successor.link
      } catch (err) {
        failure = err
        debug('client: reconnect attempt failed: %s', err instanceof Error ? err.message : String(err))
        if (err instanceof RejectedError || signal.aborted) break
      }
    }
    throw failure
  }

  private moveFailed(moving: Reconnection<RtmpClientOptions>, error: unknown): void {
    const err = error instanceof RtmpError ? error : new RtmpError('RTMP_ERR_IO', `reconnect failed: ${String(error)}`, { cause: error })
    if (this.moving === moving) this.moving = undefined
    moving.from.retiring = false
    if (this.isClosed || moving.abort.signal.aborted) return // abandoned: the client is closing
    debug('client: reconnect failed: %s %s', err.code, err.message)
    this.emit('reconnectFailed', err)
    if (moving.from.closed) this.onClose(err) // the old connection is gone as well
  }

  /** Abandons a reconnect in progress (the client is closing). */
  private stopMoving(): void {
    const m = this.moving
    if (!m) return
    this.moving = undefined
    m.cancel()
    if (m.from !== this.link && !m.from.closed) m.from.transport.end()
  }
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}
