import { UrlError } from '../errors'
import { redactUrl } from './redact'

export interface RtmpUrl {
  readonly protocol: 'rtmp' | 'rtmps'
  readonly host: string
  readonly port: number
  /** application (with instance, if any), e.g. `live` or `vod/instance1` */
  readonly app: string
  /** stream name with its query, e.g. `cam1?token=abc`; undefined when the URL names only the app */
  readonly streamName: string | undefined
  /** `rtmp://host[:port]/app`, what the connect command carries */
  readonly tcUrl: string
  readonly username: string | undefined
  readonly password: string | undefined
}

/**
 * Parses `rtmp[s]://host[:port]/app[/instance]/stream[?query]`. One path segment is the app; two are app and
 * stream; with three or more, the last is the stream and the rest the app (as ffmpeg does).
 * @throws UrlError RTMP_ERR_URL_INVALID
 */
export function parseRtmpUrl(input: string): RtmpUrl {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    // no `cause`: Node's ERR_INVALID_URL carries the whole input, password and keys included
    throw new UrlError('RTMP_ERR_URL_INVALID', `not a URL: ${redactUrl(input)}`)
  }
  const protocol = url.protocol.replace(/:$/, '')
  if (protocol !== 'rtmp' && protocol !== 'rtmps') {
    throw new UrlError('RTMP_ERR_URL_INVALID', `unsupported protocol ${protocol}: (rtmp and rtmps only)`)
  }
  if (!url.hostname) throw new UrlError('RTMP_ERR_URL_INVALID', `no host in ${redactUrl(input)}`)
  const port = url.port ? Number(url.port) : protocol === 'rtmps' ? 443 : 1935
  const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent)
  if (segments.length === 0) throw new UrlError('RTMP_ERR_URL_INVALID', `no application in ${redactUrl(input)}`)
  let app: string
  let stream: string | undefined
  if (segments.length === 1) app = segments[0]!
  else {
    app = segments.slice(0, -1).join('/')
    stream = segments[segments.length - 1]!
  }
  const query = url.search
  let streamName = stream
  if (query && streamName !== undefined) streamName += query
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const hostPart = url.port ? `${url.hostname}:${url.port}` : url.hostname
  const appWithQuery = stream === undefined && query ? app + query : app
  return {
    protocol,
    host,
    port,
    app: appWithQuery,
    streamName,
    tcUrl: `${protocol}://${hostPart}/${appWithQuery}`,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  }
}
