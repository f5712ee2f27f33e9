import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import type { AmfObject, AmfValue } from '../amf/amf-value'
import { ClosedError, SessionStateError, TimeoutError, type RtmpError } from '../errors'
import { NO_CAPABILITIES, readCapabilities, type Capabilities } from '../session/capabilities'
import type { ServerSessionEvent } from '../session/server-events'
import { ServerSession, type RejectStatus, type ServerSessionAction, type ServerSessionOptions } from '../session/server-session'
import type { ReconnectRequestInit } from '../session/reconnect-request'
import { laneFormat, type LaneFormat } from '../live/fanout-lane'
import { debug } from './debug'
import { DuplexTransport, type TransportOptions } from './duplex-transport'
import { PlayStream, type PlayComplete } from './play-stream'
import { PublishStream } from './publish-stream'
import { ConnectRequest, PlayRequest, PublishRequest } from './requests'
import type { ConnectionStats, ServerStatsRecorder } from './server-stats'

export interface ServerConnectionEvents {
  connect: [ConnectRequest]
  publish: [PublishRequest]
  play: [PlayRequest]
  /** a command the session does not know; it was already answered with `_error` */
  command: [name: string, args: readonly AmfValue[], streamId: number]
  /** the connection is gone; `error` says why when it was not a clean close */
  close: [RtmpError | undefined]
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly requestTimeout: number
  onReady(conn: ServerConnection): void
  onClose(conn: ServerConnection, error: RtmpError | undefined): void
  /** called when nobody listens for `publish` / `play` on the connection */
  defaultPublish(req: PublishRequest): void
  defaultPlay(req: PlayRequest): void
  /** counts for `RtmpServer.stats()` */
  readonly stats?: ServerStatsRecorder
}

let nextConnectionId = 1

/** Per-connection time limits enforced after the handshake (the handshake and idle limits are the transport's). */
export interface ConnectionTimeouts {
  /** ms from the end of the handshake to the client's connect command (default 10_000; 0 = no limit) */
  connectTimeout?: number
  /** ms a publisher may go without sending audio or video before its connection is closed (default 0 = no limit) */
  publishIdleTimeout?: number
}

interface PendingStream {
  readonly streamId: number
  readonly name: string
  readonly query: Record<string, string>
  readonly start: number
  readonly duration: number
  readonly mode: PublishRequest['mode']
}

/**
 * One peer on the server, from handshake to close. Emits requests (`connect`, `publish`, `play`) for the
 * application to accept or reject, and `close` once. Failures of this peer never throw out of here: they end
 * this connection and arrive as the `close` event's error.
 */
export class ServerConnection extends EventEmitter<ServerConnectionEvents> {
  readonly id = nextConnectionId++
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
  /** set once the client sent connect */
  app = ''
  tcUrl: string | undefined
  commandObject: AmfObject = {}
  query: Readonly<Record<string, string>> = {}
  /** what the client announced in connect (Enhanced RTMP fourCcList, FourCC info maps, capsEx) */
  capabilities: Capabilities = NO_CAPABILITIES
  private readonly session: ServerSession
  private readonly transport: DuplexTransport
  private readonly publishers = new Map<number, PublishStream>()
  private readonly players = new Map<number, PlayStream>()
  /** requestId → what the publish/play request asked for */
  private readonly pending = new Map<number, PendingStream>()
  private isClosed = false
  private connectSeen = false
  private lastMedia = 0
  private publishingSince = 0
  private watchdog: NodeJS.Timeout | undefined
  private readonly stats: ConnectionStats | undefined

