import { describe, expect, it } from 'vitest'
import { RecordingTimeline, type TimelineTrack } from '../../src/record/recording-timeline'

type Step = [TimelineTrack, number]

/** Maps a list of [track, source timestamp] and returns the file timestamps. */
function mapAll(timeline: RecordingTimeline, steps: readonly Step[]): number[] {
  return steps.map(([track, ts]) => timeline.map(track, ts))
}

/** Video every 40 ms and audio every 20 ms from `start`, interleaved the way muxers write them. */
function av(start: number, frames: number): Step[] {
  const out: Step[] = []
  for (let n = 0; n < frames; n++) {
    out.push(['video', start + n * 40], ['audio', start + n * 40], ['audio', start + n * 40 + 20])
  }
  return out
}

describe('RecordingTimeline', () => {
  it('starts a file at 0 whatever the source clock reads, keeping the steps', () => {
    const t = new RecordingTimeline()
    expect(mapAll(t, [['video', 5000], ['audio', 5000], ['audio', 5023], ['video', 5040], ['video', 5080]])).toEqual([0, 0, 23, 40, 80])
    expect(t.lastTimestamp).toBe(80)
  })

  it('holds audio that arrives slightly before the first keyframe at the start of the file', () => {
    const t = new RecordingTimeline()
    expect(mapAll(t, [['video', 1000], ['audio', 980], ['audio', 1003]])).toEqual([0, 0, 3])
  })

  it('keeps each track monotonic through small backward jitter', () => {
    const t = new RecordingTimeline()
    expect(mapAll(t, [['video', 0], ['video', 40], ['video', 30], ['video', 80]])).toEqual([0, 40, 40, 80])
    expect(t.discontinuities).toBe(0)
  })

  it('lets tracks interleave out of order with each other (each is monotonic on its own)', () => {
    const t = new RecordingTimeline()
    expect(mapAll(t, [['video', 0], ['video', 40], ['audio', 10], ['audio', 30], ['video', 80], ['audio', 50]])).toEqual([0, 40, 10, 30, 80, 50])
  })

  it('continues after the media written when a publisher restarts its clock (large backstep)', () => {
    const t = new RecordingTimeline()
    const before = mapAll(t, av(0, 50)) // video up to 1960, audio up to 1980
    expect(Math.max(...before)).toBe(1980)
    const after = mapAll(t, av(0, 3))
    // video ended at 1960 + 40, audio at 1980 + 20: the new clock continues at 2000
    expect(after).toEqual([2000, 2000, 2020, 2040, 2040, 2060, 2080, 2080, 2100])
    expect(t.discontinuities).toBe(1)
  })

  it('treats a forward jump beyond maxGapMs as a discontinuity, not a gap', () => {
    const t = new RecordingTimeline({ maxGapMs: 5000 })
    expect(mapAll(t, [['video', 0], ['video', 40], ['video', 900_000], ['video', 900_040]])).toEqual([0, 40, 80, 120])
  })

  it('keeps a real gap below maxGapMs', () => {
    const t = new RecordingTimeline({ maxGapMs: 5000 })
    expect(mapAll(t, [['video', 0], ['video', 40], ['video', 3040]])).toEqual([0, 40, 3040])
  })

  it('crosses the 32-bit wrap of source timestamps without a jump', () => {
    const t = new RecordingTimeline()
    const start = 0xffffffff - 60
    expect(mapAll(t, [['video', start], ['video', start + 40], ['video', (start + 80) >>> 0], ['video', (start + 120) >>> 0]])).toEqual([0, 40, 80, 120])
  })

  it('continues a new segment (append mode) right after the end of what was written', () => {
    const t = new RecordingTimeline()
    mapAll(t, av(7000, 10)) // video to 360, audio to 380
    expect(t.durationMs).toBe(400)
    t.newSegment()
    expect(mapAll(t, [['video', 0], ['audio', 0], ['video', 40]])).toEqual([400, 400, 440])
    expect(t.discontinuities).toBe(0)
  })

  it('starts again at 0 after reset (a new file)', () => {
    const t = new RecordingTimeline()
    mapAll(t, av(0, 5))
    t.reset()
    expect(t.hasStarted).toBe(false)
    expect(mapAll(t, [['video', 123_456], ['video', 123_496]])).toEqual([0, 40])
  })

  it('continues a file written earlier from where its media ends', () => {
    const t = new RecordingTimeline()
    t.continueAt(4000)
    expect(t.hasStarted).toBe(true)
    expect(mapAll(t, [['video', 0], ['audio', 10], ['video', 40]])).toEqual([4000, 4010, 4040])
  })

  it('reports the duration as the end of the last frame of the longer track', () => {
    const t = new RecordingTimeline()
    expect(t.durationMs).toBe(0)
    mapAll(t, [['video', 0], ['audio', 0], ['video', 40], ['audio', 23], ['audio', 46]])
    // video: 40 + 40; audio: 46 + 23
    expect(t.durationMs).toBe(80)
  })

  it('places data messages among the media without moving any track', () => {
    const t = new RecordingTimeline()
    expect(t.map('data', 9999)).toBe(0) // before the first frame: where the file starts
    mapAll(t, [['video', 1000], ['video', 1040]])
    expect(t.map('data', 1020)).toBe(20)
    expect(t.map('data', 500)).toBe(0) // never before the segment
    expect(t.map('video', 1080)).toBe(80)
  })

  it('never maps a new segment below the previous one, even with no steps known', () => {
    const t = new RecordingTimeline()
    expect(t.map('video', 100)).toBe(0)
    t.newSegment()
    expect(t.map('video', 0)).toBe(1)
  })
})
