import { NetConnectionCode } from '../message/status'
import { debug } from '../transport/debug'
import type { ConnectRequest } from '../transport/requests'
import type { ServerConnection } from '../transport/server-connection'
import {
  ADOBE_MAX_USER_LENGTH,
  AdobeChallenges,
  decodeAdobeUser,
  encodeAdobeUser,
  formatAdobeRejection,
  readAdobeQuery,
  stripAdobeQuery,
  verifyAdobeResponse,
  type AdobeRejection,
} from './adobe-auth'

export interface AdobeAuthOptions {
  /**
   * The password of `user` (the decoded name), or undefined when there is no such user. Called only once a
   * client answers a challenge; unknown users get the same challenge and the same `authfailed` as a wrong
   * password, so user names cannot be probed.
   */
  password(user: string, req: ConnectRequest): string | undefined | Promise<string | undefined>
  /** ms a challenge may be answered in (default 60_000) */
  ttlMs?: number
  /** challenges outstanding at once (default 1000; past it the oldest is dropped) */
  maxPending?: number
  /**
   * Whether a connect that does not ask for Adobe auth must (default: all). With `isEncoderConnect`, only
   * encoders (flashVer `FMLE/…`: ffmpeg and OBS when publishing) are challenged and players pass untouched.
   * A connect that carries `authmod=adobe` is always checked.
   */
  required?(req: ConnectRequest): boolean
  /**
   * Answers a connect that passed: `user` is who it proved to be (undefined when no authentication was
   * required). Default `req.accept()`. Put further connect checks here (only one `connect` listener may answer).
   */
  accept?(req: ConnectRequest, user: string | undefined): void | Promise<void>
  /** clock for challenge expiry, ms (default Date.now) */
  now?: () => number
}

/** A `connect` listener doing Adobe challenge authentication; see `adobeAuth`. */
export interface AdobeAuthHandler {
  (req: ConnectRequest): Promise<void>
  /** The user a connection authenticated as, or undefined when it did not. */
  userOf(conn: ServerConnection): string | undefined
  /** the outstanding challenges */
  readonly challenges: AdobeChallenges
}

/** True for encoders: ffmpeg and OBS send flashVer `FMLE/3.0 (compatible; …)` when they publish. */
export function isEncoderConnect(req: ConnectRequest): boolean {
  const v = req.commandObject.flashVer
  return typeof v === 'string' && v.startsWith('FMLE/')
}

/**
 * Adobe challenge authentication (`authmod=adobe`, what ffmpeg, OBS and FMLE speak for
 * `rtmp://user:password@host/app/stream`) as a `connect` listener:
 *
 *     const auth = adobeAuth({ password: (user) => users.get(user) })
 *     server.on('connection', (conn) => conn.on('connect', auth))
 *
 * A connect without credentials is rejected with `code=403 need auth`, one with a user name gets a challenge
 * (a rejection too: the client reconnects with its response), a right response is accepted and a wrong,
 * stale or replayed one gets `authfailed`. On success the auth parameters are taken out of `conn.query` and
 * `conn.tcUrl`; `auth.userOf(conn)` says who connected.
 */
export function adobeAuth(options: AdobeAuthOptions): AdobeAuthHandler {
  const challenges = new AdobeChallenges({
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    ...(options.maxPending !== undefined ? { maxEntries: options.maxPending } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  })
  const users = new WeakMap<ServerConnection, string>()

  const reject = (req: ConnectRequest, r: AdobeRejection): void => {
    if (req.state === 'pending') req.reject(NetConnectionCode.ConnectRejected, formatAdobeRejection(r))
  }
  const pass = async (req: ConnectRequest, user: string | undefined): Promise<void> => {
    if (options.accept) await options.accept(req, user)
    else if (req.state === 'pending') req.accept()
  }

  const handler = async (req: ConnectRequest): Promise<void> => {
    const conn = req.connection
    const raw = req.commandObject.app
    // the query as sent (ServerSession's decoded copy turns a base64 `+` into a space); ffmpeg puts it in both
    const q = readAdobeQuery(typeof raw === 'string' ? raw : undefined) ?? readAdobeQuery(req.tcUrl)
    try {
      if (q?.authmod !== 'adobe') {
        if (options.required && !options.required(req)) return await pass(req, undefined)
        debug('connection %d: adobe auth: asking for credentials', conn.id)
        return reject(req, { kind: 'needAuth' })
      }
      const wireUser = q.user === undefined ? '' : encodeAdobeUser(decodeAdobeUser(q.user))
      if (wireUser === '' || wireUser.length > ADOBE_MAX_USER_LENGTH) {
        debug('connection %d: adobe auth: no usable user name', conn.id)
        return reject(req, { kind: 'failed', reason: 'authfailed' })
      }
      if (q.response === undefined) {
        const c = challenges.issue(wireUser)
        debug('connection %d: adobe auth: challenge for %s', conn.id, wireUser)
        return reject(req, { kind: 'challenge', user: wireUser, salt: c.salt, challenge: c.challenge, opaque: c.opaque })
      }
      const entry = challenges.take(wireUser, q.opaque)
      const clientChallenge = q.challenge ?? ''
      const user = decodeAdobeUser(wireUser)
      const password = entry && clientChallenge !== '' && clientChallenge.length <= 128 ? await options.password(user, req) : undefined
      const ok = entry !== undefined && password !== undefined && verifyAdobeResponse({ entry, password, clientChallenge, response: decodeAdobeUser(q.response) })
      debug('connection %d: adobe auth: %s %s', conn.id, wireUser, ok ? 'authenticated' : entry ? 'refused' : 'had no live challenge')
      if (!ok) return reject(req, { kind: 'failed', reason: 'authfailed' })
      users.set(conn, user)
      // what the rest of the server sees keeps no response
      conn.query = Object.fromEntries(Object.entries(conn.query).filter(([k]) => !['authmod', 'user', 'challenge', 'response', 'opaque'].includes(k)))
      if (conn.tcUrl !== undefined) conn.tcUrl = stripAdobeQuery(conn.tcUrl)
      return await pass(req, user)
    } catch (err) {
      debug('connection %d: adobe auth failed: %s', conn.id, err instanceof Error ? err.message : String(err))
      if (req.state === 'pending') req.reject(NetConnectionCode.ConnectFailed, 'authentication is unavailable')
    }
  }
  return Object.assign(handler, { userOf: (conn: ServerConnection) => users.get(conn), challenges })
}
