import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { LiveStreamStats } from '../../src/live/stream-stats'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { decodeErrors, ffArgs as ff, makeFixture } from '../helpers/media-fixtures'
import { interopSuite } from '../helpers/peers'
import { describeExit, run, sleep, spawnPeer, trackProcesses } from '../helpers/processes'

// ffmpeg publishes a real H.264/AAC stream to our server; ffmpeg players join in the middle of a GOP.

const suite = interopSuite('live hub with ffmpeg', ['ffmpeg', 'ffprobe'])

/** flags and pts (ms) of every video packet, in order. */
async function videoPackets(ffprobe: string, file: string): Promise<Array<{ flags: string; pts: number }>> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags,pts_time', '-of', 'json', file]
  const exit = await run(ffprobe, args, { timeoutMs: 30_000, maxOutput: 16 * 1024 * 1024 })
  if (exit.code !== 0) throw new Error(`ffprobe failed:\n${describeExit(exit)}`)
  const json = JSON.parse(exit.stdout) as { packets?: Array<{ flags?: string; pts_time?: string }> }
  return (json.packets ?? []).map((p) => ({ flags: p.flags ?? '', pts: Math.round(Number(p.pts_time) * 1000) }))
}

suite('the live hub with ffmpeg publishing and late-joining ffmpeg players', (peers) => {
  trackProcesses()
  let fixture = ''
  let out = ''
  let server: RtmpServer
  let port = 0

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg, { seconds: 5 }) // 320x240, 25 fps, keyframe every 25 frames, AAC 44.1 kHz stereo
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-live-hub-'))
    server = createServer()
    // players choose where they start with ?start=live; the default is the GOP cache
    server.on('connection', (conn) => conn.on('play', (req) => server.live!.handlePlay(req, { start: req.query.start === 'live' ? 'live' : 'gop' })))
    port = (await server.listen({ port: 0 })).port
  }, 90_000)

  afterAll(async () => {
    await server?.close()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  it('a player joining mid-GOP starts with a keyframe from the cache and decodes cleanly; stats describe the stream', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/hub`
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 40_000 })
    // join a little after the second keyframe, well inside a GOP
    const deadline = Date.now() + 20_000
    while ((server.live!.streamStats('live', 'hub')?.video?.keyframes ?? 0) < 2 && Date.now() < deadline) await sleep(20)
    await sleep(300)
    const gopFile = join(out, 'gop.flv')
    const liveFile = join(out, 'live.flv')
    const gopPlayer = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-copyts', '-f', 'flv', '-y', gopFile), { timeoutMs: 40_000 })
    const livePlayer = spawnPeer(peers.ffmpeg, ff('-i', `${url}?start=live`, '-c', 'copy', '-copyts', '-f', 'flv', '-y', liveFile), { timeoutMs: 40_000 })
    await sleep(1500)

    const stats = server.live!.streamStats('live', 'hub') as LiveStreamStats
    expect(stats).toMatchObject({
      state: 'publishing',
      subscribers: 2,
      video: { codec: 'avc', width: 320, height: 240, lastKeyframeIntervalMs: 1000 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 2 },
    })
    expect(stats.bitrateIn).toBeGreaterThan(0)
    expect(stats.bitrateOut).toBeGreaterThan(0)
    expect(stats.uptimeMs).toBeGreaterThan(2000)
    expect(stats.video!.keyframes).toBeGreaterThanOrEqual(2)

    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    for (const p of [gopPlayer, livePlayer]) {
      const played = await p.exited
      expect(played.code, describeExit(played)).toBe(0)
    }

    const gop = await videoPackets(peers.ffprobe, gopFile)
    const live = await videoPackets(peers.ffprobe, liveFile)
    for (const [name, packets, file] of [['gop', gop, gopFile], ['live', live, liveFile]] as const) {
      expect(packets.length, name).toBeGreaterThan(25)
      expect(packets[0]!.flags, `${name}: first video packet`).toContain('K')
      expect(await decodeErrors(peers.ffmpeg, file), name).toBe('')
    }
    // the GOP player started behind the live edge, at the keyframe before it joined; the live one at the next
    expect(gop[0]!.pts).toBeLessThan(live[0]!.pts)
    expect((live[0]!.pts - gop[0]!.pts) % 1000).toBe(0)

    const s = server.stats()
    expect(s.stages.play).toMatchObject({ attempts: 2, successes: 2, failures: 0 })
    expect(s.stages.delivery).toMatchObject({ successes: 2, failures: 0 })
    expect(s.stages.publish).toMatchObject({ successes: 1 })
    expect(s.stages.handshake.failures).toBe(0)
  }, 90_000)
})
