import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import type { ServerConnection } from '../../src/transport/server-connection'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'

// ffmpeg publishes to our server; ffmpeg and rtmpdump play from it (ffmpeg validates our digest handshake).

const suite = interopSuite('ffmpeg and rtmpdump against our server', ['ffmpeg', 'ffprobe', 'rtmpdump'])

suite('our server with ffmpeg and rtmpdump', (peers) => {
  trackProcesses()
  let fixture = ''
  let out = ''
  let server: RtmpServer
  let port = 0
  const connections: ServerConnection[] = []
  const errors: string[] = []

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg) // 320x240, 25 fps, 4 s: 100 video frames, ~172 AAC frames
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-ffmpeg-'))
    server = createServer()
    server.on('connection', (c) => connections.push(c))
    server.on('connectionError', (err) => errors.push(`${err.code}: ${err.message}`))
    port = (await server.listen({ port: 0 })).port
  }, 90_000)

  afterAll(async () => {
    await server?.close()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  it('ffmpeg publishes, ffmpeg and rtmpdump play every frame back, decodable and in order', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/relay`
    const ffOut = join(out, 'ffmpeg.flv')
    const rdOut = join(out, 'rtmpdump.flv')
    // players first: they wait for the publisher (PublishNotify) and so get the whole stream
    const player = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-f', 'flv', '-y', ffOut), { timeoutMs: 40_000 })
    const dumper = spawnPeer(peers.rtmpdump, ['-q', '-r', url, '--live', '-m', '5', '-o', rdOut], { timeoutMs: 40_000 })
    await sleep(1500)
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 40_000 })

    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    const dumped = await dumper.exited
    expect([0, 2], describeExit(dumped)).toContain(dumped.code)

    const source = await ffprobeFrames(peers.ffprobe, fixture)
    for (const file of [ffOut, rdOut]) {
      const probe = await ffprobeFrames(peers.ffprobe, file)
      expect(probe.video.codec).toBe('h264')
      expect(probe.audio.codec).toBe('aac')
      expect(probe).toMatchObject({ width: 320, height: 240 })
      expect(Math.abs(probe.video.count - source.video.count), file).toBeLessThanOrEqual(2)
      expect(Math.abs(probe.audio.count - source.audio.count), file).toBeLessThanOrEqual(4)
      expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts), file).toBe(true)
      expect(await decodeErrors(peers.ffmpeg, file), file).toBe('')
    }
    expect(errors).toEqual([])
  }, 90_000)

  it('ffmpeg plays from our server through the digest handshake it validates', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/handshake`
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 40_000 })
    await sleep(1200)
    const before = connections.length
    const file = join(out, 'handshake.flv')
    const player = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-t', '1.5', '-f', 'flv', '-y', file), { timeoutMs: 30_000 })
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    await publisher.exited
    const playerConnection = connections[before]
    expect(playerConnection?.complexHandshake).toBe(true)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    // a late joiner starts at a keyframe: decodable from its first packet
    expect(probe.video.count).toBeGreaterThanOrEqual(30)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('a stream crossing the 0xFFFFFF ms extended-timestamp boundary survives ffmpeg → our server → ffmpeg', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/extended`
    const file = join(out, 'extended.flv')
    const player = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-copyts', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    await sleep(1500)
    // timestamps start 2 s below 0xFFFFFF ms (16777.215 s) and cross it halfway through the 4 s fixture
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-output_ts_offset', '16775.215', '-f', 'flv', url), {
      timeoutMs: 40_000,
    })
    expect((await publisher.exited).code).toBe(0)
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    const boundary = 0xffffff
    expect(probe.video.dts.some((t) => t < boundary)).toBe(true)
    expect(probe.video.dts.some((t) => t > boundary + 1000)).toBe(true)
    // no jump anywhere: frame to frame steps stay small across the boundary
    const steps = probe.video.dts.slice(1).map((t, i) => t - probe.video.dts[i]!)
    expect(Math.max(...steps)).toBeLessThan(200)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 90_000)
})
