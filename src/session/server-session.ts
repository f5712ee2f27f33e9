import { isAmfObject, type AmfObject, type AmfValue } from '../amf/amf-value'
import { SessionStateError } from '../errors'
import { MessageType, PeerBandwidthLimit } from '../message/message-type'
import type { CommandMessage, RtmpMessage } from '../message/rtmp-message'
import { stripSetDataFrame } from '../message/set-data-frame'
import { NetConnectionCode, NetStreamCode, statusInfo } from '../message/status'
import { encodeAmf0 } from '../amf/amf0-encoder'
import { ChunkStream } from './chunk-streams'
import type { SessionAction } from './session-action'
import { SessionCore, type IncomingMessage } from './session-core'
import type { SharedChunks } from '../chunk/shared-chunks'
import { normalizeSessionOptions, type SessionOptions } from './session-options'
import type { PublishMode, ServerSessionEvent } from './server-events'
import { StreamTable, type StreamEntry } from './stream-table'
import { splitStreamName } from './stream-name'
import { NO_CAPABILITIES, announcedMembers, readCapabilities, type Capabilities, type CapabilitiesInit } from './capabilities'
import { reconnectRequestInfo, type ReconnectRequestInit } from './reconnect-request'

/** the chunk streams a live stream's fan-out lane writes on for this session (see `mediaSentElsewhere`) */
const MEDIA_CHUNK_STREAMS: readonly number[] = [ChunkStream.Audio, ChunkStream.Video, ChunkStream.Stream]

export interface ServerSessionOptions extends SessionOptions {
  /** longest app or stream name (query included) a client may ask for (default 4096); longer ones are refused */
  maxNameLength?: number
  /** `fmsVer` in the connect `_result` (default 'FMS/3,0,1,123', what ffmpeg and librtmp expect to see). */
  fmsVer?: string
  /** the legacy numeric `capabilities` member of the connect `_result` (default 31) */
  fmsCapabilities?: number
  /**
   * Enhanced RTMP members of the connect `_result` (fourCcList, FourCC info maps, capsEx). Default
   * `DEFAULT_CAPABILITIES`; `false` announces nothing, as a legacy server.
   */
  capabilities?: CapabilitiesInit | false
  /**
   * Serialize once, write many: a cache shared by the sessions of one server (RtmpServer makes one). A media
   * message sent to several sessions is chunked once and the same bytes go to each (see SharedChunks).
   */
  sharedChunks?: SharedChunks
}

export type ServerSessionAction = SessionAction<ServerSessionEvent>

/** Status a request is rejected with; defaults depend on the request (Connect.Rejected, Publish.BadName, Play.StreamNotFound). */
export interface RejectStatus {
  code?: string
  description?: string
}

const MAX_DEFERRED_COMMANDS = 32

export type ConnectionState = 'awaitingConnect' | 'connectPending' | 'connected' | 'closed'

type PendingRequest =
  | { kind: 'connect'; transactionId: number; objectEncoding: number }
  | { kind: 'publish'; streamId: number; name: string }
  | { kind: 'play'; streamId: number; name: string; reset: boolean }

const onStatus = (info: AmfObject): RtmpMessage => ({
  type: 'command',
  encoding: 'amf0',
  name: 'onStatus',
  transactionId: 0,
  commandObject: null,
  args: [info],
})

const result = (name: '_result' | '_error', transactionId: number, ...args: AmfValue[]): RtmpMessage => ({
  type: 'command',
  encoding: 'amf0',
  name,
  transactionId,
  commandObject: null,
  args,
})

const connectResult = (transactionId: number, properties: AmfObject, info: AmfObject): RtmpMessage => ({
  type: 'command',
  encoding: 'amf0',
  name: '_result',
  transactionId,
  commandObject: properties,
  args: [info],
})

const userControl = (kind: 'streamBegin' | 'streamEof' | 'streamIsRecorded', streamId: number): RtmpMessage => ({
  type: 'userControl',
  event: { kind, streamId },
})

/**
 * The server side of one RTMP connection after the handshake, without I/O.
 *
 * Feed it the bytes that follow the handshake with `receive()`; every call returns the actions to carry out,
 * in order: bytes to send (write them in that order and send nothing else), events, and `close`. Requests
 * (connect, publish, play) are reported as events and answered only when the application calls `accept` or
 * `reject` with their `requestId`, synchronously or later.
 *
 * @throws ChunkError / MessageError from `receive` on malformed input; SessionStateError from calls that do not
 * fit the current state. After a throw from `receive` the session must be discarded.
 */
