import type { AmfValue } from '../amf/amf-value'
import type { PeerBandwidthLimitType } from './message-type'

export type UserControlEvent =
  | { readonly kind: 'streamBegin'; readonly streamId: number }
  | { readonly kind: 'streamEof'; readonly streamId: number }
  | { readonly kind: 'streamDry'; readonly streamId: number }
  | { readonly kind: 'setBufferLength'; readonly streamId: number; readonly bufferLength: number }
  | { readonly kind: 'streamIsRecorded'; readonly streamId: number }
  | { readonly kind: 'pingRequest'; readonly timestamp: number }
  | { readonly kind: 'pingResponse'; readonly timestamp: number }
  /** Events we do not interpret (e.g. 31 BufferEmpty, 32 BufferReady): kept, never an error. */
  | { readonly kind: 'unknown'; readonly eventType: number; readonly data: Uint8Array }

export type AmfEncoding = 'amf0' | 'amf3'

/** A command (types 20 / 17): `name`, transaction id, command object, then optional arguments. */
export interface CommandMessage {
  readonly type: 'command'
  readonly encoding: AmfEncoding
  readonly name: string
  readonly transactionId: number
  readonly commandObject: AmfValue
  readonly args: readonly AmfValue[]
}

/** A decoded message body. Stream id and timestamp stay on the `RawMessage` it came from. */
export type RtmpMessage =
  | { readonly type: 'setChunkSize'; readonly chunkSize: number }
  | { readonly type: 'abort'; readonly chunkStreamId: number }
  | { readonly type: 'acknowledgement'; readonly sequenceNumber: number }
  | { readonly type: 'userControl'; readonly event: UserControlEvent }
  | { readonly type: 'windowAckSize'; readonly size: number }
  | { readonly type: 'setPeerBandwidth'; readonly size: number; readonly limitType: PeerBandwidthLimitType }
  | { readonly type: 'audio'; readonly data: Uint8Array }
  | { readonly type: 'video'; readonly data: Uint8Array }
  | CommandMessage
  /** Data messages (18 / 15), e.g. `@setDataFrame`, `onMetaData`, `|RtmpSampleAccess`. */
  | { readonly type: 'data'; readonly encoding: AmfEncoding; readonly values: readonly AmfValue[] }
  /** Shared object messages (19 / 16) are passed through undecoded. */
  | { readonly type: 'sharedObject'; readonly encoding: AmfEncoding; readonly payload: Uint8Array }
  /** Aggregate (22): split with `splitAggregate`. */
  | { readonly type: 'aggregate'; readonly payload: Uint8Array }
  | { readonly type: 'unknown'; readonly typeId: number; readonly payload: Uint8Array }
