import { describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import { DEFAULT_PLAYER_LIMITS, normalizePlayerLimits, type PlayerLimits } from '../../src/live/live-options'
import { gateFrame, PlayerGate, type GateDecision, type GateFrame } from '../../src/live/player-gate'
import type { MediaMessage } from '../../src/media/media-message'
import { hex } from '../helpers/hex'
import { property } from '../helpers/rng'
import { describe as label, mtAudio, mtVideo, type Track } from './enhanced-frames'
import {
  aacFrame,
  aacHeader,
  audio,
  avcHeader,
  avStream,
  data,
  FakeClock,
  interframe,
  keyframe,
  metadata,
  RecordingSink,
  video,
  writeInRealTime,
} from './live-harness'

const limits = (o: Partial<PlayerLimits>): PlayerLimits => normalizePlayerLimits(o)

const T0: Track = { id: 0, fourCc: 'hvc1' }
const T1: Track = { id: 1, fourCc: 'av01' }

describe('gateFrame', () => {
  const cases: Array<[string, GateFrame, MediaMessage]> = [
    ['an AVC keyframe', 'keyframe', video(0, keyframe(1))],
    ['an AVC inter frame', 'dependent', video(0, interframe(1))],
    ['an AVC disposable frame', 'dependent', video(0, hex`37 01 00 00 00 aa`)],
    ['an AVC sequence header (frame type key)', 'other', video(0, avcHeader)],
    ['an AVC end of sequence', 'other', video(0, hex`17 02 00 00 00`)],
    ['a legacy video command frame', 'other', video(0, hex`57 00`)],
    ['a VP6 keyframe', 'keyframe', video(0, hex`14 00 aa`)],
    ['a VP6 inter frame', 'dependent', video(0, hex`24 00 aa`)],
    // Enhanced RTMP: 0x80 | frame type << 4 | packet type, then the FourCC
    ['an Enhanced SequenceStart', 'other', video(0, hex`90 68 76 63 31 01 02`)],
    ['an Enhanced CodedFrames keyframe', 'keyframe', video(0, hex`91 68 76 63 31 00 00 00 aa`)],
    ['an Enhanced CodedFramesX inter frame', 'dependent', video(0, hex`a3 68 76 63 31 aa`)],
    ['an Enhanced SequenceEnd', 'other', video(0, hex`92 68 76 63 31`)],
    ['an Enhanced Metadata (HDR colorInfo) packet', 'other', video(0, hex`94 68 76 63 31 02 00 09`)],
    ['video with a reserved frame type (a frame of something unknown)', 'dependent', video(0, hex`07 01 00 00 00`)],
    ['an Enhanced command frame', 'other', video(0, hex`d1 00`)],
    ['an AAC frame', 'other', audio(0, aacFrame(1))],
    ['an AAC sequence header', 'other', audio(0, aacHeader)],
    ['onMetaData', 'other', data(0, metadata)],
    // Enhanced RTMP v2 multitrack: the GOP boundary is a key frame of the default track (trackId 0)
    ['a Multitrack key frame with track 0', 'keyframe', video(0, mtVideo('key', 'coded', 'mixed', [T0, T1]))],
    ['a Multitrack inter frame with track 0', 'dependent', video(0, mtVideo('inter', 'codedX', 'many', [T0, { id: 1, fourCc: 'hvc1' }]))],
    ['a OneTrack key frame of track 1 (passes, ends no drop)', 'other', video(0, mtVideo('key', 'coded', 'one', [T1]))],
    ['a OneTrack inter frame of track 1', 'dependent', video(0, mtVideo('inter', 'coded', 'one', [T1]))],
    ['a Multitrack SequenceStart', 'other', video(0, mtVideo('key', 'seq', 'mixed', [T0, T1]))],
    ['a Multitrack HDR colorInfo of track 1', 'other', video(0, mtVideo('inter', 'meta', 'one', [T1]))],
    ['a Multitrack SequenceEnd of track 1 (frame type inter)', 'other', video(0, mtVideo('inter', 'end', 'one', [T1]))],
    ['a Multitrack audio frame', 'other', audio(0, mtAudio('coded', 'one', [{ id: 1, fourCc: 'Opus' }]))],
  ]
  it.each(cases)('classes %s as %s', (_name, expected, msg) => {
    expect(gateFrame(msg)).toBe(expected)
  })
})

describe('normalizePlayerLimits', () => {
  it('fills in the defaults: 16 MiB hard, 2 MiB before video is dropped, 10 s behind', () => {
    expect(normalizePlayerLimits()).toEqual(DEFAULT_PLAYER_LIMITS)
    expect(DEFAULT_PLAYER_LIMITS).toEqual({ maxBufferedBytes: 16 << 20, dropBufferedBytes: 2 << 20, maxLagMs: 10_000 })
  })

  it('takes Infinity (never) and replaces NaN and negative values with the default', () => {
    expect(normalizePlayerLimits({ dropBufferedBytes: Infinity, maxLagMs: Infinity })).toMatchObject({ dropBufferedBytes: Infinity, maxLagMs: Infinity })
    expect(normalizePlayerLimits({ dropBufferedBytes: Number.NaN, maxLagMs: -1 })).toEqual(DEFAULT_PLAYER_LIMITS)
  })
})

/** A message of the scripted sequences below, with the bytes its sink holds unsent when it arrives. */
interface Step {
  frame: GateFrame
  buffered: number
  /** serial of the GOP a video frame belongs to */
  gop: number
}

describe('PlayerGate dropping video', () => {
  const l = limits({ maxBufferedBytes: 10_000, dropBufferedBytes: 1000, maxLagMs: Infinity })
  const OK = 0
  const FULL = 5000 // over the drop limit, under the hard one

  it('drops from the first inter frame seen over the limit to the next keyframe; audio and headers pass', () => {
    const gate = new PlayerGate(l)
    const script: Array<[GateFrame, number]> = [
      ['keyframe', OK],
      ['dependent', OK],
      ['other', FULL], // audio while congested: sent
      ['keyframe', FULL], // a keyframe while congested: sent
      ['dependent', FULL], // dropped: the GOP's tail goes from here
      ['other', OK], // a sequence header or audio in the dropped tail: sent
      ['dependent', OK], // not congested any more, but its reference is gone: dropped
      ['keyframe', FULL], // the next GOP starts: sent
      ['dependent', OK],
      ['dependent', FULL],
      ['dependent', OK],
    ]
    const decisions = script.map(([frame, buffered], i) => gate.decide(frame, buffered, i))
    expect(decisions).toEqual<GateDecision[]>(['send', 'send', 'send', 'send', 'drop', 'send', 'drop', 'send', 'send', 'drop', 'drop'])
    expect(gate.dropped).toBe(4)
  })

  it('loses only GOP tails: in every GOP the frames sent are the keyframe and the frames before the first congested one', () => {
    property(100, (rng) => {
      const gate = new PlayerGate(l)
      const steps: Step[] = []
      let gop = -1
      for (let i = 0; i < 300; i++) {
        const frame: GateFrame = i === 0 || rng.int(0, 14) === 0 ? 'keyframe' : rng.bool() ? 'dependent' : 'other'
        if (frame === 'keyframe') gop++
        // runs of congestion of random lengths
        const congested = rng.int(0, 9) < 2
        steps.push({ frame, gop, buffered: congested ? rng.int(l.dropBufferedBytes + 1, l.maxBufferedBytes) : rng.int(0, l.dropBufferedBytes) })
      }
      const decisions = steps.map((s, i) => gate.decide(s.frame, s.buffered, i))

      expect(decisions).not.toContain('disconnect')
      const notSent = steps.flatMap((s, i) => (s.frame !== 'dependent' && decisions[i] !== 'send' ? [`${i} ${s.frame}`] : []))
      expect(notSent, 'keyframes and other messages are always sent').toEqual([])
      for (let g = 0; g <= gop; g++) {
        const frames = steps.map((s, i) => ({ ...s, i })).filter((s) => s.gop === g && s.frame === 'dependent')
        const firstCongested = frames.findIndex((s) => s.buffered > l.dropBufferedBytes)
        const kept = firstCongested < 0 ? frames.length : firstCongested
        expect(frames.map((s) => decisions[s.i]), `GOP ${g}`).toEqual(frames.map((_, k) => (k < kept ? 'send' : 'drop')))
      }
      expect(gate.dropped).toBe(decisions.filter((d) => d === 'drop').length)
    })
  })

  it('drops nothing for a sink that owns its queue, and never disconnects it for lag', () => {
    const gate = new PlayerGate(limits({ maxBufferedBytes: 10_000, dropBufferedBytes: 1000, maxLagMs: 100 }), true)
    const decisions = (['keyframe', 'dependent', 'dependent', 'keyframe', 'dependent'] as const).map((f, i) => gate.decide(f, FULL, i * 1000))
    expect(decisions).toEqual(['send', 'send', 'send', 'send', 'send'])
    expect(gate.dropped).toBe(0)
    expect(gate.decide('other', 10_001, 6000)).toBe('disconnect') // the hard limit still holds
    expect(gate.bound).toBe('maxBufferedBytes')
  })
})

describe('PlayerGate disconnecting', () => {
  it('disconnects once the sink holds more than maxBufferedBytes, before or after a write, whatever the message', () => {
    const l = limits({ maxBufferedBytes: 10_000, dropBufferedBytes: 1000 })
    for (const frame of ['keyframe', 'dependent', 'other'] as const) {
      const gate = new PlayerGate(l)
      expect(gate.decide(frame, 10_000, 0)).not.toBe('disconnect')
      expect(gate.bound).toBeUndefined()
      expect(gate.decide(frame, 10_001, 1)).toBe('disconnect')
      expect(gate.bound).toBe('maxBufferedBytes')
      expect(gate.reason).toContain('10000')
    }
    const gate = new PlayerGate(l)
    expect(gate.afterWrite(10_000)).toBe('send')
    expect(gate.afterWrite(10_001)).toBe('disconnect')
    expect(gate.bound).toBe('maxBufferedBytes')
  })

  it('disconnects a sink over the drop limit at every message for more than maxLagMs', () => {
    const l = limits({ maxBufferedBytes: 1 << 20, dropBufferedBytes: 1000, maxLagMs: 2000 })
    const clock = new FakeClock()
    const t0 = clock.now()
    const gate = new PlayerGate(l)
    const step = (buffered: number, frame: GateFrame = 'other'): GateDecision => {
      const d = gate.decide(frame, buffered, clock.now())
      clock.advance(100)
      return d
    }
    for (let i = 0; i < 10; i++) expect(step(5000)).toBe('send') // behind for 1 s
    expect(step(1000)).toBe('send') // caught up, at the limit: the run ends
    const runStart = clock.now()
    while (clock.now() - runStart <= l.maxLagMs) expect(step(5000), `${clock.now() - runStart} ms behind`).toBe('send')
    expect(gate.bound).toBeUndefined()
    expect(step(5000)).toBe('disconnect')
    expect(gate.bound).toBe('maxLagMs')
    expect(gate.reason).toContain('2000 ms')
    expect(clock.now() - t0).toBeGreaterThan(1000 + l.maxLagMs)
  })

  it('never disconnects for lag when maxLagMs is Infinity', () => {
    const gate = new PlayerGate(limits({ maxBufferedBytes: 1 << 20, dropBufferedBytes: 1000, maxLagMs: Infinity }))
    for (let t = 0; t < 10 * 3600_000; t += 60_000) expect(gate.decide('other', 5000, t)).toBe('send')
  })
})

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

/** A sink whose unsent bytes follow a script of media time (ms since the broadcast started). */
class ScriptedSink extends RecordingSink {
  constructor(
    private readonly clock: FakeClock,
    private readonly t0: number,
    private readonly script: (ms: number) => number,
  ) {
    super()
  }

  override get bufferedBytes(): number {
    return this.script(this.clock.now() - this.t0)
  }
}

class OwnQueueSink extends ScriptedSink {
  readonly ownsQueue = true
}

/** Video frame numbers a sink got (the last byte of each synthetic frame), headers left out. */
function videoFrames(sink: RecordingSink): Array<{ n: number; key: boolean }> {
  return sink.events.flatMap((e) => ('data' in e && e.kind === 'video' && e.data.length === 11 ? [{ n: e.data[10]!, key: e.data[0] === 0x17 }] : []))
}

describe('a LiveRouter with a player that falls behind', () => {
  it('drops GOP tails for it, then disconnects it once it stays behind; the other subscribers get everything', () => {
    const clock = new FakeClock()
    const players = { maxBufferedBytes: 1 << 20, dropBufferedBytes: 4000, maxLagMs: 1500 }
    const router = new LiveRouter({ clock, players })
    const t0 = clock.now()
    // congested for 200 ms in the 2nd second and 100 ms in the 4th, then from 6 s on for good
    const script = (ms: number): number => ((ms >= 1200 && ms < 1400) || (ms >= 3500 && ms < 3600) || ms >= 6000 ? 8000 : 0)
    const fast = new RecordingSink()
    const slow = new ScriptedSink(clock, t0, script)
    const owner = new OwnQueueSink(clock, t0, script)
    router.subscribe('live', 'cam', fast)
    const slowSub = router.subscribe('live', 'cam', slow)
    router.subscribe('live', 'cam', owner)
    const pub = router.publish('live', 'cam')!
    const stream = avStream({ seconds: 10, gop: 25 }) // keyframe every second
    writeInRealTime(clock, pub, stream)

    const published = stream.filter((m) => m.type === 'video' && m.data.length === 11).map((m) => m.data[10])
    expect(videoFrames(fast).map((f) => f.n)).toEqual(published)
    expect(videoFrames(owner).map((f) => f.n)).toEqual(published)
    expect(owner.statuses()).toEqual(['publishStarted'])

    // the slow one: every frame after a gap is a keyframe, the audio has no gap until it is dropped
    const got = videoFrames(slow)
    got.forEach((f, i) => {
      if (i > 0 && f.n !== got[i - 1]!.n + 1) expect(f.key, `frame ${f.n} after ${got[i - 1]!.n}`).toBe(true)
    })
    const serials = got.map((f) => f.n)
    // frame n is at n × 40 ms, keyframes every 25: congestion at 1200 ms (frame 30) drops 30..49, at 3520 ms 88..99
    expect(serials.filter((n) => n >= 25 && n < 100)).toEqual([...range(25, 30), ...range(50, 88)])
    const audioSerials = slow.events.flatMap((e) => ('data' in e && e.kind === 'audio' && e.data.length === 3 ? [e.timestamp] : []))
    const publishedAudio = stream.filter((m) => m.type === 'audio' && m.data.length === 3).map((m) => m.timestamp)
    expect(audioSerials).toEqual(publishedAudio.slice(0, audioSerials.length))

    expect(slow.statuses()).toEqual(['publishStarted', 'abort'])
    expect(slow.events.at(-1)).toEqual({ kind: 'abort', code: 'RTMP_ERR_SLOW_CONSUMER' })
    // behind from 6000 ms on: dropped at the first message more than 1500 ms later
    const lastTimestamp = slow.events.flatMap((e) => ('data' in e ? [e.timestamp] : [])).at(-1)!
    expect(lastTimestamp).toBeGreaterThanOrEqual(6000 + players.maxLagMs - 40)
    expect(lastTimestamp).toBeLessThanOrEqual(6000 + players.maxLagMs + 40)

    const dropped = published.length - got.length - published.filter((n) => n! * 40 > lastTimestamp).length
    expect(slowSub.droppedFrames).toBe(dropped)
    expect(router.streamStats('live', 'cam')).toMatchObject({ droppedFrames: dropped, slowSubscribersDropped: 1, subscribers: 2 })
  })
})

/** A sink that takes multitrack messages as published. */
class MultitrackScriptedSink extends ScriptedSink {
  readonly multitrack = true
}

describe('a LiveRouter with multitrack subscribers that fall behind', () => {
  // what ffmpeg 9 publishes: track 0 as legacy AVC, track 1 (HEVC) as Multitrack OneTrack messages, keyframes
  // aligned; at the second keyframe track 1's message comes first
  const HEVC: Track = { id: 1, fourCc: 'hvc1' }
  const GOP = 10
  function stream(frames: number, hevcKeyAt = 0): MediaMessage[] {
    const out: MediaMessage[] = [data(0, metadata), video(0, avcHeader), video(0, mtVideo('key', 'seq', 'one', [HEVC])), audio(0, aacHeader)]
    for (let n = 0; n < frames; n++) {
      const key = n % GOP === 0
      const hevcKey = n === 0 || n % GOP === hevcKeyAt
      const pair = [video(n * 40, key ? keyframe(n) : interframe(n)), video(n * 40, mtVideo(hevcKey ? 'key' : 'inter', 'coded', 'one', [HEVC], n))]
      out.push(...(n === GOP ? pair.reverse() : pair), audio(n * 40 + 20, aacFrame(n)))
    }
    return out
  }
  /** `T<track> <n>` of every coded video frame a sink got */
  const frames = (sink: RecordingSink): string[] =>
    sink.events.flatMap((e) => {
      if (!('data' in e) || e.kind !== 'video') return []
      if (e.data[0] === 0x17 || e.data[0] === 0x27) return e.data[1] === 1 ? [`T0 ${e.data.at(-1)}`] : []
      const m = /^MT\[1 hvc1:[KI]C(\d+)\]$/.exec(label({ type: 'video', timestamp: 0, data: e.data }))
      return m ? [`T1 ${m[1]}`] : []
    })

  function run(hevcKeyAt: number) {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock, players: { maxBufferedBytes: 1 << 20, dropBufferedBytes: 1000, maxLagMs: Infinity } })
    const t0 = clock.now()
    const script = (ms: number): number => (ms >= 120 && ms < 200 ? 5000 : 0) // behind at frames 3 and 4
    const single = new ScriptedSink(clock, t0, script)
    const multi = new MultitrackScriptedSink(clock, t0, script)
    const singleSub = router.subscribe('live', 'cam', single)
    const multiSub = router.subscribe('live', 'cam', multi)
    const pub = router.publish('live', 'cam')!
    writeInRealTime(clock, pub, stream(2 * GOP, hevcKeyAt))
    return { single, multi, singleSub, multiSub }
  }

  it('drops every track from the first dropped frame to the next key frame of track 0; key frames always pass', () => {
    const { single, multi, singleSub, multiSub } = run(0)
    const kept = [0, 1, 2, ...range(GOP, 2 * GOP)]
    // the single-track sink gets track 0 only, and loses the tail of its first GOP
    expect(frames(single)).toEqual(kept.map((n) => `T0 ${n}`))
    expect(singleSub.droppedFrames).toBe(GOP - 3)
    // the multitrack sink loses the same frames of both tracks; track 1's key frame before track 0's passes
    expect(frames(multi)).toEqual(kept.flatMap((n) => (n === GOP ? [`T1 ${n}`, `T0 ${n}`] : [`T0 ${n}`, `T1 ${n}`])))
    expect(multiSub.droppedFrames).toBe(2 * (GOP - 3))
    // audio was never dropped
    for (const sink of [single, multi]) expect(sink.events.filter((e) => e.kind === 'audio')).toHaveLength(1 + 2 * GOP)
  })

  it('does not end a drop at a key frame of another track: track 0 would go on without its reference', () => {
    const { single, multi } = run(5) // track 1 key frames at frames 0, 5 and 15
    const kept = [0, 1, 2, ...range(GOP, 2 * GOP)]
    expect(frames(single)).toEqual(kept.map((n) => `T0 ${n}`))
    // track 1's key frame at 5 is sent (a key frame always is), the frames of both tracks after it are not, up
    // to track 0's next key frame (track 1's inter frame 10 comes just before it). Track 1 is not whole again
    // before its own next key frame (15): the limit of gating every track on track 0's GOPs.
    const t0 = kept.map((n) => `T0 ${n}`)
    const t1 = [0, 1, 2, 5, ...range(GOP + 1, 2 * GOP)].map((n) => `T1 ${n}`)
    expect(frames(multi).filter((f) => f.startsWith('T0'))).toEqual(t0)
    expect(frames(multi).filter((f) => f.startsWith('T1'))).toEqual(t1)
  })
})
