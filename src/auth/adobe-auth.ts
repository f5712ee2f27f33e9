import { Buffer } from 'node:buffer'
import { createHash, randomBytes } from 'node:crypto'
import { keysEqual } from './signed-url'

/**
 * Adobe challenge authentication (`authmod=adobe`), as Flash Media Server and Wowza ask for it and ffmpeg,
 * OBS (librtmp) and FMLE answer it. Everything travels in connect's `app` (and `tcUrl`) query and in the
 * description of `NetConnection.Connect.Rejected`; each step is a new TCP connection:
 *
 * 1. client: `app?authmod=adobe&user=USER` (ffmpeg first connects plain and is told `code=403 need auth`);
 * 2. server rejects: `[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=USER&salt=…&challenge=…&opaque=…`;
 * 3. client: `app?authmod=adobe&user=USER&challenge=CC&response=R&opaque=…` with
 *    R = base64(md5(base64(md5(USER + salt + password)) + (opaque or challenge) + CC));
 * 4. server accepts, or rejects with `?reason=authfailed`.
 *
 * Nothing here does I/O. Values are compared as the strings the peers send: `+` stays `+` (base64), and the
 * user name is hashed exactly as the server wrote it in step 2 (as ffmpeg does).
 */

/** What every Adobe-auth rejection description starts with (ffmpeg only looks for `authmod=adobe` in it). */
export const ADOBE_REJECT_PREFIX = '[ AccessManager.Reject ] : '

/** The longest user name (as sent, percent-encoded) taken: ffmpeg reads only 255 characters of a description. */
export const ADOBE_MAX_USER_LENGTH = 64

/** A connect rejection that is part of the Adobe scheme, as written in its description. */
export type AdobeRejection =
  /** the client connected without `authmod=adobe`: it should retry with `?authmod=adobe&user=…` */
  | { readonly kind: 'needAuth' }
  /** the challenge for `user` (as the server spells it; hash this exact string) */
  | { readonly kind: 'challenge'; readonly user: string; readonly salt: string; readonly challenge: string | undefined; readonly opaque: string | undefined }
  /** wrong user or password, or a stale or replayed response (`reason` as sent: authfailed, nosuchuser, …) */
  | { readonly kind: 'failed'; readonly reason: string }

/** The description the server sends with NetConnection.Connect.Rejected for each Adobe-auth step. */
export function formatAdobeRejection(r: AdobeRejection): string {
  switch (r.kind) {
    case 'needAuth':
      return `${ADOBE_REJECT_PREFIX}[ code=403 need auth; authmod=adobe ] : `
    case 'challenge': {
      let q = `?reason=needauth&user=${r.user}&salt=${r.salt}`
      if (r.challenge !== undefined) q += `&challenge=${r.challenge}`
      if (r.opaque !== undefined) q += `&opaque=${r.opaque}`
      return `${ADOBE_REJECT_PREFIX}[ authmod=adobe ] : ${q}`
    }
    case 'failed':
      return `${ADOBE_REJECT_PREFIX}[ authmod=adobe ] : ?reason=${r.reason}`
  }
}

/**
 * Reads a rejection description the way ffmpeg does (handle_connect_error): undefined when it is not about
 * `authmod=adobe` (e.g. a server that is full), so the caller should give up with the rejection as it is.
 */
export function parseAdobeRejection(description: string): AdobeRejection | undefined {
  if (!description.includes('authmod=adobe')) return undefined
  const failed = /\?reason=(authfailed|nosuchuser)/.exec(description)
  if (failed) return { kind: 'failed', reason: failed[1]! }
  if (description.includes('code=403 need auth')) return { kind: 'needAuth' }
  const at = description.indexOf('?reason=needauth')
  if (at < 0) return { kind: 'failed', reason: 'unknown' }
  const p = rawParams(description.slice(at + 1))
  if (p.salt === undefined) return { kind: 'failed', reason: 'unknown' }
  return { kind: 'challenge', user: p.user ?? '', salt: p.salt, challenge: p.challenge, opaque: p.opaque }
}

/**
 * Splits `a=1&b=2` as RTMP peers write it: no `+`-to-space (base64 responses keep their `+`), no percent
 * decoding (the caller decides); the first occurrence of a name wins.
 */
function rawParams(query: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    const k = eq < 0 ? part : part.slice(0, eq)
    if (k !== '' && !Object.hasOwn(out, k)) out[k] = eq < 0 ? '' : part.slice(eq + 1)
  }
  return out
}

