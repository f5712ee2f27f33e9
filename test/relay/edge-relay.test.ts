import { describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import type { EdgePullStatus } from '../../src/relay/edge-pull'
import { createEdge, type EdgeOptions, type EdgeRelay, type EdgeStream } from '../../src/relay/edge-relay'
import { pushRelay } from '../../src/relay/push-relay'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { kindOf, liveStream, serialOf } from './relay-media'
import { collect, ManualScheduler, onCleanup, publishAll, RecordingSink, startServer, stopServer, waitFor, type TestServer } from './relay-harness'

// Our server as origin → an edge (our server with createEdge) → local players, over TCP.

const fast = { initialDelay: 20, maxDelay: 100, jitter: 0 }

interface Edge {
  readonly edge: EdgeRelay
  readonly server: TestServer
  readonly statuses: Array<EdgePullStatus & { stream: EdgeStream }>
  states(): string[]
}

async function startEdge(options: EdgeOptions): Promise<Edge> {
  const edge = createEdge(options)
  const server = await startServer()
  edge.attach(server.server)
  const statuses: Edge['statuses'] = []
  edge.on('status', (s, stream) => statuses.push({ ...s, stream }))
  onCleanup(() => edge.close())
  return { edge, server, statuses, states: () => statuses.map((s) => s.state) }
}

async function startOrigin(): Promise<TestServer & { unused: string[] }> {
  const unused: string[] = []
  const s = await startServer({ live: { onUnused: (app, name) => unused.push(`${app}/${name}`) } })
  return { ...s, unused }
}

const videoSerials = (ms: readonly MediaMessage[]): number[] => ms.filter((m) => kindOf(m) === 'key' || kindOf(m) === 'inter').map(serialOf)
const hex = (m: MediaMessage): string => Buffer.from(m.data).toString('hex')
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

describe('an edge', () => {
  it('pulls a stream from the origin when a player asks for it, and stops once the last player has left', async () => {
    const origin = await startOrigin()
    const { edge, server, statuses, states } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, linger: 50, backoff: fast })
    const players = await Promise.all([1, 2].map(() => RtmpClient.connect(server.url('live', 'cam'))))
    const got = await Promise.all(players.map(async (p) => collect(await p.play())))
    await waitFor('the edge to play at the origin', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    expect(edge.pulls()).toMatchObject([{ app: 'live', streamName: 'cam', origin: `rtmp://127.0.0.1:${origin.port}/live/cam`, status: { state: 'waiting' } }])

    const publisher = await RtmpClient.connect(origin.url('live', 'cam'))
    const pub = await publisher.publish()
    const stream = liveStream(5, 10)
    await publishAll(pub, stream)
    await waitFor('both players to get every frame', () => got.every((g) => videoSerials(g.messages).length === 50))
    for (const g of got) {
      expect(g.messages.map((m) => [kindOf(m), m.timestamp])).toEqual(stream.map((m) => [kindOf(m), m.timestamp]))
      expect(g.messages.slice(3).map(hex)).toEqual(stream.slice(3).map(hex)) // audio and video byte for byte
    }

    await Promise.all(players.map((p) => p.close()))
    await waitFor('the origin to see the edge leave', () => origin.unused.includes('live/cam'))
    expect(states()).toEqual(['connecting', 'waiting', 'live', 'stopped'])
    expect(statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'unused', stream: { app: 'live', streamName: 'cam' } })
    expect(edge.pulls()).toEqual([])
    await publisher.close()
  }, 20_000)

  it('keeps players waiting while the origin answers StreamNotFound, retries, and serves them once the stream exists', async () => {
    const origin = await startOrigin()
    let refuse = true
    origin.server.on('connection', (c) =>
      c.on('play', (req) => (refuse ? req.reject('NetStream.Play.StreamNotFound', 'no such stream') : origin.server.live!.handlePlay(req))),
    )
    const { server, statuses } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}/live`, backoff: fast })
    const player = await RtmpClient.connect(server.url('live', 'cam'))
    const got = collect(await player.play()) // the edge's own router answers at once; the player waits
    await waitFor('two refusals', () => statuses.filter((s) => s.state === 'retrying').length >= 2)
    expect(statuses.find((s) => s.state === 'retrying')).toMatchObject({
      error: { code: 'RTMP_ERR_REJECTED', status: { code: 'NetStream.Play.StreamNotFound' } },
      delay: 20,
      attempt: 1,
    })
    expect(player.closed).toBe(false)

    refuse = false
    const publisher = await RtmpClient.connect(origin.url('live', 'cam'))
    const pub = await publisher.publish()
    await waitFor('the edge to play', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    await publishAll(pub, liveStream(2, 10))
    await waitFor('the player to get the stream', () => videoSerials(got.messages).length === 20)
    expect(got.messages.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    await Promise.all([player.close(), publisher.close()])
  }, 20_000)

  it('when the origin goes away while players remain, ends the local publish, retries, and publishes again when it is back', async () => {
    const origin = await startOrigin()
    const { server, states } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, backoff: fast })
    const sink = new RecordingSink() // a local player that stays through publisher changes
    server.server.live!.subscribe('live', 'cam', sink)
    await waitFor('the edge to play at the origin', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    const first = await RtmpClient.connect(origin.url('live', 'cam'))
    await publishAll(await first.publish(), liveStream(2, 10))
    await waitFor('the first stream', () => videoSerials(sink.messages).length === 20)

    await stopServer(origin)
    await waitFor('the local publish to end', () => sink.events.includes('ended'))
    await waitFor('a retry', () => states().includes('retrying'))
    const back = await startServer({}, origin.port)
    await waitFor('the edge to play again', () => back.server.live!.get('live', 'cam')?.subscriberCount === 1, 10_000)
    const second = await RtmpClient.connect(back.url('live', 'cam'))
    await publishAll(await second.publish(), liveStream(1, 10))
    await waitFor('the second stream', () => videoSerials(sink.messages).length === 30)

    expect(sink.events.filter((e) => typeof e === 'string')).toEqual(['started', 'ended', 'started'])
    const again = sink.events.slice(sink.events.lastIndexOf('started') + 1) as MediaMessage[]
    expect(again.slice(0, 4).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header', 'key'])
    expect(videoSerials(again)).toEqual(range(0, 10))
    expect(states().slice(0, 3)).toEqual(['connecting', 'waiting', 'live'])
    expect(states().at(-1)).toBe('live')
    await Promise.all([first.close(), second.close()])
  }, 20_000)

  it('lingers after the last player left: a player that comes back in time keeps the pull, otherwise it stops', async () => {
    const origin = await startOrigin()
    const scheduler = new ManualScheduler()
    const { server, edge, states } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, linger: 3000, idleTimeout: 0, scheduler })
    const router = server.server.live!
    const first = router.subscribe('live', 'cam', new RecordingSink())
    await waitFor('waiting', () => edge.pulls()[0]?.status.state === 'waiting')
    first.unsubscribe()
    expect(scheduler.pending).toEqual([3000])
    const second = router.subscribe('live', 'cam', new RecordingSink()) // not live yet: onDemand cancels the linger
    expect(scheduler.pending).toEqual([])

    const publisher = await RtmpClient.connect(origin.url('live', 'cam'))
    await publishAll(await publisher.publish(), liveStream(1, 5))
    await waitFor('live', () => edge.pulls()[0]?.status.state === 'live')
    second.unsubscribe()
    const third = router.subscribe('live', 'cam', new RecordingSink()) // live: no onDemand; the linger finds it
    scheduler.runAll()
    expect(edge.pulls()[0]?.status.state).toBe('live')
    third.unsubscribe()
    scheduler.runAll()
    expect(edge.pulls()).toEqual([])
    await waitFor('the origin to see the edge leave', () => origin.unused.includes('live/cam'))
    await waitFor('the stopped status', () => states().at(-1) === 'stopped')
    await publisher.close()
  }, 20_000)

  it('restarts a pull whose origin stops sending without a word (idle timeout)', async () => {
    const origin = await startOrigin()
    const scheduler = new ManualScheduler()
    const { server, statuses } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, idleTimeout: 5000, scheduler })
    const sink = new RecordingSink()
    server.server.live!.subscribe('live', 'cam', sink)
    const publisher = await RtmpClient.connect(origin.url('live', 'cam'))
    const pub = await publisher.publish()
    await waitFor('the edge to play', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    await publishAll(pub, liveStream(1, 10))
    await waitFor('media', () => videoSerials(sink.messages).length === 10)
    expect(scheduler.pending).toEqual([5000])
    scheduler.runAll() // media came since the check was set: all well
    expect(scheduler.pending).toEqual([5000])
    scheduler.runAll() // nothing since
    expect(sink.events.at(-1)).toBe('ended')
    await waitFor('retrying', () => statuses.some((s) => s.state === 'retrying'))
    expect(statuses.find((s) => s.state === 'retrying')).toMatchObject({ error: { code: 'RTMP_ERR_TIMEOUT' } })
    await publisher.close()
  }, 20_000)

  it('gives way to a local publisher of the same name', async () => {
    const origin = await startOrigin()
    const { server, edge, statuses } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, backoff: fast })
    const sink = new RecordingSink()
    server.server.live!.subscribe('live', 'cam', sink)
    await waitFor('the edge to play', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    const local = await RtmpClient.connect(server.url('live', 'cam'))
    const localPub = await local.publish()
    const remote = await RtmpClient.connect(origin.url('live', 'cam'))
    await publishAll(await remote.publish(), liveStream(1, 5))
    await waitFor('the edge to stop', () => edge.pulls().length === 0)
    await waitFor('the status', () => statuses.at(-1)?.state === 'stopped')
    expect(statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'published-locally' })
    await publishAll(localPub, liveStream(1, 3))
    await waitFor('the local stream', () => videoSerials(sink.messages).length === 3)
    await Promise.all([local.close(), remote.close()])
  }, 20_000)

  it('keeps pulling for a push relay subscribed on the edge, which restreams the pulled stream', async () => {
    const origin = await startOrigin()
    const { server, edge } = await startEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, linger: 20, backoff: fast })
    const dest = await startServer()
    const sink = new RecordingSink()
    dest.server.live!.subscribe('live', 'copy', sink)
    const relay = pushRelay(server.server.live!, 'live', 'cam', [dest.url('live', 'copy')], { backoff: fast })
    onCleanup(() => relay.stop())
    await waitFor('the edge to play at the origin', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    const publisher = await RtmpClient.connect(origin.url('live', 'cam'))
    const pub = await publisher.publish()
    await publishAll(pub, liveStream(1, 10))
    await waitFor('the relay to publish', () => relay.destinations[0]!.status.state === 'publishing')
    await publishAll(pub, liveStream(3, 10).slice(3 + 2 * 10))
    await waitFor('the restreamed frames', () => videoSerials(sink.messages).at(-1) === 29)
    const serials = videoSerials(sink.messages)
    expect(serials).toEqual(range(serials[0]!, 30))
    expect(serials[0]! % 10).toBe(0)
    expect(edge.pulls()[0]?.status.state).toBe('live')
    await relay.stop() // the relay was the edge's only player
    await waitFor('the origin to see the edge leave', () => origin.unused.includes('live/cam'))
    await publisher.close()
  })

  it('maps names with an origin function, leaves unmapped streams alone, and calls the hooks it was given too', async () => {
    const origin = await startOrigin()
    const demanded: string[] = []
    const edge = createEdge({
      origin: (app, name) => (app === 'private' ? undefined : `rtmp://127.0.0.1:${origin.port}/upstream/${name}-hd`),
      backoff: fast,
    })
    const server = await startServer({ live: { onDemand: (app, name) => demanded.push(`${app}/${name}`) } })
    edge.attach(server.server.live!)
    onCleanup(() => edge.close())
    server.server.live!.subscribe('private', 'x', new RecordingSink())
    server.server.live!.subscribe('live', 'cam', new RecordingSink())
    expect(demanded).toEqual(['private/x', 'live/cam'])
    expect(edge.pulls().map((p) => p.origin)).toEqual([`rtmp://127.0.0.1:${origin.port}/upstream/cam-hd`])
    await waitFor('the edge to play upstream/cam-hd', () => origin.server.live!.get('upstream', 'cam-hd')?.subscriberCount === 1)
  })

  it('starts the pulls asked for before it was attached', async () => {
    const origin = await startOrigin()
    const edge = createEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, backoff: fast })
    onCleanup(() => edge.close())
    edge.demand('live', 'early')
    expect(edge.pulls()).toEqual([])
    const server = await startServer()
    edge.attach(server.server)
    await waitFor('the edge to play', () => origin.server.live!.get('live', 'early')?.subscriberCount === 1)
  })

  it('rejects an origin that is not an rtmp URL at once', () => {
    expect(() => createEdge({ origin: 'http://example.com/live' })).toThrow(expect.objectContaining({ code: 'RTMP_ERR_URL_INVALID' }))
  })
})
