import { describe, expect, it } from 'vitest'
import { GopCache } from '../../src/live/gop-cache'
import { normalizeGopCache } from '../../src/live/live-options'
import { audio, aacFrame, data, interframe, keyframe, video } from './live-harness'

const last = (c: GopCache): number[] => c.messages.map((m) => m.data.at(-1)!)

describe('GopCache', () => {
  it('keeps the frames since the last keyframe, audio and data in order with them', () => {
    const c = new GopCache(normalizeGopCache())
    c.frame(video(0, interframe(0))) // before any keyframe: nothing a player could start from
    expect(c.startable).toBe(false)
    c.keyframe(video(40, keyframe(1)))
    c.frame(audio(50, aacFrame(2)))
    c.frame(data(60, new Uint8Array([2, 0, 1, 0x78, 3])))
    c.frame(video(80, interframe(4)))
    expect(c.startable).toBe(true)
    expect(last(c)).toEqual([1, 2, 3, 4])
    expect(c.durationMs).toBe(40)
    c.keyframe(video(120, keyframe(5)))
    expect(last(c)).toEqual([5])
    expect(c.bytes).toBe(11)
  })

  it('drops the whole GOP when it outgrows maxBytes and stays empty until the next keyframe', () => {
    const c = new GopCache(normalizeGopCache({ maxBytes: 100 }))
    c.keyframe(video(0, keyframe(0, 40)))
    c.frame(video(40, interframe(1, 40)))
    expect(c.bytes).toBe(80)
    c.frame(video(80, interframe(2, 40))) // 120 > 100
    expect(c.startable).toBe(false)
    expect(c.messages).toEqual([])
    expect(c.overflows).toBe(1)
    c.frame(video(120, interframe(3, 10)))
    expect(c.startable).toBe(false)
    c.keyframe(video(160, keyframe(4, 40)))
    expect(last(c)).toEqual([4])
  })

  it('drops the whole GOP when it spans more than maxDurationMs of media time', () => {
    const c = new GopCache(normalizeGopCache({ maxDurationMs: 1000 }))
    c.keyframe(video(5000, keyframe(0)))
    c.frame(video(6000, interframe(1))) // exactly 1000 ms: kept
    expect(c.startable).toBe(true)
    c.frame(audio(6001, aacFrame(2)))
    expect(c.startable).toBe(false)
    expect(c.overflows).toBe(1)
  })

  it('measures duration across the 32-bit timestamp wrap', () => {
    const c = new GopCache(normalizeGopCache({ maxDurationMs: 1000 }))
    c.keyframe(video(0xffff_ff00, keyframe(0)))
    c.frame(video(0x100, interframe(1)))
    expect(c.durationMs).toBe(0x200)
    expect(c.startable).toBe(true)
  })

  it('caches nothing when disabled', () => {
    const c = new GopCache(normalizeGopCache({ enabled: false }))
    c.keyframe(video(0, keyframe(0)))
    c.frame(video(40, interframe(1)))
    expect(c.startable).toBe(false)
    expect(c.messages).toEqual([])
  })

  it('falls back to the defaults for limits that make no sense', () => {
    expect(normalizeGopCache({ maxBytes: -1, maxDurationMs: Number.NaN })).toEqual({ enabled: true, maxBytes: 16 * 1024 * 1024, maxDurationMs: 10_000 })
    expect(normalizeGopCache({ maxDurationMs: Infinity }).maxDurationMs).toBe(Infinity)
  })
})
