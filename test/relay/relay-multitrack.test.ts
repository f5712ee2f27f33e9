import { describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import { createEdge } from '../../src/relay/edge-relay'
import { pushRelay } from '../../src/relay/push-relay'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { HEADER_LABELS, frameLabels, label, multitrackFrames, multitrackHeaders } from '../record/multitrack-stream'
import { collect, onCleanup, publishAll, startServer, stopServer, waitFor } from './relay-harness'

// An Enhanced RTMP multitrack stream (track 0 legacy AVC/AAC, track 1 HEVC/E-AC-3 as Multitrack messages, each
// track's SequenceStart a message of its own) relayed between our servers: pushed from A to B, and pulled from
// A by an edge. Our client announces capsEx Multitrack by default, so the relay legs carry every track.

const fast = { initialDelay: 20, maxDelay: 100, jitter: 0 }
const labels = (ms: readonly MediaMessage[]): string[] => ms.map(label)
const frames = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => frameLabels(from + i)).flat()
const hex = (m: MediaMessage): string => Buffer.from(m.data).toString('hex')

describe('a multitrack stream through relays', () => {
  it('is pushed to another server with every track; after the destination comes back it restarts with every track’s headers at a track-0 keyframe', async () => {
    const a = await startServer()
    const b = await startServer()
    const relay = pushRelay(a.server.live!, 'live', 'cam', [b.url('live', 'cam')], { backoff: fast })
    onCleanup(() => relay.stop())
    const dest = relay.destinations[0]!

    const player1 = await RtmpClient.connect(b.url('live', 'cam'))
    const got1 = collect(await player1.play())
    const publisher = await RtmpClient.connect(a.url('live', 'cam'))
    const pub = await publisher.publish()
    const stream = [...multitrackHeaders(), ...multitrackFrames(0, 80)]
    const frameAt = (n: number): number => 5 + 4 * n // index in `stream` of frame n's first message

    await waitFor('the destination to publish', () => dest.status.state === 'publishing')
    await publishAll(pub, stream.slice(0, frameAt(30)), 8, 5)
    await waitFor('B’s player to get frame 29 of every track', () => labels(got1.messages).includes(frameLabels(29).at(-1)!), 10_000)
    // all of it, every track as published, byte for byte
    expect(labels(got1.messages)).toEqual(['meta', ...HEADER_LABELS, ...frames(0, 30)])
    expect(got1.messages.slice(1).map(hex)).toEqual(stream.slice(1, frameAt(30)).map(hex))

    await stopServer(b) // the destination goes away mid-stream
    await publishAll(pub, stream.slice(frameAt(30), frameAt(50)), 8, 5)
    await waitFor('the destination to be retrying', () => dest.status.state === 'retrying')
    const restarted = await startServer({}, b.port)
    const player2 = await RtmpClient.connect(restarted.url('live', 'cam'))
    const got2 = collect(await player2.play())
    await waitFor('the destination to publish again', () => dest.status.state === 'publishing', 10_000)
    await publishAll(pub, stream.slice(frameAt(50)), 8, 5)
    await pub.close()
    await got2.done

    // metadata, BOTH tracks' headers (track 0's is not the last one sent), then a key frame of track 0, and from
    // there every message of every track; the headers carry the keyframe's time
    const out = labels(got2.messages)
    const start = Number(/^avc:K(\d+)$/.exec(out[5] ?? '')?.[1])
    expect(start % 10).toBe(0)
    expect(start).toBeGreaterThanOrEqual(30)
    expect(out).toEqual(['meta', ...HEADER_LABELS, ...frames(start, 80)])
    expect(got2.messages.slice(0, 6).map((m) => m.timestamp)).toEqual(Array(6).fill(start * 40))
    await Promise.all([publisher, player1, player2].map((c) => c.close().catch(() => c.destroy())))
  }, 60_000)

  it('is pulled by an edge with every track, joining mid-stream: multitrack players there get all of it, legacy players track 0', async () => {
    const origin = await startServer()
    const edgeServer = await startServer()
    const edge = createEdge({ origin: `rtmp://127.0.0.1:${origin.port}`, backoff: fast }).attach(edgeServer.server)
    onCleanup(() => edge.close())
    const publisher = await RtmpClient.connect(origin.url('live', 'cam'))
    const pub = await publisher.publish()
    const stream = [...multitrackHeaders(), ...multitrackFrames(0, 40)]
    const frameAt = (n: number): number => 5 + 4 * n
    await publishAll(pub, stream.slice(0, frameAt(25)), 8, 5)

    // the edge plays a stream that is live: the origin sends it every track's headers and the GOP since frame 20
    const multi = await RtmpClient.connect(edgeServer.url('live', 'cam'))
    const legacy = await RtmpClient.connect(edgeServer.url('live', 'cam'), { capabilities: false })
    const gotMulti = collect(await multi.play())
    const gotLegacy = collect(await legacy.play())
    await waitFor('the edge to play at the origin', () => origin.server.live!.get('live', 'cam')?.subscriberCount === 1)
    await waitFor('the edge’s players to get frame 24', () => labels(gotMulti.messages).includes(frameLabels(24).at(-1)!), 10_000)
    // and a player that joins the edge's own stream late gets it from the edge's router
    const late = await RtmpClient.connect(edgeServer.url('live', 'cam'))
    const gotLate = collect(await late.play())
    await waitFor('the late player to get the cached GOP', () => labels(gotLate.messages).includes(frameLabels(24).at(-1)!), 10_000)
    await publishAll(pub, stream.slice(frameAt(25)), 8, 5)
    await pub.close() // the edge's publish ends with the origin's
    await Promise.all([gotMulti.done, gotLegacy.done, gotLate.done])

    const expected = ['meta', ...HEADER_LABELS, ...frames(20, 40)]
    expect(labels(gotMulti.messages)).toEqual(expected)
    expect(gotMulti.messages.slice(5).map(hex)).toEqual(stream.slice(frameAt(20)).map(hex)) // byte for byte
    expect(gotMulti.messages.slice(0, 6).map((m) => m.timestamp)).toEqual(Array(6).fill(800))
    expect(labels(gotLate.messages)).toEqual(expected)
    // the edge's router projects the default track for a player without capsEx Multitrack
    const track0 = (l: string): boolean => !l.startsWith('MT[')
    expect(labels(gotLegacy.messages)).toEqual(['meta', 'avc:H', 'aac:H', ...frames(20, 40).filter(track0)])
    await Promise.all([publisher, multi, legacy, late].map((c) => c.close().catch(() => c.destroy())))
  }, 60_000)
})
