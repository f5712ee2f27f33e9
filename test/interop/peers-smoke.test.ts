import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAacConfig } from '../../src/media/aac-config'
import { parseAvcConfig } from '../../src/media/avc-config'
import { readFlvFile } from '../../src/media/flv-reader'
import { audioInfo, isKeyframe, videoInfo } from '../../src/media/flv-tag'
import { decodeErrors, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { startNginxRtmp } from '../helpers/nginx'
import type { NginxRtmp } from '../helpers/nginx'
import { freePort, interopSuite } from '../helpers/peers'
import { describeExit, run, sleep, spawnPeer, trackProcesses, waitForPort } from '../helpers/processes'

// Proves the interop helpers against the real peers alone, before our own server/client take part:
// ffmpeg makes media, ffprobe reads it, nginx-rtmp relays it from an ffmpeg publisher to ffmpeg and rtmpdump.

const suite = interopSuite('peers smoke', ['ffmpeg', 'ffprobe', 'rtmpdump', 'nginx'])

suite('real peers (ffmpeg, ffprobe, rtmpdump, nginx-rtmp)', (peers) => {
  trackProcesses()
  let fixture = ''
  let out = ''

  beforeAll(async () => {
    fixture = await makeFixture(peers.ffmpeg) // 320x240, 25 fps, 4 s, keyint 25, AAC 44.1 kHz stereo
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-smoke-'))
  }, 90_000)

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true })
  })

  it('ffmpeg makes a fixture that ffprobe reads back with the expected frames', async () => {
    const probe = await ffprobeFrames(peers.ffprobe, fixture)
    expect(probe).toMatchObject({ width: 320, height: 240, sampleRate: 44100, channels: 2 })
    expect(probe.video.codec).toBe('h264')
    expect(probe.audio.codec).toBe('aac')
    expect(probe.video.count).toBe(100) // 4 s × 25 fps
    expect(probe.video.keyframes).toBe(4) // keyint 25, no scene cuts
    expect(probe.audio.count).toBeGreaterThanOrEqual(170) // 4 s × 44100 / 1024 ≈ 172
    expect(isMonotonic(probe.video.dts)).toBe(true)
    expect(isMonotonic(probe.audio.dts)).toBe(true)
    expect(await decodeErrors(peers.ffmpeg, fixture)).toBe('')
  }, 60_000)

  it('our FLV reader agrees with ffprobe on the fixture, and our config parsers read its headers', async () => {
    const probe = await ffprobeFrames(peers.ffprobe, fixture)
    const file = readFlvFile(new Uint8Array(readFileSync(fixture)))
    expect(file.error).toBeUndefined()
    expect(file.header).toMatchObject({ hasAudio: true, hasVideo: true })
    const video = file.tags.filter((t) => t.type === 9)
    const audio = file.tags.filter((t) => t.type === 8)
    const vHeader = video.find((t) => videoInfo(t.data)?.isSequenceHeader)!
    const aHeader = audio.find((t) => audioInfo(t.data)?.isSequenceHeader)!
    // ffprobe counts coded frames only: not the sequence headers, nor the end-of-sequence tag ffmpeg writes last
    const frames = video.filter((t) => videoInfo(t.data)?.packetType === 1)
    expect(video.at(-1) && videoInfo(video.at(-1)!.data)?.isEndOfSequence).toBe(true)
    expect(frames).toHaveLength(probe.video.count)
    expect(audio.length - 1).toBe(probe.audio.count)
    expect(frames.filter((t) => isKeyframe(t.data))).toHaveLength(4)
    const avc = parseAvcConfig(vHeader.data.subarray(videoInfo(vHeader.data)!.payloadOffset))
    expect(avc).toMatchObject({ width: 320, height: 240, profile: 77 })
    expect(parseAacConfig(aHeader.data.subarray(2))).toMatchObject({ objectType: 2, sampleRate: 44100, channels: 2 })
    // composition times from the tags give back ffprobe's pts (B-frames: pts ≠ dts)
    const pts = frames.map((t) => t.timestamp + videoInfo(t.data)!.compositionTime)
    expect(pts).toEqual(probe.video.pts)
  }, 60_000)

  it('nginx-rtmp relays an ffmpeg publisher to an ffmpeg player and to rtmpdump', async () => {
    const nginx: NginxRtmp = await startNginxRtmp({ nginx: peers.nginx })
    try {
      const url = nginx.url('smoke')
      const publisher = spawnPeer(peers.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url], {
        timeoutMs: 30_000,
      })
      await sleep(800) // let the publisher connect and start; players joining later get the live edge
      const ffOut = join(out, 'ffmpeg-player.flv')
      const rdOut = join(out, 'rtmpdump.flv')
      const player = spawnPeer(peers.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-i', url, '-c', 'copy', '-t', '2', '-y', ffOut], {
        timeoutMs: 20_000,
      })
      // rtmpdump ignores --stop on live streams and keeps waiting after the publisher leaves: -m 2 makes it
      // give up 2 s after the last packet, reporting "incomplete" (exit code 2)
      const dumper = spawnPeer(peers.rtmpdump, ['-q', '-r', url, '--live', '-m', '2', '-o', rdOut], { timeoutMs: 30_000 })

      const played = await player.exited
      expect(played.code, describeExit(played)).toBe(0)
      const published = await publisher.exited
      expect(published.code, describeExit(published)).toBe(0)
      const dumped = await dumper.exited
      expect([0, 2], describeExit(dumped)).toContain(dumped.code)

      const viaFfmpeg = await ffprobeFrames(peers.ffprobe, ffOut)
      expect(viaFfmpeg.video.codec).toBe('h264')
      expect(viaFfmpeg.video.count).toBeGreaterThanOrEqual(40) // -t 2 at 25 fps
      expect(viaFfmpeg.audio.count).toBeGreaterThanOrEqual(70)
      expect(isMonotonic(viaFfmpeg.video.dts) && isMonotonic(viaFfmpeg.audio.dts)).toBe(true)
      expect(await decodeErrors(peers.ffmpeg, ffOut)).toBe('')

      const viaRtmpdump = await ffprobeFrames(peers.ffprobe, rdOut)
      expect(viaRtmpdump.video.count).toBeGreaterThanOrEqual(50) // joined ~1 s in, stayed to the end
      expect(viaRtmpdump.audio.count).toBeGreaterThanOrEqual(80)
      expect(isMonotonic(viaRtmpdump.video.dts) && isMonotonic(viaRtmpdump.audio.dts)).toBe(true)
      expect(readFlvFile(new Uint8Array(readFileSync(rdOut))).error).toBeUndefined()
    } finally {
      await nginx.stop()
    }
  }, 90_000)
})

