import { describe, it, expect } from 'vitest'
import { TagPacer } from '../../src/media/tag-pacer'

describe('TagPacer', () => {
  it('sends the first tag at once and later tags when the clock reaches their timestamp', () => {
    const p = new TagPacer()
    expect(p.delay(1000, 50_000)).toBe(0) // origin: media 1000 ms ↔ clock 50 000
    expect(p.delay(1040, 50_000)).toBe(40)
    expect(p.delay(1040, 50_030)).toBe(10)
    expect(p.delay(1080, 50_100)).toBe(0) // already late: no wait
  })

  it('sends `leadMs` ahead of real time', () => {
    const p = new TagPacer({ leadMs: 30 })
    p.delay(0, 0)
    expect(p.delay(100, 0)).toBe(70)
    expect(p.delay(20, 0)).toBe(0)
  })

  it('sends a tag that steps back a little (interleaved audio/video) at once, without rebasing', () => {
    const p = new TagPacer()
    p.delay(0, 0)
    expect(p.delay(40, 0)).toBe(40) // video 40: the caller waits 40 ms
    expect(p.delay(23, 40)).toBe(0) // audio 23 comes after it: already due
    expect(p.delay(80, 40)).toBe(40) // still on the original timeline
  })

  it('follows a 32-bit timestamp wrap as a small step', () => {
    const p = new TagPacer()
    p.delay(0xffffffe0, 0)
    expect(p.delay(0x10, 0)).toBe(0x30)
  })

  it('rebases on a jump beyond maxJumpMs instead of stalling or bursting', () => {
    const p = new TagPacer({ maxJumpMs: 1000 })
    p.delay(0, 0)
    expect(p.delay(40, 0)).toBe(40)
    expect(p.delay(3_600_000, 40)).toBe(0) // jump forward: sent now
    expect(p.delay(3_600_040, 40)).toBe(40) // and paced from there
    expect(p.delay(100, 80)).toBe(0) // jump back: sent now
    expect(p.delay(140, 80)).toBe(40)
  })

  it('catches up by default, but rebases when more than maxLagMs behind', () => {
    const eager = new TagPacer()
    eager.delay(0, 0)
    expect(eager.delay(40, 10_000)).toBe(0)
    expect(eager.delay(80, 10_000)).toBe(0) // bursting through the backlog

    const bounded = new TagPacer({ maxLagMs: 500 })
    bounded.delay(0, 0)
    expect(bounded.delay(40, 10_000)).toBe(0) // 9960 ms late: rebased
    expect(bounded.delay(80, 10_000)).toBe(40)
  })

  it('starts a new timeline after reset()', () => {
    const p = new TagPacer()
    p.delay(0, 0)
    p.delay(5000, 0)
    p.reset()
    expect(p.delay(9000, 100)).toBe(0)
    expect(p.delay(9040, 100)).toBe(40)
  })
})
