import { describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import { RateMeter } from '../../src/live/rate-meter'
import { FakeClock, RecordingSink, aacHeader, avStream, data, metadata, video, writeInRealTime } from './live-harness'

describe('RateMeter', () => {
  it('averages over the window, or over the time since the first sample when that is shorter', () => {
    const m = new RateMeter(5000)
    expect(m.bitsPerSecond(0)).toBe(0)
    m.add(1000, 10_000)
    m.add(1000, 10_500)
    expect(m.bitsPerSecond(11_000)).toBe(16_000) // 2000 bytes over 1 s
    for (let t = 11_000; t <= 30_000; t += 100) m.add(100, t)
    expect(m.bitsPerSecond(30_000)).toBeCloseTo(8000, -3) // 1000 B/s
    expect(m.bitsPerSecond(60_000)).toBe(0) // nothing in the last window
  })
})

describe('LiveRouter statistics on a synthetic stream', () => {
  // 25 fps video of 1000-byte frames (200 kbit/s), 50 audio frames/s of 100 bytes (40 kbit/s), keyframe every second
  const stream = avStream({ seconds: 10, videoSize: 1000, audioSize: 100 })

  it('counts bytes, frames and keyframes, reads codecs, size and audio format, and measures bitrates', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock })
    const started = clock.now()
    const a = new RecordingSink()
    const b = new RecordingSink()
    router.subscribe('live', 'cam', a)
    router.subscribe('live', 'cam', b)
    const pub = router.publish('live', 'cam')!
    writeInRealTime(clock, pub, stream)

    const s = router.streamStats('live', 'cam')!
    const bytesIn = stream.reduce((n, m) => n + m.data.length, 0)
    expect(s).toMatchObject({
      app: 'live',
      name: 'cam',
      state: 'publishing',
      publishingSince: started,
      uptimeMs: 9980,
      bytesIn,
      bytesOut: 2 * bytesIn,
      subscribers: 2,
      peakSubscribers: 2,
      slowSubscribersDropped: 0,
      video: {
        codec: 'avc',
        width: 1280, // from the SPS, not the 640x360 onMetaData claims
        height: 720,
        profile: 77,
        level: 31,
        frames: 250,
        keyframes: 10,
        bytes: 250 * 1000 + stream[1]!.data.length,
        lastKeyframeIntervalMs: 1000,
      },
      audio: { codec: 'aac', sampleRate: 44100, channels: 2, objectType: 2, frames: 500, bytes: 500 * 100 + aacHeader.length },
    })
    expect(s.bitrateIn / 240_000).toBeCloseTo(1, 1)
    expect(s.bitrateOut / 480_000).toBeCloseTo(1, 1)
    expect(s.gopCache.messages).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  })

  it('tracks subscribers now and at the peak, and counts slow ones dropped', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock, players: { maxBufferedBytes: 10_000 } })
    const pub = router.publish('live', 'cam')!
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()]
    const subs = sinks.map((s) => router.subscribe('live', 'cam', s))
    subs[0]!.unsubscribe()
    sinks[1]!.buffered = 20_000 // its connection stopped sending
    writeInRealTime(clock, pub, stream.slice(0, 10))
    expect(sinks[1]!.statuses()).toEqual(['abort'])
    expect(router.streamStats('live', 'cam')).toMatchObject({ subscribers: 1, peakSubscribers: 3, slowSubscribersDropped: 1 })
  })

  it('takes the picture size from onMetaData when the codec has no parsed sequence header', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock })
    const pub = router.publish('live', 'vp6')!
    pub.write(data(0, metadata))
    pub.write(video(0, new Uint8Array([0x14, 0, 1, 2]))) // key frame, On2 VP6
    pub.write(video(40, new Uint8Array([0x24, 0, 1, 2])))
    pub.write({ type: 'audio', timestamp: 0, data: new Uint8Array([0x2f, 1, 2]) }) // MP3, 44 kHz, 16 bit, stereo
    expect(router.streamStats('live', 'vp6')).toMatchObject({
      video: { codec: 'vp6', width: 640, height: 360, profile: null, frames: 2, keyframes: 1 },
      audio: { codec: 'mp3', sampleRate: 44100, channels: 2, frames: 1 },
    })
  })

  it('lists every stream, including ones with subscribers waiting and no publisher', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock })
    router.subscribe('live', 'waiting', new RecordingSink())
    router.publish('live', 'on')
    expect(router.stats().map((s) => [s.name, s.state, s.subscribers, s.video])).toEqual([
      ['waiting', 'idle', 1, null],
      ['on', 'publishing', 0, null],
    ])
    expect(router.streamStats('live', 'nothing')).toBeUndefined()
  })
})
