import { EventEmitter } from 'node:events'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket, createSecureContext, type TlsOptions } from 'node:tls'
import { ClosedError, type RtmpError } from '../errors'
import { LiveRouter, type LiveRouterOptions } from '../live/live-router'
import type { ServerSessionOptions } from '../session/server-session'
import { SharedChunks } from '../chunk/shared-chunks'
import type { ReconnectRequestInit } from '../session/reconnect-request'
import { debug } from './debug'
import type { TransportOptions } from './duplex-transport'
import { checkBatchMs } from '../live/live-options'
import type { PlayRequest, PublishRequest } from './requests'
import { ServerConnection, type ConnectionHost, type ConnectionTimeouts } from './server-connection'
import { ServerStatsRecorder, type RtmpServerStats } from './server-stats'

export interface RtmpServerOptions extends ServerSessionOptions, Omit<TransportOptions, 'handshake'>, ConnectionTimeouts {
  /** ms an application may take to answer a connect/publish/play request before it is rejected (default 30_000) */
  requestTimeout?: number
  /** the built-in live router (default on); `false` makes unanswered publish/play requests rejections */
  live?: LiveRouterOptions | false
  /** connections served at once (default unlimited); past it a client's connect is rejected, saying why */
  maxConnections?: number
  /** connections at once from one remote address (default unlimited); same refusal */
  maxConnectionsPerIp?: number
}

export interface ListenOptions {
  /** default 1935, or 443 with `tls` (what `rtmp://` and `rtmps://` URLs without a port mean) */
  port?: number
  host?: string
  signal?: AbortSignal
  /**
   * Serve RTMPS: `node:tls` server options (at least `key` and `cert`, or `pfx`). The TLS handshake counts as
   * part of the RTMP handshake: it must finish within `handshakeTimeout`, and a failed one is a failed handshake.
   */
  tls?: TlsOptions
}

export interface RtmpServerEvents {
  /** a peer finished the handshake */
  connection: [ServerConnection]
  /** a peer's connection ended with an error (malformed input, timeout, ...); other peers are unaffected */
  connectionError: [RtmpError, ServerConnection]
  /** the server itself failed (e.g. listen EADDRINUSE) */
  error: [Error]
  close: []
}

/**
 * An RTMP server that owns no socket until told: `handle(duplex)` takes any Duplex (net, tls, in-memory),
 * `listen()` opens a TCP listener for convenience. Publish/play requests nobody answers go to `live`, the
 * built-in router (unless disabled).
 */
export class RtmpServer extends EventEmitter<RtmpServerEvents> {
  readonly live: LiveRouter | undefined
  readonly connections = new Set<ServerConnection>()
  private readonly options: RtmpServerOptions
  /** TCP / TLS listeners, in the order they were opened (one per `listen()` call) */
  private readonly netServers: NetServer[] = []
  private readonly host: ConnectionHost
  private readonly recorder: ServerStatsRecorder
  /** connections whose handshake finished (the others failed it when they close) */
  private readonly handshaken = new WeakSet<ServerConnection>()

  constructor(options: RtmpServerOptions = {}) {
    super()
    checkBatchMs(options.writeBatchMs) // here rather than at the first connection
    // one serialize-once cache for all connections: live media goes to every player as the same bytes
    this.options = { ...options, sharedChunks: options.sharedChunks ?? new SharedChunks() }
    this.live = options.live === false ? undefined : new LiveRouter({ writeBatchMs: options.writeBatchMs, ...options.live })
    const requestTimeout = options.requestTimeout ?? 30_000
    this.recorder = new ServerStatsRecorder(requestTimeout)
    this.host = {
      requestTimeout,
      stats: this.recorder,
      onReady: (conn) => {
        this.handshaken.add(conn)
        this.recorder.handshakeDone()
        this.emit('connection', conn)
      },
      onClose: (conn, error) => {
        this.connections.delete(conn)
        if (!this.handshaken.has(conn)) this.recorder.handshakeFailed()
        if (error && error.code !== 'RTMP_ERR_CLOSED') {
          debug('connection %d closed: %s %s', conn.id, error.code, error.message)
          this.emit('connectionError', error, conn)
        }
      },
      defaultPublish: (req: PublishRequest) => {
        if (this.live) this.live.handlePublish(req)
        else req.reject('NetStream.Publish.BadName', 'publishing is not enabled on this server')
      },
      defaultPlay: (req: PlayRequest) => {
        if (this.live) this.live.handlePlay(req)
        else req.reject('NetStream.Play.StreamNotFound', 'playing is not enabled on this server')
      },
    }
  }

  /** Serves one peer over any Duplex. */
  handle(duplex: Duplex): ServerConnection {
    this.recorder.opened()
    const conn = new ServerConnection(duplex, this.host, this.options, this.refusal(duplex))
    this.connections.add(conn)
    return conn
  }