/** The Adobe-auth parameters of a connect (from its `app` or `tcUrl`), values as sent. */
export interface AdobeAuthQuery {
  readonly authmod: string
  readonly user: string | undefined
  readonly challenge: string | undefined
  readonly response: string | undefined
  readonly opaque: string | undefined
}

/** The `authmod` parameters in `app?…` or `rtmp://host/app?…`; undefined when there is no `authmod`. */
export function readAdobeQuery(appOrTcUrl: string | undefined): AdobeAuthQuery | undefined {
  const q = appOrTcUrl?.indexOf('?') ?? -1
  if (appOrTcUrl === undefined || q < 0) return undefined
  const p = rawParams(appOrTcUrl.slice(q + 1))
  if (p.authmod === undefined) return undefined
  return { authmod: p.authmod, user: p.user, challenge: p.challenge, response: p.response, opaque: p.opaque }
}

const AUTH_PARAMS = new Set(['authmod', 'user', 'challenge', 'response', 'opaque'])

/** `s` without the Adobe-auth parameters in its query (so the response does not travel further, e.g. into logs). */
export function stripAdobeQuery(s: string): string {
  const q = s.indexOf('?')
  if (q < 0) return s
  const kept = s
    .slice(q + 1)
    .split('&')
    .filter((part) => part !== '' && !AUTH_PARAMS.has(part.split('=', 1)[0]!))
  return kept.length > 0 ? `${s.slice(0, q)}?${kept.join('&')}` : s.slice(0, q)
}

/** `?authmod=adobe&user=…` (step 1) or, with a response, `…&challenge=…&response=…&opaque=…` (step 3). */
export function formatAdobeQuery(p: { user: string; challenge?: string; response?: string; opaque?: string | undefined }): string {
  let q = `?authmod=adobe&user=${p.user}`
  if (p.challenge !== undefined) q += `&challenge=${p.challenge}`
  if (p.response !== undefined) q += `&response=${p.response}`
  if (p.opaque !== undefined) q += `&opaque=${p.opaque}`
  return q
}

const md5base64 = (s: string): string => createHash('md5').update(s, 'utf8').digest('base64')

/**
 * base64(md5(base64(md5(user + salt + password)) + (opaque ?? challenge) + clientChallenge)): the response
 * ffmpeg's do_adobe_auth computes. `user` is the name as the server wrote it in its challenge.
 */
export function adobeResponse(p: {
  readonly user: string
  readonly password: string
  readonly salt: string
  readonly opaque?: string | undefined
  readonly challenge?: string | undefined
  readonly clientChallenge: string
}): string {
  return md5base64(md5base64(p.user + p.salt + p.password) + (p.opaque ?? p.challenge ?? '') + p.clientChallenge)
}

/** `name` as it goes into a query (percent-encoded), and back. */
export function encodeAdobeUser(name: string): string {
  return encodeURIComponent(name)
}
export function decodeAdobeUser(wire: string): string {
  try {
    return decodeURIComponent(wire)
  } catch {
    return wire
  }
}

// ── server side ─────────────────────────────────────────────────────────────────────────────────

/** One challenge the server handed out. `user` is the name as sent (percent-encoded). */
export interface AdobeChallenge {
  readonly user: string
  readonly salt: string
  readonly challenge: string
  readonly opaque: string
  /** ms timestamp (the store's clock) after which the challenge is void */
  readonly expiresAt: number
}

export interface AdobeChallengesOptions {
  /** how long a challenge may be answered, ms (default 60_000) */
  ttlMs?: number
  /** challenges kept at once (default 1000); past it the oldest is dropped */
  maxEntries?: number
  /** clock in ms (default Date.now) */
  now?: () => number
  /** random bytes (default crypto.randomBytes) */
  random?: (n: number) => Uint8Array
}

/** 12 random bytes → 16 URL-safe characters: a description with all three stays well under ffmpeg's 255. */
const TOKEN_BYTES = 12

/**
 * The server's outstanding challenges: crypto-random salt, challenge and opaque per request, each usable
 * once and only until it expires; bounded in number. Keyed by opaque (which clients send back), with a
 * fallback to the newest challenge of the user for clients that do not send it.
 */
export class AdobeChallenges {
  private readonly entries = new Map<string, AdobeChallenge>()
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly now: () => number
  private readonly random: (n: number) => Uint8Array

