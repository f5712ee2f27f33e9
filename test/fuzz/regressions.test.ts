import { describe, expect, it } from 'vitest'
import { judgeCase, runInterruptible, type Verdict } from './engine'
import { KNOWN_BUGS } from './known-bugs'
import { loadRegressions } from './regressions'
import { targetNamed } from './targets'

// Every input `npm run fuzz` saved (test/fuzz/regressions/*.hex) is replayed under the same oracles. A vector
// marked `expect: known-bug <id>` reproduces a bug listed in known-bugs.ts and runs as `it.fails`.

const vectors = loadRegressions()

describe('fuzz regression vectors', () => {
  it('each names a known target and a check seed', () => {
    for (const v of vectors) {
      expect(targetNamed(v.target), v.file).toBeDefined()
      expect(v.expect === 'pass' || v.expect.startsWith('known-bug '), v.file).toBe(true)
    }
  })

  for (const v of vectors) {
    const known = v.expect.startsWith('known-bug ')
    ;(known ? it.fails : it)(`${v.file}${known ? ` reproduces ${v.expect}` : ' passes'}`, () => {
      const target = targetNamed(v.target)!
      let verdict: Verdict | undefined
      const finished = runInterruptible(() => (verdict = judgeCase(target, v.input, v.checkSeed)), 5000)
      expect(finished, `${v.file}: still running after 5 s`).toBe(true)
      const message = verdict?.failure?.message
      if (!known) expect(message, v.file).toBeUndefined()
      // inside it.fails: passes (the test "fails") only while the vector still shows that bug
      else expect(message ?? 'no failure').not.toMatch(KNOWN_BUGS.find((b) => `known-bug ${b.id}` === v.expect)?.pattern ?? /^$/)
    })
  }
})
