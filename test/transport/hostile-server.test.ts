import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect as netConnect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RtmpError } from '../../src/errors'
import { audioInfo, videoInfo } from '../../src/media/flv-tag'
import { FlvWriter } from '../../src/media/flv-writer'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { expectedForEarlyPlayer, readTags } from '../interop/interop-support'
import { expectsError, hostileSessions, RawPeer, type HostileSession } from '../helpers/hostile-sessions'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'
import { defaultSeed } from '../helpers/rng'

// The server-level hostile test (issue 6): one RtmpServer on TCP loopback takes waves of hostile sessions in
// parallel while ffmpeg publishes a real stream through it to two players (ffmpeg, and our client). Every bad
// session must end with its own typed error, the good stream must lose nothing, and the process must see no
// uncaught exception or unhandled rejection.

const suite = interopSuite('hostile sessions beside a real ffmpeg stream', ['ffmpeg', 'ffprobe'])

const WAVES = 5
const WAVE_GAP_MS = 900
const HANDSHAKE_TIMEOUT = 3000
const STREAM = 'relay'

interface SessionRun {
  readonly wave: number
  readonly spec: HostileSession
  readonly peer: RawPeer
  readonly port: number
  /** what `run` resolved with (a status code), or why it threw */
  readonly result: Promise<{ status?: string; error?: string }>
}

interface LoggedError {
  readonly port: number | undefined
  readonly code: string
  readonly cause: string | undefined
  readonly message: string
}

