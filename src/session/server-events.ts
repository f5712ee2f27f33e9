import type { AmfObject, AmfValue } from '../amf/amf-value'
import type { CommandMessage } from '../message/rtmp-message'
import type { Capabilities } from './capabilities'

export type PublishMode = 'live' | 'record' | 'append'

/** Events a `ServerSession` reports. Requests (`*Requested`) wait for `accept(requestId)` or `reject(requestId)`. */
export type ServerSessionEvent =
  | {
      readonly type: 'connectRequested'
      readonly requestId: number
      readonly app: string
      readonly tcUrl: string | undefined
      /** the connect command object as sent (flashVer, swfUrl, capabilities, fourCcList, ...) */
      readonly commandObject: AmfObject
      /** what the client announced there (Enhanced RTMP fourCcList, FourCC info maps, capsEx) */
      readonly capabilities: Capabilities
      /** query parameters of the app part of tcUrl / app, e.g. `live?token=x` */
      readonly query: Record<string, string>
      readonly args: readonly AmfValue[]
    }
  | {
      readonly type: 'publishRequested'
      readonly requestId: number
      readonly streamId: number
      readonly streamName: string
      readonly query: Record<string, string>
      readonly mode: PublishMode
    }
  | {
      readonly type: 'playRequested'
      readonly requestId: number
      readonly streamId: number
      readonly streamName: string
      readonly query: Record<string, string>
      /** -2 live or recorded, -1 live only, >= 0 recorded from this position (ms) */
      readonly start: number
      readonly duration: number
      readonly reset: boolean
    }
  | { readonly type: 'streamCreated'; readonly streamId: number }
  | { readonly type: 'publishFinished'; readonly streamId: number; readonly streamName: string }
  | { readonly type: 'playFinished'; readonly streamId: number; readonly streamName: string }
  | { readonly type: 'audio' | 'video'; readonly streamId: number; readonly timestamp: number; readonly data: Uint8Array }
  /** A data message from a publisher with `@setDataFrame` removed: `values[0]` is usually 'onMetaData'. */
  | {
      readonly type: 'data'
      readonly streamId: number
      readonly timestamp: number
      readonly values: readonly AmfValue[]
      /** the same data as AMF0 bytes (what players and FLV files get), a view of what the publisher sent when possible */
      readonly payload: Uint8Array
    }
  | { readonly type: 'pause'; readonly streamId: number; readonly paused: boolean; readonly position: number }
  | { readonly type: 'seek'; readonly streamId: number; readonly position: number }
  | { readonly type: 'receiveMedia'; readonly streamId: number; readonly audio: boolean; readonly video: boolean }
  | { readonly type: 'bufferLength'; readonly streamId: number; readonly bufferLength: number }
  /** A command nobody handles; the session already answered `_error` if it carried a transaction id. */
  | { readonly type: 'unhandledCommand'; readonly streamId: number; readonly command: CommandMessage }