export class ServerSession {
  private readonly core: SessionCore<ServerSessionEvent>
  private readonly options: ReturnType<typeof normalizeSessionOptions> & { fmsVer: string; fmsCapabilities: number; maxNameLength: number }
  /** members merged into the connect `_result` properties */
  private readonly announced: AmfObject
  private peerCapabilities: Capabilities = NO_CAPABILITIES
  private readonly streams: StreamTable
  private readonly requests = new Map<number, PendingRequest>()
  private nextRequestId = 1
  private connection: ConnectionState = 'awaitingConnect'
  private deferred: Array<{ streamId: number; cmd: CommandMessage }> = []

  constructor(options: ServerSessionOptions = {}) {
    this.options = {
      ...normalizeSessionOptions(options),
      fmsVer: options.fmsVer ?? 'FMS/3,0,1,123',
      fmsCapabilities: options.fmsCapabilities ?? 31,
      maxNameLength: options.maxNameLength ?? 4096,
    }
    this.announced = announcedMembers(options.capabilities)
    this.core = new SessionCore(this.options, options.sharedChunks)
    this.streams = new StreamTable(this.options.maxStreams)
  }

  get state(): ConnectionState {
    return this.connection
  }

  /** the chunk size this session's messages go out at now */
  get chunkSize(): number {
    return this.core.writer.chunkSize
  }

  /**
   * Bytes made elsewhere were sent on the media chunk streams (audio, video, stream data: a live stream's
   * fan-out lane, fmt 0 first headers): the next header this session writes on each is a full one.
   */
  mediaSentElsewhere(): void {
    this.core.headersSentElsewhere(MEDIA_CHUNK_STREAMS)
  }

  /** Total bytes received after the handshake. */
  get bytesReceived(): number {
    return this.core.flow.totalReceived
  }

  /** What the client announced in its connect command (nothing for a legacy client, or before connect). */
  get clientCapabilities(): Capabilities {
    return this.peerCapabilities
  }

  /** Nothing is sent before the client's connect; present for symmetry with ClientSession. */
  start(): ServerSessionAction[] {
    return this.core.take()
  }

  receive(bytes: Uint8Array): ServerSessionAction[] {
    if (this.connection === 'closed') return []
    this.core.receive(bytes, (msg) => this.handle(msg))
    return this.core.take()
  }

  /** Accepts a pending connect, publish or play request. @throws SessionStateError RTMP_ERR_UNKNOWN_REQUEST */
  accept(requestId: number): ServerSessionAction[] {
    const req = this.takeRequest(requestId)
    switch (req.kind) {
      case 'connect': {
        this.acceptConnect(req.transactionId, req.objectEncoding)
        const deferred = this.deferred
        this.deferred = []
        for (const d of deferred) this.handleCommand(d.streamId, d.cmd)
        break
      }
      case 'publish':
        this.acceptPublish(req.streamId, req.name)
        break
      case 'play':
        this.acceptPlay(req.streamId, req.name, req.reset)
        break
    }
    return this.core.take()
  }

  /** Rejects a pending request with a status (a rejected connect also closes). @throws SessionStateError RTMP_ERR_UNKNOWN_REQUEST */
  reject(requestId: number, status: RejectStatus = {}): ServerSessionAction[] {
    const req = this.takeRequest(requestId)
    const core = this.core
    switch (req.kind) {
      case 'connect': {
        const info = statusInfo('error', status.code ?? NetConnectionCode.ConnectRejected, status.description ?? 'Connection rejected.')
        core.send(result('_error', req.transactionId, info), 0, 0, ChunkStream.Command)
        this.connection = 'closed'
        this.deferred = []
        core.close(`connect rejected: ${String(info.code)}`)
        break
      }
      case 'publish': {
        const entry = this.streams.get(req.streamId)
        if (entry?.state === 'publishPending') entry.state = 'idle'
        const code = status.code ?? NetStreamCode.PublishBadName
        core.send(onStatus(statusInfo('error', code, status.description ?? `${req.name} is not allowed`)), req.streamId, 0, ChunkStream.Stream)
        break
      }
      case 'play': {
        const entry = this.streams.get(req.streamId)
        if (entry?.state === 'playPending') entry.state = 'idle'
        const code = status.code ?? NetStreamCode.PlayStreamNotFound
        core.send(onStatus(statusInfo('error', code, status.description ?? `${req.name} not found`)), req.streamId, 0, ChunkStream.Stream)
        break
      }
    }
    return core.take()
  }

