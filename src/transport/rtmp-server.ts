import { EventEmitter } from 'node:events'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { ClosedError, type RtmpError } from '../errors'
import { LiveRouter, type LiveRouterOptions } from '../live/live-router'
import type { ServerSessionOptions } from '../session/server-session'
import { debug } from './debug'
import type { TransportOptions } from './duplex-transport'
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
  port?: number
  host?: string
  signal?: AbortSignal
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
  private netServer: NetServer | undefined
  private readonly host: ConnectionHost
  private readonly recorder: ServerStatsRecorder
  /** connections whose handshake finished (the others failed it when they close) */
  private readonly handshaken = new WeakSet<ServerConnection>()

  constructor(options: RtmpServerOptions = {}) {
    super()
    this.options = options
    this.live = options.live === false ? undefined : new LiveRouter(options.live ?? {})
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

  /** Listens on TCP (default 127.0.0.1:1935). Resolves with the bound address. */
  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.netServer) return Promise.reject(new Error('already listening'))
    const server = createNetServer((socket: Socket) => {
      socket.setNoDelay(true)
      this.handle(socket)
    })
    this.netServer = server
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.netServer = undefined
        reject(err)
      }
      server.once('error', onError)
      options.signal?.addEventListener('abort', () => {
        server.close()
        reject(new ClosedError('RTMP_ERR_ABORTED', 'listen aborted', { cause: options.signal?.reason }))
      })
      server.listen(options.port ?? 1935, options.host ?? '127.0.0.1', () => {
        server.off('error', onError)
        server.on('error', (err) => this.emit('error', err))
        resolve(server.address() as AddressInfo)
      })
    })
  }

  address(): AddressInfo | undefined {
    const a = this.netServer?.address()
    return a && typeof a === 'object' ? a : undefined
  }

  /** Stops accepting and ends every connection; resolves when all are closed. */
  async close(): Promise<void> {
    const server = this.netServer
    this.netServer = undefined
    const closing = [...this.connections].map((c) => new Promise<void>((resolve) => (c.closed ? resolve() : c.once('close', () => resolve()))))
    for (const c of this.connections) c.close()
    const listenerClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
    await Promise.all([...closing, listenerClosed])
    this.emit('close')
  }
}

/** Creates an RtmpServer (see RtmpServerOptions). */
export function createServer(options: RtmpServerOptions = {}): RtmpServer {
  return new RtmpServer(options)
}
