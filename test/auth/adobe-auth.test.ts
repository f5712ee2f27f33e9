import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  AdobeAuthClient,
  AdobeChallenges,
  adobeResponse,
  formatAdobeQuery,
  formatAdobeRejection,
  parseAdobeRejection,
  readAdobeQuery,
  stripAdobeQuery,
  verifyAdobeResponse,
} from '../../src/auth/adobe-auth'

// The construction in ffmpeg's do_adobe_auth (libavformat/rtmpproto.c), written out step by step:
//   hashstr = base64(md5(user . salt . password)); response = base64(md5(hashstr . (opaque or challenge) . challenge2))
function independentResponse(user: string, password: string, salt: string, opaqueOrChallenge: string, clientChallenge: string): string {
  const first = createHash('md5')
  first.update(Buffer.from(user, 'utf8'))
  first.update(Buffer.from(salt, 'utf8'))
  first.update(Buffer.from(password, 'utf8'))
  const hashstr = Buffer.from(first.digest()).toString('base64')
  const second = createHash('md5')
  second.update(Buffer.from(hashstr, 'ascii'))
  second.update(Buffer.from(opaqueOrChallenge, 'utf8'))
  second.update(Buffer.from(clientChallenge, 'utf8'))
  return Buffer.from(second.digest()).toString('base64')
}

// ffmpeg's exact strings: what it looks for (handle_connect_error) and what it sends (do_adobe_auth)
const NEED_AUTH = '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : '
const CHALLENGE = '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=zU4L&challenge=ab12&opaque=Wk8d'
const FAILED = '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=Wk8d'

describe('adobeResponse', () => {
  it('matches the step-by-step construction for the opaque and for the challenge', () => {
    expect(adobeResponse({ user: 'bob', password: 's3cret', salt: 'zU4L', opaque: 'Wk8d', challenge: 'ab12', clientChallenge: '0123abcd' })).toBe(
      independentResponse('bob', 's3cret', 'zU4L', 'Wk8d', '0123abcd'),
    )
    expect(adobeResponse({ user: 'bob', password: 's3cret', salt: 'zU4L', challenge: 'ab12', clientChallenge: '0123abcd' })).toBe(
      independentResponse('bob', 's3cret', 'zU4L', 'ab12', '0123abcd'),
    )
  })

  it('matches vectors computed with Python hashlib', () => {
    // python3: b=lambda s: base64.b64encode(hashlib.md5(s.encode()).digest()).decode(); h=b('bob'+'zU4L'+'s3cret'); b(h+'Wk8d'+'0123abcd')
    expect(adobeResponse({ user: 'bob', password: 's3cret', salt: 'zU4L', opaque: 'Wk8d', clientChallenge: '0123abcd' })).toBe('LfSlMncEMU9X69UX+SviFA==')
    expect(adobeResponse({ user: 'bob', password: 's3cret', salt: 'zU4L', challenge: 'ab12', clientChallenge: '0123abcd' })).toBe('ErEiczf24jBeIAmZhFT07Q==')
  })

  it('depends on every input', () => {
    const base = { user: 'bob', password: 's3cret', salt: 'zU4L', opaque: 'Wk8d', clientChallenge: '0123abcd' }
    const r = adobeResponse(base)
    for (const change of [{ user: 'bab' }, { password: 's3cres' }, { salt: 'zU4M' }, { opaque: 'Wk8e' }, { clientChallenge: '0123abce' }]) {
      expect(adobeResponse({ ...base, ...change })).not.toBe(r)
    }
  })
})