  /** Sends audio to a playing stream. Dropped (returns []) while the player paused or turned audio off. */
  sendAudio(streamId: number, timestamp: number, data: Uint8Array): ServerSessionAction[] {
    const entry = this.playingStream(streamId, 'sendAudio')
    if (entry.paused || !entry.audio) return []
    this.core.sendShared({ typeId: MessageType.Audio, streamId, timestamp, payload: data }, ChunkStream.Audio)
    return this.core.take()
  }

  /** Sends video to a playing stream. Dropped (returns []) while the player paused or turned video off. */
  sendVideo(streamId: number, timestamp: number, data: Uint8Array): ServerSessionAction[] {
    const entry = this.playingStream(streamId, 'sendVideo')
    if (entry.paused || !entry.video) return []
    this.core.sendShared({ typeId: MessageType.Video, streamId, timestamp, payload: data }, ChunkStream.Video)
    return this.core.take()
  }

  /** Sends an already AMF0-encoded data message (e.g. onMetaData) to a playing stream. */
  sendDataPayload(streamId: number, timestamp: number, payload: Uint8Array): ServerSessionAction[] {
    this.playingStream(streamId, 'sendData')
    this.core.sendShared({ typeId: MessageType.DataAmf0, streamId, timestamp, payload }, ChunkStream.Stream)
    return this.core.take()
  }

  /** Sends data values (e.g. `['onMetaData', {...}]`) to a playing stream. */
  sendData(streamId: number, timestamp: number, values: readonly AmfValue[]): ServerSessionAction[] {
    this.playingStream(streamId, 'sendData')
    this.core.send({ type: 'data', encoding: 'amf0', values }, streamId, timestamp, ChunkStream.Stream)
    return this.core.take()
  }

  /** Sends an onStatus on a stream (e.g. NetStream.Play.PublishNotify). */
  sendStatus(streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string): ServerSessionAction[] {
    this.core.send(onStatus(statusInfo(level, code, description)), streamId, 0, ChunkStream.Stream)
    return this.core.take()
  }

  /** Tells a player the stream is recorded (a file), as servers do before playing one: StreamIsRecorded. */
  sendStreamIsRecorded(streamId: number): ServerSessionAction[] {
    this.playingStream(streamId, 'sendStreamIsRecorded')
    this.core.sendControl(userControl('streamIsRecorded', streamId))
    return this.core.take()
  }

  /**
   * Ends playback on a stream: StreamEOF, then an onStatus (default Play.UnpublishNotify, for a publisher
   * that left; Play.Stop for the end of a file). The stream stays open for another play.
   */
  endPlay(streamId: number, code: string = NetStreamCode.PlayUnpublishNotify, description = 'Stream ended.'): ServerSessionAction[] {
    const entry = this.streams.get(streamId)
    if (!entry || entry.state !== 'playing') return []
    this.core.sendControl(userControl('streamEof', streamId))
    this.core.send(onStatus(statusInfo('status', code, description)), streamId, 0, ChunkStream.Stream)
    return this.core.take()
  }

  /**
   * Answers a seek in a recorded stream (a file) once the application moved its read position: StreamEOF,
   * onStatus NetStream.Seek.Notify, StreamBegin, onStatus NetStream.Play.Start, as nginx-rtmp and FMS do.
   * ffmpeg discards media after its seek until Seek.Notify (or Play.Start) arrives. Nothing while not playing.
   */
  notifySeek(streamId: number, position: number): ServerSessionAction[] {
    const entry = this.streams.get(streamId)
    if (!entry || entry.state !== 'playing') return []
    const core = this.core
    const details = { details: entry.name }
    core.sendControl(userControl('streamEof', streamId))
    core.send(onStatus(statusInfo('status', NetStreamCode.SeekNotify, `Seeking ${position} (stream ID: ${streamId}).`, details)), streamId, 0, ChunkStream.Stream)
    core.sendControl(userControl('streamBegin', streamId))
    core.send(onStatus(statusInfo('status', NetStreamCode.PlayStart, `Started playing ${entry.name}.`, details)), streamId, 0, ChunkStream.Stream)
    return core.take()
  }

