import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RejectedError } from '../../src/errors'
import type { MediaMessage } from '../../src/media/media-message'
import type { ClientPlayStream } from '../../src/transport/client-streams'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { decodeErrors, ffprobeFrames, makeFixture } from '../helpers/media-fixtures'
import { freePort, interopSuite } from '../helpers/peers'
import { describeExit, run, sleep, spawnPeer, trackProcesses, type PeerProcess } from '../helpers/processes'
import { kindOf, liveStream, serialOf } from '../relay/relay-media'

// The cluster example as users run it (the bundle `npm run example` builds): two workers behind one port;
// players that land on the worker without the publisher are served through a pull over loopback.
const runner = fileURLToPath(new URL('../../dist-examples/run-example.js', import.meta.url))

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000, p?: PeerProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline || (p && !p.running)) throw new Error(`timed out waiting for ${what}${p ? `:\n${p.stdout()}\n${p.stderr()}` : ''}`)
    await sleep(20)
  }
}

async function startCluster(): Promise<{ p: PeerProcess; port: number; url: (name: string) => string }> {
  const port = await freePort()
  const p = spawnPeer(process.execPath, [runner, 'cluster', '--workers', '2', '--port', String(port)], { timeoutMs: 120_000 })
  await waitFor('the workers', () => p.stdout().includes(`2 workers on rtmp://127.0.0.1:${port}/`), 30_000, p)
  return { p, port, url: (name) => `rtmp://127.0.0.1:${port}/live/${name}` }
}

async function stopCluster(p: PeerProcess): Promise<void> {
  p.child.kill('SIGINT') // the primary only: it stops its workers
  const exit = await p.exited
  expect(exit.code, describeExit(exit)).toBe(0)
  expect(exit.stdout).not.toMatch(/died|session error/)
}

/** Worker ids from the example's log lines `[worker N] <what>`. */
function workersThat(p: PeerProcess, what: RegExp): number[] {
  const ids: number[] = []
  for (const line of p.stdout().split('\n')) {
    const m = /^\[worker (\d+)\] (.*)$/.exec(line)
    if (m && what.test(m[2]!)) ids.push(Number(m[1]))
  }
  return ids
}

interface Player {
  readonly client: RtmpClient
  readonly messages: MediaMessage[]
}

async function player(url: string): Promise<Player> {
  const client = await RtmpClient.connect(url)
  const stream: ClientPlayStream = await client.play(undefined, { timeout: 20_000 })
  const messages: MediaMessage[] = []
  void (async () => {
    for await (const m of stream) messages.push(m)
  })().catch(() => {})
  return { client, messages }
}

const videoSerials = (ms: readonly MediaMessage[]): number[] => ms.filter((m) => kindOf(m) === 'key' || kindOf(m) === 'inter').map(serialOf)
const hex = (m: MediaMessage): string => Buffer.from(m.data).toString('hex')
const media = (ms: readonly MediaMessage[]): Array<[string, number, string]> => ms.map((m) => [kindOf(m), m.timestamp, hex(m)])

