import type { AmfObject, AmfValue } from '../amf/amf-value'
import { ClosedError, RejectedError, type RtmpError, type RtmpStatus } from '../errors'
import type { MediaMessage } from '../media/media-message'
import { readStatus } from '../message/status'
import { NO_CAPABILITIES, type Capabilities } from '../session/capabilities'
import type { ClientSessionEvent } from '../session/client-events'
import type { ClientSession, ClientSessionAction, PlayParams } from '../session/client-session'
import type { PublishMode } from '../session/server-events'
import type { ClientPlayStream } from './client-streams'
import { withDeadline } from './deadline'
import { debug } from './debug'
import type { DuplexTransport } from './duplex-transport'

interface Waiter<T> {
  resolve(v: T): void
  reject(e: RtmpError): void
}

export interface CallAnswer {
  ok: boolean
  commandObject: AmfValue
  args: readonly AmfValue[]
}

/** How a link was opened, to open another one like it. */
export interface LinkOrigin<Options> {
  /** the URL given to connect */
  readonly url: string
  readonly options: Options
}

/** What a link reports to the client that owns it. */
export interface LinkOwner<Options> {
  /** an onStatus (after the link's own waiters saw it); the link already gave it to its play stream */
  status(link: ClientLink<Options>, status: RtmpStatus, streamId: number): void
  /** Enhanced RTMP v2 reconnect request */
  reconnectRequest(link: ClientLink<Options>, request: Extract<ClientSessionEvent, { type: 'reconnectRequest' }>): void
  /** a server call the link does not interpret */
  command(link: ClientLink<Options>, name: string, args: readonly AmfValue[]): void
  /** the transport is gone; the link already rejected its waiters */
  closed(link: ClientLink<Options>, error: RtmpError | undefined): void
}

const END_OF_PLAY = new Set(['NetStream.Play.Stop', 'NetStream.Play.UnpublishNotify'])

/**
 * One connection of an RtmpClient: its session and transport, the answers it waits for and the play streams
 * on it (by message stream id). A client has one link, and two while a reconnect moves its streams from the
 * old connection to the new one. `owner` receives what the link does not handle itself; a client adopts a
 * link (one opened by another RtmpClient) by becoming its owner.
 */
export class ClientLink<Options> {
  transport!: DuplexTransport
  readonly players = new Map<number, ClientPlayStream>()
  /** per stream id: where media go instead of the player (a play stream moving between connections) */
  readonly taps = new Map<number, (msg: MediaMessage) => void>()
  connectWaiter: Waiter<void> | undefined
  /** what the server answered to connect */
  properties: AmfObject = {}
  info: AmfObject = {}
  capabilities: Capabilities = NO_CAPABILITIES
  /** a reconnect is moving the streams away: end-of-play statuses no longer end the play streams */
  retiring = false
  private readonly results = new Map<number, Waiter<CallAnswer>>()
  private readonly streamWaiters = new Map<number, Waiter<number>>()
  private readonly statusWaiters = new Map<number, Waiter<RtmpStatus>>()
  private gone = false

  constructor(
    public owner: LinkOwner<Options>,
    readonly session: ClientSession,
    readonly origin: LinkOrigin<Options>,
    readonly app: string,
    readonly tcUrl: string,
  ) {}

  get closed(): boolean {
    return this.gone
  }

  /** Whether the session takes commands (connected, and the transport not gone). */
  get usable(): boolean {
    return !this.gone && this.session.state === 'connected'
  }

  receive(bytes: Uint8Array): void {
    this.run(this.session.receive(bytes))
  }

