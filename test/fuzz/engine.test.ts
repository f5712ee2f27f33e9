import { describe, expect, it } from 'vitest'
import { ChunkError } from '../../src/errors'
import { createRng } from '../helpers/rng'
import { caseSeed, FuzzEngine, runInterruptible } from './engine'
import { mutate, randomPieces } from './mutate'
import { bytesEqual, concatBytes, fail, sameRun } from './oracle'
import type { FuzzTarget } from './target'

// The fuzz engine finds what it is meant to find: a planted bug of each kind is reported, with an input that
// reproduces it, and the same seed gives the same run.

function planted(check: FuzzTarget['check'], extra: Partial<FuzzTarget> = {}): FuzzTarget {
  return {
    name: 'planted',
    about: 'a decoder with a planted bug',
    allowed: [ChunkError],
    seeds: (rng) => Array.from({ length: 4 }, () => ({ bytes: rng.bytes(16) })),
    generate: (rng) => ({ bytes: rng.bytes(rng.int(0, 32)) }),
    check,
    memoryBudget: () => 1 << 20,
    quickCases: 100,
    ...extra,
  }
}

const runs = (target: FuzzTarget, cases = 3000, seed = 7): FuzzEngine => {
  const e = new FuzzEngine(target, { seed, minimizeMs: 200, hangMs: 300, slowMs: 50 })
  e.run({ cases })
  return e
}

describe('fuzz engine', () => {
  it('accepts the typed error a target allows and reports any other error, shrunk', () => {
    const e = runs(
      planted((input) => {
        if (input[0] === 0xff) throw new ChunkError('RTMP_ERR_PROTOCOL', 'refused')
        if (input.length > 2 && input[1] === 0x80) throw new TypeError('planted')
      }),
    )
    expect(e.outcomes.get('ChunkError RTMP_ERR_PROTOCOL: refused')).toBeGreaterThan(0)
    expect(e.failures).toHaveLength(1)
    const f = e.failures[0]!
    expect(f.kind).toBe('untyped')
    expect(f.message).toMatch(/TypeError: planted/)
    expect(f.input).toHaveLength(3) // shrunk to the smallest input that still fails
    expect(f.input[1]).toBe(0x80)
  })

  it('reports a broken property (FuzzFailure) as such', () => {
    const e = runs(planted((input) => (input.includes(0x42) ? fail('saw 0x42') : undefined)))
    expect(e.failures.map((f) => [f.kind, f.message, f.input.length])).toEqual([['property', 'saw 0x42', 1]])
  })

  it('interrupts an endless loop and reports the case as a hang', () => {
    const e = runs(
      planted((input) => {
        // eslint-disable-next-line no-empty
        if (input.length === 5 && input[0]! < 64) for (;;) {}
      }),
      300,
    )
    expect(e.failures.map((f) => [f.kind, f.input.length])).toEqual([['hang', 5]])
  })

  it('reports a slow case and an allocation over the memory budget', () => {
    const slow = runs(
      planted((input) => {
        const until = performance.now() + 80
        if (input.length === 7 && input[0]! < 24) while (performance.now() < until);
      }),
      1000,
    )
    expect(slow.failures.map((f) => f.kind)).toEqual(['slow'])
    const kept: Uint8Array[] = []
    const hungry = runs(planted((input) => void (input.length === 9 && input[0]! < 24 && kept.push(new Uint8Array(64 << 20)))), 1000)
    expect(hungry.failures.map((f) => f.kind)).toEqual(['memory'])
  })

  it('replays: the same seed gives the same cases and the same failures', () => {
    const target = planted((input) => (input.length > 3 && input[2] === input[3] ? fail('pair') : undefined))
    const a = runs(target, 2000, 99)
    const b = runs(target, 2000, 99)
    expect(a.failures.map((f) => [f.caseIndex, f.checkSeed])).toEqual(b.failures.map((f) => [f.caseIndex, f.checkSeed]))
    expect(caseSeed(99, 5)).toBe(caseSeed(99, 5))
    expect(caseSeed(99, 5)).not.toBe(caseSeed(99, 6))
  })

  it('compares runs of an incremental decoder in two splits', () => {
    const ok = { transcript: ['a', 'b'], failed: false, error: undefined }
    expect(() => sameRun(ok, { ...ok }, 'x')).not.toThrow()
    expect(() => sameRun(ok, { transcript: ['a'], failed: false, error: undefined }, 'x')).toThrow(/differs with the input split/)
    const err = new ChunkError('RTMP_ERR_PROTOCOL', 'e')
    const lost = { transcript: ['a'], failed: true, error: err }
    const more = { transcript: ['a', 'b'], failed: true, error: err }
    expect(() => sameRun(lost, more, 'x')).toThrow()
    expect(() => sameRun(lost, more, 'x', true)).not.toThrow()
  })

  it('mutates within bounds and splits without losing bytes', () => {
    const rng = createRng(3)
    let bad = 0
    for (let i = 0; i < 2000; i++) {
      const input = rng.bytes(rng.int(0, 300))
      const m = mutate({ bytes: input, fields: [{ offset: 0, size: Math.min(2, input.length), kind: 'length' }] }, rng, { maxLength: 400 })
      if (m.bytes.length > 400 || !bytesEqual(concatBytes(randomPieces(m.bytes, rng)), m.bytes)) bad++
    }
    expect(bad).toBe(0)
  })

  it('runInterruptible stops synchronous code', () => {
    expect(runInterruptible(() => undefined, 100)).toBe(true)
    expect(
      runInterruptible(() => {
        // eslint-disable-next-line no-empty
        for (;;) {}
      }, 100),
    ).toBe(false)
  })
})