  /**
   * Ends a recorded stream that played to its end, in nginx-rtmp's order: StreamEOF, the data message
   * `onPlayStatus` { code: NetStream.Play.Complete, duration (s), bytes } stamped `timestamp`, then onStatus
   * NetStream.Play.Stop. The stream stays open (the player may seek or play again). Nothing while not playing.
   */
  completePlay(streamId: number, timestamp: number, info: { duration?: number; bytes?: number } = {}): ServerSessionAction[] {
    const entry = this.streams.get(streamId)
    if (!entry || entry.state !== 'playing') return []
    const core = this.core
    const complete: AmfObject = { level: 'status', code: NetStreamCode.PlayComplete, duration: info.duration ?? 0, bytes: info.bytes ?? 0 }
    core.sendControl(userControl('streamEof', streamId))
    core.send({ type: 'data', encoding: 'amf0', values: ['onPlayStatus', complete] }, streamId, timestamp, ChunkStream.Stream)
    core.send(onStatus(statusInfo('status', NetStreamCode.PlayStop, `Stopped playing ${entry.name}.`, { details: entry.name })), streamId, 0, ChunkStream.Stream)
    return core.take()
  }

  /**
   * Enhanced RTMP v2 Reconnect Request: onStatus `NetConnection.Connect.ReconnectRequest` (level status) on
   * stream 0, with `tcUrl` when the client should go elsewhere. Only a connected client that announced
   * capsEx Reconnect is asked: otherwise nothing is sent and the result is empty. The session keeps serving
   * the client until it leaves, as the spec asks of the old server.
   */
  requestReconnect(init: ReconnectRequestInit = {}): ServerSessionAction[] {
    if (this.connection !== 'connected' || !this.peerCapabilities.reconnect) return []
    this.core.send(onStatus(reconnectRequestInfo(init)), 0, 0, ChunkStream.Command)
    return this.core.take()
  }

  /** Asks the client to close (no further messages are processed). */
  close(reason = 'closed by server'): ServerSessionAction[] {
    if (this.connection !== 'closed') {
      this.finishAllStreams()
      this.connection = 'closed'
      this.core.close(reason)
    }
    return this.core.take()
  }

  /** Marks the session closed after the transport ended; reports publishFinished/playFinished for open streams. */
  closed(): ServerSessionAction[] {
    if (this.connection !== 'closed') {
      this.finishAllStreams()
      this.connection = 'closed'
    }
    return this.core.take().filter((a) => a.type === 'event')
  }

  private playingStream(streamId: number, attempted: string): StreamEntry {
    return this.streams.expect(streamId, 'playing', attempted)
  }

  private takeRequest(requestId: number): PendingRequest {
    const req = this.requests.get(requestId)
    if (!req) throw new SessionStateError('RTMP_ERR_UNKNOWN_REQUEST', `no pending request ${requestId}`)
    this.requests.delete(requestId)
    return req
  }

  private addRequest(req: PendingRequest): number {
    const id = this.nextRequestId++
    this.requests.set(id, req)
    return id
  }

  private acceptConnect(transactionId: number, objectEncoding: number): void {
    const core = this.core
    core.announceWindow()
    core.sendControl({ type: 'setPeerBandwidth', size: this.options.peerBandwidth, limitType: PeerBandwidthLimit.Dynamic })
    core.setChunkSize(this.options.chunkSize)
    const properties: AmfObject = { fmsVer: this.options.fmsVer, capabilities: this.options.fmsCapabilities, mode: 1, ...this.announced }
    const info = statusInfo('status', NetConnectionCode.ConnectSuccess, 'Connection succeeded.', { objectEncoding })
    core.send(connectResult(transactionId, properties, info), 0, 0, ChunkStream.Command)
    this.connection = 'connected'
  }

  private acceptPublish(streamId: number, name: string): void {
    const entry = this.streams.get(streamId)
    if (entry?.state !== 'publishPending') return // closed or deleted while the app decided
    entry.state = 'publishing'
    entry.name = name
    this.core.sendControl(userControl('streamBegin', streamId))
    this.core.send(onStatus(statusInfo('status', NetStreamCode.PublishStart, `${name} is now published.`, { details: name })), streamId, 0, ChunkStream.Stream)
  }

