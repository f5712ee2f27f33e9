import { isAmfObject, type AmfObject, type AmfValue } from '../amf/amf-value'
import { SessionStateError } from '../errors'
import { MessageType } from '../message/message-type'
import type { CommandMessage, RtmpMessage } from '../message/rtmp-message'
import { readStatus } from '../message/status'
import { ChunkStream } from './chunk-streams'
import type { ClientSessionEvent } from './client-events'
import type { SessionAction } from './session-action'
import { SessionCore, type IncomingMessage } from './session-core'
import { normalizeSessionOptions, type SessionOptions } from './session-options'
import type { PublishMode } from './server-events'
import { announcedMembers, readCapabilities, type CapabilitiesInit } from './capabilities'
import { readReconnectRequest } from './reconnect-request'

export type ClientSessionAction = SessionAction<ClientSessionEvent>

export interface ConnectParams {
  app: string
  tcUrl: string
  /** default 'FMLE/3.0 (compatible; rtmp-kit)' (what encoders send; servers treat it as a publisher-capable client) */
  flashVer?: string
  swfUrl?: string
  pageUrl?: string
  /** 0 (default) or 3 */
  objectEncoding?: 0 | 3
  /**
   * Enhanced RTMP members of the connect command object (fourCcList, FourCC info maps, capsEx). Default
   * `DEFAULT_CAPABILITIES`; `false` announces nothing, as a legacy client.
   */
  capabilities?: CapabilitiesInit | false
  /** extra members for the connect command object (last: they override anything above) */
  extra?: AmfObject
  /** extra arguments after the command object (some servers read auth from here) */
  args?: readonly AmfValue[]
}

export interface PlayParams {
  /** -2 live or recorded (default), -1 live only, >= 0 recorded from this position (ms) */
  start?: number
  /** -1 (default) until the end */
  duration?: number
  reset?: boolean
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'rejected' | 'closed'

const CONNECT_TID = 1

/**
 * The client side of one RTMP connection after the handshake, without I/O. Calls return the actions to carry out
 * in order (bytes to send, events); `receive()` does the same for bytes from the server.
 *
 * @throws ChunkError / MessageError from `receive` on malformed input; SessionStateError for calls made in the
 * wrong state (e.g. publish before connect).
 */
export class ClientSession {
  private readonly core: SessionCore<ClientSessionEvent>
  private readonly chunkSize: number
  private nextTransactionId = CONNECT_TID + 1
  private readonly createStreamCalls = new Set<number>()
  private connection: ClientState = 'idle'

  constructor(options: SessionOptions = {}) {
    const normalized = normalizeSessionOptions(options)
    this.chunkSize = normalized.chunkSize
    this.core = new SessionCore(normalized)
  }

  get state(): ClientState {
    return this.connection
  }

  get bytesReceived(): number {
    return this.core.flow.totalReceived
  }

  /** Sends Set Chunk Size and the connect command. */
  connect(params: ConnectParams): ClientSessionAction[] {
    if (this.connection !== 'idle') throw new SessionStateError('RTMP_ERR_INVALID_STATE', `connect: session is ${this.connection}`)
    this.connection = 'connecting'
    const commandObject: AmfObject = {
      app: params.app,
      type: 'nonprivate',
      flashVer: params.flashVer ?? 'FMLE/3.0 (compatible; rtmp-kit)',
      tcUrl: params.tcUrl,
    }
    if (params.swfUrl !== undefined) commandObject.swfUrl = params.swfUrl
    if (params.pageUrl !== undefined) commandObject.pageUrl = params.pageUrl
    Object.assign(commandObject, {
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      objectEncoding: params.objectEncoding ?? 0,
    })
    Object.assign(commandObject, announcedMembers(params.capabilities))
    if (params.extra) Object.assign(commandObject, params.extra)
    this.core.setChunkSize(this.chunkSize)
    this.sendCommand(0, { type: 'command', encoding: 'amf0', name: 'connect', transactionId: CONNECT_TID, commandObject, args: params.args ?? [] })
    return this.core.take()
  }

  /** Calls a method on the server; the answer comes as a `commandResult` event with the returned transaction id. */
  call(name: string, commandObject: AmfValue = null, args: readonly AmfValue[] = [], streamId = 0): { transactionId: number; actions: ClientSessionAction[] } {
    this.expectConnected(name)
    const transactionId = this.nextTransactionId++
    this.sendCommand(streamId, { type: 'command', encoding: 'amf0', name, transactionId, commandObject, args })
    return { transactionId, actions: this.core.take() }
  }

  /** Sends a command that expects no answer (transaction id 0), e.g. FCPublish as encoders send it. */
  notify(name: string, args: readonly AmfValue[] = [], streamId = 0): ClientSessionAction[] {
    this.expectConnected(name)
    this.sendCommand(streamId, { type: 'command', encoding: 'amf0', name, transactionId: 0, commandObject: null, args })
    return this.core.take()
  }

  /** createStream; the new id comes as a `streamCreated` event with the returned transaction id. */
  createStream(): { transactionId: number; actions: ClientSessionAction[] } {
    const r = this.call('createStream')
    this.createStreamCalls.add(r.transactionId)
    return r
  }

  /** play on a created stream, preceded by SetBufferLength (like ffmpeg and Flash). */
  play(streamId: number, name: string, params: PlayParams = {}, bufferLength = 3000): ClientSessionAction[] {
    this.expectConnected('play')
    const args: AmfValue[] = [name, params.start ?? -2, params.duration ?? -1]
    if (params.reset !== undefined) args.push(params.reset)
    this.sendCommand(streamId, { type: 'command', encoding: 'amf0', name: 'play', transactionId: 0, commandObject: null, args })
    this.core.sendControl({ type: 'userControl', event: { kind: 'setBufferLength', streamId, bufferLength } })
    return this.core.take()
  }