suite('one server, hostile sessions in waves, a real stream through it', (peers) => {
  trackProcesses()
  const seed = defaultSeed()
  let fixture = ''
  let out = ''
  let server: RtmpServer
  let port = 0
  const logged: LoggedError[] = []
  const processFailures: string[] = []
  const onUncaught = (err: unknown): void => {
    processFailures.push(`uncaughtException: ${String((err as Error)?.stack ?? err)}`)
  }
  const onUnhandled = (err: unknown): void => {
    processFailures.push(`unhandledRejection: ${String((err as Error)?.stack ?? err)}`)
  }

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUnhandled)
    fixture = await makeFixture(peers.ffmpeg, { seconds: 8 }) // 200 video frames, about 345 AAC frames
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-hostile-'))
    server = createServer({
      handshakeTimeout: HANDSHAKE_TIMEOUT, // the truncated handshakes end within the stream's 8 s
      connectTimeout: 4000, // a handshaken peer that never gets a connect through
      // The default (16 MiB) admits every length the 24-bit field can declare; 16 MB puts 0xFFFFFF over it.
      chunkLimits: { maxMessageLength: 16_000_000 },
    })
    server.on('connectionError', (err, conn) => {
      const cause = (err.cause as RtmpError | undefined)?.code
      logged.push({ port: conn.remotePort, code: err.code, cause, message: err.message })
    })
    port = (await server.listen({ port: 0 })).port
  }, 90_000)

  afterAll(async () => {
    process.off('uncaughtException', onUncaught)
    process.off('unhandledRejection', onUnhandled)
    await server?.close()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  /** Opens a TCP connection and starts `spec` on it. */
  async function start(spec: HostileSession, wave: number): Promise<SessionRun> {
    const socket: Socket = netConnect({ port, host: '127.0.0.1' })
    const peer = new RawPeer(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const result = spec.run(peer).then(
      (status) => (typeof status === 'string' ? { status } : {}),
      (err: unknown) => ({ error: String(err) }),
    )
    return { wave, spec, peer, port: socket.localPort ?? -1, result }
  }

  it('ends every bad session with its own typed error, while ffmpeg → server → players loses no frame', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/${STREAM}`
    const ffOut = join(out, 'ffmpeg-player.flv')
    const ourOut = join(out, 'our-player.flv')

    // players first: they wait for the publisher and so get the whole stream
    const ffPlayer = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-f', 'flv', '-y', ffOut), { timeoutMs: 60_000 })
    const client = await RtmpClient.connect(url)
    const ourStream = await client.play(STREAM)
    const received: MediaMessage[] = []
    const ourPlayer = (async () => {
      for await (const msg of ourStream) received.push(msg)
    })()
    await sleep(1500)
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 60_000 })

    // waves of every hostile session, in parallel, while the stream runs
    const runs: SessionRun[] = []
    for (let wave = 0; wave < WAVES; wave++) {
      await sleep(WAVE_GAP_MS)
      runs.push(...(await Promise.all(hostileSessions(seed + wave, STREAM).map((spec) => start(spec, wave)))))
    }
    expect(publisher.running, 'the last wave started while ffmpeg was still publishing').toBe(true)

    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    const played = await ffPlayer.exited
    expect(played.code, describeExit(played)).toBe(0)
    await ourPlayer
    await client.close()

    // every session that should fail has been closed by the server by now (the slowest: the handshake timeout)
    const bad = runs.filter((r) => r.spec.outcome.kind !== 'status')
    const allClosed = Promise.all(bad.map((r) => r.peer.closed)).then(() => [])
    const unended = await Promise.race([allClosed, sleep(15_000).then(() => bad.filter((r) => r.peer.isOpen))])
    expect(unended.map((r) => `wave ${r.wave}: ${r.spec.name}`)).toEqual([])

    // the healthy ones got their answer, and nothing of the real stream: trick names alias no other stream
    const healthy = runs.filter((r) => r.spec.outcome.kind === 'status')
    for (const r of healthy) {
      const what = `wave ${r.wave}: ${r.spec.name}`
      const outcome = r.spec.outcome as { code: string }
      expect(await r.result, what).toEqual({ status: outcome.code })
      expect(r.peer.isOpen, what).toBe(true)
      expect(r.peer.mediaCount, what).toBe(0)
      expect(r.peer.decodeError, what).toBeUndefined()
      r.peer.end()
    }
    await Promise.all(healthy.map((r) => r.peer.closed))
    await sleep(200) // the server's side of the last closes

    // exactly one typed error per bad session, the expected one; none for the healthy ones
    const byPort = new Map<number | undefined, LoggedError[]>()
    for (const e of logged) byPort.set(e.port, [...(byPort.get(e.port) ?? []), e])
    const mismatches: string[] = []
    for (const r of runs) {
      const mine = byPort.get(r.port) ?? []
      byPort.delete(r.port)
      const what = `wave ${r.wave}: ${r.spec.name} → ${JSON.stringify(mine.map((e) => [e.code, e.cause, e.message]))}`
      const o = r.spec.outcome
      if (o.kind === 'error') {
        if (mine.length !== 1 || !expectsError(o, mine[0]!.code, mine[0]!.cause) || mine[0]!.message.startsWith('internal error')) mismatches.push(what)
        const { error } = await r.result
        if (error !== undefined && !/closed during the handshake/.test(error)) mismatches.push(`${what}: run threw ${error}`)
      } else if (mine.length !== 0) {
        mismatches.push(what)
      }
    }
    expect(mismatches, `seed ${seed}`).toEqual([])
    // errors of connections the test did not open: none (ffmpeg's and our players' sessions ended cleanly)
    expect([...byPort.values()].flat()).toEqual([])
    const failsHandshake = ({ outcome: o }: HostileSession): boolean => o.kind === 'error' && o.codes.every((c) => c.startsWith('RTMP_ERR_HANDSHAKE'))
    const handshakeFailures = runs.filter((r) => failsHandshake(r.spec)).length
    expect(server.stats().stages.handshake.failures).toBe(handshakeFailures)
    expect(server.connections.size).toBe(0)
    expect(processFailures).toEqual([])

    // the stream: our client got every frame an early player gets, byte for byte and in order
    const source = readTags(fixture)
    const media = (list: ReadonlyArray<{ type: MediaMessage['type']; timestamp: number; data: Uint8Array }>) =>
      list.filter((m) => m.type !== 'data').map((m) => `${m.type} ${m.timestamp} ${Buffer.from(m.data).toString('base64')}`)
    const expected = expectedForEarlyPlayer(source)
    expect(received.filter((m) => m.type !== 'data').length).toBe(expected.filter((m) => m.type !== 'data').length)
    expect(media(received)).toEqual(media(expected))
    const writer = new FlvWriter()
    writeFileSync(ourOut, Buffer.concat(received.flatMap((m) => writer.writeMessage(m))))

    // ffprobe: both players' files hold every frame (packet counts per stream equal), in order, decodable
    // coded frames only: AVC NALU / AAC raw packets (not the sequence headers, nor the AVC end of sequence)
    const coded = (m: { type: MediaMessage['type']; data: Uint8Array }): boolean =>
      m.type === 'video' ? videoInfo(m.data)?.packetType === 1 : m.type === 'audio' && audioInfo(m.data)?.packetType === 1
    const frames = (type: MediaMessage['type']) => expected.filter((m) => m.type === type && coded(m)).length
    for (const file of [ourOut, ffOut]) {
      const probe = await ffprobeFrames(peers.ffprobe, file)
      expect(probe.video.codec, file).toBe('h264')
      expect(probe.audio.codec, file).toBe('aac')
      expect(probe.video.count, file).toBe(frames('video'))
      expect(probe.audio.count, file).toBe(frames('audio'))
      expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts), file).toBe(true)
      expect(await decodeErrors(peers.ffmpeg, file), file).toBe('')
    }

    const tally = new Map<string, number>()
    for (const e of logged) {
      const key = e.cause ? `${e.code}/${e.cause}` : e.code
      tally.set(key, (tally.get(key) ?? 0) + 1)
    }
    console.info(
      `hostile-server: seed ${seed}; ${runs.length} sessions in ${WAVES} waves (${healthy.length} healthy); ` +
        `${logged.length} connection errors: ${[...tally].map(([c, n]) => `${c} ×${n}`).join(', ')}; ` +
        `both players: ${frames('video')} video + ${frames('audio')} audio frames, all present`,
    )
  }, 180_000)
})
