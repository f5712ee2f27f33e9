import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'

// Serialize once, write many, with real players: ffmpeg players that keep up are served from the stream's
// fan-out lane (each message chunked once, fmt 0 first header, fmt 3 continuations, the same bytes to each);
// what goes to players joining mid-GOP (headers, the GOP) goes message by message, each player's own chunk
// headers (through the shared chunk cache while a message is in it), and they join the lane at the next live
// message. The first player leaving takes nothing from the others.
// Crossing 0xFFFFFF ms puts extended timestamps on every kind.

const suite = interopSuite('ffmpeg players of shared chunks', ['ffmpeg', 'ffprobe'])

suite('several ffmpeg players of one stream served from its fan-out lane', (peers) => {
  trackProcesses()
  let fixture = ''
  let out = ''
  // without batching, and with lane batches (one write per player per 50 ms)
  const batchTimes = [0, 50] as const
  const servers = new Map<number, { server: RtmpServer; port: number }>()
  const errors: string[] = []

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg, { seconds: 6 }) // 320x240, 25 fps, a keyframe each second
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-shared-'))
    for (const writeBatchMs of batchTimes) {
      const server = createServer({ writeBatchMs })
      server.on('connectionError', (err) => errors.push(`${err.code}: ${err.message}`))
      servers.set(writeBatchMs, { server, port: (await server.listen({ port: 0 })).port })
    }
  }, 90_000)

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.server.close()))
    if (out) rmSync(out, { recursive: true, force: true })
  })

  for (const writeBatchMs of batchTimes) {
    it(`ffmpeg players joining early and mid-GOP, one leaving, get decodable frames with steady timestamps across 0xFFFFFF ms (writeBatchMs ${writeBatchMs})`, async () => {
      const { server, port } = servers.get(writeBatchMs)!
      const url = `rtmp://127.0.0.1:${port}/live/shared`
      const files = [1, 2, 3].map((i) => join(out, `player-${writeBatchMs}-${i}.flv`))
      const play = (file: string, ...extra: string[]) =>
        spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-copyts', ...extra, '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
      // the first player gets every message first (its own writer) and leaves after 4 s of video
      const players = [play(files[0]!, '-frames:v', '100')]
      await sleep(1500)
      // timestamps start 3 s below 0xFFFFFF ms (16777.215 s) and cross it halfway through the 6 s fixture
      const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-output_ts_offset', '16774.215', '-f', 'flv', url), { timeoutMs: 40_000 })
      // two more join mid-GOP: their GOP replay is partly their own chunking, partly shared bytes, then the live
      // messages are shared until the first player leaves and the second becomes first again
      await sleep(1700)
      players.push(play(files[1]!), play(files[2]!))
      await sleep(2000)
      const fanout = server.live!.streamStats('live', 'shared')!.fanout
      expect((await publisher.exited).code).toBe(0)
      const source = await ffprobeFrames(peers.ffprobe, fixture)
      for (const [i, player] of players.entries()) {
        const played = await player.exited
        expect(played.code, describeExit(played)).toBe(0)
        const probe = await ffprobeFrames(peers.ffprobe, files[i]!)
        expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
        expect(probe.video.dts.some((t) => t < 0xffffff)).toBe(true)
        if (i > 0) {
          // from the keyframe it started at to the end of the stream
          expect(probe.video.dts.at(-1)! - probe.video.dts[0]!).toBeGreaterThan(3000)
          expect(Math.abs(probe.video.dts.at(-1)! - source.video.dts.at(-1)! - 16774215)).toBeLessThan(100)
          expect(probe.video.dts.some((t) => t > 0xffffff + 1000)).toBe(true)
        }
        const steps = probe.video.dts.slice(1).map((t, j) => t - probe.video.dts[j]!)
        expect(Math.max(...steps)).toBeLessThan(200)
        expect(await decodeErrors(peers.ffmpeg, files[i]!)).toBe('')
      }
      // the path under test was taken: one chunking per message, written to all three players
      expect(fanout.laneSubscribers).toBe(3)
      // one write per message per player, or with batching one per batch per player (fewer than messages)
      if (writeBatchMs === 0) expect(fanout.writes).toBeGreaterThan(2 * fanout.messagesChunked)
      else expect(fanout.writes).toBeLessThan(fanout.messagesChunked)
      expect(errors).toEqual([])
    }, 90_000)
  }
})