  constructor(options: AdobeChallengesOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000
    this.maxEntries = options.maxEntries ?? 1000
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.ttlMs}`)
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`)
    this.now = options.now ?? Date.now
    this.random = options.random ?? randomBytes
  }

  /** Challenges held (expired ones go when the next is issued). */
  get size(): number {
    return this.entries.size
  }

  /** A fresh challenge for `user` (as sent). */
  issue(user: string): AdobeChallenge {
    const now = this.now()
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k)
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    const entry: AdobeChallenge = { user, salt: this.token(), challenge: this.token(), opaque: this.token(), expiresAt: now + this.ttlMs }
    this.entries.set(entry.opaque, entry)
    return entry
  }

  /**
   * Removes and returns the challenge the client answers (by `opaque`, else the user's newest); undefined when
   * there is none for this user, it was used already, or it expired.
   */
  take(user: string, opaque: string | undefined): AdobeChallenge | undefined {
    let found: AdobeChallenge | undefined
    if (opaque !== undefined) found = this.entries.get(opaque)
    else for (const e of this.entries.values()) if (e.user === user) found = e
    if (found === undefined || found.user !== user) return undefined
    this.entries.delete(found.opaque)
    return found.expiresAt > this.now() ? found : undefined
  }

  private token(): string {
    return Buffer.from(this.random(TOKEN_BYTES)).toString('base64url')
  }
}

/**
 * Whether `response` answers `entry` for `password` (computed with the opaque, as ffmpeg does, or with the
 * challenge, as clients do that ignore opaque). Constant-time comparisons.
 */
export function verifyAdobeResponse(p: { readonly entry: AdobeChallenge; readonly password: string; readonly clientChallenge: string; readonly response: string }): boolean {
  const base = { user: p.entry.user, password: p.password, salt: p.entry.salt, clientChallenge: p.clientChallenge }
  const withOpaque = keysEqual(p.response, adobeResponse({ ...base, opaque: p.entry.opaque }))
  const withChallenge = keysEqual(p.response, adobeResponse({ ...base, challenge: p.entry.challenge }))
  return withOpaque || withChallenge
}

// ── client side ─────────────────────────────────────────────────────────────────────────────────

export interface AdobeCredentials {
  readonly user: string
  readonly password: string
}

/** What to do after a connect rejection: reconnect with `query` after the app, or give up. */
export type AdobeAuthStep =
  | { readonly action: 'retry'; readonly query: string }
  | { readonly action: 'giveUp'; readonly reason: 'not-adobe' | 'auth-failed' | 'no-challenge' | 'already-tried' }

/**
 * The client's side of the scheme as a state machine: `start()` gives the query of the first connect,
 * `next(description)` reads each rejection. At most one response is sent: a second challenge (or
 * `need auth`) after it means the credentials were refused.
 */
export class AdobeAuthClient {
  private stage: 'idle' | 'identified' | 'responded' = 'idle'

  constructor(
    private readonly credentials: AdobeCredentials,
    private readonly random: (n: number) => Uint8Array = randomBytes,
  ) {}

  /** Query for the first connect: `?authmod=adobe&user=USER` (ffmpeg and librtmp first connect plain and are told to send it). */
  start(): string {
    this.stage = 'identified'
    return formatAdobeQuery({ user: encodeAdobeUser(this.credentials.user) })
  }

  /** Reads a NetConnection.Connect.Rejected description. */
  next(description: string): AdobeAuthStep {
    const r = parseAdobeRejection(description)
    if (r === undefined) return { action: 'giveUp', reason: 'not-adobe' }
    if (r.kind === 'failed') return { action: 'giveUp', reason: 'auth-failed' }
    if (this.stage === 'responded') return { action: 'giveUp', reason: 'already-tried' }
    if (r.kind === 'needAuth') {
      if (this.stage === 'identified') return { action: 'giveUp', reason: 'already-tried' }
      return { action: 'retry', query: this.start() }
    }
    if (r.salt === '' || (r.opaque === undefined && r.challenge === undefined)) return { action: 'giveUp', reason: 'no-challenge' }
    const user = r.user !== '' ? r.user : encodeAdobeUser(this.credentials.user)
    const clientChallenge = Buffer.from(this.random(8)).toString('hex')
    const response = adobeResponse({ user, password: this.credentials.password, salt: r.salt, opaque: r.opaque, challenge: r.challenge, clientChallenge })
    this.stage = 'responded'
    return { action: 'retry', query: formatAdobeQuery({ user, challenge: clientChallenge, response, opaque: r.opaque }) }
  }
}
