import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FlvTag } from '../../src/media/flv-reader'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { publishTags, readTags } from '../interop/interop-support'
import { decodeErrors, ffprobeFrames, makeFixture } from '../helpers/media-fixtures'
import { freePort, interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses, type PeerProcess } from '../helpers/processes'

// The examples that move real media, run as users run them (the bundle `npm run example` builds).
const runner = fileURLToPath(new URL('../../dist-examples/run-example.js', import.meta.url))

async function waitForOutput(p: PeerProcess, text: string | RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const seen = (): boolean => (typeof text === 'string' ? p.stdout().includes(text) : text.test(p.stdout()))
  while (!seen()) {
    if (!p.running || Date.now() > deadline) throw new Error(`no "${String(text)}" from ${p.command}:\n${p.stdout()}\n${p.stderr()}`)
    await sleep(50)
  }
}

function example(name: string, ...args: string[]): PeerProcess {
  return spawnPeer(process.execPath, [runner, name, ...args], { timeoutMs: 60_000 })
}

async function stop(p: PeerProcess): Promise<void> {
  p.child.kill('SIGINT')
  const exit = await p.exited
  expect(exit.code, describeExit(exit)).toBe(0)
}

/** Plays `url` with our client until `count` video frames arrived. */
async function playFrames(url: string, count: number): Promise<MediaMessage[]> {
  const client = await RtmpClient.connect(url)
  const player = await client.play(undefined, { timeout: 20_000 })
  const got: MediaMessage[] = []
  for await (const m of player) {
    got.push(m)
    if (got.filter((x) => x.type === 'video').length >= count) break
  }
  await client.close()
  return got
}

const suite = interopSuite('examples with real media (record, restream, edge, http-flv, stats)', ['ffmpeg', 'ffprobe'])

suite('media examples', (peers) => {
  trackProcesses()
  let out = ''
  let fixture = ''
  let tags: FlvTag[] = []
  const servers: RtmpServer[] = []

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-examples-media-'))
    fixture = await makeFixture(peers.ffmpeg)
    tags = readTags(fixture)
  }, 90_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
    rmSync(out, { recursive: true, force: true })
  })

  async function publishFixture(url: string, realtime = true): Promise<void> {
    const client = await RtmpClient.connect(url)
    const pub = await client.publish()
    await publishTags(pub, tags, { realtime })
    await pub.close()
    await client.close()
  }

  it('record: a published stream becomes a playable FLV file', async () => {
    const port = await freePort()
    const dir = join(out, 'rec')
    const rec = example('record', '--dir', dir, '--port', String(port))
    await waitForOutput(rec, 'publish to', 10_000)
    await publishFixture(`rtmp://127.0.0.1:${port}/live/show`, false)
    await waitForOutput(rec, /finished .*show.*\.flv/, 10_000)
    await stop(rec)
    const files = readdirSync(join(dir, 'live'))
    expect(files).toHaveLength(1)
    const file = join(dir, 'live', files[0]!)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(probe.video.dts[0]).toBe(0)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('restream: one ingest reaches the destination server', async () => {
    const destination = createServer()
    servers.push(destination)
    const { port: destPort } = await destination.listen({ port: 0 })
    const port = await freePort()
    const restream = example('restream', '--to', `rtmp://127.0.0.1:${destPort}/ingest/copy`, '--port', String(port))
    await waitForOutput(restream, 'publish to', 10_000)
    const received = playFrames(`rtmp://127.0.0.1:${destPort}/ingest/copy`, 40)
    await sleep(200)
    const publishing = publishFixture(`rtmp://127.0.0.1:${port}/live/show`)
    const got = await received
    await publishing
    expect(got.filter((m) => m.type === 'video').length).toBeGreaterThanOrEqual(40)
    await waitForOutput(restream, /live\/show → .*: publishing/, 5_000)
    await stop(restream)
  }, 60_000)

  it('edge: a player of the edge gets the origin stream pulled on demand', async () => {
    const origin = createServer()
    servers.push(origin)
    const { port: originPort } = await origin.listen({ port: 0 })
    const port = await freePort()
    const edge = example('edge', '--origin', `rtmp://127.0.0.1:${originPort}`, '--port', String(port))
    await waitForOutput(edge, 'edge of', 10_000)
    const publishing = publishFixture(`rtmp://127.0.0.1:${originPort}/live/cam`)
    await sleep(300)
    const got = await playFrames(`rtmp://127.0.0.1:${port}/live/cam`, 20)
    expect(got.filter((m) => m.type === 'video').length).toBeGreaterThanOrEqual(20)
    await publishing
    await waitForOutput(edge, /live\/cam from .*: live/, 5_000)
    await stop(edge)
  }, 60_000)

  it('http-flv: ffmpeg reads the live stream over HTTP', async () => {
    const port = await freePort()
    const httpPort = await freePort()
    const server = example('http-flv', '--port', String(port), '--http-port', String(httpPort))
    await waitForOutput(server, 'watch:', 10_000)
    const publishing = publishFixture(`rtmp://127.0.0.1:${port}/live/web`)
    await sleep(600)
    const file = join(out, 'http.flv')
    const reader = spawnPeer(peers.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-i', `http://127.0.0.1:${httpPort}/live/web.flv`, '-c', 'copy', '-t', '2', '-y', file], {
      timeoutMs: 30_000,
    })
    const read = await reader.exited
    expect(read.code, describeExit(read)).toBe(0)
    await publishing
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(probe.video.codec).toBe('h264')
    expect(probe.video.count).toBeGreaterThanOrEqual(40)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
    await stop(server)
  }, 60_000)

  it('live-server --stats-port serves server and stream statistics as JSON', async () => {
    const port = await freePort()
    const statsPort = await freePort()
    const server = example('live-server', '--port', String(port), '--stats-port', String(statsPort))
    await waitForOutput(server, 'stats:', 10_000)
    const client = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/st`)
    const pub = await client.publish()
    await publishTags(pub, tags.slice(0, 60))
    const res = await fetch(`http://127.0.0.1:${statsPort}/stats`)
    const body = (await res.json()) as { server: { stages: Record<string, { successes: number }> }; streams: Array<{ app: string; name: string; video?: { width?: number } }> }
    expect(body.server.stages.publish?.successes).toBe(1)
    expect(body.streams).toHaveLength(1)
    expect(body.streams[0]).toMatchObject({ app: 'live', name: 'st', video: { width: 320 } })
    await client.close()
    await stop(server)
    expect(existsSync(runner)).toBe(true)
  }, 60_000)
})
