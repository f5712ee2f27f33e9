import { EventEmitter } from 'node:events'
import { connect as netConnect } from 'node:net'
import type { Duplex } from 'node:stream'
import { connect as tlsConnect } from 'node:tls'
import type { AmfObject, AmfValue } from '../amf/amf-value'
import { ClosedError, RejectedError, RtmpError, TimeoutError, UrlError, type RtmpStatus } from '../errors'
import type { HandshakeOptions } from '../handshake/handshake'
import { readStatus } from '../message/status'
import type { ClientSessionEvent } from '../session/client-events'
import { ClientSession, type ClientSessionAction, type PlayParams } from '../session/client-session'
import type { PublishMode } from '../session/server-events'
import type { SessionOptions } from '../session/session-options'
import { ClientPlayStream, ClientPublishStream, type PublishSink } from './client-streams'
import { debug } from './debug'
import { DuplexTransport } from './duplex-transport'
import { parseRtmpUrl } from './rtmp-url'

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
  /** a Duplex to run on instead of opening TCP/TLS (e.g. `tls.connect(...)`, an in-memory pair) */
  socket?: Duplex
  /** abort connecting */
  signal?: AbortSignal
  /** ms for TCP + handshake + connect `_result` (default 10_000) */
  timeout?: number
  handshake?: HandshakeOptions
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
  close: [RtmpError | undefined]
}

interface Waiter<T> {
  resolve(v: T): void
  reject(e: RtmpError): void
}

/**
 * An RTMP client connection. `RtmpClient.connect()` resolves once the server accepted the connect command;
 * then `play()` and `publish()` open streams on it.
 */
export class RtmpClient extends EventEmitter<RtmpClientEvents> {
  readonly app: string
  readonly tcUrl: string
  readonly defaultStreamName: string | undefined
  /** what the server answered to connect: properties (fmsVer, capabilities) and info (code, objectEncoding, ...) */
  serverProperties: AmfObject = {}
  serverInfo: AmfObject = {}
  private readonly session: ClientSession
  private transport!: DuplexTransport
  private readonly results = new Map<number, Waiter<{ ok: boolean; commandObject: AmfValue; args: readonly AmfValue[] }>>()
  private readonly streamWaiters = new Map<number, Waiter<number>>()
  private readonly statusWaiters = new Map<number, Waiter<RtmpStatus>>()
  private readonly players = new Map<number, ClientPlayStream>()
  private readonly publishers = new Map<number, ClientPublishStream>()
  private connectWaiter: Waiter<void> | undefined
  private closeError: RtmpError | undefined
  private isClosed = false

