/**
 * One audio, video or data message of a stream. `data` is the FLV tag body, which is byte for byte the RTMP
 * message payload: the audio/video tag header followed by the codec data, or for `'data'` the raw AMF0
 * script bytes (e.g. `@setDataFrame`, `onMetaData`, …). `timestamp` is in milliseconds (32-bit, may wrap).
 *
 * The same `data` view may be shared between many consumers (fan-out); treat it as read-only.
 */
export interface MediaMessage {
  readonly type: 'audio' | 'video' | 'data'
  readonly timestamp: number
  readonly data: Uint8Array
}

/** FLV tag type (and RTMP message type id) of each media kind: audio 8, video 9, AMF0 script data 18. */
export const FlvTagType = { audio: 8, video: 9, data: 18 } as const

export type FlvTagTypeId = (typeof FlvTagType)[keyof typeof FlvTagType]

/** The media kind of an FLV tag type / RTMP message type id, or undefined for anything else. */
export function mediaTypeOf(typeId: number): MediaMessage['type'] | undefined {
  switch (typeId) {
    case 8:
      return 'audio'
    case 9:
      return 'video'
    case 18:
      return 'data'
    default:
      return undefined
  }
}
