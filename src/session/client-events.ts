import type { AmfObject, AmfValue } from '../amf/amf-value'
import type { RtmpStatus } from '../errors'
import type { CommandMessage } from '../message/rtmp-message'
import type { Capabilities } from './capabilities'

/** Events a `ClientSession` reports. */
export type ClientSessionEvent =
  /** `capabilities`: what the server announced in the `_result` properties (nothing for a legacy server) */
  | { readonly type: 'connected'; readonly properties: AmfObject; readonly info: AmfObject; readonly capabilities: Capabilities }
  | { readonly type: 'connectRejected'; readonly status: RtmpStatus; readonly info: AmfObject }
  | { readonly type: 'streamCreated'; readonly transactionId: number; readonly streamId: number }
  /** `_result` / `_error` for any other call */
  | {
      readonly type: 'commandResult'
      readonly transactionId: number
      readonly ok: boolean
      readonly commandObject: AmfValue
      readonly args: readonly AmfValue[]
    }
  /**
   * Enhanced RTMP v2: the server asks this client to reconnect (onStatus NetConnection.Connect.ReconnectRequest
   * on stream 0), to `tcUrl` if given (possibly relative to the current one), else to the same tcUrl.
   */
  | { readonly type: 'reconnectRequest'; readonly tcUrl: string | undefined; readonly description: string; readonly info: AmfObject }
  /** onStatus on a stream (or on the connection, streamId 0) */
  | { readonly type: 'status'; readonly streamId: number; readonly info: AmfObject; readonly status: RtmpStatus }
  | { readonly type: 'audio' | 'video'; readonly streamId: number; readonly timestamp: number; readonly data: Uint8Array }
  /** data message: `payload` is the raw AMF0 bytes (what an FLV script tag holds) */
  | {
      readonly type: 'data'
      readonly streamId: number
      readonly timestamp: number
      readonly values: readonly AmfValue[]
      readonly payload: Uint8Array
    }
  | {
      readonly type: 'streamBegin' | 'streamEof' | 'streamDry' | 'streamIsRecorded'
      readonly streamId: number
    }
  /** A server-initiated call we do not interpret (onBWDone, close, ...). */
  | { readonly type: 'serverCommand'; readonly streamId: number; readonly command: CommandMessage }
