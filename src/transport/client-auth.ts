import { AdobeAuthClient, type AdobeCredentials } from '../auth/adobe-auth'
import { RejectedError } from '../errors'
import { NetConnectionCode } from '../message/status'
import { debug } from './debug'

/**
 * The credentials to authenticate with: `options.credentials`, else the URL's `user:password@`.
 * Undefined when there are none (or no password: Adobe auth needs one).
 */
export function clientCredentials(
  explicit: AdobeCredentials | undefined,
  url: { readonly username: string | undefined; readonly password: string | undefined },
): AdobeCredentials | undefined {
  if (explicit !== undefined) return explicit
  if (url.username === undefined || url.password === undefined) return undefined
  return { user: url.username, password: url.password }
}

/** `app` (or tcUrl) with an auth query appended (joined with `&` when it has a query already). */
export function withAuthQuery(s: string, query: string): string {
  if (query === '') return s
  return s.includes('?') ? `${s}&${query.slice(1)}` : s + query
}

/**
 * Runs Adobe challenge authentication around `attempt`, which opens one new connection whose connect
 * carries `query` after the app: identify, answer the challenge, done. A rejection that is not part of the
 * scheme, or a second refusal, is thrown as the server's RejectedError.
 */
export async function connectWithAdobeAuth<T>(credentials: AdobeCredentials, attempt: (query: string) => Promise<T>): Promise<T> {
  const auth = new AdobeAuthClient(credentials)
  let query = auth.start()
  for (;;) {
    try {
      return await attempt(query)
    } catch (err) {
      if (!(err instanceof RejectedError) || err.status.code !== NetConnectionCode.ConnectRejected) throw err
      const step = auth.next(err.status.description)
      if (step.action === 'giveUp') {
        debug('client: adobe auth: giving up (%s)', step.reason)
        throw err
      }
      debug('client: adobe auth: reconnecting with %s', step.query.includes('&response=') ? 'a response' : 'the user name')
      query = step.query
    }
  }
}
