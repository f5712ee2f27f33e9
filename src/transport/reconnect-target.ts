import { UrlError } from '../errors'
import { parseRtmpUrl } from './rtmp-url'

/** Where a reconnection goes, and the connect options that change for it. */
export interface ReconnectTarget {
  /** the URL to connect to */
  readonly url: string
  /** the tcUrl the new connect carries */
  readonly tcUrl: string
  /** app and tcUrl to connect with, when they differ from what the current options give */
  readonly app: string | undefined
}

/**
 * Resolves a reconnect request's `tcUrl` (Enhanced RTMP v2: absolute, or a reference relative to the current
 * tcUrl, e.g. `//host2/app` or `/app2`) against the current connection. Without one, the client goes back to
 * the URL it connected to. @throws UrlError RTMP_ERR_URL_INVALID for a tcUrl that is not rtmp(s)://host/app
 */
export function reconnectTarget(current: { url: string; tcUrl: string }, requested: string | undefined): ReconnectTarget {
  if (requested === undefined) return { url: current.url, tcUrl: current.tcUrl, app: undefined }
  let resolved: URL
  try {
    resolved = new URL(requested, current.tcUrl)
  } catch {
    throw new UrlError('RTMP_ERR_URL_INVALID', 'reconnect request: tcUrl is not a URL reference')
  }
  const tcUrl = resolved.href
  parseRtmpUrl(tcUrl) // protocol, host and app checks
  // the whole path is the app (a tcUrl names no stream), with its query
  const app = decodeURIComponent(resolved.pathname.replace(/^\/+/, '').replace(/\/+$/, '')) + resolved.search
  return { url: tcUrl, tcUrl, app }
}