  private acceptPlay(streamId: number, name: string, reset: boolean): void {
    const entry = this.streams.get(streamId)
    if (entry?.state !== 'playPending') return
    entry.state = 'playing'
    entry.name = name
    entry.paused = false
    const core = this.core
    core.sendControl(userControl('streamBegin', streamId))
    if (reset) {
      core.send(onStatus(statusInfo('status', NetStreamCode.PlayReset, `Playing and resetting ${name}.`, { details: name })), streamId, 0, ChunkStream.Stream)
    }
    core.send(onStatus(statusInfo('status', NetStreamCode.PlayStart, `Started playing ${name}.`, { details: name })), streamId, 0, ChunkStream.Stream)
    core.send({ type: 'data', encoding: 'amf0', values: ['|RtmpSampleAccess', true, true] }, streamId, 0, ChunkStream.Stream)
  }

  private handle(msg: IncomingMessage): void {
    const m = msg.message
    switch (m.type) {
      case 'command':
        this.handleCommand(msg.streamId, m)
        return
      case 'audio':
      case 'video': {
        const entry = this.streams.get(msg.streamId)
        if (entry?.state === 'publishing') {
          this.core.emit({ type: m.type, streamId: msg.streamId, timestamp: msg.timestamp, data: m.data })
        }
        return
      }
      case 'data': {
        const entry = this.streams.get(msg.streamId)
        if (entry?.state !== 'publishing') return
        const body = msg.typeId === MessageType.DataAmf3 ? msg.payload.subarray(1) : msg.payload
        let values = m.values
        let payload = body
        if (values[0] === '@setDataFrame') {
          values = values.slice(1)
          payload = stripSetDataFrame(body) ?? encodeAmf0(values)
        }
        this.core.emit({ type: 'data', streamId: msg.streamId, timestamp: msg.timestamp, values, payload })
        return
      }
      case 'userControl':
        if (m.event.kind === 'setBufferLength') {
          this.core.emit({ type: 'bufferLength', streamId: m.event.streamId, bufferLength: m.event.bufferLength })
        }
        return
      default:
        return // shared objects, unknown types: ignored
    }
  }

  private handleCommand(streamId: number, cmd: CommandMessage): void {
    if (this.connection === 'awaitingConnect') {
      if (cmd.name === 'connect') return this.onConnect(cmd)
      throw new SessionStateError('RTMP_ERR_INVALID_STATE', `command ${cmd.name} before connect`)
    }
    if (cmd.name === 'connect') {
      this.callFailed(cmd, 'already connected')
      return
    }
    if (this.connection === 'connectPending') {
      // Some clients pipeline commands behind connect: keep them (bounded) until the app decides.
      if (this.deferred.length >= MAX_DEFERRED_COMMANDS) {
        throw new SessionStateError('RTMP_ERR_INVALID_STATE', `more than ${MAX_DEFERRED_COMMANDS} commands while connect is pending`)
      }
      this.deferred.push({ streamId, cmd })
      return
    }
    if (this.connection !== 'connected') return
    const core = this.core
    switch (cmd.name) {
      case 'createStream': {
        const entry = this.streams.create()
        if (!entry) {
          this.callFailed(cmd, `too many streams (max ${this.options.maxStreams})`)
          return
        }
        core.send(result('_result', cmd.transactionId, entry.id), 0, 0, ChunkStream.Command)
        core.emit({ type: 'streamCreated', streamId: entry.id })
        return
      }
      case 'releaseStream':
      case 'FCPublish':
      case 'FCUnpublish':
      case 'FCSubscribe':
      case 'FCUnsubscribe':
        // Encoders send these without waiting; answer so that clients which do wait proceed.
        if (cmd.transactionId > 0) core.send(result('_result', cmd.transactionId, undefined), 0, 0, ChunkStream.Command)
        if (cmd.name === 'FCUnpublish') this.finishPublishByName(String(cmd.args[0] ?? ''))
        return
      case 'getStreamLength':
        if (cmd.transactionId > 0) core.send(result('_result', cmd.transactionId, 0), 0, 0, ChunkStream.Command)
        return
      case 'publish':
        return this.onPublish(streamId, cmd)
      case 'play':
        return this.onPlay(streamId, cmd)
      case 'play2':
        return this.onPlay2(streamId, cmd)
      case 'deleteStream': {
        const id = typeof cmd.args[0] === 'number' ? cmd.args[0] : streamId
        this.finishStream(id, true)
        this.streams.delete(id)
        return
      }
      case 'closeStream':
        this.finishStream(streamId, true)
        return
      case 'pause':
        return this.onPause(streamId, cmd)
      case 'seek': {
        const position = typeof cmd.args[0] === 'number' ? cmd.args[0] : 0
        core.emit({ type: 'seek', streamId, position })
        return
      }
      case 'receiveAudio':
      case 'receiveVideo': {
        const entry = this.streams.get(streamId)
        if (!entry) return
        const on = cmd.args[0] !== false
        if (cmd.name === 'receiveAudio') entry.audio = on
        else entry.video = on
        core.emit({ type: 'receiveMedia', streamId, audio: entry.audio, video: entry.video })
        return
      }
      case '_result':
      case '_error':
      case 'onStatus':
      case '_checkbw':
      case 'onBWDone':
        return
      default:
        core.emit({ type: 'unhandledCommand', streamId, command: cmd })
        this.callFailed(cmd, `Method not found (${clip(cmd.name)}).`)
    }
  }

