import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ffprobeFrames, makeFixture } from '../helpers/media-fixtures'
import { freePort, interopSuite } from '../helpers/peers'
import { describeExit, run, sleep, spawnPeer, trackProcesses, type PeerProcess } from '../helpers/processes'
import { findOpenssl, makeSelfSignedCert } from '../helpers/tls-cert'
import { RejectedError } from '../../src/errors'
import { RtmpClient } from '../../src/transport/rtmp-client'

// Smoke tests of the examples as users run them: the bundle `npm start` / `npm run example` build (pretest builds it).
const runner = fileURLToPath(new URL('../../dist-examples/run-example.js', import.meta.url))

async function waitForOutput(p: PeerProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!p.stdout().includes(text)) {
    if (!p.running || Date.now() > deadline) throw new Error(`no "${text}" from ${p.command}:\n${p.stdout()}\n${p.stderr()}`)
    await sleep(50)
  }
}

describe('examples', () => {
  trackProcesses()

  it('is built by pretest', () => {
    expect(existsSync(runner), 'run `npm run build:examples` first').toBe(true)
  })

  it.each(['live-server', 'auth-server', 'record', 'restream', 'edge', 'http-flv', 'play', 'publish'])('%s prints its usage with --help', async (name) => {
    const exit = await run(process.execPath, [runner, name, '--help'], { timeoutMs: 15_000 })
    expect(exit.code, describeExit(exit)).toBe(0)
    expect(exit.stdout).toMatch(/usage:/)
  })

  it('lists the examples when given no name', async () => {
    const exit = await run(process.execPath, [runner], { timeoutMs: 15_000 })
    expect(exit.code).toBe(0)
    expect(exit.stdout).toMatch(/live-server, auth-server, record, restream, edge, http-flv, play, publish/)
  })

  it('auth-server admits only the publishing key and signed play tokens', async () => {
    const port = await freePort()
    const server = spawnPeer(process.execPath, [runner, 'auth-server', '--publish-key', 'k3y', '--token-secret', 's3cret', '--port', String(port)], {
      timeoutMs: 30_000,
    })
    await waitForOutput(server, 'auth server on', 10_000)
    const base = `rtmp://127.0.0.1:${port}/live`
    const wrong = await RtmpClient.connect(base)
    await expect(wrong.publish('cam?key=nope')).rejects.toBeInstanceOf(RejectedError)
    await wrong.close()
    const publisher = await RtmpClient.connect(base)
    await publisher.publish('cam?key=k3y')
    await waitForOutput(server, 'watch: ffplay', 5_000)
    const signed = /watch: ffplay "([^"]+)"/.exec(server.stdout())![1]!
    expect(server.stdout()).not.toContain('k3y') // the key never reaches the log
    const viewer = await RtmpClient.connect(signed)
    await viewer.play()
    const denied = await RtmpClient.connect(base)
    const err = await denied.play('cam').catch((e: unknown) => e)
    expect((err as RejectedError).status).toMatchObject({ code: 'NetStream.Play.Failed', description: 'access denied (missing)' })
    await Promise.all([viewer.close(), denied.close(), publisher.close()])
    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
  })

  it('auth-server with --user and --password makes encoders log in (Adobe auth) to publish', async () => {
    const port = await freePort()
    const args = ['auth-server', '--user', 'studio', '--password', 'p4ssw0rd', '--token-secret', 's3cret', '--port', String(port)]
    const server = spawnPeer(process.execPath, [runner, ...args], { timeoutMs: 30_000 })
    await waitForOutput(server, 'auth server on', 10_000)
    expect(server.stdout()).toContain(`rtmp://studio:<password>@127.0.0.1:${port}/live/<name>`)
    const base = `rtmp://127.0.0.1:${port}/live`
    const anonymous = await RtmpClient.connect(base).catch((e: unknown) => e) // our client says FMLE/3.0, like OBS
    expect((anonymous as RejectedError).status.description).toContain('code=403 need auth; authmod=adobe')
    const wrong = await RtmpClient.connect(`rtmp://studio:nope@127.0.0.1:${port}/live`).catch((e: unknown) => e)
    expect(wrong).toBeInstanceOf(RejectedError)
    expect((wrong as RejectedError).status.description).toContain('reason=authfailed')
    // a player-like connection gets in, but may not publish
    const sneaky = await RtmpClient.connect(base, { flashVer: 'LNX 9,0,124,2' })
    const refused = await sneaky.publish('cam').catch((e: unknown) => e)
    expect((refused as RejectedError).status).toMatchObject({ code: 'NetStream.Publish.BadName', description: 'log in to publish' })
    await sneaky.close()
    const publisher = await RtmpClient.connect(`rtmp://studio:p4ssw0rd@127.0.0.1:${port}/live`)
    await publisher.publish('cam')
    await waitForOutput(server, 'is live by studio; watch: ffplay', 5_000)
    const signed = /watch: ffplay "([^"]+)"/.exec(server.stdout())![1]!
    const viewer = await RtmpClient.connect(signed, { flashVer: 'LNX 9,0,124,2' })
    await viewer.play()
    expect(server.stdout()).not.toContain('p4ssw0rd')
    await Promise.all([viewer.close(), publisher.close()])
    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
  })

  it('live-server listens where told and exits cleanly on Ctrl-C', async () => {
    const port = await freePort()
    const server = spawnPeer(process.execPath, [runner, 'live-server', '--port', String(port), '--host', '127.0.0.1'], { timeoutMs: 20_000 })
    await waitForOutput(server, `listening on 127.0.0.1:${port}`, 10_000)
    expect(server.stdout()).toContain(`ffplay rtmp://127.0.0.1:${port}/live/stream`)
    server.child.kill('SIGINT')
    const exit = await server.exited
    expect(exit.code, describeExit(exit)).toBe(0)
  })

  it('live-server also serves RTMPS with --tls-cert/--tls-key', async () => {
    const openssl = findOpenssl()
    if (!openssl) return void console.warn('[examples] RTMPS case skipped: openssl not found')
    const dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-example-tls-'))
    const { key, cert } = makeSelfSignedCert(openssl)
    writeFileSync(join(dir, 'key.pem'), key)
    writeFileSync(join(dir, 'cert.pem'), cert)
    const [port, tlsPort] = [await freePort(), await freePort()]
    const args = ['live-server', '--port', String(port), '--tls-port', String(tlsPort), '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]
    const server = spawnPeer(process.execPath, [runner, ...args], { timeoutMs: 20_000 })
    try {
      await waitForOutput(server, `RTMPS on 127.0.0.1:${tlsPort}`, 10_000)
      const client = await RtmpClient.connect(`rtmps://localhost:${tlsPort}/live/x`, { tls: { ca: cert } })
      await client.close()
    } finally {
      server.child.kill('SIGINT')
      rmSync(dir, { recursive: true, force: true })
    }
    expect((await server.exited).code).toBe(0)
  })
})

