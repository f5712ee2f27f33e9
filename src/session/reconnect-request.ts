import { isAmfObject, type AmfObject, type AmfValue } from '../amf/amf-value'

/** Enhanced RTMP v2: the `code` of the NetConnection onStatus by which a server asks its client to reconnect. */
export const RECONNECT_REQUEST_CODE = 'NetConnection.Connect.ReconnectRequest'

/** What a server may say when it asks for a reconnect. */
export interface ReconnectRequestInit {
  /** where to reconnect (absolute, or relative to the current tcUrl); absent: the same tcUrl */
  tcUrl?: string
  /** human-readable reason */
  description?: string
}

/** A reconnect request as a client received it. */
export interface ReconnectRequestInfo {
  /** as sent (may be relative); undefined when the server wants the same tcUrl */
  readonly tcUrl: string | undefined
  readonly description: string
  /** the whole info object (it may carry other members) */
  readonly info: AmfObject
}

/**
 * The onStatus info object of a reconnect request: `level` "status" and `code` as the spec requires, then
 * `description` and the optional `tcUrl`.
 */
export function reconnectRequestInfo(init: ReconnectRequestInit = {}): AmfObject {
  const info: AmfObject = {
    level: 'status',
    code: RECONNECT_REQUEST_CODE,
    description: init.description ?? 'The server asks the client to reconnect.',
  }
  if (init.tcUrl !== undefined) info.tcUrl = init.tcUrl
  return info
}

/** The reconnect request in an onStatus info object, or undefined if it is not one (wrong code or level). */
export function readReconnectRequest(info: AmfValue): ReconnectRequestInfo | undefined {
  if (!isAmfObject(info) || info.code !== RECONNECT_REQUEST_CODE || info.level !== 'status') return undefined
  return {
    tcUrl: typeof info.tcUrl === 'string' && info.tcUrl !== '' ? info.tcUrl : undefined,
    description: typeof info.description === 'string' ? info.description : '',
    info,
  }
}