  private callFailed(cmd: CommandMessage, description: string): void {
    if (cmd.transactionId <= 0) return
    const info = statusInfo('error', 'NetConnection.Call.Failed', description)
    this.core.send(result('_error', cmd.transactionId, info), 0, 0, ChunkStream.Command)
  }

  private onConnect(cmd: CommandMessage): void {
    const obj = isAmfObject(cmd.commandObject) ? cmd.commandObject : {}
    const rawApp = typeof obj.app === 'string' ? obj.app : ''
    if (rawApp.length > this.options.maxNameLength) {
      const info = statusInfo('error', NetConnectionCode.ConnectRejected, `app name over ${this.options.maxNameLength} characters`)
      this.core.send(result('_error', cmd.transactionId, info), 0, 0, ChunkStream.Command)
      this.connection = 'closed'
      this.core.close('connect rejected: app name too long')
      return
    }
    const { name: app, query } = splitStreamName(trimTrailingSlashes(rawApp))
    const tcUrl = typeof obj.tcUrl === 'string' ? obj.tcUrl : undefined
    if (tcUrl) {
      for (const [k, v] of Object.entries(splitStreamName(tcUrl).query)) if (!(k in query)) query[k] = v
    }
    const objectEncoding = obj.objectEncoding === 3 ? 3 : 0
    this.connection = 'connectPending'
    this.peerCapabilities = readCapabilities(obj)
    const requestId = this.addRequest({ kind: 'connect', transactionId: cmd.transactionId, objectEncoding })
    const capabilities = this.peerCapabilities
    this.core.emit({ type: 'connectRequested', requestId, app, tcUrl, commandObject: obj, capabilities, query, args: cmd.args })
  }

  private onPublish(streamId: number, cmd: CommandMessage): void {
    const entry = this.streams.get(streamId)
    const rawName = typeof cmd.args[0] === 'string' ? cmd.args[0] : ''
    const why = this.unusable(entry, streamId, rawName)
    if (why !== undefined || !entry) {
      this.core.send(onStatus(statusInfo('error', NetStreamCode.PublishBadName, why ?? 'no such stream')), streamId, 0, ChunkStream.Stream)
      return
    }
    const modeArg = cmd.args[1]
    const mode: PublishMode = modeArg === 'record' || modeArg === 'append' ? modeArg : 'live'
    const { name, query } = splitStreamName(rawName)
    entry.state = 'publishPending'
    entry.name = name
    const requestId = this.addRequest({ kind: 'publish', streamId, name })
    this.core.emit({ type: 'publishRequested', requestId, streamId, streamName: name, query, mode })
  }

  private onPlay(streamId: number, cmd: CommandMessage): void {
    const [nameArg, startArg, durationArg, resetArg] = cmd.args
    const start = typeof startArg === 'number' ? startArg : -2
    const duration = typeof durationArg === 'number' ? durationArg : -1
    const reset = resetArg !== false
    this.requestPlay(streamId, typeof nameArg === 'string' ? nameArg : '', start, duration, reset)
  }

