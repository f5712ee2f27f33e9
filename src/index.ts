export {
  RtmpError,
  HandshakeError,
  ChunkError,
  AmfError,
  MessageError,
  SessionStateError,
  RejectedError,
  TimeoutError,
  ClosedError,
  UrlError,
} from './errors'
export type { RtmpErrorCode, RtmpStatus } from './errors'
