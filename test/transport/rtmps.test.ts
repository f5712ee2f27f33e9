import { mkdtempSync, rmSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RtmpError } from '../../src/errors'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'
import { decodeErrors, ffArgs as ff, ffprobeFrames, isMonotonic, makeFixture } from '../helpers/media-fixtures'
import { interopRequired, interopSuite } from '../helpers/peers'
import { describeExit, sleep, spawnPeer, trackProcesses } from '../helpers/processes'
import { findOpenssl, makeSelfSignedCert, type SelfSignedCert } from '../helpers/tls-cert'

// RTMPS end to end: our server listening with node:tls options and a self-signed certificate made here.

const openssl = findOpenssl()
if (!openssl && !interopRequired()) console.warn('[rtmps] skipped: openssl not found (apt-get install openssl) to make a test certificate')
const tlsDescribe = openssl || interopRequired() ? describe : describe.skip

const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])
const keyframe = (n: number): Uint8Array => new Uint8Array([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, n & 0xff])
const interframe = (n: number): Uint8Array => new Uint8Array([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41, n & 0xff])

let cert: SelfSignedCert

tlsDescribe('RTMPS with our server and client', () => {
  let server: RtmpServer
  let port = 0
  const errors: string[] = []
  const seen: Array<string | undefined> = []

  beforeAll(async () => {
    if (!openssl) throw new Error('openssl not found: needed to make the test certificate (RTMP_INTEROP=1)')
    cert = makeSelfSignedCert(openssl)
    server = createServer({ handshakeTimeout: 2000 })
    server.on('connectionError', (err) => errors.push(`${err.code}: ${err.message}`))
    server.on('connection', (c) => seen.push(c.remoteAddress))
    port = (await server.listen({ port: 0, tls: { key: cert.key, cert: cert.cert } })).port
  })

  afterAll(async () => {
    await server?.close()
  })

  it('our client publishes and plays over rtmps:// trusting the test CA', async () => {
    const url = `rtmps://localhost:${port}/live/secure`
    const publisher = await RtmpClient.connect(url, { tls: { ca: cert.cert } })
    const pub = await publisher.publish()
    const player = await RtmpClient.connect(url, { tls: { ca: cert.cert } })
    const play = await player.play()
    const got: MediaMessage[] = []
    const reading = (async () => {
      for await (const m of play) {
        if (m.type !== 'video') continue
        got.push(m)
        if (got.length === 21) break
      }
    })()
    await sleep(100)
    pub.writeVideo(0, avcHeader)
    for (let i = 0; i < 20; i++) pub.writeVideo(40 * i, i % 10 === 0 ? keyframe(i) : interframe(i))
    await reading
    expect([...got[0]!.data]).toEqual([...avcHeader])
    expect(got.slice(1).map((m) => m.data[m.data.length - 1])).toEqual([...Array(20).keys()])
    await Promise.all([publisher.close(), player.close()])
    expect(errors).toEqual([])
    // the connection limits per address need the peer's address through the TLS layer
    expect(seen.every((a) => a === '127.0.0.1' || a === '::ffff:127.0.0.1')).toBe(true)
  }, 30_000)

  it('a client that does not trust the certificate fails with a typed error; the server keeps serving', async () => {
    const url = `rtmps://localhost:${port}/live/untrusted`
    const err = await RtmpClient.connect(url).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RtmpError)
    expect((err as RtmpError).code).toBe('RTMP_ERR_CLOSED')
    expect(String((err as Error & { cause?: Error }).cause?.message)).toMatch(/self[- ]signed|certificate/i)
    const ok = await RtmpClient.connect(url, { tls: { ca: cert.cert } })
    await ok.close()
  }, 30_000)

  it('plain RTMP bytes sent to the TLS port end that connection only', async () => {
    const before = server.stats()
    const socket = netConnect({ host: '127.0.0.1', port })
    socket.resume() // read the TLS alert, else 'close' never comes
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write(Buffer.alloc(1537, 3)) // C0 + C1 where a TLS ClientHello belongs
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await sleep(50)
    const after = server.stats()
    expect(after.stages.handshake.failures).toBe(before.stages.handshake.failures + 1)
    const ok = await RtmpClient.connect(`rtmps://127.0.0.1:${port}/live/x`, { tls: { ca: cert.cert } })
    await ok.close()
  }, 30_000)

  it('one server listens on RTMP and RTMPS at once: a publisher on one reaches a player on the other', async () => {
    const both = createServer()
    const tlsPort = (await both.listen({ port: 0, tls: { key: cert.key, cert: cert.cert } })).port
    const tcpPort = (await both.listen({ port: 0 })).port
    expect(both.addresses().map((a) => a.port)).toEqual([tlsPort, tcpPort])
    const publisher = await RtmpClient.connect(`rtmp://127.0.0.1:${tcpPort}/live/both`)
    const pub = await publisher.publish()
    const player = await RtmpClient.connect(`rtmps://localhost:${tlsPort}/live/both`, { tls: { ca: cert.cert } })
    const play = await player.play()
    const first = (async () => {
      for await (const m of play) if (m.type === 'video' && m.data[0] === 0x17 && m.data[1] === 1) return m
      return undefined
    })()
    await sleep(100)
    pub.writeVideo(0, avcHeader)
    pub.writeVideo(0, keyframe(7))
    expect((await first)?.data[10]).toBe(7)
    await Promise.all([publisher.close(), player.close()])
    await both.close()
    expect(both.addresses()).toEqual([])
  }, 30_000)

  it('a peer that opens TCP and never starts TLS is dropped after the handshake timeout', async () => {
    const socket = netConnect({ host: '127.0.0.1', port })
    socket.resume()
    const started = Date.now()
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    const waited = Date.now() - started
    expect(waited).toBeGreaterThanOrEqual(1900)
    expect(waited).toBeLessThan(10_000)
    await sleep(50)
    expect(errors.some((e) => e.startsWith('RTMP_ERR_HANDSHAKE_TIMEOUT'))).toBe(true)
  }, 30_000)
})

