/** One complete RTMP message as the chunk layer sees it: a type id, a message stream id, a timestamp and opaque bytes. */
export interface RawMessage {
  /** Message type id (1..255), see `MessageType`. */
  readonly typeId: number
  /** Message stream id (0 for NetConnection and protocol control). */
  readonly streamId: number
  /** Absolute timestamp in milliseconds, modulo 2^32. */
  readonly timestamp: number
  readonly payload: Uint8Array
}
