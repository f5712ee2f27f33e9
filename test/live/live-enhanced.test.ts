import { describe as suite, expect, it } from 'vitest'
import { LiveRouter, type LiveRouterOptions } from '../../src/live/live-router'
import type { MediaMessage } from '../../src/media/media-message'
import { describe, exAudio, exVideo, exVideoNano, type VideoPt } from './enhanced-frames'
import { FakeClock, RecordingSink, data, metadata, audio, video } from './live-harness'

// Single-track Enhanced RTMP streams (HEVC, AV1, VP9 video; Opus, FLAC audio) through the live hub: what a
// late joiner needs (onMetaData, SequenceStart, HDR colorInfo, multichannel config) and the GOP from the
// last key coded frame.

function setup(options: LiveRouterOptions = {}) {
  const router = new LiveRouter({ clock: new FakeClock(), ...options })
  const publisher = router.publish('live', 'cam')!
  const join = (start: 'gop' | 'live' = 'gop'): RecordingSink => {
    const sink = new RecordingSink()
    router.subscribe('live', 'cam', sink, { start })
    return sink
  }
  return { router, publisher, join }
}

/** What a sink got, as `label@timestamp` (labels: see enhanced-frames `describe`). */
function got(sink: RecordingSink): string[] {
  return sink.events.flatMap((e) => ('data' in e ? [`${describe({ type: e.kind, timestamp: e.timestamp, data: e.data })}@${e.timestamp}`] : []))
}
const at = (m: MediaMessage, t = m.timestamp): string => `${describe(m)}@${t}`

interface Codec {
  name: string
  video: string
  audio: string
  /** the packet type its key frames use */
  keyPt: VideoPt
}

const codecs: Codec[] = [
  { name: 'HEVC + Opus', video: 'hvc1', audio: 'Opus', keyPt: 'coded' },
  { name: 'AV1 + FLAC', video: 'av01', audio: 'fLaC', keyPt: 'codedX' },
  { name: 'VP9 + Opus', video: 'vp09', audio: 'Opus', keyPt: 'coded' },
]

/** onMetaData, SequenceStarts, then 25 fps video (a key frame every `gop`) with one audio frame per video frame. */
function stream(c: Codec, frames: number, gop = 5): MediaMessage[] {
  const out: MediaMessage[] = [data(0, metadata), video(0, exVideo('key', 'seq', c.video)), audio(0, exAudio('seq', c.audio))]
  for (let n = 0; n < frames; n++) {
    const t = n * 40
    const inter = n % 2 ? 'codedX' : 'coded'
    out.push(video(t, n % gop === 0 ? exVideo('key', c.keyPt, c.video, n) : exVideo('inter', inter, c.video, n)))
    out.push(audio(t + 20, exAudio('coded', c.audio, n)))
  }
  return out
}