describe('rejection descriptions', () => {
  it('reads the three kinds ffmpeg tells apart', () => {
    expect(parseAdobeRejection(NEED_AUTH)).toEqual({ kind: 'needAuth' })
    expect(parseAdobeRejection(CHALLENGE)).toEqual({ kind: 'challenge', user: 'bob', salt: 'zU4L', challenge: 'ab12', opaque: 'Wk8d' })
    expect(parseAdobeRejection(FAILED)).toEqual({ kind: 'failed', reason: 'authfailed' })
    expect(parseAdobeRejection('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=nosuchuser')).toEqual({ kind: 'failed', reason: 'nosuchuser' })
  })

  it('says nothing about rejections outside the scheme', () => {
    expect(parseAdobeRejection('server full: 1000 connections')).toBeUndefined()
    expect(parseAdobeRejection('[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&nonce=1')).toBeUndefined()
  })

  it('writes what it reads, in the form ffmpeg parses', () => {
    expect(formatAdobeRejection({ kind: 'needAuth' })).toBe(NEED_AUTH)
    const challenge = { kind: 'challenge', user: 'bob', salt: 'zU4L', challenge: 'ab12', opaque: 'Wk8d' } as const
    expect(formatAdobeRejection(challenge)).toBe(CHALLENGE)
    expect(parseAdobeRejection(formatAdobeRejection(challenge))).toEqual(challenge)
    expect(parseAdobeRejection(formatAdobeRejection({ kind: 'failed', reason: 'authfailed' }))).toEqual({ kind: 'failed', reason: 'authfailed' })
  })

  it('keeps a challenge description within the 255 characters ffmpeg reads', () => {
    const c = new AdobeChallenges().issue('u'.repeat(64))
    const d = formatAdobeRejection({ kind: 'challenge', user: c.user, salt: c.salt, challenge: c.challenge, opaque: c.opaque })
    expect(d.length).toBeLessThan(256)
  })
})

describe('connect queries', () => {
  it('reads the parameters ffmpeg appends to app and tcUrl, keeping base64 as sent', () => {
    const app = 'live?authmod=adobe&user=bob&challenge=0123abcd&response=LfSlMncEMU9X69UX+SviFA==&opaque=Wk8d'
    const expected = { authmod: 'adobe', user: 'bob', challenge: '0123abcd', response: 'LfSlMncEMU9X69UX+SviFA==', opaque: 'Wk8d' }
    expect(readAdobeQuery(app)).toEqual(expected)
    expect(readAdobeQuery(`rtmp://127.0.0.1:1935/${app}`)).toEqual(expected)
    expect(readAdobeQuery('live')).toBeUndefined()
    expect(readAdobeQuery('live?key=1')).toBeUndefined()
    expect(readAdobeQuery(undefined)).toBeUndefined()
  })

  it('formats the queries of steps 1 and 3', () => {
    expect(formatAdobeQuery({ user: 'bob' })).toBe('?authmod=adobe&user=bob')
    expect(formatAdobeQuery({ user: 'bob', challenge: 'cc', response: 'r+/=', opaque: 'o' })).toBe('?authmod=adobe&user=bob&challenge=cc&response=r+/=&opaque=o')
  })

  it('strips the auth parameters and keeps the others', () => {
    expect(stripAdobeQuery('rtmp://h/live?authmod=adobe&user=bob&challenge=c&response=r&opaque=o')).toBe('rtmp://h/live')
    expect(stripAdobeQuery('live?x=1&authmod=adobe&user=bob&response=r')).toBe('live?x=1')
    expect(stripAdobeQuery('live')).toBe('live')
  })
})

describe('AdobeChallenges', () => {
  it('issues random, URL-safe values and takes each once', () => {
    const store = new AdobeChallenges()
    const a = store.issue('bob')
    const b = store.issue('bob')
    expect(new Set([a.salt, a.challenge, a.opaque, b.salt, b.challenge, b.opaque]).size).toBe(6)
    for (const v of [a.salt, a.challenge, a.opaque]) expect(v).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(store.take('bob', a.opaque)).toEqual(a)
    expect(store.take('bob', a.opaque)).toBeUndefined()
    expect(store.size).toBe(1)
  })

  it('does not hand a challenge to another user', () => {
    const store = new AdobeChallenges()
    const a = store.issue('bob')
    expect(store.take('eve', a.opaque)).toBeUndefined()
    expect(store.take('bob', a.opaque)).toEqual(a)
  })

  it('finds the newest challenge of a user that sends no opaque', () => {
    const store = new AdobeChallenges()
    store.issue('bob')
    const newest = store.issue('bob')
    store.issue('eve')
    expect(store.take('bob', undefined)).toEqual(newest)
  })

  it('expires challenges', () => {
    let now = 1_000
    const store = new AdobeChallenges({ ttlMs: 500, now: () => now })
    const a = store.issue('bob')
    const b = store.issue('bob')
    now += 499
    expect(store.take('bob', a.opaque)).toEqual(a)
    now += 1
    expect(store.take('bob', b.opaque)).toBeUndefined()
  })

  it('holds at most maxEntries, dropping the oldest', () => {
    const store = new AdobeChallenges({ maxEntries: 3 })
    const first = store.issue('u0')
    for (let i = 1; i < 10; i++) store.issue(`u${i}`)
    expect(store.size).toBe(3)
    expect(store.take('u0', first.opaque)).toBeUndefined()
  })

  it('rejects nonsense limits', () => {
    expect(() => new AdobeChallenges({ ttlMs: 0 })).toThrow(RangeError)
    expect(() => new AdobeChallenges({ maxEntries: 0 })).toThrow(RangeError)
  })
})