  /** Carries out session actions: writes in order, events handled or passed to the owner. */
  run(actions: readonly ClientSessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') this.transport.write(a.data)
      else if (a.type === 'event') this.handle(a.event)
      else this.transport.end()
    }
  }

  call(name: string, commandObject: AmfValue, args: readonly AmfValue[]): Promise<CallAnswer> {
    const r = this.session.call(name, commandObject, args)
    const answer = new Promise<CallAnswer>((resolve, reject) => this.results.set(r.transactionId, { resolve, reject }))
    this.run(r.actions)
    return answer
  }

  /** createStream; resolves with the message stream id. */
  createStream(signal: AbortSignal | undefined, timeout: number): Promise<number> {
    const r = this.session.createStream()
    const created = new Promise<number>((resolve, reject) => this.streamWaiters.set(r.transactionId, { resolve, reject }))
    this.run(r.actions)
    return withDeadline(created, timeout, signal, 'createStream')
  }

  /** Sends play and waits for NetStream.Play.Start. */
  play(streamId: number, name: string, params: PlayParams, bufferLength: number): Promise<RtmpStatus> {
    const started = this.waitStatus(streamId, 'NetStream.Play.Start')
    this.run(this.session.play(streamId, name, params, bufferLength))
    return started
  }

  /** Sends publish and waits for NetStream.Publish.Start. */
  publish(streamId: number, name: string, mode: PublishMode): Promise<RtmpStatus> {
    const started = this.waitStatus(streamId, 'NetStream.Publish.Start')
    this.run(this.session.publish(streamId, name, mode))
    return started
  }

  /** Sends one audio, video or AMF0 data message of a publish stream. */
  send(streamId: number, msg: MediaMessage): void {
    if (msg.type === 'audio') this.run(this.session.sendAudio(streamId, msg.timestamp, msg.data))
    else if (msg.type === 'video') this.run(this.session.sendVideo(streamId, msg.timestamp, msg.data))
    else this.run(this.session.sendDataPayload(streamId, msg.timestamp, msg.data))
  }

  notify(name: string, args: readonly AmfValue[]): void {
    if (this.usable) this.run(this.session.notify(name, args))
  }

  /** Ends a publish as encoders do: FCUnpublish, deleteStream. */
  unpublish(streamId: number, name: string): void {
    this.notify('FCUnpublish', [name])
    this.deleteStream(streamId)
  }

  deleteStream(streamId: number): void {
    this.players.delete(streamId)
    this.taps.delete(streamId)
    this.statusWaiters.delete(streamId)
    if (this.usable) this.run(this.session.deleteStream(streamId))
  }

  /** The transport is gone: every waiter fails with `error`, then the owner hears of it. */
  transportClosed(error: RtmpError | undefined): void {
    if (this.gone) return
    this.gone = true
    this.session.closed()
    const err = error ?? new ClosedError('RTMP_ERR_CLOSED', 'connection closed')
    this.connectWaiter?.reject(err)
    this.connectWaiter = undefined
    for (const w of [...this.results.values(), ...this.streamWaiters.values(), ...this.statusWaiters.values()]) w.reject(err)
    this.results.clear()
    this.streamWaiters.clear()
    this.statusWaiters.clear()
    this.owner.closed(this, error)
  }

  private waitStatus(streamId: number, success: string): Promise<RtmpStatus> {
    return new Promise<RtmpStatus>((resolve, reject) => {
      this.statusWaiters.set(streamId, { resolve: (s) => (s.code === success ? resolve(s) : undefined), reject })
    })
  }

  private handle(e: ClientSessionEvent): void {
    switch (e.type) {
      case 'connected':
        this.properties = e.properties
        this.info = e.info
        this.capabilities = e.capabilities
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
      case 'reconnectRequest':
        this.owner.reconnectRequest(this, e)
        return
      case 'status':
        this.onStatus(e.streamId, e.status)
        return
      case 'audio':
      case 'video':
        this.deliver(e.streamId, { type: e.type, timestamp: e.timestamp, data: e.data })
        return
      case 'data':
        if (e.values[0] === '|RtmpSampleAccess' || e.values[0] === 'onPlayStatus') return
        this.deliver(e.streamId, { type: 'data', timestamp: e.timestamp, data: e.payload })
        return
      case 'serverCommand':
        this.owner.command(this, e.command.name, e.command.args)
        if (e.command.name === 'close') this.transport.end()
        return
      default:
        debug('client: %s', e.type)
    }
  }

  private deliver(streamId: number, msg: MediaMessage): void {
    const tap = this.taps.get(streamId)
    if (tap) tap(msg)
    else this.players.get(streamId)?.push(msg)
  }

  private onStatus(streamId: number, status: RtmpStatus): void {
    this.owner.status(this, status, streamId)
    const player = this.players.get(streamId)
    player?.emit('status', status)
    const w = this.statusWaiters.get(streamId)
    if (w) {
      if (status.level === 'error') {
        this.statusWaiters.delete(streamId)
        w.reject(new RejectedError(status))
      } else if (status.code === 'NetStream.Play.Start' || status.code === 'NetStream.Publish.Start') {
        this.statusWaiters.delete(streamId)
        w.resolve(status)
      }
      return
    }
    // a stream being moved between connections does not end because either one stops it
    if (player && !this.retiring && !this.taps.has(streamId) && (END_OF_PLAY.has(status.code) || status.level === 'error')) {
      this.players.delete(streamId)
      player.finish(status.level === 'error' ? new RejectedError(status) : undefined)
    }
  }
}
