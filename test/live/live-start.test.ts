import { describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import type { MediaMessage } from '../../src/media/media-message'
import { FakeClock, RecordingSink, avStream } from './live-harness'

/** A router, a publisher and a synthetic stream (keyframes every 25 frames = 1 s), fed up to message `upTo`. */
function setup(options: ConstructorParameters<typeof LiveRouter>[0] = {}) {
  const clock = new FakeClock()
  const router = new LiveRouter({ clock, ...options })
  const publisher = router.publish('live', 'cam')!
  const messages = avStream({ seconds: 3 })
  let next = 0
  const feedUntil = (frame: number): void => {
    // video frame n is message 3 + 3n
    const stop = 3 + 3 * frame
    for (; next <= stop && next < messages.length; next++) publisher.write(messages[next] as MediaMessage)
  }
  return { router, publisher, feedUntil }
}

describe("subscribe(..., { start: 'gop' })", () => {
  it('gives a late joiner metadata, sequence headers at the GOP start, then the cached GOP', () => {
    const { router, feedUntil } = setup()
    feedUntil(27) // keyframe 25 at 1000 ms, then frames 26 and 27
    const sink = new RecordingSink()
    router.subscribe('live', 'cam', sink, { start: 'gop' })
    expect(sink.media()).toEqual([
      'meta@1000',
      'avcH@1000',
      'aacH@1000',
      'K25@1000',
      'a25@1000',
      'a25@1020',
      'P26@1040',
      'a26@1040',
      'a26@1060',
      'P27@1080',
    ])
    feedUntil(28)
    expect(sink.media().slice(10)).toEqual(['a27@1080', 'a27@1100', 'P28@1120'])
  })

  it('is the default, and the router option changes the default', () => {
    const a = setup()
    a.feedUntil(27)
    const gopSink = new RecordingSink()
    a.router.subscribe('live', 'cam', gopSink)
    expect(gopSink.media()[3]).toBe('K25@1000')

    const b = setup({ start: 'live' })
    b.feedUntil(27)
    const liveSink = new RecordingSink()
    b.router.subscribe('live', 'cam', liveSink)
    expect(liveSink.media()).toEqual(['meta@1080', 'avcH@1080', 'aacH@1080'])
  })

  it('waits for the next keyframe when the GOP outgrew the cache', () => {
    const { router, feedUntil } = setup({ gopCache: { maxDurationMs: 50 } })
    feedUntil(27)
    const sink = new RecordingSink()
    router.subscribe('live', 'cam', sink)
    expect(sink.media()).toEqual(['meta@1080', 'avcH@1080', 'aacH@1080'])
    feedUntil(50)
    expect(sink.media()[3]).toBe('K50@2000')
  })
})

describe("subscribe(..., { start: 'live' })", () => {
  it('gives metadata and sequence headers at once, then nothing (audio included) until the next keyframe', () => {
    const { router, feedUntil } = setup()
    feedUntil(27)
    const sink = new RecordingSink()
    router.subscribe('live', 'cam', sink, { start: 'live' })
    expect(sink.media()).toEqual(['meta@1080', 'avcH@1080', 'aacH@1080'])
    feedUntil(49)
    expect(sink.media()).toHaveLength(3)
    feedUntil(50)
    expect(sink.media().slice(3)).toEqual(['K50@2000'])
    feedUntil(51)
    expect(sink.media().slice(3)).toEqual(['K50@2000', 'a50@2000', 'a50@2020', 'P51@2040'])
  })

  it('makes no difference to a subscriber that came before the publisher: it starts at the first keyframe', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock })
    const sink = new RecordingSink()
    router.subscribe('live', 'cam', sink, { start: 'live' })
    const publisher = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.08 })) publisher.write(m)
    expect(sink.statuses()).toEqual(['publishStarted'])
    expect(sink.media()).toEqual(['meta@0', 'avcH@0', 'aacH@0', 'K0@0', 'a0@0', 'a0@20', 'P1@40', 'a1@40', 'a1@60'])
  })
})