  publish(streamId: number, name: string, mode: PublishMode = 'live'): ClientSessionAction[] {
    this.expectConnected('publish')
    this.sendCommand(streamId, { type: 'command', encoding: 'amf0', name: 'publish', transactionId: 0, commandObject: null, args: [name, mode] })
    return this.core.take()
  }

  pause(streamId: number, paused: boolean, position: number): ClientSessionAction[] {
    this.expectConnected('pause')
    this.sendCommand(streamId, { type: 'command', encoding: 'amf0', name: 'pause', transactionId: 0, commandObject: null, args: [paused, position] })
    return this.core.take()
  }

  deleteStream(streamId: number): ClientSessionAction[] {
    this.expectConnected('deleteStream')
    this.sendCommand(0, { type: 'command', encoding: 'amf0', name: 'deleteStream', transactionId: 0, commandObject: null, args: [streamId] })
    return this.core.take()
  }

  sendAudio(streamId: number, timestamp: number, data: Uint8Array): ClientSessionAction[] {
    this.core.sendRaw({ typeId: MessageType.Audio, streamId, timestamp, payload: data }, ChunkStream.Audio)
    return this.core.take()
  }

  sendVideo(streamId: number, timestamp: number, data: Uint8Array): ClientSessionAction[] {
    this.core.sendRaw({ typeId: MessageType.Video, streamId, timestamp, payload: data }, ChunkStream.Video)
    return this.core.take()
  }

  /** Sends data values as they are (e.g. `['@setDataFrame', 'onMetaData', {...}]`). */
  sendData(streamId: number, timestamp: number, values: readonly AmfValue[]): ClientSessionAction[] {
    this.core.send({ type: 'data', encoding: 'amf0', values }, streamId, timestamp, ChunkStream.Stream)
    return this.core.take()
  }

  /** Sends an AMF0 data payload as it is (an FLV script tag body). */
  sendDataPayload(streamId: number, timestamp: number, payload: Uint8Array): ClientSessionAction[] {
    this.core.sendRaw({ typeId: MessageType.DataAmf0, streamId, timestamp, payload }, ChunkStream.Stream)
    return this.core.take()
  }

  receive(bytes: Uint8Array): ClientSessionAction[] {
    if (this.connection === 'closed') return []
    this.core.receive(bytes, (msg) => this.handle(msg))
    return this.core.take()
  }

  /** Marks the session closed (the transport ended). */
  closed(): void {
    this.connection = 'closed'
  }

  private expectConnected(attempted: string): void {
    if (this.connection !== 'connected') {
      throw new SessionStateError('RTMP_ERR_INVALID_STATE', `${attempted}: session is ${this.connection}, not connected`)
    }
  }

  private sendCommand(streamId: number, msg: RtmpMessage): void {
    this.core.send(msg, streamId, 0, streamId === 0 ? ChunkStream.Command : ChunkStream.Stream)
  }

  private handle(msg: IncomingMessage): void {
    const m = msg.message
    const core = this.core
    switch (m.type) {
      case 'command':
        this.handleCommand(msg.streamId, m)
        return
      case 'audio':
      case 'video':
        core.emit({ type: m.type, streamId: msg.streamId, timestamp: msg.timestamp, data: m.data })
        return
      case 'data':
        core.emit({ type: 'data', streamId: msg.streamId, timestamp: msg.timestamp, values: m.values, payload: msg.payload })
        return
      case 'userControl': {
        const e = m.event
        if (e.kind === 'streamBegin' || e.kind === 'streamEof' || e.kind === 'streamDry' || e.kind === 'streamIsRecorded') {
          core.emit({ type: e.kind, streamId: e.streamId })
        }
        return
      }
      default:
        return
    }
  }

  private handleCommand(streamId: number, cmd: CommandMessage): void {
    const core = this.core
    if (cmd.name === '_result' || cmd.name === '_error') {
      const ok = cmd.name === '_result'
      if (cmd.transactionId === CONNECT_TID && this.connection === 'connecting') {
        const info = isAmfObject(cmd.args[0]) ? cmd.args[0] : {}
        const status = readStatus(info)
        if (ok && status.level !== 'error') {
          this.connection = 'connected'
          const properties = isAmfObject(cmd.commandObject) ? cmd.commandObject : {}
          core.emit({ type: 'connected', properties, info, capabilities: readCapabilities(properties) })
        } else {
          this.connection = 'rejected'
          core.emit({ type: 'connectRejected', status, info })
        }
        return
      }
      if (this.createStreamCalls.delete(cmd.transactionId) && ok && typeof cmd.args[0] === 'number') {
        core.emit({ type: 'streamCreated', transactionId: cmd.transactionId, streamId: cmd.args[0] })
        return
      }
      core.emit({ type: 'commandResult', transactionId: cmd.transactionId, ok, commandObject: cmd.commandObject, args: cmd.args })
      return
    }
    if (cmd.name === 'onStatus') {
      const info = isAmfObject(cmd.args[0]) ? cmd.args[0] : isAmfObject(cmd.commandObject) ? cmd.commandObject : {}
      const reconnect = streamId === 0 && this.connection === 'connected' ? readReconnectRequest(info) : undefined
      if (reconnect) {
        core.emit({ type: 'reconnectRequest', tcUrl: reconnect.tcUrl, description: reconnect.description, info })
        return
      }
      core.emit({ type: 'status', streamId, info, status: readStatus(info) })
      return
    }
    if (cmd.name === 'onBWDone' || cmd.name === 'onFCPublish' || cmd.name === 'onFCUnpublish' || cmd.name === 'onFCSubscribe') {
      return
    }
    core.emit({ type: 'serverCommand', streamId, command: cmd })
  }
}