describe('cluster example', () => {
  trackProcesses()

  it('prints its usage with --help', async () => {
    const exit = await run(process.execPath, [runner, 'cluster', '--help'], { timeoutMs: 15_000 })
    expect(exit.code, describeExit(exit)).toBe(0)
    expect(exit.stdout).toMatch(/usage: .*cluster.*--workers N/)
  })

  it("serves every player, on either worker, the publisher's frames byte for byte; SIGINT stops it", async () => {
    const { p, url } = await startCluster()
    const stream = liveStream(4, 10) // metadata, 2 sequence headers, then 4 GOPs of 10 video + 10 audio frames
    const gop = (g: number): number => 3 + 20 * g // index of GOP g's keyframe

    // players before the publisher wait; connections one after another go round-robin to both workers
    const early: Player[] = []
    for (let i = 0; i < 3; i++) early.push(await player(url('cam')))
    const publisher = await RtmpClient.connect(url('cam'))
    const pub = await publisher.publish()
    await waitFor('the publish', () => workersThat(p, /^publishes live\/cam$/).length === 1, 10_000, p)
    const home = workersThat(p, /^publishes live\/cam$/)[0]!
    const players = workersThat(p, /plays live\/cam$/)
    expect(new Set(players).size, p.stdout()).toBe(2) // both workers have players
    // the other worker pulls from the publisher's; once its pull plays there, it gets every frame
    await waitFor('the pull', () => workersThat(p, /^pull live\/cam from rtmp:\/\/127\.0\.0\.1:\d+\/live\/cam: waiting$/).length === 1, 10_000, p)
    expect(workersThat(p, /^pull live\/cam/)[0]).not.toBe(home)

    for (const m of stream.slice(0, gop(2))) await pub.write(m)
    await waitFor('two GOPs at the early players', () => early.every((e) => videoSerials(e.messages).length === 20))
    const late: Player[] = []
    for (let i = 0; i < 4; i++) late.push(await player(url('cam')))
    await waitFor('the late players to start', () => late.every((l) => videoSerials(l.messages).length === 10))
    for (const m of stream.slice(gop(2))) await pub.write(m)
    await waitFor('every frame at every player', () => [...early, ...late].every((x) => videoSerials(x.messages).at(-1) === 39))

    expect(new Set(workersThat(p, /plays live\/cam$/)).size).toBe(2)
    for (const e of early) {
      expect(e.messages.slice(0, 3).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header'])
      expect(media(e.messages.slice(3))).toEqual(media(stream.slice(3)))
    }
    for (const l of late) {
      // the GOP cache: from the last keyframe published before they came
      expect(l.messages.slice(0, 3).map(kindOf)).toEqual(['metadata', 'video-header', 'audio-header'])
      expect(l.messages.slice(0, 3).map(hex)).toEqual(stream.slice(0, 3).map(hex)) // (stamped at the keyframe's time)
      expect(media(l.messages.slice(3))).toEqual(media(stream.slice(gop(1))))
    }

    await Promise.all([...early, ...late].map((x) => x.client.close()))
    await publisher.close()
    await stopCluster(p)
  }, 90_000)

  it('refuses a second publisher of a live name on any worker, and re-forks a worker that dies', async () => {
    const { p, url } = await startCluster()
    const first = await RtmpClient.connect(url('cam'))
    await first.publish()
    await waitFor('the publish', () => workersThat(p, /^publishes live\/cam$/).length === 1, 10_000, p)
    const home = workersThat(p, /^publishes live\/cam$/)[0]!
    // two more connections: round-robin puts at least one on the other worker
    for (let i = 0; i < 2; i++) {
      const second = await RtmpClient.connect(url('cam'))
      const err = await second.publish().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RejectedError)
      expect((err as RejectedError).status.code).toBe('NetStream.Publish.BadName')
      await second.close()
    }
    // players on both workers, so one of them pulls from the publisher's worker
    const watchers: Player[] = []
    for (let i = 0; i < 2; i++) watchers.push(await player(url('cam')))
    await waitFor('the pull', () => workersThat(p, /^pull live\/cam .*: waiting$/).length === 1, 10_000, p)

    // the publisher's worker dies: its registration goes, a new worker takes its place
    const pid = Number(new RegExp(`^\\[worker ${home}\\] pid (\\d+)`, 'm').exec(p.stdout())![1])
    process.kill(pid, 'SIGKILL')
    await waitFor('a new worker', () => /\[primary\] worker \d+ died \(SIGKILL\); starting another/.test(p.stdout()) && /^\[worker 3\] pid/m.test(p.stdout()), 20_000, p)
    await first.close()
    await waitFor('the players on the dead worker to be dropped', () => watchers.some((w) => w.client.closed))
    const stayed = watchers.filter((w) => !w.client.closed)
    expect(stayed).toHaveLength(1)

    // the name is free again, and the player that stayed gets the new publisher's stream, wherever it lands
    const again = await RtmpClient.connect(url('cam'))
    const pub = await again.publish()
    for (const m of liveStream(2, 10)) await pub.write(m)
    await waitFor('the new stream at the player who stayed', () => videoSerials(stayed[0]!.messages).at(-1) === 19, 20_000, p)
    expect(videoSerials(stayed[0]!.messages).slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => i))

    await Promise.all([...watchers.map((w) => w.client.close()), again.close()])
    p.child.kill('SIGINT')
    const exit = await p.exited
    expect(exit.code, describeExit(exit)).toBe(0)
  }, 90_000)
})

const suite = interopSuite('cluster example with ffmpeg', ['ffmpeg', 'ffprobe'])

suite('cluster example with ffmpeg', (peers) => {
  trackProcesses()
  let out = ''
  let fixture = ''
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-cluster-'))
    fixture = await makeFixture(peers.ffmpeg, { seconds: 8 })
  }, 90_000)
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('ffmpeg publishes, ffmpeg players on both workers record what they play', async () => {
    const { p, url } = await startCluster()
    const publisher = spawnPeer(peers.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url('show')], { timeoutMs: 60_000 })
    await waitFor('the publish', () => workersThat(p, /^publishes live\/show$/).length === 1, 15_000, p)
    const players = [0, 1, 2].map((i) => {
      const file = join(out, `play-${i}.flv`)
      const proc = spawnPeer(peers.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-i', url('show'), '-c', 'copy', '-t', '3', '-y', file], { timeoutMs: 60_000 })
      return { file, proc }
    })
    for (const { proc } of players) {
      const exit = await proc.exited
      expect(exit.code, describeExit(exit)).toBe(0)
    }
    expect(new Set(workersThat(p, /plays live\/show$/)).size).toBe(2)
    expect(workersThat(p, /^pull live\/show .*: live$/)).toHaveLength(1)
    for (const { file } of players) {
      const probe = await ffprobeFrames(peers.ffprobe, file)
      expect(probe.video.count).toBeGreaterThanOrEqual(50) // 3 s at 25 fps, from a keyframe
      expect(probe.video.keyframes).toBeGreaterThanOrEqual(1)
      expect(probe.audio.count).toBeGreaterThan(0)
      expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
    }
    await publisher.kill()
    await stopCluster(p)
  }, 120_000)
})
