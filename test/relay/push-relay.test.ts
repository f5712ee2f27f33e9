import { describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import type { PushDestination, PushDestinationStatus } from '../../src/relay/push-destination'
import { pushRelay, type PushRelay } from '../../src/relay/push-relay'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { kindOf, liveStream, serialOf } from './relay-media'
import { collect, ManualScheduler, onCleanup, publishAll, RecordingSink, stallablePair, startServer, stopServer, waitFor } from './relay-harness'

// Our server → push relay → other servers of ours, over TCP (and an in-memory pair for a stalled peer).

const fast = { initialDelay: 20, maxDelay: 100 }

function track(relay: PushRelay): Map<PushDestination, PushDestinationStatus[]> {
  const seen = new Map<PushDestination, PushDestinationStatus[]>()
  relay.on('status', (s, d) => seen.set(d, [...(seen.get(d) ?? []), s]))
  onCleanup(() => relay.stop())
  return seen
}

const states = (list: readonly PushDestinationStatus[] | undefined): string[] => (list ?? []).map((s) => s.state)
const videoSerials = (ms: readonly MediaMessage[]): number[] => ms.filter((m) => kindOf(m) === 'key' || kindOf(m) === 'inter').map(serialOf)
/** The messages of each publish a sink saw. */
function splitPublishes(events: RecordingSink['events']): MediaMessage[][] {
  const out: MediaMessage[][] = []
  for (const e of events) {
    if (e === 'started') out.push([])
    else if (e !== 'ended') out.at(-1)?.push(e)
  }
  return out
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

describe('a push relay', () => {
  it('forwards a live stream to two servers; one is killed and restarted, reconnects and resumes at a keyframe while the other gets every frame', async () => {
    const source = await startServer()
    const a = await startServer()
    const b = await startServer()
    const relay = pushRelay(source.server.live!, 'live', 'cam', [a.url('live', 'a'), b.url('live', 'b')], { backoff: fast })
    const seen = track(relay)
    const [destA, destB] = relay.destinations as [PushDestination, PushDestination]

    const playerB = await RtmpClient.connect(b.url('live', 'b'))
    const gotB = collect(await playerB.play())
    const publisher = await RtmpClient.connect(source.url('live', 'cam'))
    const pub = await publisher.publish()
    const stream = liveStream(20, 10) // 200 video frames, 40 ms apart, a keyframe every 10
    const frame = (n: number): number => 3 + 2 * n // index in `stream` of video frame n

    // until a destination publishes, it keeps only the latest GOP: wait, so that B gets it all
    await waitFor('both destinations to publish', () => destA.status.state === 'publishing' && destB.status.state === 'publishing')
    await publishAll(pub, stream.slice(0, frame(60)), 10, 5)
    await stopServer(a) // destination A goes away mid-stream
    await publishAll(pub, stream.slice(frame(60), frame(100)), 10, 5)
    await waitFor('A to be retrying', () => destA.status.state === 'retrying')
    const restarted = await startServer({}, a.port)
    const playerA = await RtmpClient.connect(restarted.url('live', 'a'))
    const gotA = collect(await playerA.play())
    await waitFor('A to publish again', () => destA.status.state === 'publishing', 10_000)
    await publishAll(pub, stream.slice(frame(100)), 10, 5)
    await pub.close() // source ends: destinations flush, unpublish, and their players are told
    await Promise.all([gotA.done, gotB.done])

    // B never noticed: every frame, in order, headers first
    expect(states(seen.get(destB))).not.toContain('retrying')
    expect(gotB.messages.slice(0, 3).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header'])
    expect(videoSerials(gotB.messages)).toEqual(range(0, 200))
    expect(gotB.messages.filter((m) => kindOf(m) === 'audio')).toHaveLength(200)

    // A: retried with the error, then started again with metadata, headers and a keyframe
    const retry = seen.get(destA)?.find((s) => s.state === 'retrying')
    expect(retry).toMatchObject({ state: 'retrying', error: { code: 'RTMP_ERR_CLOSED' } })
    expect(retry?.state === 'retrying' && retry.delay).toBeLessThanOrEqual(fast.initialDelay)
    expect(gotA.messages.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    const resumed = videoSerials(gotA.messages)
    expect(resumed[0]! % 10).toBe(0)
    expect(resumed[0]).toBeGreaterThanOrEqual(60)
    expect(resumed).toEqual(range(resumed[0]!, 200)) // from that keyframe on, nothing missing
    // timestamps continue the source's timeline instead of restarting at 0
    const firstKey = gotA.messages[3]!
    expect(firstKey.timestamp).toBe(resumed[0]! * 40)
    expect(gotA.messages[0]!.timestamp).toBe(firstKey.timestamp)
    expect(destA.stats.connections).toBe(2)
    await waitFor('both idle', () => destA.status.state === 'idle' && destB.status.state === 'idle')
    await Promise.all([playerA.close(), playerB.close(), publisher.close()])
  }, 30_000)

  it('retries a destination that refuses the publish, reports each failure with the next delay, and gives up after maxAttempts', async () => {
    const source = await startServer()
    const refusing = await startServer()
    refusing.server.on('connection', (c) => c.on('publish', (req) => req.reject('NetStream.Publish.BadName', 'not here')))
    const good = await startServer()
    const relay = pushRelay(source.server.live!, 'live', 'cam', [{ url: refusing.url('live'), backoff: { maxAttempts: 2 } }, good.url('live')], {
      backoff: { initialDelay: 10, maxDelay: 40, jitter: 0 },
    })
    const seen = track(relay)
    const [bad, ok] = relay.destinations as [PushDestination, PushDestination]
    expect(bad.streamName).toBe('cam') // no stream in the URL: the source's name

    const publisher = await RtmpClient.connect(source.url('live', 'cam'))
    const pub = await publisher.publish()
    await publishAll(pub, liveStream(2, 5))
    await waitFor('the refused destination to give up', () => bad.status.state === 'stopped')
    await waitFor('the good one to publish', () => ok.status.state === 'publishing')

    const list = seen.get(bad) ?? []
    expect(states(list)).toEqual(['connecting', 'retrying', 'connecting', 'retrying', 'connecting', 'stopped'])
    expect(list.filter((s) => s.state === 'retrying').map((s) => s.state === 'retrying' && [s.delay, s.attempt])).toEqual([
      [10, 1],
      [20, 2],
    ])
    for (const s of list.filter((x) => x.state === 'retrying' || x.state === 'stopped')) {
      expect(s).toMatchObject({ error: { code: 'RTMP_ERR_REJECTED', status: { code: 'NetStream.Publish.BadName' } } })
    }
    expect(states(seen.get(ok))).toEqual(['connecting', 'publishing'])
    // a stopped destination has left the source
    expect(source.server.live!.get('live', 'cam')?.subscriberCount).toBe(1)
    await publisher.close()
  }, 20_000)

  it('drops video of a destination that stops reading until a keyframe, then past the hard limit reconnects it; the source and the other destination go on', async () => {
    const source = await startServer()
    const slow = await startServer()
    const other = await startServer()
    const pairs: Array<ReturnType<typeof stallablePair>> = []
    const relay = pushRelay(
      source.server.live!,
      'live',
      'cam',
      [
        {
          url: slow.url('live', 'slow'),
          socket: () => {
            const p = stallablePair()
            pairs.push(p)
            slow.server.handle(p.b)
            return p.a
          },
          queue: { maxBytes: 16 * 1024, hardMaxBytes: 64 * 1024 },
        },
        other.url('live', 'other'),
      ],
      { backoff: fast },
    )
    const seen = track(relay)
    const [stalled, fine] = relay.destinations as [PushDestination, PushDestination]
    const sink = new RecordingSink()
    other.server.live!.subscribe('live', 'other', sink)
    const slowSink = new RecordingSink()
    slow.server.live!.subscribe('live', 'slow', slowSink)

    const publisher = await RtmpClient.connect(source.url('live', 'cam'))
    const pub = await publisher.publish()
    const stream = liveStream(30, 10, 4096) // 300 frames of 4 KiB
    await waitFor('both destinations to publish', () => stalled.status.state === 'publishing' && fine.status.state === 'publishing')
    await publishAll(pub, stream.slice(0, 23))
    pairs[0]!.stall()
    await publishAll(pub, stream.slice(23), 10, 2)
    await waitFor(`a reconnect`, () => stalled.stats.connections === 2).catch((e) => {
      throw new Error(`${String(e)} ${JSON.stringify(stalled.stats)} ${JSON.stringify(states(seen.get(stalled)))}`)
    })
    await pub.close()
    await waitFor('the other destination to flush', () => sink.events.includes('ended'))

    expect(stalled.stats.droppedFrames).toBeGreaterThan(0)
    const retry = seen.get(stalled)?.find((s) => s.state === 'retrying')
    expect(retry).toMatchObject({ error: { code: 'RTMP_ERR_SLOW_CONSUMER' } })
    expect(states(seen.get(fine))).not.toContain('retrying')
    expect(videoSerials(sink.messages)).toEqual(range(0, 300))
    // what reached the slow server: the first publish, then after the reconnect a stream from a keyframe on
    const publishes = splitPublishes(slowSink.events)
    expect(publishes.length).toBeGreaterThanOrEqual(2)
    const second = publishes[1]!
    expect(second.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    // with a soft limit smaller than a GOP some tails are dropped, but never a frame whose reference is gone
    const serials = videoSerials(second)
    expect(serials[0]! % 10).toBe(0)
    serials.forEach((n, i) => n % 10 !== 0 && expect(n, `frame ${n} follows ${serials[i - 1]}`).toBe(serials[i - 1]! + 1))
    expect(serials.at(-1)).toBeGreaterThanOrEqual(290)
    await publisher.close()
  }, 30_000)

  it('gives up flushing a destination that stopped reading once the source ended, and drops its connection', async () => {
    const source = await startServer()
    const dest = await startServer()
    const scheduler = new ManualScheduler()
    let pair: ReturnType<typeof stallablePair> | undefined
    const relay = pushRelay(source.server.live!, 'live', 'cam', [
      {
        url: dest.url('live', 'stuck'),
        socket: () => {
          pair = stallablePair()
          dest.server.handle(pair.b)
          return pair.a
        },
        scheduler,
      },
    ])
    const seen = track(relay)
    const d = relay.destinations[0]!
    const publisher = await RtmpClient.connect(source.url('live', 'cam'))
    const pub = await publisher.publish()
    await waitFor('publishing', () => d.status.state === 'publishing')
    pair!.stall()
    await publishAll(pub, liveStream(4, 10, 8192)) // more than the socket buffer: the relay's pump waits for a drain that never comes
    await pub.close()
    await waitFor('the source to end', () => source.server.live!.get('live', 'cam')?.publishing !== true)
    expect(d.status.state).toBe('publishing') // still flushing
    expect(scheduler.pending).toEqual([5000])
    scheduler.runAll() // flush timeout: unpublish, which cannot drain either
    expect(scheduler.pending).toEqual([5000])
    scheduler.runAll() // close timeout: the connection is dropped
    await waitFor('the destination connection to close', () => dest.server.connections.size === 0)
    expect(states(seen.get(d))).toEqual(['connecting', 'publishing', 'idle'])
    await publisher.close()
  })

  it('starts over when the source router drops it for holding too much, like any slow player', async () => {
    const source = await startServer({ live: { players: { maxBufferedBytes: 48 * 1024 } } })
    const dest = await startServer()
    let pair: ReturnType<typeof stallablePair> | undefined
    const relay = pushRelay(source.server.live!, 'live', 'cam', [
      {
        url: dest.url('live', 'copy'),
        socket: () => {
          pair = stallablePair()
          dest.server.handle(pair.b)
          return pair.a
        },
        queue: { maxBytes: 1 << 20, hardMaxBytes: 4 << 20 }, // above the router's limit: the router acts first
      },
    ], { backoff: fast })
    const seen = track(relay)
    const d = relay.destinations[0]!
    const publisher = await RtmpClient.connect(source.url('live', 'cam'))
    const pub = await publisher.publish()
    await waitFor('publishing', () => d.status.state === 'publishing')
    pair!.stall()
    await publishAll(pub, liveStream(4, 10, 4096))
    await waitFor('a second connection', () => d.stats.connections === 2)
    expect(seen.get(d)?.find((s) => s.state === 'retrying')).toMatchObject({ error: { code: 'RTMP_ERR_SLOW_CONSUMER' } })
    expect(source.server.live!.get('live', 'cam')?.subscriberCount).toBe(1) // subscribed again
    const sink = new RecordingSink()
    dest.server.live!.subscribe('live', 'copy', sink)
    await publishAll(pub, liveStream(5, 10, 4096).slice(3 + 2 * 40))
    await waitFor('frames after the restart', () => videoSerials(sink.messages).at(-1) === 49)
    expect(sink.messages.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    await publisher.close()
  })

  it('unpublishes when the source ends and publishes again for the next publisher', async () => {
    const source = await startServer()
    const dest = await startServer()
    const relay = pushRelay(source.server.live!, 'live', 'cam', [dest.url('live', 'copy')], { backoff: fast })
    const seen = track(relay)
    const sink = new RecordingSink()
    dest.server.live!.subscribe('live', 'copy', sink)
    const d = relay.destinations[0]!
    for (let round = 0; round < 2; round++) {
      const publisher = await RtmpClient.connect(source.url('live', 'cam'))
      const pub = await publisher.publish()
      // a source that ends while its destination is still connecting is not relayed: wait for it
      await waitFor('the relay to publish', () => d.status.state === 'publishing')
      await publishAll(pub, liveStream(2, 5))
      await pub.close()
      await waitFor('the destination to unpublish', () => sink.events.filter((e) => e === 'ended').length === round + 1)
      await publisher.close()
    }
    expect(states(seen.get(d))).toEqual(['connecting', 'publishing', 'idle', 'connecting', 'publishing', 'idle'])
    // each publish of the destination carries the whole stream, from the headers
    const rounds = sink.events.join(',').split('ended').length - 1
    expect(rounds).toBe(2)
    expect(videoSerials(sink.messages)).toEqual([...range(0, 10), ...range(0, 10)])
  }, 20_000)

  it('joins a stream that is already live, starting from the cached keyframe, and stop() unpublishes and leaves the source', async () => {
    const source = await startServer()
    const dest = await startServer()
    const publisher = await RtmpClient.connect(source.url('live', 'cam'))
    const pub = await publisher.publish()
    await publishAll(pub, liveStream(3, 10).slice(0, 3 + 2 * 25)) // 25 frames: the cache starts at frame 20
    const relay = pushRelay(source.server.live!, 'live', 'cam', [dest.url('live', 'late')], { backoff: fast })
    const seen = track(relay)
    const sink = new RecordingSink()
    dest.server.live!.subscribe('live', 'late', sink)
    await waitFor('the relay to publish', () => videoSerials(sink.messages).length === 5)
    expect(sink.messages.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    expect(videoSerials(sink.messages)).toEqual(range(20, 25))

    await relay.stop()
    expect(states(seen.get(relay.destinations[0]!)).at(-1)).toBe('stopped')
    await waitFor('the destination to see the unpublish', () => sink.events.includes('ended'))
    expect(source.server.live!.get('live', 'cam')?.subscriberCount).toBe(0)
    await publisher.close()
  }, 20_000)
})
