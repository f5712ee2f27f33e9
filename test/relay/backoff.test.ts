import { describe, expect, it } from 'vitest'
import { Backoff, backoffDelay, DEFAULT_BACKOFF, normalizeBackoff } from '../../src/relay/backoff'
import { createRng } from '../helpers/rng'

const noJitter = (): number => 0
const fullJitter = (): number => 0.999999

describe('the backoff schedule', () => {
  it('doubles from one second up to thirty seconds by default', () => {
    const b = new Backoff(normalizeBackoff(), noJitter)
    const delays = Array.from({ length: 8 }, () => b.next())
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })

  it('takes up to half of each step away at random by default', () => {
    const b = new Backoff(normalizeBackoff(), fullJitter)
    expect([b.next(), b.next(), b.next()]).toEqual([500, 1000, 2000])
  })

  it('keeps every delay within [step × (1 − jitter), step] whatever the random numbers', () => {
    const rng = createRng()
    const o = normalizeBackoff({ initialDelay: 250, maxDelay: 10_000, multiplier: 3, jitter: 0.3 })
    for (let attempt = 0; attempt < 12; attempt++) {
      const step = Math.min(10_000, 250 * 3 ** attempt)
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, o, rng.next())
        expect(d, `seed ${rng.seed}`).toBeGreaterThanOrEqual(Math.floor(step * 0.7))
        expect(d, `seed ${rng.seed}`).toBeLessThanOrEqual(step)
      }
    }
  })

  it('gives up after maxAttempts and starts over after a reset', () => {
    const b = new Backoff(normalizeBackoff({ initialDelay: 10, maxAttempts: 3, jitter: 0 }))
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([10, 20, 40, undefined])
    expect(b.attempts).toBe(3)
    b.reset()
    expect(b.attempts).toBe(0)
    expect(b.next()).toBe(10)
  })

  it('never gives up by default', () => {
    expect(DEFAULT_BACKOFF.maxAttempts).toBe(Infinity)
    const b = new Backoff(normalizeBackoff({ initialDelay: 1, maxDelay: 1 }), noJitter)
    for (let i = 0; i < 10_000; i++) expect(b.next()).toBe(1)
  })

  it('with maxAttempts 0 never retries', () => {
    expect(new Backoff(normalizeBackoff({ maxAttempts: 0 })).next()).toBeUndefined()
  })

  it('raises the default cap to a larger initial delay instead of failing', () => {
    expect(normalizeBackoff({ initialDelay: 60_000 })).toMatchObject({ initialDelay: 60_000, maxDelay: 60_000 })
  })

  it.each([
    [{ initialDelay: -1 }],
    [{ initialDelay: 100, maxDelay: 50 }],
    [{ multiplier: 0.5 }],
    [{ jitter: 1.5 }],
    [{ jitter: Number.NaN }],
    [{ maxAttempts: 2.5 }],
    [{ maxAttempts: -1 }],
  ])('rejects %o with a RangeError', (bad) => {
    expect(() => normalizeBackoff(bad)).toThrow(RangeError)
  })
})