  private constructor(app: string, tcUrl: string, streamName: string | undefined, options: SessionOptions) {
    super()
    this.app = app
    this.tcUrl = tcUrl
    this.defaultStreamName = streamName
    this.session = new ClientSession(options)
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
    const app = options.app ?? parsed.app
    if (!app) throw new UrlError('RTMP_ERR_URL_INVALID', `no application in ${url}`)
    const tcUrl = options.tcUrl ?? (options.app ? `${parsed.protocol}://${parsed.host}:${parsed.port}/${options.app}` : parsed.tcUrl)
    const client = new RtmpClient(app, tcUrl, options.streamName ?? parsed.streamName, options)
    const socket =
      options.socket ??
      (parsed.protocol === 'rtmps'
        ? tlsConnect({ host: parsed.host, port: parsed.port, servername: parsed.host })
        : netConnect({ host: parsed.host, port: parsed.port, noDelay: true }))
    const timeout = options.timeout ?? 10_000
    const connected = new Promise<void>((resolve, reject) => {
      client.connectWaiter = { resolve, reject }
    })
    client.transport = new DuplexTransport(
      socket,
      'client',
      {
        onReady: (rest) => {
          const params: Parameters<ClientSession['connect']>[0] = { app, tcUrl }
          if (options.flashVer !== undefined) params.flashVer = options.flashVer
          if (options.swfUrl !== undefined) params.swfUrl = options.swfUrl
          if (options.pageUrl !== undefined) params.pageUrl = options.pageUrl
          if (options.objectEncoding !== undefined) params.objectEncoding = options.objectEncoding
          if (options.connectObject !== undefined) params.extra = options.connectObject
          if (options.connectArgs !== undefined) params.args = options.connectArgs
          client.run(client.session.connect(params))
          if (rest.length > 0) client.run(client.session.receive(rest))
        },
        onBytes: (bytes) => client.run(client.session.receive(bytes)),
        onClose: (error) => client.onClose(error),
      },
      { handshakeTimeout: timeout, ...(options.handshake ? { handshake: options.handshake } : {}) },
    )
    try {
      await withDeadline(connected, timeout, options.signal, 'connect')
    } catch (err) {
      client.transport.fail(err as RtmpError)
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
    const r = this.session.call(name, commandObject, args)
    const answer = new Promise<{ ok: boolean; commandObject: AmfValue; args: readonly AmfValue[] }>((resolve, reject) => {
      this.results.set(r.transactionId, { resolve, reject })
    })
    this.run(r.actions)
    const res = await answer
    if (!res.ok) throw new RejectedError(readStatus(res.args[0], 'NetConnection.Call.Failed'))
    return res
  }

  /** createStream; resolves with the message stream id. */
  async createStream(signal?: AbortSignal, timeout = 10_000): Promise<number> {
    this.ensureOpen()
    const r = this.session.createStream()
    const created = new Promise<number>((resolve, reject) => this.streamWaiters.set(r.transactionId, { resolve, reject }))
    this.run(r.actions)
    return withDeadline(created, timeout, signal, 'createStream')
  }

  /**
   * Plays a stream; resolves on NetStream.Play.Start with the incoming media.
   * @throws RejectedError (e.g. NetStream.Play.StreamNotFound), TimeoutError, ClosedError
   */
  async play(name: string | undefined = this.defaultStreamName, options: ClientPlayOptions = {}): Promise<ClientPlayStream> {
    if (!name) throw new UrlError('RTMP_ERR_URL_INVALID', 'play: no stream name (give one or put it in the URL)')
    const timeout = options.timeout ?? 10_000
    const streamId = await this.createStream(options.signal, timeout)
    const stream = new ClientPlayStream(streamId, name, this.transport.flow, () => this.deleteStream(streamId))
    this.players.set(streamId, stream)
    const started = this.waitStatus(streamId, ['NetStream.Play.Start'])
    const params: PlayParams = {}
    if (options.start !== undefined) params.start = options.start
    if (options.duration !== undefined) params.duration = options.duration
    if (options.reset !== undefined) params.reset = options.reset
    this.run(this.session.play(streamId, name, params, options.bufferLength ?? 3000))
    try {
      await withDeadline(started, timeout, options.signal, 'play')
    } catch (err) {
      this.players.delete(streamId)
      stream.finish(err as RtmpError)
      this.deleteStream(streamId)
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
    this.run(this.session.notify('releaseStream', [name]))
    this.run(this.session.notify('FCPublish', [name]))
    const streamId = await this.createStream(options.signal, timeout)
    const started = this.waitStatus(streamId, ['NetStream.Publish.Start'])
    this.run(this.session.publish(streamId, name, options.mode ?? 'live'))
    try {
      await withDeadline(started, timeout, options.signal, 'publish')
    } catch (err) {
      this.deleteStream(streamId)
      throw err
    }
    const stream = new ClientPublishStream(this.sink, streamId, name)
    this.publishers.set(streamId, stream)
    return stream
  }

  /** Ends open streams (FCUnpublish/deleteStream), then closes the connection once that is flushed. */
  async close(): Promise<void> {
    if (this.isClosed) return
    const done = new Promise<void>((resolve) => this.once('close', () => resolve()))
    for (const pub of [...this.publishers.values()]) void pub.close()
    for (const [id, p] of [...this.players]) {
      p.finish()
      this.deleteStream(id)
    }
    this.transport.end()
    await done
  }

  /**
   * Drops the connection at once, without flushing (e.g. a relay destination that stopped reading): open
   * streams end, and `close` is emitted with `error` (default RTMP_ERR_CLOSED).
   */
  destroy(error?: RtmpError): void {
    if (this.isClosed) return
    this.transport.fail(error ?? new ClosedError('RTMP_ERR_CLOSED', 'connection destroyed'))
  }

  private readonly sink: PublishSink = {
    sendAudio: (id, ts, data) => this.run(this.session.sendAudio(id, ts, data)),
    sendVideo: (id, ts, data) => this.run(this.session.sendVideo(id, ts, data)),
    sendData: (id, ts, values) => this.run(this.session.sendData(id, ts, values)),
    sendDataPayload: (id, ts, payload) => this.run(this.session.sendDataPayload(id, ts, payload)),
    drained: () => (this.isClosed ? Promise.reject(this.closedError()) : this.transport.drained()),
    unpublish: async (id, name) => {
      this.publishers.delete(id)
      if (this.isClosed || this.session.state !== 'connected') return
      this.run(this.session.notify('FCUnpublish', [name]))
      this.deleteStream(id)
      await this.transport.drained()
    },
    isClosed: () => this.isClosed,
  }

  private deleteStream(streamId: number): void {
    this.players.delete(streamId)
    if (!this.isClosed && this.session.state === 'connected') this.run(this.session.deleteStream(streamId))
  }

  private waitStatus(streamId: number, success: readonly string[]): Promise<RtmpStatus> {
    return new Promise<RtmpStatus>((resolve, reject) => {
      this.statusWaiters.set(streamId, {
        resolve: (s) => (success.includes(s.code) ? resolve(s) : undefined),
        reject,
      })
    })
  }

  private ensureOpen(): void {
    if (this.isClosed) throw this.closedError()
  }

  private closedError(): RtmpError {
    return this.closeError ?? new ClosedError('RTMP_ERR_CLOSED', 'connection closed')
  }

  private run(actions: readonly ClientSessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') this.transport.write(a.data)
      else if (a.type === 'event') this.onEvent(a.event)
      else this.transport.end()
    }
  }

  private onEvent(e: ClientSessionEvent): void {
    switch (e.type) {
      case 'connected':
        this.serverProperties = e.properties
        this.serverInfo = e.info
        this.connectWaiter?.resolve()
        this.connectWaiter = undefined
        return
      case 'connectRejected':
        this.connectWaiter?.reject(new RejectedError(e.status))
        this.connectWaiter = undefined
        return
      case 'streamCreated': {
        const w = this.streamWaiters.get(e.transactionId)
        this.streamWaiters.delete(e.transactionId)
        w?.resolve(e.streamId)
        return
      }
      case 'commandResult': {
        const sw = this.streamWaiters.get(e.transactionId)
        if (sw) {
          this.streamWaiters.delete(e.transactionId)
          sw.reject(new RejectedError(readStatus(e.args[0], 'NetConnection.Call.Failed')))
          return
        }
        const w = this.results.get(e.transactionId)
        this.results.delete(e.transactionId)
        w?.resolve({ ok: e.ok, commandObject: e.commandObject, args: e.args })
        return
      }
      case 'status': {
        this.emit('status', e.status, e.streamId)
        const player = this.players.get(e.streamId)
        player?.emit('status', e.status)
        const w = this.statusWaiters.get(e.streamId)
        if (w) {
          if (e.status.level === 'error') {
            this.statusWaiters.delete(e.streamId)
            w.reject(new RejectedError(e.status))
          } else if (e.status.code === 'NetStream.Play.Start' || e.status.code === 'NetStream.Publish.Start') {
            this.statusWaiters.delete(e.streamId)
            w.resolve(e.status)
          }
          return
        }
        if (player && (e.status.code === 'NetStream.Play.Stop' || e.status.code === 'NetStream.Play.UnpublishNotify' || e.status.level === 'error')) {
          this.players.delete(e.streamId)
          player.finish(e.status.level === 'error' ? new RejectedError(e.status) : undefined)
        }
        return
      }
      case 'audio':
      case 'video':
        this.players.get(e.streamId)?.push({ type: e.type, timestamp: e.timestamp, data: e.data })
        return
      case 'data':
        if (e.values[0] === '|RtmpSampleAccess' || e.values[0] === 'onPlayStatus') return
        this.players.get(e.streamId)?.push({ type: 'data', timestamp: e.timestamp, data: e.payload })
        return
      case 'serverCommand':
        this.emit('command', e.command.name, e.command.args)
        if (e.command.name === 'close') this.transport.end()
        return
      default:
        debug('client: %s', e.type)
    }
  }

  private onClose(error: RtmpError | undefined): void {
    if (this.isClosed) return
    this.isClosed = true
    this.session.closed()
    this.closeError = error
    const err = this.closedError()
    this.connectWaiter?.reject(err)
    for (const w of this.results.values()) w.reject(err)
    for (const w of this.streamWaiters.values()) w.reject(err)
    for (const w of this.statusWaiters.values()) w.reject(err)
    this.results.clear()
    this.streamWaiters.clear()
    this.statusWaiters.clear()
    for (const p of this.players.values()) p.finish(error)
    this.players.clear()
    this.publishers.clear()
    this.emit('close', error)
  }
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}


/** Races `p` against a timeout and an AbortSignal. */
function withDeadline<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal?.aborted) return Promise.reject(new ClosedError('RTMP_ERR_ABORTED', `${what} aborted`, { cause: signal.reason }))
  return new Promise<T>((resolve, reject) => {
    const timer = ms > 0 ? setTimeout(() => finish(() => reject(new TimeoutError('RTMP_ERR_TIMEOUT', `${what} timed out after ${ms} ms`))), ms) : undefined
    const onAbort = (): void => finish(() => reject(new ClosedError('RTMP_ERR_ABORTED', `${what} aborted`, { cause: signal?.reason })))
    signal?.addEventListener('abort', onAbort, { once: true })
    function finish(f: () => void): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      f()
    }
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    )
  })
}
