import { describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import type { EdgePullStatus } from '../../src/relay/edge-pull'
import { createEdge, type EdgeStream } from '../../src/relay/edge-relay'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { kindOf, liveStream, serialOf } from './relay-media'
import { onCleanup, publishAll, RecordingSink, startServer, waitFor } from './relay-harness'

// A function origin is asked again before every retry: the pull follows a stream that moved (another
// origin, another cluster worker), and stops ('no-origin') while the stream is nowhere.

const fast = { initialDelay: 20, maxDelay: 100, jitter: 0 }
const videoSerials = (ms: readonly MediaMessage[]): number[] => ms.filter((m) => kindOf(m) === 'key' || kindOf(m) === 'inter').map(serialOf)

describe('an edge with an origin function', () => {
  it('follows a stream that moved to another origin when it retries', async () => {
    const [a, b] = [await startServer(), await startServer()]
    let where: number | undefined = a.port
    const asked: string[] = []
    const edge = createEdge({
      origin: (app, name) => {
        asked.push(`${app}/${name}`)
        return where === undefined ? undefined : `rtmp://127.0.0.1:${where}/${app}/${name}`
      },
      backoff: fast,
    })
    const statuses: Array<EdgePullStatus & { stream: EdgeStream }> = []
    edge.on('status', (s, stream) => statuses.push({ ...s, stream }))
    const local = await startServer()
    edge.attach(local.server)
    onCleanup(() => edge.close())
    const sink = new RecordingSink()
    local.server.live!.subscribe('live', 'cam', sink)

    const first = await RtmpClient.connect(a.url('live', 'cam'))
    await waitFor('the edge to play at a', () => a.server.live!.get('live', 'cam')?.subscriberCount === 1)
    await publishAll(await first.publish(), liveStream(1, 10))
    await waitFor('the first stream', () => videoSerials(sink.messages).length === 10)

    where = b.port // the publisher moves to b (as a publisher lands on another cluster worker)
    await first.close()
    const second = await RtmpClient.connect(b.url('live', 'cam'))
    const pub = await second.publish()
    await waitFor('the edge to play at b', () => b.server.live!.get('live', 'cam')?.subscriberCount === 1)
    await publishAll(pub, liveStream(1, 10))
    await waitFor('the second stream', () => videoSerials(sink.messages).length === 20)

    expect(sink.events.filter((e) => typeof e === 'string')).toEqual(['started', 'ended', 'started'])
    expect(asked.length).toBeGreaterThanOrEqual(2) // once at the demand, again at the retry
    expect(edge.pulls()).toMatchObject([{ origin: `rtmp://127.0.0.1:${b.port}/live/cam`, status: { state: 'live' } }])
    expect(statuses.filter((s) => s.state === 'connecting').map((s) => s.stream.origin)).toEqual([
      `rtmp://127.0.0.1:${a.port}/live/cam`,
      `rtmp://127.0.0.1:${b.port}/live/cam`,
    ])
    await second.close()
  }, 20_000)

  it("stops with 'no-origin' when the function has no answer at a retry, and starts again on demand()", async () => {
    const a = await startServer()
    let where: number | undefined = a.port
    const edge = createEdge({ origin: (app, name) => (where === undefined ? undefined : `rtmp://127.0.0.1:${where}/${app}/${name}`), backoff: fast })
    const statuses: EdgePullStatus[] = []
    edge.on('status', (s) => statuses.push(s))
    const local = await startServer()
    edge.attach(local.server)
    onCleanup(() => edge.close())
    const sink = new RecordingSink()
    local.server.live!.subscribe('live', 'cam', sink)
    await waitFor('the edge to play at a', () => a.server.live!.get('live', 'cam')?.subscriberCount === 1)

    where = undefined
    for (const c of a.server.connections) c.close() // the edge's link drops: it retries, asks, gets undefined
    await waitFor('the pull to stop', () => edge.pulls().length === 0)
    await waitFor('the stopped status', () => statuses.at(-1)?.state === 'stopped')
    expect(statuses.at(-1)).toEqual({ state: 'stopped', reason: 'no-origin' })
    expect(sink.aborted).toBeUndefined() // the local player keeps waiting

    const b = await startServer()
    where = b.port
    edge.demand('live', 'cam')
    await waitFor('the edge to play at b', () => b.server.live!.get('live', 'cam')?.subscriberCount === 1)
    const publisher = await RtmpClient.connect(b.url('live', 'cam'))
    await publishAll(await publisher.publish(), liveStream(1, 5))
    await waitFor('the stream from b', () => videoSerials(sink.messages).length === 5)
    await publisher.close()
  }, 20_000)
})