  /** Why a new connection from this Duplex must be refused (connect rejected with it), if it must. */
  private refusal(duplex: Duplex): string | undefined {
    const max = this.options.maxConnections ?? Infinity
    if (this.connections.size >= max) return `server full: ${max} connections`
    const perIp = this.options.maxConnectionsPerIp ?? Infinity
    const address = (duplex as Duplex & { remoteAddress?: string }).remoteAddress
    if (perIp === Infinity || address === undefined) return undefined
    let n = 0
    for (const c of this.connections) if (c.remoteAddress === address) n++
    return n >= perIp ? `too many connections from ${address} (limit ${perIp})` : undefined
  }

  /** Stage counters (handshake → connect → … → delivery) and connections; see `RtmpServerStats`. Per-stream figures: `live.stats()`. */
  stats(): RtmpServerStats {
    return this.recorder.snapshot(this.connections.size)
  }

  /** Listens on TCP, or TLS with `options.tls` (default 127.0.0.1:1935, :443 with TLS). Resolves with the bound address. */
  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    const server = options.tls
      ? this.tlsListener(options.tls)
      : createNetServer((socket: Socket) => {
          socket.setNoDelay(true)
          this.handle(socket)
        })
    this.netServers.push(server)
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.forget(server)
        reject(err)
      }
      server.once('error', onError)
      options.signal?.addEventListener('abort', () => {
        server.close()
        reject(new ClosedError('RTMP_ERR_ABORTED', 'listen aborted', { cause: options.signal?.reason }))
      })
      server.listen(options.port ?? (options.tls ? 443 : 1935), options.host ?? '127.0.0.1', () => {
        server.off('error', onError)
        server.on('error', (err) => this.emit('error', err))
        resolve(server.address() as AddressInfo)
      })
    })
  }

  /**
   * TLS over our own TCP listener: every accepted socket is served at once, so the server's handshake timeout,
   * connection limits and error reporting cover the TLS handshake as well.
   */
  private tlsListener(tls: TlsOptions): NetServer {
    const secureContext = createSecureContext(tls)
    return createNetServer((raw: Socket) => {
      raw.setNoDelay(true)
      const socket = new TLSSocket(raw, { ...tls, isServer: true, secureContext })
      socket.once('close', () => raw.destroy())
      this.handle(socket)
    })
  }

  private forget(server: NetServer): void {
    const i = this.netServers.indexOf(server)
    if (i >= 0) this.netServers.splice(i, 1)
  }

  /** The address of the first listener (see `addresses()` for all). */
  address(): AddressInfo | undefined {
    const a = this.netServers[0]?.address()
    return a && typeof a === 'object' ? a : undefined
  }
  /** Every listener's address (RTMP and RTMPS on two ports, say). */
  addresses(): AddressInfo[] {
    return this.netServers.map((l) => l.address()).filter((a): a is AddressInfo => a !== null && typeof a === 'object')
  }


  /**
   * Stops accepting and ends every connection; resolves when all are closed. With `reconnect`, clients that
   * announced Enhanced RTMP capsEx Reconnect are first asked to reconnect (to the same tcUrl, or to the given
   * one) and get up to `graceMs` to leave on their own; the listener is closed at once, so a successor may
   * take over the port meanwhile.
   */
  async close(options: ServerCloseOptions = {}): Promise<void> {
    const listenerClosed = Promise.all(this.netServers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
    if (options.reconnect) await this.askToReconnect(options.reconnect === true ? {} : options.reconnect, options.graceMs ?? 5000)
    const closing = [...this.connections].map(closedPromise)
    for (const c of this.connections) c.close()
    await Promise.all([...closing, listenerClosed])
    this.emit('close')
  }

  /** Sends a reconnect request to every capable client, then waits until they all left or `graceMs` passed. */
  private async askToReconnect(request: ReconnectRequestInit, graceMs: number): Promise<void> {
    const asked = [...this.connections].filter((c) => c.requestReconnect(request))
    debug('close: asked %d of %d connections to reconnect', asked.length, this.connections.size)
    if (asked.length === 0 || graceMs <= 0) return
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))
    await Promise.race([Promise.all(asked.map(closedPromise)), grace])
    clearTimeout(timer)
  }
}

/** Options of `RtmpServer.close()`. */
export interface ServerCloseOptions {
  /**
   * Enhanced RTMP v2: ask capable clients to reconnect before closing: `true` to the same tcUrl (e.g. a
   * restart, or another instance behind the same address), or `{ tcUrl, description }` to send them elsewhere.
   */
  reconnect?: boolean | ReconnectRequestInit
  /** ms asked clients get to leave before they are closed (default 5000) */
  graceMs?: number
}

const closedPromise = (c: ServerConnection): Promise<void> => new Promise<void>((resolve) => (c.closed ? resolve() : c.once('close', () => resolve())))

/** Creates an RtmpServer (see RtmpServerOptions). */
export function createServer(options: RtmpServerOptions = {}): RtmpServer {
  return new RtmpServer(options)
}
