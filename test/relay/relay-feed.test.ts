import { describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import { RelayFeed } from '../../src/relay/relay-feed'
import { normalizeRelayQueueLimits, type RelayQueueLimits } from '../../src/relay/relay-queue-limits'
import { createRng } from '../helpers/rng'
import { mtAudio, mtVideo } from '../live/enhanced-frames'
import { EAC3_1, HEADER_LABELS, HEVC1, frameLabels, label, multitrackFrames, multitrackHeaders } from '../record/multitrack-stream'
import { avcHeader, videoFrame } from '../vod/synthetic-flv'
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

  it('keeps onMetaData through other data messages (cue points), which go out in order but are not replayed', () => {
    const feed = linked()
    const cue: MediaMessage = { type: 'data', timestamp: 0, data: Uint8Array.of(2, 0, 10, ...Array.from('onCuePoint', (c) => c.charCodeAt(0)), 5) }
    const meta = metadata()
    for (const m of [meta, videoHeader(), audioHeader()]) feed.push(m)
    expect(feed.push(cue)).toBe('waiting') // before the start: no place in the stream yet
    feed.push(keyframe(0, 0))
    expect(feed.push({ ...cue, timestamp: 40 })).toBe('queued')
    drain(feed)
    feed.restart()
    feed.push(keyframe(400, 10))
    const out = drain(feed)
    expect(out.map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    expect(out[0]!.data).toBe(meta.data)
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

// ── Enhanced RTMP multitrack: headers per track, GOPs on track 0 ───────────────────────────────────────

/** Short labels (test/record/multitrack-stream `label`): `avc:K20`, `MT[1 hvc1:KC20]`, `aac:H`, … */
const labels = (ms: readonly MediaMessage[]): string[] => ms.map(label)
const mtKey = (n: number): MediaMessage => ({ type: 'video', timestamp: n * 40, data: mtVideo('key', 'coded', 'one', [HEVC1], n) })
const mtInter = (n: number): MediaMessage => ({ type: 'video', timestamp: n * 40, data: mtVideo('inter', 'coded', 'one', [HEVC1], n) })
const avcFrame = (n: number, key: boolean): MediaMessage => ({ type: 'video', timestamp: n * 40, data: videoFrame(n, key) })

/** Per track, the serials of its video frames out, split into runs that each start at a key frame. */
function videoRuns(out: readonly MediaMessage[]): Map<string, number[][]> {
  const runs = new Map<string, number[][]>()
  for (const m of out) {
    const l = label(m)
    const match = /^avc:([KI])(\d+)$/.exec(l) ?? /^MT\[1 hvc1:([KI])C(\d+)\]$/.exec(l)
    if (!match) continue
    const track = l.startsWith('avc') ? '0' : '1'
    const list = runs.get(track) ?? []
    if (match[1] === 'K' || list.length === 0) list.push([])
    list.at(-1)!.push(Number(match[2]))
    runs.set(track, list)
  }
  return runs
}

describe('a relay feed with an Enhanced RTMP multitrack stream', () => {
  it('after a restart starts with every track’s headers (not only the last one), then a track-0 keyframe', () => {
    const feed = linked()
    const headers = multitrackHeaders()
    for (const m of [...headers, ...multitrackFrames(0, 15)]) feed.push(m)
    drain(feed)
    feed.restart() // the destination reconnects
    const results = multitrackFrames(15, 25).map((m) => feed.push(m))
    // frames 15..19 of both tracks and their audio wait for track 0's key frame 20
    expect(results.slice(0, 20).every((r) => r === 'waiting')).toBe(true)
    const out = drain(feed)
    expect(labels(out)).toEqual(['meta', ...HEADER_LABELS, ...[20, 21, 22, 23, 24].flatMap((n) => frameLabels(n))])
    expect(out.slice(0, 6).map((m) => m.timestamp)).toEqual([800, 800, 800, 800, 800, 800])
    // the publisher's payloads, shared
    out.slice(0, 5).forEach((m, i) => expect(m.data).toBe(headers[i]!.data))
  })

  it('keeps each track’s HDR metadata and forgets a track whose sequence ended', () => {
    const feed = linked()
    for (const m of multitrackHeaders()) feed.push(m)
    feed.push({ type: 'video', timestamp: 0, data: mtVideo('key', 'meta', 'one', [HEVC1]) }) // track 1 colorInfo
    for (const m of multitrackFrames(0, 5)) feed.push(m)
    feed.push({ type: 'audio', timestamp: 200, data: mtAudio('end', 'one', [EAC3_1]) }) // track 1 audio ends
    feed.restart()
    for (const m of multitrackFrames(10, 11)) feed.push(m)
    expect(labels(drain(feed))).toEqual(['meta', 'avc:H', 'MT[1 hvc1:KS0]', 'MT[1 hvc1:KM0]', 'aac:H', ...frameLabels(10)])
  })

  it('does not start at a key frame of another track alone', () => {
    const feed = linked()
    for (const m of multitrackHeaders()) feed.push(m)
    expect(feed.push(mtKey(0))).toBe('waiting') // track 1 only
    const twoOthers = mtVideo('key', 'coded', 'many', [HEVC1, { id: 2, fourCc: 'hvc1' }], 1)
    expect(feed.push({ type: 'video', timestamp: 40, data: twoOthers })).toBe('waiting')
    expect(feed.push({ type: 'audio', timestamp: 50, data: mtAudio('coded', 'one', [EAC3_1], 1) })).toBe('waiting')
    expect(feed.waiting).toBe(true)
    // a message that carries track 0 as a key frame does start it
    const withDefault = mtVideo('key', 'coded', 'many', [{ id: 0, fourCc: 'hvc1' }, HEVC1], 2)
    expect(feed.push({ type: 'video', timestamp: 80, data: withDefault })).toBe('queued')
    expect(labels(drain(feed))).toEqual(['meta', ...HEADER_LABELS, 'MT[0 hvc1:KC2|1 hvc1:KC2]'])
  })

  it('while holding keeps only the latest track-0 GOP: a key frame of another track alone does not empty it', () => {
    const feed = new RelayFeed(roomy)
    for (const m of [...multitrackHeaders(), ...multitrackFrames(0, 25)]) feed.push(m)
    const before = feed.length
    expect(feed.push(mtKey(25))).toBe('queued') // track 1 only, not aligned with track 0
    expect(feed.length).toBe(before + 1)
    const out = drain(feed)
    expect(labels(out).slice(0, 9)).toEqual(['meta', ...HEADER_LABELS, ...frameLabels(20)])
    expect(label(out.at(-1)!)).toBe('MT[1 hvc1:KC25]')
  })

  it('over a soft limit drops every track’s dependent frames up to track 0’s next keyframe', () => {
    const feed = linked(normalizeRelayQueueLimits({ maxMessages: 12, hardMaxMessages: 1000 }))
    const results = [...multitrackHeaders(), ...multitrackFrames(0, 30)].map((m) => feed.push(m))
    expect(results).toContain('dropped')
    const out = drain(feed)
    // 5 headers + 4 messages per frame: over 12 queued during frame 1; frames 2..9 of both tracks dropped
    const runs = videoRuns(out)
    expect(runs.get('0')).toEqual([[0, 1], [10], [20]])
    expect(runs.get('1')).toEqual([[0, 1], [10], [20]])
    expect(out.filter((m) => m.type === 'audio' && !/:S0\]|aac:H/.test(label(m)))).toHaveLength(60) // audio: all of it
    expect(feed.dropped).toBe(2 * (8 + 9 + 9))
  })

  it('does not end a drop at a key frame of another track alone', () => {
    const feed = linked(normalizeRelayQueueLimits({ maxMessages: 8, hardMaxMessages: 1000 }))
    for (const m of [...multitrackHeaders(), ...multitrackFrames(0, 1)]) feed.push(m) // 9 queued: congested
    expect(feed.push(mtInter(1))).toBe('dropped')
    drain(feed)
    expect(feed.push(mtKey(2))).toBe('queued') // independent: it goes, but track 0 is still mid-drop
    expect(feed.push(avcFrame(2, false))).toBe('dropped')
    expect(feed.push(mtInter(3))).toBe('dropped')
    expect(feed.push(avcFrame(4, true))).toBe('queued')
    expect(feed.push(mtKey(4))).toBe('queued')
    expect(feed.push(mtInter(5))).toBe('queued')
    expect(labels(drain(feed))).toEqual(['MT[1 hvc1:KC2]', 'avc:K4', 'MT[1 hvc1:KC4]', 'MT[1 hvc1:IC5]'])
  })

  it('after reset() forgets the previous publisher’s tracks', () => {
    const feed = linked()
    for (const m of [...multitrackHeaders(), ...multitrackFrames(0, 2)]) feed.push(m)
    feed.reset()
    feed.push({ type: 'video', timestamp: 0, data: avcHeader })
    for (const m of multitrackFrames(0, 1)) feed.push(m)
    expect(labels(drain(feed))).toEqual(['avc:H', ...frameLabels(0)])
  })

  it('whatever it is fed and however it is drained, starts with every header and sends GOP prefixes on every track', () => {
    const rng = createRng()
    for (let run = 0; run < 40; run++) {
      const limits = normalizeRelayQueueLimits({ maxMessages: rng.int(4, 40), hardMaxMessages: rng.int(41, 120), maxBytes: 1 << 20 })
      const feed = new RelayFeed(limits)
      feed.holding = rng.bool()
      const out: MediaMessage[] = []
      const starts: number[] = [0]
      for (const m of [...multitrackHeaders(), ...multitrackFrames(0, rng.int(1, 80), rng.int(1, 12))]) {
        if (feed.push(m) === 'overflow') starts.push(out.length)
        if (feed.holding) {
          if (rng.int(0, 10) === 0) feed.holding = false // a destination connected
          continue // nobody takes messages meanwhile
        }
        for (let n = rng.bool() ? rng.int(0, 6) : 0; n > 0; n--) {
          const x = feed.shift()
          if (x) out.push(x)
        }
        if (rng.int(0, 30) === 0) {
          // the destination was lost (what PushDestination does): hold, and start over for the next one
          feed.holding = true
          feed.restart()
          starts.push(out.length)
        }
      }
      out.push(...drain(feed))
      // each start (and restart after an overflow) opens with every header and a track-0 key frame, as far as it got
      starts.forEach((at, i) => {
        const got = labels(out.slice(at, Math.min(at + 6, starts[i + 1] ?? out.length)))
        const opening = ['meta', ...HEADER_LABELS, 'avc:K']
        expect(got.map((l) => l.replace(/\d+$/, '')), `seed ${rng.seed}`).toEqual(opening.slice(0, got.length))
      })
      for (const [track, runs] of videoRuns(out)) {
        for (const r of runs) {
          expect(r, `seed ${rng.seed}: track ${track} frame whose reference was dropped`).toEqual(Array.from({ length: r.length }, (_, i) => r[0]! + i))
        }
      }
    }
  })
})
