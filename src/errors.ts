/** Every error this library throws or reports carries one of these stable codes. */
export type RtmpErrorCode =
  | 'RTMP_ERR_HANDSHAKE_VERSION'
  | 'RTMP_ERR_HANDSHAKE_DIGEST'
  | 'RTMP_ERR_HANDSHAKE_TIMEOUT'
  | 'RTMP_ERR_HANDSHAKE_TRUNCATED'
  | 'RTMP_ERR_CHUNK_SIZE'
  | 'RTMP_ERR_CHUNK_STREAM_LIMIT'
  | 'RTMP_ERR_MESSAGE_TOO_LARGE'
  | 'RTMP_ERR_BUFFER_LIMIT'
  | 'RTMP_ERR_NO_PREVIOUS_HEADER'
  | 'RTMP_ERR_AMF_TRUNCATED'
  | 'RTMP_ERR_AMF_UNKNOWN_MARKER'
  | 'RTMP_ERR_AMF_DEPTH'
  | 'RTMP_ERR_AMF_REFERENCE'
  | 'RTMP_ERR_AMF_LENGTH'
  | 'RTMP_ERR_AMF_EXTERNALIZABLE'
  | 'RTMP_ERR_AMF_UNENCODABLE'
  | 'RTMP_ERR_MESSAGE_MALFORMED'
  | 'RTMP_ERR_FLV_MALFORMED'
  | 'RTMP_ERR_PROTOCOL'
  | 'RTMP_ERR_INVALID_STATE'
  | 'RTMP_ERR_UNKNOWN_REQUEST'
  | 'RTMP_ERR_REJECTED'
  | 'RTMP_ERR_TIMEOUT'
  | 'RTMP_ERR_SLOW_CONSUMER'
  | 'RTMP_ERR_CLOSED'
  | 'RTMP_ERR_ABORTED'
  | 'RTMP_ERR_URL_INVALID'
  | 'RTMP_ERR_IO'

/** Base class: a stable `code`, a readable message, and the low-level error (if any) as `cause`. */
export class RtmpError extends Error {
  override name = 'RtmpError'
  readonly code: RtmpErrorCode

  constructor(code: RtmpErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** The handshake failed: unsupported version, bad digest, or it took too long. */
export class HandshakeError extends RtmpError {
  override name = 'HandshakeError'
}

/** The chunk stream broke a rule or a limit (chunk size, chunk stream count, message length, buffered bytes). */
export class ChunkError extends RtmpError {
  override name = 'ChunkError'
}

/** An AMF value could not be decoded or encoded. `offset` is where in the input decoding stopped. */
export class AmfError extends RtmpError {
  override name = 'AmfError'
  readonly offset: number

  constructor(code: RtmpErrorCode, message: string, offset = -1, options?: ErrorOptions) {
    super(code, message, options)
    this.offset = offset
  }
}

/** A complete message whose payload does not fit its type. */
export class MessageError extends RtmpError {
  override name = 'MessageError'
  readonly typeId: number

  constructor(typeId: number, message: string, options?: ErrorOptions) {
    super('RTMP_ERR_MESSAGE_MALFORMED', message, options)
    this.typeId = typeId
  }
}

/** An operation was attempted in a state that does not allow it, or the peer broke the protocol. */
export class SessionStateError extends RtmpError {
  override name = 'SessionStateError'
}

/** The status object a peer sent with `_error` or `onStatus`. */
export interface RtmpStatus {
  readonly level: string
  readonly code: string
  readonly description: string
}

/** The peer said no: `status` is what it answered (e.g. NetConnection.Connect.Rejected). */
export class RejectedError extends RtmpError {
  override name = 'RejectedError'
  readonly status: RtmpStatus

  constructor(status: RtmpStatus, options?: ErrorOptions) {
    super('RTMP_ERR_REJECTED', `${status.code}${status.description ? `: ${status.description}` : ''}`, options)
    this.status = status
  }
}

/** Something took longer than its configured limit. */
export class TimeoutError extends RtmpError {
  override name = 'TimeoutError'
}

/** The connection closed (RTMP_ERR_CLOSED) or the caller aborted (RTMP_ERR_ABORTED, `cause` = signal.reason). */
export class ClosedError extends RtmpError {
  override name = 'ClosedError'
}

/** An rtmp:// URL or an option derived from it is not usable. */
export class UrlError extends RtmpError {
  override name = 'UrlError'
}
