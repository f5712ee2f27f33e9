import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FlvTag } from '../../src/media/flv-reader'
import type { MediaMessage } from '../../src/media/media-message'
import type { EdgePullStatus } from '../../src/relay/edge-pull'
import { createEdge } from '../../src/relay/edge-relay'
import type { PushDestinationStatus } from '../../src/relay/push-destination'
import { pushRelay } from '../../src/relay/push-relay'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture, type ProbeResult } from '../helpers/media-fixtures'
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx'
import { interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'
import { expectedForEarlyPlayer, publishTags, readTags } from './interop-support'

// Relays against real peers: our push relay into nginx-rtmp, our edge pulling from nginx-rtmp, and our
// server chained to itself (origin → edge → players).

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

function expectLikeSource(probe: ProbeResult, source: ProbeResult): void {
  expect(probe).toMatchObject({ width: 320, height: 240 })
  expect(probe.video.codec).toBe('h264')
  expect(probe.audio.codec).toBe('aac')
  expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
  expect(Math.abs(probe.audio.count - source.audio.count)).toBeLessThanOrEqual(4)
  expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
}

const withNginx = interopSuite('relays with nginx-rtmp and ffmpeg', ['ffmpeg', 'ffprobe', 'nginx'])

withNginx('relays with nginx-rtmp', (peers) => {
  trackProcesses()
  let fixture = ''
  let source: ProbeResult
  let out = ''
  let nginx: NginxRtmp
  const servers: RtmpServer[] = []

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg)
    source = await ffprobeFrames(peers.ffprobe, fixture)
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-relay-'))
    // play_restart: nginx tells players when a publisher starts and stops, so ffmpeg and our edge see the end
    nginx = await startNginxRtmp({ nginx: peers.nginx, applications: 'application restart { live on; play_restart on; }' })
  }, 90_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
    await nginx?.stop()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  it('ffmpeg publishes to our server, the push relay forwards it to nginx-rtmp, and ffmpeg plays it from there', async () => {
    const server = createServer()
    servers.push(server)
    const { port } = await server.listen({ port: 0 })
    const relay = pushRelay(server.live!, 'live', 'pushed', [nginx.url('from-relay', 'restart')])
    const statuses: PushDestinationStatus[] = []
    relay.on('status', (s) => statuses.push(s))
    const file = join(out, 'pushed.flv')
    // nginx-rtmp has no GOP cache: the player is there before anything is published
    const player = spawnPeer(peers.ffmpeg, ff('-i', nginx.url('from-relay', 'restart'), '-c', 'copy', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    await sleep(1000)
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/pushed`), { timeoutMs: 40_000 })
    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    const played = await player.exited // the relay unpublishes after the source ends; nginx sends Play.Stop
    expect(played.code, describeExit(played)).toBe(0)
    await relay.stop()

    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'publishing', 'idle', 'stopped'])
    expect(relay.destinations[0]!.stats.droppedFrames).toBe(0)
    expectLikeSource(await ffprobeFrames(peers.ffprobe, file), source)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('our edge pulls from nginx-rtmp on demand when ffmpeg plays from our server', async () => {
    const edge = createEdge({ origin: `rtmp://127.0.0.1:${nginx.port}/restart`, client: { timeout: 20_000 }, linger: 200 })
    const statuses: EdgePullStatus[] = []
    edge.on('status', (s) => statuses.push(s))
    const server = createServer()
    edge.attach(server)
    servers.push(server)
    const { port } = await server.listen({ port: 0 })
    const file = join(out, 'edge.flv')
    const player = spawnPeer(peers.ffmpeg, ff('-i', `rtmp://127.0.0.1:${port}/live/pulled`, '-c', 'copy', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    await waitUntil('the edge to pull', () => edge.pulls().length === 1, 10_000)
    await sleep(1000) // nginx answers the edge's play once the publisher is there (play_restart)
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', nginx.url('pulled', 'restart')), { timeoutMs: 40_000 })
    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    const played = await player.exited // nginx: Play.Stop → the edge ends the local publish → ffmpeg ends
    expect(played.code, describeExit(played)).toBe(0)
    await waitUntil('the edge to stop pulling', () => edge.pulls().length === 0, 10_000)
    await edge.close()

    expect(statuses.map((s) => s.state)).toContain('live')
    expect(statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'unused' })
    expectLikeSource(await ffprobeFrames(peers.ffprobe, file), source)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)
})

const chained = interopSuite('our server chained to itself (fixture made by ffmpeg)', ['ffmpeg'])

chained('origin → edge → players, all ours', (peers) => {
  let tags: FlvTag[] = []
  const servers: RtmpServer[] = []

  beforeAll(async () => {
    tags = readTags(await makeFixture(peers.ffmpeg))
  }, 90_000)

  afterAll(() => Promise.all(servers.map((s) => s.close())))

  it('three players of the edge get every frame in order from the first keyframe; when the last leaves the edge stops pulling', async () => {
    const unusedAtOrigin: string[] = []
    const origin = createServer({ live: { onUnused: (app, name) => unusedAtOrigin.push(`${app}/${name}`) } })
    servers.push(origin)
    const originPort = (await origin.listen({ port: 0 })).port
    const edge = createEdge({ origin: `rtmp://127.0.0.1:${originPort}`, linger: 100 })
    const statuses: EdgePullStatus[] = []
    edge.on('status', (s) => statuses.push(s))
    const server = createServer()
    edge.attach(server)
    servers.push(server)
    const edgePort = (await server.listen({ port: 0 })).port

    const clients = await Promise.all([1, 2, 3].map(() => RtmpClient.connect(`rtmp://127.0.0.1:${edgePort}/live/chain`)))
    const received: MediaMessage[][] = [[], [], []]
    await Promise.all(clients.map(async (c, i) => (await c.play()).on('media', (m) => received[i]!.push(m))))
    await waitUntil('the edge to play at the origin', () => origin.live!.get('live', 'chain')?.subscriberCount === 1, 10_000)

    const publisher = await RtmpClient.connect(`rtmp://127.0.0.1:${originPort}/live/chain`)
    const pub = await publisher.publish()
    await publishTags(pub, tags)
    const expected = expectedForEarlyPlayer(tags)
    await waitUntil('every player to get every tag', () => received.every((r) => r.length >= expected.length), 20_000)
    for (const r of received) {
      expect(r.map((m) => `${m.type}@${m.timestamp}`)).toEqual(expected.map((m) => `${m.type}@${m.timestamp}`))
      r.forEach((m, i) => expect(Buffer.from(m.data).equals(Buffer.from(expected[i]!.data)), `message ${i} (${m.type}@${m.timestamp})`).toBe(true))
    }

    // the stream is still live at the origin; the players leave one by one
    for (const c of clients) await c.close()
    await waitUntil('the origin to see the edge play end', () => unusedAtOrigin.includes('live/chain'), 10_000)
    expect(edge.pulls()).toEqual([])
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'waiting', 'live', 'stopped'])
    expect(statuses.at(-1)).toMatchObject({ reason: 'unused' })
    await pub.close()
    await publisher.close()
  }, 60_000)
})