const suite = interopSuite('ffmpeg over RTMPS against our server', ['ffmpeg', 'ffprobe'])

suite('ffmpeg publishes to and plays from rtmps://', (peers) => {
  trackProcesses()
  let server: RtmpServer
  let port = 0
  let fixture = ''
  let out = ''
  const errors: string[] = []

  beforeAll(async () => {
    if (!openssl) throw new Error('openssl not found: needed to make the test certificate')
    const c = makeSelfSignedCert(openssl)
    fixture = await makeFixture(peers.ffmpeg) // 320x240, 25 fps, 4 s
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-rtmps-'))
    server = createServer()
    server.on('connectionError', (err) => errors.push(`${err.code}: ${err.message}`))
    port = (await server.listen({ port: 0, tls: { key: c.key, cert: c.cert } })).port
  }, 90_000)

  afterAll(async () => {
    await server?.close()
    if (out) rmSync(out, { recursive: true, force: true })
  })

  it('every frame goes ffmpeg → rtmps → our server → rtmps → ffmpeg, decodable and in order', async () => {
    // ffmpeg's TLS client does not verify certificates unless told to (-tls_verify 1)
    const url = `rtmps://127.0.0.1:${port}/live/secure`
    const file = join(out, 'played.flv')
    const player = spawnPeer(peers.ffmpeg, ff('-i', url, '-c', 'copy', '-f', 'flv', '-y', file), { timeoutMs: 40_000 })
    await sleep(1500)
    const publisher = spawnPeer(peers.ffmpeg, ff('-re', '-i', fixture, '-c', 'copy', '-f', 'flv', url), { timeoutMs: 40_000 })
    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)

    const source = await ffprobeFrames(peers.ffprobe, fixture)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(probe.video.codec).toBe('h264')
    expect(probe.audio.codec).toBe('aac')
    // same tolerance as the plain RTMP interop test: ffmpeg's FLV muxer may hold back the last packets
    expect(Math.abs(probe.video.count - source.video.count)).toBeLessThanOrEqual(2)
    expect(Math.abs(probe.audio.count - source.audio.count)).toBeLessThanOrEqual(4)
    expect(isMonotonic(probe.video.dts) && isMonotonic(probe.audio.dts)).toBe(true)
    expect(await decodeErrors(peers.ffmpeg, file)).toBe('')
    expect(errors).toEqual([])
  }, 90_000)
})
