import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { keysEqual, signStream, signedStreamName, verifyStream } from '../../src/auth/signed-url'
import { splitStreamName } from '../../src/session/stream-name'

const secret = 'test-secret'
const now = Date.UTC(2026, 10, 25, 12, 0, 0)

describe('signed stream names', () => {
  it('signs app/stream and expiry with HMAC-SHA256 (checked independently)', () => {
    const q = signStream({ secret, app: 'live', streamName: 'cam1', expires: 1_800_000_000 })
    const expected = createHmac('sha256', secret).update('live/cam1\n1800000000').digest('base64url')
    expect(q).toEqual({ expires: '1800000000', token: expected })
  })

  it('accepts a fresh token and rejects expired, tampered, foreign and malformed ones', () => {
    const name = signedStreamName({ secret, app: 'live', streamName: 'cam1', ttlSeconds: 60, now })
    const { name: stream, query } = splitStreamName(name)
    expect(stream).toBe('cam1')
    expect(verifyStream({ secret, app: 'live', streamName: stream, query, now })).toEqual({ ok: true })
    expect(verifyStream({ secret, app: 'live', streamName: stream, query, now: now + 61_000 })).toEqual({ ok: false, reason: 'expired' })
    expect(verifyStream({ secret, app: 'live', streamName: 'cam2', query, now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyStream({ secret, app: 'other', streamName: stream, query, now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyStream({ secret: 'wrong', app: 'live', streamName: stream, query, now })).toEqual({ ok: false, reason: 'bad-signature' })
    const later = { ...query, expires: String(Number(query.expires) + 3600) }
    expect(verifyStream({ secret, app: 'live', streamName: stream, query: later, now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyStream({ secret, app: 'live', streamName: stream, query: {}, now })).toEqual({ ok: false, reason: 'missing' })
    expect(verifyStream({ secret, app: 'live', streamName: stream, query: { expires: 'x', token: 'y' }, now })).toEqual({ ok: false, reason: 'malformed' })
  })

  it('compares keys without leaking their length through an early exit', () => {
    expect(keysEqual('abc', 'abc')).toBe(true)
    expect(keysEqual('abc', 'abd')).toBe(false)
    expect(keysEqual('', 'abc')).toBe(false)
  })
})
