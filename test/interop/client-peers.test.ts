import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FlvTag } from '../../src/media/flv-reader'
import { FlvWriter } from '../../src/media/flv-writer'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx'
import { freePort, interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'
import { expectedForEarlyPlayer, publishTags, readTags } from './interop-support'

// Our client against real servers (nginx-rtmp, ffmpeg -listen) and against our own server over TCP.

const suite = interopSuite('our client against nginx-rtmp and ffmpeg', ['ffmpeg', 'ffprobe', 'nginx'])

async function connectWhenListening(url: string, timeoutMs: number): Promise<RtmpClient> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await RtmpClient.connect(url)
    } catch (err) {
      if (Date.now() > deadline || (err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw err
      await sleep(100)
    }
  }
}

function saveFlv(file: string, messages: readonly MediaMessage[]): void {
  const writer = new FlvWriter()
  const parts = messages.flatMap((m) => writer.writeMessage(m))
  writeFileSync(file, Buffer.concat(parts))
}

suite('our client with real servers', (peers) => {
  trackProcesses()
  let fixture = ''
  let tags: FlvTag[] = []
  let out = ''
  let nginx: NginxRtmp

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg)
    tags = readTags(fixture)
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-client-'))
    // play_restart: players get Play.Stop when the publisher leaves, so ffmpeg and our client end there
    nginx = await startNginxRtmp({ nginx: peers.nginx, applications: 'application restart { live on; play_restart on; }' })
  }, 90_000)

  afterAll(async () => {
    await nginx?.stop()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  it('publishes a file to nginx-rtmp and ffmpeg plays it back', async () => {
    const url = nginx.url('from-client', 'restart')
    const file = join(out, 'nginx-played.flv')
    const client = await RtmpClient.connect(url)
    const pub = await client.publish()
    // nginx-rtmp has no GOP cache: start the player first, then publish in real time
    const player = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    await sleep(1000)
    await publishTags(pub, tags, { realtime: true })
    await pub.close()
    await client.close()
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    expect(probe).toMatchObject({ width: 320, height: 240 })
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(Math.abs(probe.audio.count - source.audio.count)).toBeLessThanOrEqual(4)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('plays from nginx-rtmp while ffmpeg publishes, and what it receives is a valid FLV', async () => {
    const url = nginx.url('from-ffmpeg', 'restart')
    const client = await RtmpClient.connect(url)
    // with play_restart, nginx answers Play.Start only once a publisher is there
    const playing = client.play(undefined, { timeout: 20_000 })
    await sleep(300)
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 40_000 })
    const player = await playing
    const received: MediaMessage[] = []
    const done = (async () => {
      for await (const m of player) received.push(m)
    })()
    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    await done // nginx sends Play.Stop when the publisher leaves: the iterator ends
    await client.close()
    const file = join(out, 'client-played.flv')
    saveFlv(file, received)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    expect(probe.video.codec).toBe('h264')
    expect(probe.audio.codec).toBe('aac')
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(Math.abs(probe.audio.count - source.audio.count)).toBeLessThanOrEqual(4)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('publishes across the 0xFFFFFF ms boundary to an ffmpeg -listen server', async () => {
    const port = await freePort()
    const url = `rtmp://127.0.0.1:${port}/live/extended`
    const file = join(out, 'listen.flv')
    const listener = spawnPeer(peers.ffmpeg, ff('-listen', '1', '-i', url, '-c', 'copy', '-copyts', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    const client = await connectWhenListening(url, 10_000) // ffmpeg -listen 1 takes exactly one connection: no port probe
    const pub = await client.publish()
    await publishTags(pub, tags, { offset: 0xffffff - 2000, realtime: true })
    await pub.close()
    await client.close()
    const exit = await listener.exited
    expect(exit.code, describeExit(exit)).toBe(0)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    expect(probe.video.dts.some((t) => t < 0xffffff)).toBe(true)
    expect(probe.video.dts.some((t) => t > 0xffffff + 1000)).toBe(true)
    const steps = probe.video.dts.slice(1).map((t, i) => t - probe.video.dts[i]!)
    expect(Math.max(...steps)).toBeLessThan(200)
  }, 60_000)
})

const ours = interopSuite('our client against our server over TCP', ['ffmpeg'])

ours('our client against our server over TCP', (peers) => {
  let server: RtmpServer
  let port = 0
  let tags: FlvTag[] = []

  beforeAll(async () => {
    tags = readTags(await makeFixture(peers.ffmpeg))
    server = createServer()
    port = (await server.listen({ port: 0 })).port
  }, 90_000)

  afterAll(() => server?.close())

  it('ten players each get every frame of a published file, in order and byte for byte', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/ten`
    const players = await Promise.all(Array.from({ length: 10 }, () => RtmpClient.connect(url)))
    const streams = await Promise.all(players.map((c) => c.play()))
    const collected = streams.map(async (s) => {
      const got: MediaMessage[] = []
      for await (const m of s) got.push(m)
      return got
    })
    const publisherClient = await RtmpClient.connect(url)
    const pub = await publisherClient.publish()
    await publishTags(pub, tags)
    await pub.close()
    const expected = expectedForEarlyPlayer(tags)
    for (const got of await Promise.all(collected)) {
      expect(got.length).toBe(expected.length)
      got.forEach((m, i) => {
        const e = expected[i]!
        expect({ type: m.type, timestamp: m.timestamp }).toEqual({ type: e.type, timestamp: e.timestamp })
        expect(Buffer.compare(Buffer.from(m.data), Buffer.from(e.data))).toBe(0)
      })
    }
    await Promise.all([...players, publisherClient].map((c) => c.close()))
  }, 60_000)
})
