import { describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import { RelayFeed } from '../../src/relay/relay-feed'
import { normalizeRelayQueueLimits, type RelayQueueLimits } from '../../src/relay/relay-queue-limits'
import { createRng } from '../helpers/rng'
import { audioFrame, audioHeader, interframe, keyframe, kindOf, liveStream, metadata, serialOf, videoHeader } from './relay-media'

const roomy = normalizeRelayQueueLimits({ maxBytes: 1 << 20, maxMessages: 10_000 })

function drain(feed: RelayFeed): MediaMessage[] {
  const out: MediaMessage[] = []
  for (let m = feed.shift(); m; m = feed.shift()) out.push(m)
  return out
}

/** A feed with a consumer attached (not holding). */
function linked(limits: RelayQueueLimits = roomy): RelayFeed {
  const feed = new RelayFeed(limits)
  feed.holding = false
  return feed
}

describe('a relay feed', () => {
  it('starts with metadata and sequence headers stamped with the first keyframe time, then that keyframe', () => {
    const feed = linked()
    expect(feed.push(metadata(0))).toBe('waiting')
    expect(feed.push(videoHeader(0))).toBe('waiting')
    expect(feed.push(audioHeader(0))).toBe('waiting')
    expect(feed.push(audioFrame(0, 1))).toBe('waiting') // before any keyframe: a player could not start here
    expect(feed.push(interframe(0, 2))).toBe('waiting')
    expect(feed.push(keyframe(80, 3))).toBe('queued')
    expect(feed.push(audioFrame(80, 4))).toBe('queued')
    const out = drain(feed)
    expect(out.map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key', 'audio'])
    expect(out.map((m) => m.timestamp)).toEqual([80, 80, 80, 80, 80])
    expect(feed.bytes).toBe(0)
    expect(feed.length).toBe(0)
  })

  it('passes a stream through unchanged, the same payloads in the same order, while under its limits', () => {
    const feed = linked()
    const input = liveStream(3, 10)
    for (const m of input) expect(feed.push(m)).not.toBe('dropped')
    const out = drain(feed)
    expect(out).toHaveLength(input.length)
    out.forEach((m, i) => {
      expect(m.type).toBe(input[i]!.type)
      expect(m.timestamp).toBe(input[i]!.timestamp)
      expect(m.data).toBe(input[i]!.data) // shared, not copied
    })
    expect(feed.dropped).toBe(0)
  })

  it('while holding keeps only the latest GOP behind the headers, so a new connection starts at once', () => {
    const feed = new RelayFeed(roomy)
    for (const m of liveStream(3, 5)) feed.push(m)
    const out = drain(feed)
    expect(out.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    expect(out.filter((m) => m.type === 'video' && kindOf(m) !== 'video-header').map(serialOf)).toEqual([10, 11, 12, 13, 14])
    expect(out[0]!.timestamp).toBe(400)
  })

  it('over a soft limit drops the rest of the GOP, never audio, metadata or headers, and resumes at the next keyframe', () => {
    const feed = linked(normalizeRelayQueueLimits({ maxMessages: 8, hardMaxMessages: 100 }))
    const results = liveStream(2, 10).map((m) => feed.push(m))
    expect(results).toContain('dropped')
    const out = drain(feed)
    // nothing but non-key video was dropped
    expect(out.filter((m) => kindOf(m) === 'audio')).toHaveLength(20)
    expect(out.filter((m) => kindOf(m) === 'key').map(serialOf)).toEqual([0, 10])
    // the queue hit 8 messages within GOP 0 (headers, key, audio, inter 1, audio ...): frames 0..2 went out, 3..9 dropped
    const video = out.filter((m) => kindOf(m) === 'key' || kindOf(m) === 'inter').map(serialOf)
    expect(video.slice(0, 3)).toEqual([0, 1, 2])
    expect(video[3]).toBe(10)
    expect(feed.dropped).toBe(7 + 9)
  })

  it('keeps dropping until the next keyframe even when the queue drained meanwhile', () => {
    const feed = linked(normalizeRelayQueueLimits({ maxMessages: 5, hardMaxMessages: 100 }))
    for (const m of liveStream(1, 1)) feed.push(m) // headers + key 0 + audio
    expect(feed.push(interframe(40, 1))).toBe('dropped') // 5 queued: congested
    drain(feed)
    expect(feed.congested).toBe(false)
    expect(feed.push(interframe(80, 2))).toBe('dropped') // its reference (frame 1) is gone
    expect(feed.push(audioFrame(80, 3))).toBe('queued')
    expect(feed.push(keyframe(120, 4))).toBe('queued')
    expect(feed.push(interframe(160, 5))).toBe('queued')
    expect(drain(feed).map(serialOf)).toEqual([3, 4, 5])
  })

  it('past a hard limit empties itself and starts again at the next keyframe, headers first, timestamps as they were', () => {
    const feed = linked(normalizeRelayQueueLimits({ maxBytes: 1000, hardMaxBytes: 2000 }))
    const results: string[] = []
    for (const m of liveStream(1, 1)) results.push(feed.push(m))
    // audio is never dropped: it alone pushes the queue over the hard limit
    for (let i = 1; i < 200 && !results.includes('overflow'); i++) results.push(feed.push(audioFrame(i * 20, i, 100)))
    expect(results.at(-1)).toBe('overflow')
    expect(feed.length).toBe(0)
    expect(feed.waiting).toBe(true)
    expect(feed.push(interframe(5000, 900))).toBe('waiting')
    expect(feed.push(keyframe(5040, 901))).toBe('queued')
    const out = drain(feed)
    expect(out.map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    expect(out.map((m) => m.timestamp)).toEqual([5040, 5040, 5040, 5040])
  })

  it('after restart() the next consumer gets the headers again and starts at a keyframe', () => {
    const feed = linked()
    for (const m of liveStream(1, 5)) feed.push(m)
    drain(feed)
    feed.restart()
    feed.push(interframe(1000, 50))
    feed.push(audioFrame(1000, 51))
    feed.push(keyframe(1040, 52))
    expect(drain(feed).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
  })

  it('after reset() forgets the previous publisher’s headers and takes the new ones', () => {
    const feed = linked()
    for (const m of liveStream(1, 2)) feed.push(m)
    drain(feed)
    feed.reset()
    const newHeader = { ...videoHeader(0), data: Uint8Array.of(0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 0) }
    feed.push(newHeader)
    feed.push(keyframe(0, 1))
    const out = drain(feed)
    expect(out.map(kindOf)).toEqual(['video-header', 'key'])
    expect(out[0]!.data).toBe(newHeader.data)
  })

  it('starts an audio-only stream at an audio frame, and while holding keeps only the latest one', () => {
    const feed = new RelayFeed(roomy)
    feed.push(metadata())
    feed.push(audioHeader())
    for (let i = 0; i < 5; i++) feed.push(audioFrame(i * 23, i))
    const out = drain(feed)
    expect(out.map(kindOf)).toEqual(['metadata', 'audio-header', 'audio'])
    expect(serialOf(out[2]!)).toBe(4)
  })

  it('whatever it is fed and however it is drained, every GOP that goes out is a prefix of the GOP that came in', () => {
    const rng = createRng()
    for (let run = 0; run < 50; run++) {
      const limits = normalizeRelayQueueLimits({ maxMessages: rng.int(2, 30), hardMaxMessages: rng.int(31, 80), maxBytes: 1 << 20 })
      const feed = new RelayFeed(limits)
      feed.holding = false
      const input = liveStream(rng.int(1, 10), rng.int(1, 30))
      const out: MediaMessage[] = []
      for (const m of input) {
        const r = feed.push(m)
        if (r === 'overflow') expect(feed.length, `seed ${rng.seed}`).toBe(0)
        expect(feed.length, `seed ${rng.seed}`).toBeLessThanOrEqual(limits.hardMaxMessages)
        if (rng.bool()) for (let n = rng.int(0, 5); n > 0; n--) {
          const x = feed.shift()
          if (x) out.push(x)
        }
      }
      out.push(...drain(feed))
      // video frames out, grouped by GOP: each group must be consecutive serials from its keyframe
      let expected: number | undefined
      for (const m of out) {
        const k = kindOf(m)
        if (k === 'key') expected = serialOf(m) + 1
        else if (k === 'inter') {
          expect(serialOf(m), `seed ${rng.seed}: inter frame whose reference was dropped`).toBe(expected)
          expected = serialOf(m) + 1
        }
      }
      expect(out[0] && kindOf(out[0]), `seed ${rng.seed}`).toBe('metadata')
    }
  })
})

describe('relay queue limits', () => {
  it('raise the hard limits to the soft ones when only those are given', () => {
    expect(normalizeRelayQueueLimits({ maxBytes: 64 << 20, maxMessages: 5000 })).toMatchObject({ hardMaxBytes: 64 << 20, hardMaxMessages: 5000 })
  })

  it.each([[{ maxBytes: 0 }], [{ maxMessages: 1.5 }], [{ maxBytes: 100, hardMaxBytes: 50 }], [{ maxMessages: 10, hardMaxMessages: 5 }]])('reject %o', (bad) => {
    expect(() => normalizeRelayQueueLimits(bad)).toThrow(RangeError)
  })
})
