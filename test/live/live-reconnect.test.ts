import { describe, expect, it } from 'vitest'
import { LiveRouter } from '../../src/live/live-router'
import { FakeClock, RecordingSink, avStream } from './live-harness'

function setup(reconnectGraceMs: number) {
  const clock = new FakeClock()
  const demanded: string[] = []
  const router = new LiveRouter({ clock, reconnectGraceMs, onDemand: (app, name) => demanded.push(`${app}/${name}`) })
  const sink = new RecordingSink()
  router.subscribe('live', 'cam', sink)
  return { clock, router, sink, demanded }
}

describe('publisher reconnect grace period', () => {
  it('is off by default: subscribers are told at once that the publisher left', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock })
    const sink = new RecordingSink()
    router.subscribe('live', 'cam', sink)
    router.publish('live', 'cam')!.end()
    expect(sink.statuses()).toEqual(['publishStarted', 'publishEnded'])
    expect(clock.pending).toBe(0)
  })

  it('says nothing to subscribers while a publisher that left may come back', () => {
    const { clock, router, sink } = setup(3000)
    const first = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.2 })) first.write(m)
    first.end()
    expect(router.streamStats('live', 'cam')?.state).toBe('reconnecting')
    clock.advance(2999)
    expect(sink.statuses()).toEqual(['publishStarted'])
    expect(router.list()).toEqual([{ key: 'live/cam', publishing: false, state: 'reconnecting', players: 1 }])
  })

  it('lets a publisher of the same name continue within the grace period: PublishNotify, new headers, next keyframe, one timeline', () => {
    const { clock, router, sink } = setup(3000)
    const first = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.2 })) first.write(m) // last message: audio at 160 + 20 = 180 ms
    first.end()
    clock.advance(2000)
    sink.clear()

    const second = router.publish('live', 'cam')! // takes over: the name is not live
    expect(second).toBeDefined()
    const again = avStream({ seconds: 0.08 }) // timestamps restart at 0, as encoders do after a reconnect
    for (const m of again) second.write(m)
    expect(sink.statuses()).toEqual(['publishStarted'])
    // shifted to follow the last timestamp sent (180) by the 2000 ms the publisher was away
    expect(sink.media()).toEqual(['meta@2180', 'avcH@2180', 'aacH@2180', 'K0@2180', 'a0@2180', 'a0@2200', 'P1@2220', 'a1@2220', 'a1@2240'])
    clock.advance(10_000)
    expect(sink.statuses()).toEqual(['publishStarted']) // the grace timer was cancelled
    const stats = router.streamStats('live', 'cam')!
    expect(stats).toMatchObject({ state: 'publishing', reconnects: 1, publishingSince: clock.now() - 12_000 })
  })

  it('makes subscribers that come during the grace period wait like the others', () => {
    const { clock, router } = setup(3000)
    const first = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.2 })) first.write(m)
    first.end()
    clock.advance(100)
    const late = new RecordingSink()
    router.subscribe('live', 'cam', late)
    expect(late.events).toEqual([]) // no stale GOP from the publisher that left
    const second = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.04 })) second.write(m)
    expect(late.statuses()).toEqual(['publishStarted'])
    expect(late.media()[3]).toMatch(/^K0@/)
  })

  it('tells subscribers the publisher left once the grace period runs out; the next publisher starts a new broadcast', () => {
    const { clock, router, sink, demanded } = setup(3000)
    expect(demanded).toEqual(['live/cam'])
    const first = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.2 })) first.write(m)
    first.end()
    router.subscribe('live', 'cam', new RecordingSink())
    expect(demanded).toEqual(['live/cam']) // a publisher is expected back: no on-demand pull
    clock.advance(3000)
    expect(sink.statuses()).toEqual(['publishStarted', 'publishEnded'])
    expect(router.streamStats('live', 'cam')).toMatchObject({ state: 'idle', publishingSince: null, uptimeMs: 0 })

    const second = router.publish('live', 'cam')!
    for (const m of avStream({ seconds: 0.04 })) second.write(m)
    expect(sink.media().slice(-3)).toEqual(['K0@0', 'a0@0', 'a0@20']) // not shifted
    expect(router.streamStats('live', 'cam')).toMatchObject({ reconnects: 0, publishingSince: clock.now() })
  })

  it('keeps a stream nobody watches for the grace period, then forgets it', () => {
    const clock = new FakeClock()
    const router = new LiveRouter({ clock, reconnectGraceMs: 1000 })
    router.publish('live', 'solo')!.end()
    expect(router.list().map((s) => s.state)).toEqual(['reconnecting'])
    clock.advance(1000)
    expect(router.list()).toEqual([])
  })

  it('still refuses a second publisher while the first is on', () => {
    const { router } = setup(3000)
    expect(router.publish('live', 'cam')).toBeDefined()
    expect(router.publish('live', 'cam')).toBeUndefined()
  })
})