describe('verifyAdobeResponse', () => {
  const entry = { user: 'bob', salt: 'zU4L', challenge: 'ab12', opaque: 'Wk8d', expiresAt: 0 }
  it('accepts the response made with the opaque (ffmpeg) or with the challenge', () => {
    const viaOpaque = independentResponse('bob', 's3cret', 'zU4L', 'Wk8d', 'cc')
    const viaChallenge = independentResponse('bob', 's3cret', 'zU4L', 'ab12', 'cc')
    expect(verifyAdobeResponse({ entry, password: 's3cret', clientChallenge: 'cc', response: viaOpaque })).toBe(true)
    expect(verifyAdobeResponse({ entry, password: 's3cret', clientChallenge: 'cc', response: viaChallenge })).toBe(true)
  })

  it('refuses a wrong password, another client challenge, or garbage', () => {
    const r = independentResponse('bob', 's3cret', 'zU4L', 'Wk8d', 'cc')
    expect(verifyAdobeResponse({ entry, password: 'S3cret', clientChallenge: 'cc', response: r })).toBe(false)
    expect(verifyAdobeResponse({ entry, password: 's3cret', clientChallenge: 'cd', response: r })).toBe(false)
    expect(verifyAdobeResponse({ entry, password: 's3cret', clientChallenge: 'cc', response: '' })).toBe(false)
  })
})

describe('AdobeAuthClient', () => {
  const fixedRandom = (n: number): Uint8Array => new Uint8Array(n).fill(0xab)

  it('identifies, answers the challenge with the response ffmpeg would send, then stops', () => {
    const client = new AdobeAuthClient({ user: 'bob', password: 's3cret' }, fixedRandom)
    expect(client.start()).toBe('?authmod=adobe&user=bob')
    const step = client.next(CHALLENGE)
    const cc = 'abababababababab'
    expect(step).toEqual({
      action: 'retry',
      query: `?authmod=adobe&user=bob&challenge=${cc}&response=${independentResponse('bob', 's3cret', 'zU4L', 'Wk8d', cc)}&opaque=Wk8d`,
    })
    expect(client.next(CHALLENGE)).toEqual({ action: 'giveUp', reason: 'already-tried' })
  })

  it('follows ffmpeg from a plain connect: need auth → user name → challenge', () => {
    const client = new AdobeAuthClient({ user: 'bob', password: 's3cret' }, fixedRandom)
    expect(client.next(NEED_AUTH)).toEqual({ action: 'retry', query: '?authmod=adobe&user=bob' })
    expect(client.next(NEED_AUTH)).toEqual({ action: 'giveUp', reason: 'already-tried' })
  })

  it('uses the challenge when the server sends no opaque', () => {
    const client = new AdobeAuthClient({ user: 'bob', password: 's3cret' }, fixedRandom)
    client.start()
    const step = client.next('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=zU4L&challenge=ab12')
    expect(step).toMatchObject({ action: 'retry' })
    expect((step as { query: string }).query).toContain(`&response=${independentResponse('bob', 's3cret', 'zU4L', 'ab12', 'abababababababab')}`)
    expect((step as { query: string }).query).not.toContain('opaque')
  })

  it('gives up on authfailed and on rejections outside the scheme', () => {
    const client = new AdobeAuthClient({ user: 'bob', password: 'x' })
    client.start()
    expect(client.next(FAILED)).toEqual({ action: 'giveUp', reason: 'auth-failed' })
    expect(client.next('server full')).toEqual({ action: 'giveUp', reason: 'not-adobe' })
  })

  it('percent-encodes the user name and hashes it as the server wrote it', () => {
    const client = new AdobeAuthClient({ user: 'a+b@x', password: 'pw' }, fixedRandom)
    expect(client.start()).toBe('?authmod=adobe&user=a%2Bb%40x')
    const step = client.next('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=a%2Bb%40x&salt=s&challenge=c&opaque=o')
    expect((step as { query: string }).query).toContain(`&response=${independentResponse('a%2Bb%40x', 'pw', 's', 'o', 'abababababababab')}`)
  })
})
