import type { AmfLimits } from '../amf/amf-limits'
import type { RawMessage } from '../chunk/raw-message'
import { MessageError } from '../errors'
import { commandTypeId, decodeCommand, encodeCommand } from './command'
import { dataTypeId, decodeDataMessage, encodeDataMessage } from './data-message'
import { MessageType } from './message-type'
import {
  decodeAbort,
  decodeAcknowledgement,
  decodeSetChunkSize,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAbort,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeWindowAckSize,
} from './protocol-control'
import type { RtmpMessage } from './rtmp-message'
import { decodeUserControl, encodeUserControl } from './user-control'

/** Limits applied while decoding message bodies. */
export interface MessageLimits {
  /** Passed to the AMF0 decoder for command and data messages (see `AmfLimits` for defaults). */
  amf?: Partial<AmfLimits>
}

/**
 * Decodes one complete message body by its type id: the one dispatch switch of the message layer.
 * Stream id and timestamp stay on `raw`. Media, shared object and aggregate payloads are returned as the
 * same view (no copy); unknown type ids come back as `{ type: 'unknown' }`, never as an error.
 *
 * @throws {MessageError} (RTMP_ERR_MESSAGE_MALFORMED, `typeId` = `raw.typeId`) a payload that does not fit
 *   its type; when the AMF decoder failed, its `AmfError` is the `cause`.
 */
export function decodeMessage(raw: RawMessage, limits?: MessageLimits): RtmpMessage {
  const { typeId, payload } = raw
  switch (typeId) {
    case MessageType.SetChunkSize:
      return decodeSetChunkSize(payload)
    case MessageType.Abort:
      return decodeAbort(payload)
    case MessageType.Acknowledgement:
      return decodeAcknowledgement(payload)
    case MessageType.UserControl:
      return decodeUserControl(payload)
    case MessageType.WindowAckSize:
      return decodeWindowAckSize(payload)
    case MessageType.SetPeerBandwidth:
      return decodeSetPeerBandwidth(payload)
    case MessageType.Audio:
      return { type: 'audio', data: payload }
    case MessageType.Video:
      return { type: 'video', data: payload }
    case MessageType.DataAmf0:
      return decodeDataMessage('amf0', payload, limits?.amf)
    case MessageType.DataAmf3:
      return decodeDataMessage('amf3', payload, limits?.amf)
    case MessageType.SharedObjectAmf0:
      return { type: 'sharedObject', encoding: 'amf0', payload }
    case MessageType.SharedObjectAmf3:
      return { type: 'sharedObject', encoding: 'amf3', payload }
    case MessageType.CommandAmf0:
      return decodeCommand('amf0', payload, limits?.amf)
    case MessageType.CommandAmf3:
      return decodeCommand('amf3', payload, limits?.amf)
    case MessageType.Aggregate:
      return { type: 'aggregate', payload }
    default:
      return { type: 'unknown', typeId, payload }
  }
}

/**
 * Encodes a message body: the inverse of `decodeMessage` (`decodeMessage(encodeMessage(m))` deep-equals `m`).
 * Media, shared object, aggregate and unknown payloads are passed through without a copy.
 *
 * @throws {MessageError} a field out of its wire range (e.g. chunk size 0, a u32 above 2^32-1, an unknown
 *   message's type id outside 0..255), or an AMF value the encoder refuses (its `AmfError` is the `cause`).
 */
export function encodeMessage(msg: RtmpMessage): { typeId: number; payload: Uint8Array } {
  switch (msg.type) {
    case 'setChunkSize':
      return { typeId: MessageType.SetChunkSize, payload: encodeSetChunkSize(msg) }
    case 'abort':
      return { typeId: MessageType.Abort, payload: encodeAbort(msg) }
    case 'acknowledgement':
      return { typeId: MessageType.Acknowledgement, payload: encodeAcknowledgement(msg) }
    case 'userControl':
      return { typeId: MessageType.UserControl, payload: encodeUserControl(msg) }
    case 'windowAckSize':
      return { typeId: MessageType.WindowAckSize, payload: encodeWindowAckSize(msg) }
    case 'setPeerBandwidth':
      return { typeId: MessageType.SetPeerBandwidth, payload: encodeSetPeerBandwidth(msg) }
    case 'audio':
      return { typeId: MessageType.Audio, payload: msg.data }
    case 'video':
      return { typeId: MessageType.Video, payload: msg.data }
    case 'command':
      return { typeId: commandTypeId(msg.encoding), payload: encodeCommand(msg) }
    case 'data':
      return { typeId: dataTypeId(msg.encoding), payload: encodeDataMessage(msg) }
    case 'sharedObject':
      return {
        typeId: msg.encoding === 'amf3' ? MessageType.SharedObjectAmf3 : MessageType.SharedObjectAmf0,
        payload: msg.payload,
      }
    case 'aggregate':
      return { typeId: MessageType.Aggregate, payload: msg.payload }
    case 'unknown':
      if (!Number.isInteger(msg.typeId) || msg.typeId < 0 || msg.typeId > 0xff) {
        throw new MessageError(msg.typeId, `message type id must be 0..255, got ${msg.typeId}`)
      }
      return { typeId: msg.typeId, payload: msg.payload }
  }
}
