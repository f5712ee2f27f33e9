import { expect, it } from 'vitest'
import { defaultSeed } from '../helpers/rng'
import { FuzzEngine, type FuzzFailureReport } from './engine'
import { toHex } from '../helpers/hex'
import type { FuzzTarget } from './target'

/** The seed of this test run: RTMP_TEST_SEED when set (replay), else from the clock. */
const seed = defaultSeed()

/**
 * The bounded pass for one target: `target.quickCases` seeded cases (about a second), failing on any failure
 * that is not a known bug, with the seed and the input in the message.
 */
export function fuzzQuickly(target: FuzzTarget): void {
  it(`${target.name}: ${target.about}`, () => {
    const engine = new FuzzEngine(target, { seed, minimizeMs: 1000 })
    engine.run({ cases: target.quickCases })
    const unknown = engine.failures.filter((f) => !f.known)
    expect(unknown.map((f) => describeFailure(f)).join('\n\n'), `fuzz ${target.name} failed (replay with RTMP_TEST_SEED=${seed})`).toBe('')
  }, 60_000)
}

export function describeFailure(f: FuzzFailureReport): string {
  const hex = f.input.length <= 512 ? toHex(f.input) : `${toHex(f.input.subarray(0, 512))} … (${f.input.length} bytes)`
  return [
    `${f.target} ${f.kind} at case ${f.caseIndex} (RTMP_TEST_SEED=${f.seed}, check seed ${f.checkSeed}):`,
    f.message,
    `input: ${hex}`,
    `save it as a regression vector: npm run fuzz -- --target ${f.target} --seed ${f.seed} --cases ${f.caseIndex + 1}`,
  ].join('\n')
}