suite('single-track Enhanced RTMP through the live hub', () => {
  for (const c of codecs) {
    it(`gives a late joiner onMetaData, SequenceStarts, then the GOP from the last key frame (${c.name})`, () => {
      const { publisher, join } = setup()
      const msgs = stream(c, 8) // key frames 0 and 5
      for (const m of msgs) publisher.write(m)
      const sink = join()
      const gopStart = msgs.findIndex((m, i) => i > 3 && m.type === 'video' && (m.data[0]! & 0x70) === 0x10 && m.timestamp === 200)
      expect(gopStart).toBeGreaterThan(3)
      const t = msgs[gopStart]!.timestamp
      expect(got(sink)).toEqual([...msgs.slice(0, 3).map((m) => at(m, t)), ...msgs.slice(gopStart).map((m) => at(m))])
      expect(got(sink)[3]).toBe(`${c.video}:K${c.keyPt === 'coded' ? 'C' : 'X'}5@200`)
    })

    it(`passes every message through, as published, to a subscriber that was there first (${c.name})`, () => {
      const { publisher, join } = setup()
      const sink = join()
      const msgs = stream(c, 6)
      for (const m of msgs) publisher.write(m)
      expect(sink.events.flatMap((e) => ('data' in e ? [e.data] : []))).toEqual(msgs.map((m) => m.data))
      // shared, not copied
      expect((sink.events[1] as { data: Uint8Array }).data).toBe(msgs[1]!.data)
    })
  }

  it("starts a 'live' joiner at the next key frame after the SequenceStarts", () => {
    const c = codecs[0]!
    const { publisher, join } = setup()
    const msgs = stream(c, 12)
    for (const m of msgs.slice(0, 3 + 2 * 7)) publisher.write(m) // frames 0..6
    const sink = join('live')
    for (const m of msgs.slice(3 + 2 * 7)) publisher.write(m)
    expect(got(sink).slice(0, 4)).toEqual(['data@260', 'hvc1:KS0@260', 'Opus:S0@260', 'hvc1:KC10@400'])
  })

  it('replays the latest HDR colorInfo (video Metadata) and multichannel config, which never enter the GOP', () => {
    const { publisher, join } = setup()
    publisher.write(video(0, exVideo('key', 'meta', 'hvc1', 1)))
    publisher.write(video(0, exVideo('key', 'seq', 'hvc1')))
    publisher.write(audio(0, exAudio('mcc', 'Opus', 1)))
    publisher.write(audio(0, exAudio('seq', 'Opus')))
    publisher.write(video(0, exVideo('key', 'coded', 'hvc1', 0)))
    publisher.write(video(40, exVideo('key', 'meta', 'hvc1', 2))) // replaces colorInfo 1
    publisher.write(video(80, exVideo('inter', 'coded', 'hvc1', 2)))
    expect(got(join())).toEqual(['hvc1:KS0@0', 'hvc1:KM2@0', 'Opus:C1@0', 'Opus:S0@0', 'hvc1:KC0@0', 'hvc1:IC2@80'])
  })

  it('forgets a sequence header at its SequenceEnd, with the GOP that needed it, and keeps the next one', () => {
    const { publisher, join } = setup()
    publisher.write(video(0, exVideo('key', 'seq', 'hvc1')))
    publisher.write(audio(0, exAudio('seq', 'fLaC')))
    publisher.write(video(0, exVideo('key', 'coded', 'hvc1', 0)))
    publisher.write(video(40, exVideo('inter', 'coded', 'hvc1', 1)))
    publisher.write(video(80, exVideo('key', 'end', 'hvc1')))
    // nothing decodable is left: a joiner gets the audio header and waits for a key frame
    const between = join()
    expect(got(between)).toEqual(['fLaC:S0@80'])
    // the publisher switches codec
    publisher.write(video(80, exVideo('key', 'seq', 'av01', 9)))
    publisher.write(video(80, exVideo('key', 'codedX', 'av01', 2)))
    publisher.write(video(120, exVideo('inter', 'codedX', 'av01', 3)))
    expect(got(between).slice(1)).toEqual(['av01:KS9@80', 'av01:KX2@80', 'av01:IX3@120'])
    expect(got(join())).toEqual(['av01:KS9@80', 'fLaC:S0@80', 'av01:KX2@80', 'av01:IX3@120'])
  })

  it('keeps only the newest SequenceStart of a track, and an audio SequenceEnd forgets the audio header only', () => {
    const { publisher, join } = setup()
    publisher.write(video(0, exVideo('key', 'seq', 'vp09', 1)))
    publisher.write(video(0, exVideo('key', 'seq', 'vp09', 2)))
    publisher.write(audio(0, exAudio('seq', 'Opus', 1)))
    publisher.write(video(0, exVideo('key', 'coded', 'vp09', 0)))
    publisher.write(audio(20, exAudio('end', 'Opus')))
    expect(got(join())).toEqual(['vp09:KS2@0', 'vp09:KC0@0', 'Opus:E@20'])
  })

  it('starts the GOP at a key frame behind a ModEx TimestampOffsetNano wrapper', () => {
    const { publisher, join } = setup()
    publisher.write(video(0, exVideo('key', 'seq', 'av01')))
    publisher.write(video(0, exVideoNano('key', 'codedX', 'av01', 0, 500_000)))
    publisher.write(video(40, exVideoNano('inter', 'codedX', 'av01', 1, 250_000)))
    publisher.write(video(80, exVideoNano('key', 'codedX', 'av01', 2, 0)))
    publisher.write(video(120, exVideoNano('inter', 'codedX', 'av01', 3, 0)))
    expect(got(join())).toEqual(['av01:KS0@80', 'av01:KX2~nano@80', 'av01:IX3~nano@120'])
  })
})
