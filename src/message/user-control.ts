import { ByteWriter } from '../bytes/byte-writer'
import { MessageError } from '../errors'
import { MessageType, UserControlEventType } from './message-type'
import { checkU32, finish, payloadReader } from './protocol-control'
import type { RtmpMessage, UserControlEvent } from './rtmp-message'

type UserControlMessage = Extract<RtmpMessage, { type: 'userControl' }>

const T = MessageType.UserControl

/**
 * User Control (4): u16 event type + event data (RTMP 1.0 §7.1.7). Events we do not interpret
 * (31 BufferEmpty, 32 BufferReady, 26 SWFVerify, …) come back as `{ kind: 'unknown' }` with their data
 * as a view, never as an error. Bytes past a known event's fields are ignored.
 * @throws {MessageError} payload shorter than 2 bytes, or shorter than a known event's fields.
 */
export function decodeUserControl(payload: Uint8Array): UserControlMessage {
  const r = payloadReader(T, payload)
  const eventType = r.u16be()
  let event: UserControlEvent
  switch (eventType) {
    case UserControlEventType.StreamBegin:
      event = { kind: 'streamBegin', streamId: r.u32be() }
      break
    case UserControlEventType.StreamEof:
      event = { kind: 'streamEof', streamId: r.u32be() }
      break
    case UserControlEventType.StreamDry:
      event = { kind: 'streamDry', streamId: r.u32be() }
      break
    case UserControlEventType.SetBufferLength: {
      const streamId = r.u32be()
      event = { kind: 'setBufferLength', streamId, bufferLength: r.u32be() }
      break
    }
    case UserControlEventType.StreamIsRecorded:
      event = { kind: 'streamIsRecorded', streamId: r.u32be() }
      break
    case UserControlEventType.PingRequest:
      event = { kind: 'pingRequest', timestamp: r.u32be() }
      break
    case UserControlEventType.PingResponse:
      event = { kind: 'pingResponse', timestamp: r.u32be() }
      break
    default:
      event = { kind: 'unknown', eventType, data: r.rest() }
  }
  return { type: 'userControl', event }
}

/** @throws {MessageError} a field that does not fit its width (u16 event type, u32 ids, lengths, timestamps). */
export function encodeUserControl(msg: UserControlMessage): Uint8Array {
  const e = msg.event
  const w = new ByteWriter(10)
  switch (e.kind) {
    case 'streamBegin':
      return u32Event(w, UserControlEventType.StreamBegin, 'streamId', e.streamId)
    case 'streamEof':
      return u32Event(w, UserControlEventType.StreamEof, 'streamId', e.streamId)
    case 'streamDry':
      return u32Event(w, UserControlEventType.StreamDry, 'streamId', e.streamId)
    case 'setBufferLength':
      checkU32(T, 'streamId', e.streamId)
      checkU32(T, 'bufferLength', e.bufferLength)
      return finish(w.u16be(UserControlEventType.SetBufferLength).u32be(e.streamId).u32be(e.bufferLength))
    case 'streamIsRecorded':
      return u32Event(w, UserControlEventType.StreamIsRecorded, 'streamId', e.streamId)
    case 'pingRequest':
      return u32Event(w, UserControlEventType.PingRequest, 'timestamp', e.timestamp)
    case 'pingResponse':
      return u32Event(w, UserControlEventType.PingResponse, 'timestamp', e.timestamp)
    case 'unknown':
      if (!Number.isInteger(e.eventType) || e.eventType < 0 || e.eventType > 0xffff) {
        throw new MessageError(T, `user control event type must be a u16, got ${e.eventType}`)
      }
      return finish(w.u16be(e.eventType).bytes(e.data))
  }
}

function u32Event(w: ByteWriter, eventType: number, field: string, v: number): Uint8Array {
  checkU32(T, field, v)
  return finish(w.u16be(eventType).u32be(v))
}
