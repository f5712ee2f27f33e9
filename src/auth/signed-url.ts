import { createHmac, timingSafeEqual } from 'node:crypto'
import { Buffer } from 'node:buffer'

/**
 * Signed, expiring stream tokens: HMAC-SHA256 over `app/streamName` and the expiry time, carried in a
 * stream name's query (`cam1?expires=1767225600&token=…`). Verification compares in constant time.
 */
export interface StreamTokenParams {
  /** the shared secret (keep it out of logs and URLs) */
  readonly secret: string | Uint8Array
  readonly app: string
  /** the stream name without its query */
  readonly streamName: string
}

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'expired' | 'bad-signature' }

function signature(params: StreamTokenParams, expires: number): Buffer {
  return createHmac('sha256', params.secret).update(`${params.app}/${params.streamName}\n${expires}`).digest()
}

/** The query parameters that grant access to `app/streamName` until `expires` (Unix seconds). */
export function signStream(params: StreamTokenParams & { readonly expires: number }): { expires: string; token: string } {
  if (!Number.isInteger(params.expires) || params.expires < 0) throw new RangeError(`expires must be Unix seconds, got ${params.expires}`)
  return { expires: String(params.expires), token: signature(params, params.expires).toString('base64url') }
}

/** `streamName?expires=…&token=…`, valid for `ttlSeconds` from `now` (ms, default Date.now()). */
export function signedStreamName(params: StreamTokenParams & { readonly ttlSeconds: number; readonly now?: number }): string {
  const expires = Math.floor((params.now ?? Date.now()) / 1000) + params.ttlSeconds
  const q = signStream({ ...params, expires })
  return `${params.streamName}?expires=${q.expires}&token=${q.token}`
}

/** Checks the `expires` and `token` query parameters of a request against `app/streamName`. */
export function verifyStream(params: StreamTokenParams & { readonly query: Readonly<Record<string, string>>; readonly now?: number }): TokenCheck {
  const { expires, token } = params.query
  if (expires === undefined || token === undefined) return { ok: false, reason: 'missing' }
  if (!/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'malformed' }
  const expiresAt = Number(expires)
  if (expiresAt * 1000 < (params.now ?? Date.now())) return { ok: false, reason: 'expired' }
  const expected = signature(params, expiresAt)
  const given = Buffer.from(token, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' }
  return { ok: true }
}

/** Constant-time comparison of a presented key with the expected one (e.g. a publishing key). */
export function keysEqual(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'rtmp-kit key compare').update(given).digest()
  const b = createHmac('sha256', 'rtmp-kit key compare').update(expected).digest()
  return timingSafeEqual(a, b)
}