  /**
   * @param refusal set when the server is over a connection limit: the client's connect is rejected with it
   *   (NetConnection.Connect.Rejected), whatever the application would say.
   */
  constructor(
    duplex: Duplex,
    private readonly host: ConnectionHost,
    options: ServerSessionOptions & TransportOptions & ConnectionTimeouts,
    private readonly refusal?: string,
  ) {
    super()
    this.stats = host.stats?.connection()
    const socket = duplex as Duplex & { remoteAddress?: string; remotePort?: number }
    this.remoteAddress = socket.remoteAddress
    this.remotePort = socket.remotePort
    this.session = new ServerSession(options)
    this.transport = new DuplexTransport(
      duplex,
      'server',
      {
        onReady: (rest) => {
          this.startWatchdog(options.connectTimeout ?? 10_000, options.publishIdleTimeout ?? 0)
          this.host.onReady(this)
          this.run(this.session.start())
          if (rest.length > 0) this.run(this.session.receive(rest))
        },
        onBytes: (bytes) => this.run(this.session.receive(bytes)),
        onClose: (error) => this.onTransportClose(error),
      },
      options,
    )
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Whether the client used the digest ("complex") handshake, which our S1/S2 answered in kind. */
  get complexHandshake(): boolean {
    return this.transport.complexHandshake
  }

  /** The Duplex this connection runs on. */
  get duplex(): Duplex {
    return this.transport.duplex
  }

  /** Ends the connection (streams get their close events). */
  close(): void {
    if (this.isClosed || this.transport.closed) return
    this.run(this.session.close())
  }

  /** Ends the connection with an error (reported on `close`). */
  destroy(error: RtmpError): void {
    this.transport.fail(error)
  }

  /**
   * Enhanced RTMP v2: asks the client to reconnect, to `tcUrl` if given (else to the same tcUrl). The connection
   * keeps working until the client leaves. Returns false, sending nothing, when the client did not announce
   * capsEx Reconnect in its connect (legacy clients are never asked) or is not connected.
   */
  requestReconnect(request: ReconnectRequestInit = {}): boolean {
    if (this.isClosed) return false
    const actions = this.session.requestReconnect(request)
    if (actions.length === 0) return false
    this.run(actions)
    return true
  }

  private run(actions: readonly ServerSessionAction[]): boolean {
    let ok = true
    for (const a of actions) {
      if (a.type === 'send') ok = this.transport.write(a.data) && ok
      else if (a.type === 'event') this.onEvent(a.event)
      else this.transport.end()
    }
    return ok
  }

  private onEvent(e: ServerSessionEvent): void {
    switch (e.type) {
      case 'connectRequested': {
        this.connectSeen = true
        this.app = e.app
        this.tcUrl = e.tcUrl
        this.commandObject = e.commandObject
        this.query = e.query
        this.capabilities = readCapabilities(e.commandObject)
        this.stats?.requested('connect', e.requestId)
        const req = new ConnectRequest(this.connectOwner, e.requestId, this, this.host.requestTimeout, e.app, e.tcUrl, e.query, e.commandObject, e.args)
        if (this.refusal !== undefined) req.reject('NetConnection.Connect.Rejected', this.refusal)
        else if (this.listenerCount('connect') === 0) req.accept()
        else this.emit('connect', req)
        return
      }
      case 'publishRequested': {
        this.pending.set(e.requestId, { streamId: e.streamId, name: e.streamName, query: e.query, start: 0, duration: 0, mode: e.mode })
        this.stats?.requested('publish', e.requestId)
        const req = new PublishRequest(this.publishOwner, e.requestId, this, this.host.requestTimeout, e.streamId, e.streamName, e.query, e.mode)
        if (this.listenerCount('publish') === 0) this.host.defaultPublish(req)
        else this.emit('publish', req)
        return
      }
      case 'playRequested': {
        this.pending.set(e.requestId, { streamId: e.streamId, name: e.streamName, query: e.query, start: e.start, duration: e.duration, mode: 'live' })
        this.stats?.requested('play', e.requestId)
        const req = new PlayRequest(this.playOwner, e.requestId, this, this.host.requestTimeout, e.streamId, e.streamName, e.query, e.start, e.duration, e.reset)
        if (this.listenerCount('play') === 0) this.host.defaultPlay(req)
        else this.emit('play', req)
        return
      }
      case 'audio':
      case 'video':
        this.lastMedia = Date.now()
        this.publishers.get(e.streamId)?.push({ type: e.type, timestamp: e.timestamp, data: e.data })
        return
      case 'data': {
        const pub = this.publishers.get(e.streamId)
        if (!pub) return
        if (e.values[0] === 'onMetaData') pub.metadata = e.values
        pub.push({ type: 'data', timestamp: e.timestamp, data: e.payload })
        return
      }
      case 'publishFinished': {
        const pub = this.publishers.get(e.streamId)
        this.publishers.delete(e.streamId)
        pub?.finish()
        return
      }
      case 'playFinished': {
        const player = this.players.get(e.streamId)
        this.players.delete(e.streamId)
        player?.markClosed()
        return
      }
      case 'pause': {
        const player = this.players.get(e.streamId)
        if (player) {
          player.paused = e.paused
          player.emit('pause', e.paused)
        }
        return
      }
      case 'seek':
        this.players.get(e.streamId)?.emit('seek', e.position)
        return
      case 'receiveMedia': {
        const player = this.players.get(e.streamId)
        if (player) player.receives = e.audio && e.video
        return
      }
      case 'streamCreated':
        this.stats?.streamCreated()
        return
      case 'unhandledCommand':
        this.emit('command', e.command.name, e.command.args, e.streamId)
        return
      default:
        debug('connection %d: %s', this.id, e.type)
    }
  }

  private readonly connectOwner = {
    accept: (requestId: number): void => {
      this.stats?.answered(requestId, true)
      if (!this.isClosed) this.run(this.session.accept(requestId))
    },
    reject: (requestId: number, status: RejectStatus): void => {
      this.stats?.answered(requestId, false, status)
      if (!this.isClosed) this.run(this.session.reject(requestId, status))
    },
  }

  private readonly publishOwner = {
    accept: (requestId: number): PublishStream => {
      this.stats?.answered(requestId, true)
      const req = this.takePending(requestId)
      const stream = new PublishStream(this, req.streamId, req.name, req.query, req.mode, this.transport.flow, () => this.closeStream(req.streamId))
      if (this.isClosed) {
        stream.finish(new ClosedError('RTMP_ERR_CLOSED', 'publisher disconnected before it was accepted'))
        return stream
      }
      this.publishers.set(req.streamId, stream)
      this.publishingSince = Date.now()
      this.run(this.session.accept(requestId))
      return stream
    },
    reject: (requestId: number, status: RejectStatus): void => this.rejectStreamRequest(requestId, status),
  }

  private readonly playOwner = {
    accept: (requestId: number): PlayStream => {
      this.stats?.answered(requestId, true)
      const req = this.takePending(requestId)
      const stream = new PlayStream(this.sink, this, req.streamId, req.name, req.query, req.start, req.duration)
      if (this.isClosed) {
        stream.markClosed(new ClosedError('RTMP_ERR_CLOSED', 'player disconnected before it was accepted'))
        return stream
      }
      this.players.set(req.streamId, stream)
      this.stats?.playing(stream)
      this.run(this.session.accept(requestId))
      return stream
    },
    reject: (requestId: number, status: RejectStatus): void => this.rejectStreamRequest(requestId, status),
  }

  /** A publish or play request turned down: its pending entry goes, the client gets the status. */
  private rejectStreamRequest(requestId: number, status: RejectStatus): void {
    this.stats?.answered(requestId, false, status)
    this.pending.delete(requestId)
    if (!this.isClosed) this.run(this.session.reject(requestId, status))
  }

  private takePending(requestId: number): PendingStream {
    const p = this.pending.get(requestId)
    this.pending.delete(requestId)
    if (!p) throw new SessionStateError('RTMP_ERR_UNKNOWN_REQUEST', `no pending request ${requestId}`)
    return p
  }

  private closeStream(streamId: number): void {
    const pub = this.publishers.get(streamId)
    this.publishers.delete(streamId)
    pub?.finish()
  }

  private readonly sink = {
    // the hot path (every message to every player): no closure, media writes may be batched
    sendAudio: (streamId: number, ts: number, data: Uint8Array): boolean => this.canPlay(streamId) && this.runMedia(this.session.sendAudio(streamId, ts, data)),
    sendVideo: (streamId: number, ts: number, data: Uint8Array): boolean => this.canPlay(streamId) && this.runMedia(this.session.sendVideo(streamId, ts, data)),
    sendDataPayload: (streamId: number, ts: number, payload: Uint8Array): boolean =>
      this.canPlay(streamId) && this.runMedia(this.session.sendDataPayload(streamId, ts, payload)),
    sendData: (streamId: number, ts: number, values: readonly AmfValue[]): boolean => this.sendIfPlaying(streamId, () => this.session.sendData(streamId, ts, values)),
    sendStatus: (streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string): void => {
      if (!this.isClosed) this.run(this.session.sendStatus(streamId, level, code, description))
    },
    endPlay: (streamId: number, code: string, description: string): void => {
      if (!this.isClosed) this.run(this.session.endPlay(streamId, code, description))
    },
    sendStreamIsRecorded: (streamId: number): void => {
      if (!this.isClosed && this.players.has(streamId)) this.run(this.session.sendStreamIsRecorded(streamId))
    },
    notifySeek: (streamId: number, position: number): void => {
      if (!this.isClosed) this.run(this.session.notifySeek(streamId, position))
    },
    completePlay: (streamId: number, timestamp: number, info: PlayComplete): void => {
      if (!this.isClosed) this.run(this.session.completePlay(streamId, timestamp, info))
    },
    pendingBytes: (): number => this.transport.pendingBytes,
    drained: (): Promise<void> => this.transport.drained(),
    // asked only when a player's format may have changed (PlayStream keeps it)
    laneFormat: (streamId: number): LaneFormat | undefined =>
      this.isClosed || !this.players.has(streamId) ? undefined : laneFormat(this.session.chunkSize, streamId),
    writeChunks: (bytes: Uint8Array): boolean => {
      if (this.isClosed) return false
      this.session.mediaSentElsewhere()
      return this.transport.writeShared(bytes)
    },
    writeHighWaterMark: (): number => this.transport.writeHighWaterMark,
  }

  private sendIfPlaying(streamId: number, send: () => ServerSessionAction[]): boolean {
    if (this.isClosed || !this.players.has(streamId)) return false
    return this.run(send())
  }

  private canPlay(streamId: number): boolean {
    return !this.isClosed && this.players.has(streamId)
  }

  /** Media actions (sends only): written with `writeMedia`, so that they may go out in a batch. */
  private runMedia(actions: readonly ServerSessionAction[]): boolean {
    if (actions.length === 1 && actions[0]!.type === 'send') return this.transport.writeMedia(actions[0]!.data)
    return this.run(actions)
  }

  /** One timer per connection for the connect deadline and publisher inactivity. */
  private startWatchdog(connectTimeout: number, publishIdleTimeout: number): void {
    if (connectTimeout <= 0 && publishIdleTimeout <= 0) return
    const readyAt = Date.now()
    const every = Math.max(10, Math.min(1000, ...[connectTimeout, publishIdleTimeout].filter((t) => t > 0).map((t) => t / 4)))
    this.watchdog = setInterval(() => {
      const now = Date.now()
      if (connectTimeout > 0 && !this.connectSeen && now - readyAt >= connectTimeout) {
        this.destroy(new TimeoutError('RTMP_ERR_TIMEOUT', `no connect command within ${connectTimeout} ms of the handshake`))
      } else if (publishIdleTimeout > 0 && this.publishers.size > 0 && now - Math.max(this.lastMedia, this.publishingSince) >= publishIdleTimeout) {
        this.destroy(new TimeoutError('RTMP_ERR_TIMEOUT', `publisher sent no audio or video for ${publishIdleTimeout} ms`))
      }
    }, every)
    this.watchdog.unref?.()
  }

  private onTransportClose(error: RtmpError | undefined): void {
    clearInterval(this.watchdog)
    if (this.isClosed) return
    this.isClosed = true
    this.stats?.closed(error)
    // Streams learn of the failure first; the session's publishFinished/playFinished then find them gone.
    for (const pub of this.publishers.values()) pub.finish(error)
    for (const player of this.players.values()) player.markClosed(error)
    this.publishers.clear()
    this.players.clear()
    for (const a of this.session.closed()) if (a.type === 'event') this.onEvent(a.event)
    this.host.onClose(this, error)
    this.emit('close', error)
  }
}