describe('process helpers (no peers needed)', () => {
  trackProcesses()

  /** Whether the process group still exists after up to 3 s (orphans are reaped by init, not at once). */
  const groupAlive = async (pid: number): Promise<boolean> => {
    for (let i = 0; i < 60; i++) {
      try {
        process.kill(-pid, 0)
      } catch {
        return false
      }
      await sleep(50)
    }
    return true
  }

  it('kills a child and everything it started when the hard timeout fires', async () => {
    const child = spawnPeer('sh', ['-c', 'sleep 30 & sleep 30; echo never'], { timeoutMs: 300, killGraceMs: 500 })
    const exit = await child.exited
    expect(exit).toMatchObject({ timedOut: true, code: null, signal: 'SIGTERM' })
    expect(exit.stdout).toBe('')
    expect(await groupAlive(child.pid)).toBe(false) // the background sleep went with it
  })

  it('escalates to SIGKILL when a child ignores SIGTERM', async () => {
    const child = spawnPeer('sh', ['-c', "trap '' TERM; echo ready; sleep 30 & wait"], { timeoutMs: 10_000, killGraceMs: 300 })
    while (!child.stdout().includes('ready')) await sleep(10)
    const exit = await child.kill()
    expect(exit).toMatchObject({ killed: true, timedOut: false })
    expect(await groupAlive(child.pid)).toBe(false)
  })

  it('keeps only the tail of a large output', async () => {
    const exit = await run('sh', ['-c', 'head -c 300000 /dev/zero | tr "\\0" x; echo END'], { timeoutMs: 10_000, maxOutput: 1000 })
    expect(exit.code).toBe(0)
    expect(exit.stdout.length).toBeLessThan(1100)
    expect(exit.stdout.startsWith('[…]')).toBe(true)
    expect(exit.stdout.trimEnd().endsWith('END')).toBe(true)
  })

  it('reports a command that cannot be spawned', async () => {
    const exit = await run('/nonexistent/peer', [], { timeoutMs: 1000 })
    expect(exit.code).toBeNull()
    expect(exit.stderr).toContain('spawn error')
  })

  it('freePort gives a port nobody listens on, and waitForPort times out on it', async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(0)
    await expect(waitForPort(port, 200)).rejects.toThrow(/nothing listening/)
  })
})
