import { afterEach, describe, expect, it } from 'vitest'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer, type RtmpServerOptions } from '../../src/transport/rtmp-server'
import { duplexPair } from '../helpers/duplex'
import { avcHeader, interframe, keyframe } from './live-harness'

// The live hub through RTMP: start options chosen per play request, a publisher reconnecting within the grace period.

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function newServer(options: RtmpServerOptions = {}): RtmpServer {
  const s = createServer(options)
  servers.push(s)
  return s
}

function connectClient(server: RtmpServer, url = 'rtmp://test/live'): Promise<RtmpClient> {
  const [a, b] = duplexPair()
  server.handle(b)
  return RtmpClient.connect(url, { socket: a })
}

/** The first `n` messages of a player, as `type:lastbyte@timestamp`. */
async function first(iter: AsyncIterable<MediaMessage>, n: number): Promise<string[]> {
  const out: string[] = []
  for await (const m of iter) {
    out.push(`${m.type}:${m.data.at(-1)}@${m.timestamp}`)
    if (out.length >= n) break
  }
  return out
}

describe('play start options through RTMP', () => {
  it("lets the application pick the start per request, e.g. from the play query (?start=live)", async () => {
    const server = newServer()
    server.on('connection', (conn) => conn.on('play', (req) => server.live!.handlePlay(req, { start: req.query.start === 'live' ? 'live' : 'gop' })))
    const publisherClient = await connectClient(server)
    const pub = await publisherClient.publish('cam')
    await pub.writeVideo(0, avcHeader)
    await pub.writeVideo(0, keyframe(0))
    await pub.writeVideo(40, interframe(1))

    const gopClient = await connectClient(server)
    const gopPlayer = await gopClient.play('cam')
    const liveClient = await connectClient(server)
    const livePlayer = await liveClient.play('cam?start=live')
    const gotGop = first(gopPlayer, 4)
    const gotLive = first(livePlayer, 2)
    await pub.writeVideo(80, interframe(2))
    await pub.writeVideo(120, keyframe(3))
    expect(await gotGop).toEqual([`video:${avcHeader.at(-1)}@0`, 'video:0@0', 'video:1@40', 'video:2@80'])
    // the sequence header carries the newest timestamp sent, then playback starts at the next keyframe
    expect(await gotLive).toEqual([`video:${avcHeader.at(-1)}@40`, 'video:3@120'])
    await Promise.all([publisherClient, gopClient, liveClient].map((c) => c.close()))
  })

  it("uses the router's default start for players nobody chose for", async () => {
    const server = newServer({ live: { start: 'live' } })
    const publisherClient = await connectClient(server)
    const pub = await publisherClient.publish('cam')
    await pub.writeVideo(0, avcHeader)
    await pub.writeVideo(0, keyframe(0))
    const client = await connectClient(server)
    const player = await client.play('cam')
    const got = first(player, 2)
    await pub.writeVideo(40, interframe(1))
    await pub.writeVideo(80, keyframe(2))
    expect(await got).toEqual([`video:${avcHeader.at(-1)}@0`, 'video:2@80'])
    await Promise.all([publisherClient, client].map((c) => c.close()))
  })
})

describe('a publisher reconnecting within the grace period', () => {
  it('keeps RTMP players playing: PublishNotify, no UnpublishNotify, timestamps that go on', async () => {
    const server = newServer({ live: { reconnectGraceMs: 5000 } })
    const playerClient = await connectClient(server)
    const player = await playerClient.play('cam')
    const statuses: string[] = []
    player.on('status', (s) => statuses.push(s.code))
    const got: string[] = []
    player.on('media', (m) => got.push(`${m.type}:${m.data.at(-1)}@${m.timestamp}`))

    const a = await connectClient(server)
    const pubA = await a.publish('cam')
    await pubA.writeVideo(0, avcHeader)
    await pubA.writeVideo(0, keyframe(0))
    await pubA.writeVideo(1000, interframe(1))
    await a.close() // the encoder's connection drops
    await new Promise((r) => setTimeout(r, 50))

    const b = await connectClient(server)
    const pubB = await b.publish('cam')
    expect(server.live!.streamStats('live', 'cam')).toMatchObject({ state: 'publishing', reconnects: 1 })
    await pubB.writeVideo(0, avcHeader)
    await pubB.writeVideo(0, keyframe(10))
    while (got.length < 5) await new Promise((r) => setTimeout(r, 5))
    expect(got.slice(0, 3)).toEqual([`video:${avcHeader.at(-1)}@0`, 'video:0@0', 'video:1@1000'])
    expect(got[4]).toMatch(/^video:10@/)
    const resumedAt = Number(got[4]!.split('@')[1])
    expect(resumedAt).toBeGreaterThan(1000) // after the last one sent, by about the time the publisher was away
    expect(resumedAt).toBeLessThan(1000 + 2000)
    expect(statuses).toEqual(['NetStream.Play.PublishNotify', 'NetStream.Play.PublishNotify'])
    expect(player.ended).toBe(false)
    await Promise.all([playerClient, b].map((c) => c.close()))
  })
})