  private onPlay2(streamId: number, cmd: CommandMessage): void {
    const params = cmd.args[0]
    if (!isAmfObject(params)) return this.callFailed(cmd, 'play2 needs a parameters object')
    const name = typeof params.streamName === 'string' ? params.streamName : ''
    const start = typeof params.start === 'number' ? params.start : -2
    const duration = typeof params.len === 'number' ? params.len : -1
    const entry = this.streams.get(streamId)
    if (entry?.state === 'playing') this.finishStream(streamId, false)
    this.requestPlay(streamId, name, start, duration, false)
  }

  private requestPlay(streamId: number, rawName: string, start: number, duration: number, reset: boolean): void {
    const entry = this.streams.get(streamId)
    const why = this.unusable(entry, streamId, rawName)
    if (why !== undefined || !entry) {
      this.core.send(onStatus(statusInfo('error', NetStreamCode.PlayFailed, why ?? 'no such stream')), streamId, 0, ChunkStream.Stream)
      return
    }
    const { name, query } = splitStreamName(rawName)
    entry.state = 'playPending'
    entry.name = name
    const requestId = this.addRequest({ kind: 'play', streamId, name, reset })
    this.core.emit({ type: 'playRequested', requestId, streamId, streamName: name, query, start, duration, reset })
  }

  /** Why a publish/play of `rawName` on this stream cannot even be asked of the application, if it cannot. */
  private unusable(entry: StreamEntry | undefined, streamId: number, rawName: string): string | undefined {
    if (!entry) return `stream ${streamId} was not created`
    if (entry.state !== 'idle') return `stream ${streamId} is ${entry.state}`
    if (rawName === '') return 'no stream name'
    if (rawName.length > this.options.maxNameLength) return `stream name over ${this.options.maxNameLength} characters`
    return undefined
  }

  private onPause(streamId: number, cmd: CommandMessage): void {
    const entry = this.streams.get(streamId)
    if (!entry || entry.state !== 'playing') return
    const paused = cmd.args[0] !== false
    const position = typeof cmd.args[1] === 'number' ? cmd.args[1] : 0
    entry.paused = paused
    const core = this.core
    if (paused) {
      core.sendControl(userControl('streamEof', streamId))
      core.send(onStatus(statusInfo('status', NetStreamCode.PauseNotify, `Paused ${entry.name}.`)), streamId, 0, ChunkStream.Stream)
    } else {
      core.sendControl(userControl('streamBegin', streamId))
      core.send(onStatus(statusInfo('status', NetStreamCode.UnpauseNotify, `Unpaused ${entry.name}.`)), streamId, 0, ChunkStream.Stream)
    }
    core.emit({ type: 'pause', streamId, paused, position })
  }

  private finishPublishByName(name: string): void {
    const base = splitStreamName(name).name
    for (const entry of this.streams.values()) {
      if (entry.state === 'publishing' && entry.name === base) this.finishStream(entry.id, true)
    }
  }

  /** Ends whatever the stream does; `notify` sends the status a client expects when it asked for it. */
  private finishStream(streamId: number, notify: boolean): void {
    const entry = this.streams.get(streamId)
    if (!entry) return
    const { state, name } = entry
    entry.state = 'idle'
    if (state === 'publishing') {
      if (notify) {
        this.core.send(onStatus(statusInfo('status', NetStreamCode.UnpublishSuccess, `${name} is now unpublished.`)), streamId, 0, ChunkStream.Stream)
      }
      this.core.emit({ type: 'publishFinished', streamId, streamName: name })
    } else if (state === 'playing') {
      this.core.emit({ type: 'playFinished', streamId, streamName: name })
    }
    // Pending requests on this stream stay in the table: accept() then finds the stream no longer pending and does nothing.
  }

  private finishAllStreams(): void {
    for (const entry of this.streams.values()) this.finishStream(entry.id, false)
  }
}

/** `live///` → `live`, in linear time (a regex would backtrack on long runs of '/'). */
function trimTrailingSlashes(s: string): string {
  let end = s.length
  while (end > 0 && s.charCodeAt(end - 1) === 0x2f) end--
  return s.slice(0, end)
}

/** Peer strings echoed in answers are cut short, so an answer never outgrows a message. */
function clip(s: string, max = 256): string {
  return s.length > max ? `${s.slice(0, max)}…` : s
}