const withFfmpeg = interopSuite('examples with real media', ['ffmpeg', 'ffprobe'])

withFfmpeg('publish → live-server → play, as a user runs them', (peers) => {
  trackProcesses()
  let out = ''
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'rtmp-kit-examples-'))
  })
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('a published file arrives at the player and is saved as a playable FLV', async () => {
    const fixture = await makeFixture(peers.ffmpeg)
    const port = await freePort()
    const url = `rtmp://127.0.0.1:${port}/live/demo`
    const server = spawnPeer(process.execPath, [runner, 'live-server', '--port', String(port)], { timeoutMs: 60_000 })
    await waitForOutput(server, 'listening', 10_000)
    const file = join(out, 'played.flv')
    const player = spawnPeer(process.execPath, [runner, 'play', url, '--out', file, '--seconds', '3'], { timeoutMs: 30_000 })
    await sleep(500)
    const publisher = spawnPeer(process.execPath, [runner, 'publish', fixture, url, '--realtime'], { timeoutMs: 30_000 })
    const played = await player.exited
    expect(played.code, describeExit(played)).toBe(0)
    expect(played.stdout).toMatch(/saved \d+ tags/)
    const published = await publisher.exited
    expect(published.code, describeExit(published)).toBe(0)
    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
    const probe = await ffprobeFrames(peers.ffprobe, file)
    expect(probe.video.codec).toBe('h264')
    expect(probe.audio.codec).toBe('aac')
    expect(probe.video.count).toBeGreaterThanOrEqual(50) // about 2.5 s of 25 fps once the publisher started
  }, 60_000)
})
