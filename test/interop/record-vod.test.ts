import { once } from 'node:events'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RtmpError } from '../../src/errors'
import { FlvRecorder, type RecordedFile } from '../../src/record/flv-recorder'
import { recordAll, type RecordAll } from '../../src/record/record-all'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import type { VodEndReason } from '../../src/vod/flv-file-player'
import { resolveFlvPath, serveFlvFile } from '../../src/vod/serve-flv-file'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { interopSuite } from '../helpers/peers'
import { describeExit, run, spawnPeer, trackProcesses } from '../helpers/processes'

// ffmpeg publishes to our server, which records it; ffmpeg and rtmpdump play FLV files from it (VOD).

const suite = interopSuite('recording and VOD with ffmpeg and rtmpdump', ['ffmpeg', 'ffprobe', 'rtmpdump'])

suite('recording and VOD against real peers', (peers) => {
  trackProcesses()
  let fixture = ''
  let out = ''
  let vodDir = ''
  let server: RtmpServer
  let recorder: RecordAll
  let port = 0
  const errors: string[] = []
  const vodEnds: VodEndReason[] = []
  const seeks: Array<[number, number]> = []
  const starts: number[] = []

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg) // 320x240, 25 fps, 4 s, keyframe every 25 frames: 100 video frames
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-record-vod-'))
    vodDir = join(out, 'vod')
    server = createServer()
    server.on('connectionError', (err) => errors.push(`${err.code}: ${err.message}`))
    recorder = recordAll(server, { dir: join(out, 'recordings'), filter: (_app, name) => name !== 'twice' })
    recorder.on('recordingError', (e: RtmpError) => errors.push(`${e.code}: ${e.message}`))
    server.on('connection', (conn) =>
      conn.on('play', (req) => {
        if (req.app !== 'vod') return server.live?.handlePlay(req)
        const path = resolveFlvPath(vodDir, req.streamName)
        if (!path) return req.reject()
        starts.push(req.start)
        void serveFlvFile(req, path, { onError: (e) => errors.push(`${e.code}: ${e.message}`) }).then((player) => {
          player?.on('seek', (position, startMs) => seeks.push([position, startMs]))
          player?.on('end', (reason) => vodEnds.push(reason))
        })
      }),
    )
    port = (await server.listen({ port: 0 })).port
    // the VOD directory holds the fixture under a play name
    mkdirSync(vodDir, { recursive: true })
    copyFileSync(fixture, join(vodDir, 'fixture.flv'))
  }, 90_000)

  afterAll(async () => {
    await recorder?.stop()
    await server?.close()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  async function formatDuration(file: string): Promise<number> {
    const exit = await run(peers.ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file], { timeoutMs: 30_000 })
    expect(exit.code, describeExit(exit)).toBe(0)
    return Number(exit.stdout.trim())
  }

  it('records what ffmpeg publishes: the file probes and decodes, starts at 0, lasts ~4 s, has every frame', async () => {
    const closed = once(recorder, 'fileClose') as Promise<[RecordedFile]>
    const url = `rtmp://127.0.0.1:${port}/live/recorded`
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 40_000 })
    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    const [file] = await closed
    expect(file.path).toMatch(/live\/recorded-.*\.flv$/)

    const source = await ffprobeFrames(peers.ffprobe, fixture)
    const probe = await ffprobeFrames(peers.ffprobe, file.path)
    expect(probe).toMatchObject({ width: 320, height: 240 })
    expect(probe.video.codec).toBe('h264')
    expect(probe.audio.codec).toBe('aac')
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(Math.abs(probe.audio.count - source.audio.count)).toBeLessThanOrEqual(4)
    expect(Math.min(...probe.video.dts)).toBe(0)
    expect(Math.min(...probe.audio.dts)).toBeGreaterThanOrEqual(0)
    expect(Math.min(...probe.audio.dts)).toBeLessThan(100)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    expect(Math.abs((await formatDuration(file.path)) - (await formatDuration(fixture)))).toBeLessThanOrEqual(0.3)
    expect(Math.abs(file.durationMs / 1000 - 4)).toBeLessThanOrEqual(0.3)
    expect(await decodeErrors(peers.ffmpeg, file.path)).toBe('')
    expect(errors).toEqual([])
  }, 90_000)

  it('appends two ffmpeg publishes to one file: timestamps continue, the junction decodes', async () => {
    const rec = new FlvRecorder({ dir: out, path: 'twice.flv', mode: 'append' })
    rec.on('recordingError', (e) => errors.push(`${e.code}: ${e.message}`))
    const subscription = server.live!.subscribe('live', 'twice', rec)
    for (let i = 0; i < 2; i++) {
      const closed = once(rec, 'fileClose')
      const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/twice`), { timeoutMs: 40_000 })
      const published = await publisher.exited
      expect(published.code, describeExit(published)).toBe(0)
      await closed
    }
    subscription.unsubscribe()
    await rec.close()
    const file = join(out, 'twice.flv')
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(Math.abs(probe.video.count - 2 * source.video.count)).toBeLessThanOrEqual(4)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    const steps = probe.video.dts.slice(1).map((t, i) => t - probe.video.dts[i]!)
    expect(Math.max(...steps)).toBeLessThan(200) // no jump at the junction
    expect(Math.abs((await formatDuration(file)) - 8)).toBeLessThanOrEqual(0.5)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
    expect(errors).toEqual([])
  }, 120_000)

  it('ffmpeg plays an FLV file from our server, gets every frame and ends by itself on Play.Stop', async () => {
    const file = join(out, 'vod-copy.flv')
    const ends = vodEnds.length
    const player = spawnPeer(peers.ffmpeg, ff('-i', `rtmp://127.0.0.1:${port}/vod/fixture.flv`, '-c', 'copy', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    expect(played.timedOut).toBe(false)
    expect(vodEnds.slice(ends)).toEqual(['complete'])
    expect(starts.at(-1)).toBe(-2000) // ffmpeg's "live or recorded"

    const source = await ffprobeFrames(peers.ffprobe, fixture)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(probe.video.count).toBe(source.video.count)
    expect(Math.abs(probe.audio.count - source.audio.count)).toBeLessThanOrEqual(2)
    expect(probe.video.keyframes).toBe(source.video.keyframes)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('rtmpdump plays from a start offset (-A): from the keyframe at or before it, decodable from its first frame', async () => {
    const file = join(out, 'vod-from-2.5s.flv')
    const dump = await run(peers.rtmpdump, ['-q', '-r', `rtmp://127.0.0.1:${port}/vod/fixture`, '-A', '2.5', '-o', file], { timeoutMs: 40_000 })
    expect(dump.code, describeExit(dump)).toBe(0)
    expect(starts.at(-1)).toBe(2500)
    const source = await ffprobeFrames(peers.ffprobe, fixture)
    const fromKeyframe = source.video.dts.filter((t) => t >= 2000).length // the keyframe at 2 s and after
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(probe.video.count).toBe(fromKeyframe)
    expect(probe.video.keyframes).toBe(2) // at 2 s and 3 s
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
  }, 60_000)

  it('ffmpeg -ss seeks (the RTMP seek command): Seek.Notify, then from the keyframe at or before the position', async () => {
    const file = join(out, 'vod-seek.flv')
    const before = seeks.length
    const player = spawnPeer(peers.ffmpeg, ff('-ss', '2.5', '-i', `rtmp://127.0.0.1:${port}/vod/fixture`, '-c', 'copy', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    const seek = seeks[before]
    expect(seek, 'ffmpeg sent a seek').toBeDefined()
    expect(seek![1]).toBe(2000) // the keyframe at or before the position asked
    expect(seek![0]).toBeGreaterThanOrEqual(2000)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(probe.video.count).toBeGreaterThanOrEqual(48)
    expect(probe.video.count).toBeLessThanOrEqual(52)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
    expect(errors).toEqual([])
  }, 60_000)
})
