import { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer, type RtmpServerOptions } from '../../src/transport/rtmp-server'
import type { ServerStage } from '../../src/transport/server-stats'
import { duplexPair } from '../helpers/duplex'

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function newServer(options: RtmpServerOptions = {}): RtmpServer {
  const s = createServer(options)
  servers.push(s)
  return s
}

function connectClient(server: RtmpServer, url = 'rtmp://test/live/cam1'): Promise<RtmpClient> {
  const [a, b] = duplexPair()
  server.handle(b)
  return RtmpClient.connect(url, { socket: a })
}

/** Attempts / successes / failures of a stage, compactly. */
function stage(server: RtmpServer, name: ServerStage): [number, number, number] {
  const s = server.stats().stages[name]
  return [s.attempts, s.successes, s.failures]
}

const until = async (check: () => boolean, ms = 2000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])
const frame = (key: boolean, size: number): Uint8Array => {
  const f = new Uint8Array(size)
  f.set([key ? 0x17 : 0x27, 1, 0, 0, 0])
  return f
}

/**
 * An in-memory pair whose server end can stall: while stalled, what the server writes stays queued in its
 * Duplex (writableLength grows), as on a socket whose peer stopped reading.
 */
function stallablePair(): { client: Duplex; server: Duplex; stall(on: boolean): void } {
  let stalled = false
  const held: Array<() => void> = []
  let client!: Duplex
  const server = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      const deliver = (): void => {
        client.push(chunk)
        cb()
      }
      if (stalled) held.push(deliver)
      else deliver()
    },
    final(cb) {
      client.push(null)
      cb()
    },
    destroy(err, cb) {
      if (!client.destroyed) client.destroy()
      cb(err)
    },
  })
  client = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      server.push(chunk)
      cb()
    },
    final(cb) {
      server.push(null)
      cb()
    },
    destroy(err, cb) {
      if (!server.destroyed) server.destroy()
      cb(err)
    },
  })
  return {
    client,
    server,
    stall(on) {
      stalled = on
      if (!on) for (const d of held.splice(0)) d()
    },
  }
}

describe('RtmpServer.stats()', () => {
  it('starts with every stage empty, no rate, and an overall rate of 1', () => {
    const s = newServer().stats()
    expect(s.connections).toEqual({ now: 0, total: 0 })
    expect(s.stages.handshake).toEqual({ attempts: 0, successes: 0, failures: 0, pending: 0, successRate: null })
    expect(s.overallSuccessRate).toBe(1)
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  })

  it('counts a handshake as failed when the connection closes before it finished', async () => {
    const server = newServer()
    const ok = await connectClient(server)
    const [a, b] = duplexPair()
    server.handle(b)
    a.write(Buffer.from([6, ...new Array<number>(1536).fill(0)])) // unsupported version
    const [c, d] = duplexPair()
    server.handle(d)
    c.write(Buffer.from([3, 1, 2])) // C0 and part of C1, then gone
    c.destroy()
    await until(() => server.stats().stages.handshake.failures === 2)
    expect(stage(server, 'handshake')).toEqual([3, 1, 2])
    expect(server.stats().connections).toEqual({ now: 1, total: 3 })
    await ok.close()
    await until(() => server.stats().connections.now === 0)
  })

  it('counts connects accepted, rejected by the app and timed out; only the app’s answers are authorization', async () => {
    const server = newServer({ requestTimeout: 50 })
    server.on('connection', (conn) =>
      conn.on('connect', (req) => {
        if (req.app === 'deny') req.reject('NetConnection.Connect.Rejected', 'no')
        else if (req.app !== 'ignore') req.accept()
      }),
    )
    const ok = await connectClient(server, 'rtmp://test/live')
    await expect(connectClient(server, 'rtmp://test/deny')).rejects.toMatchObject({ code: 'RTMP_ERR_REJECTED' })
    await expect(connectClient(server, 'rtmp://test/ignore')).rejects.toMatchObject({ code: 'RTMP_ERR_REJECTED' })
    const s = server.stats()
    expect(stage(server, 'connect')).toEqual([3, 1, 2])
    expect(s.stages.connect.successRate).toBeCloseTo(1 / 3)
    expect(stage(server, 'authorization')).toEqual([2, 1, 1])
    expect(s.requestTimeouts).toBe(1)
    await ok.close()
  })

  it('counts a connect as failed when the peer leaves before the answer', async () => {
    const server = newServer()
    server.on('connection', (conn) => conn.on('connect', () => {})) // never answers
    const [a, b] = duplexPair()
    server.handle(b)
    const pending = RtmpClient.connect('rtmp://test/live', { socket: a, signal: AbortSignal.timeout(100) })
    await expect(pending).rejects.toBeDefined()
    a.destroy()
    await until(() => server.stats().stages.connect.failures === 1)
    expect(stage(server, 'connect')).toEqual([1, 0, 1])
    expect(stage(server, 'authorization')).toEqual([0, 0, 0])
  })

  it('counts stream creation per accepted connection: a stream, or closed without one', async () => {
    const server = newServer()
    const player = await connectClient(server)
    const idle = await connectClient(server)
    expect(server.stats().stages.streamCreation).toMatchObject({ attempts: 2, pending: 2 })
    await player.play('x')
    await idle.close()
    await until(() => server.stats().stages.streamCreation.failures === 1)
    expect(stage(server, 'streamCreation')).toEqual([2, 1, 1])
    await player.close()
  })

  it('counts publish and play requests, and the live router’s Publish.BadName as an authorization failure', async () => {
    const server = newServer()
    server.on('connection', (conn) => {
      conn.on('publish', (req) => server.live!.handlePublish(req))
      conn.on('play', (req) => (req.streamName === 'secret' ? req.reject() : server.live!.handlePlay(req)))
    })
    const a = await connectClient(server)
    const b = await connectClient(server)
    await a.publish('cam')
    await expect(b.publish('cam')).rejects.toMatchObject({ code: 'RTMP_ERR_REJECTED' })
    await b.play('cam')
    await expect(b.play('secret')).rejects.toMatchObject({ code: 'RTMP_ERR_REJECTED' })
    expect(stage(server, 'publish')).toEqual([2, 1, 1])
    expect(stage(server, 'play')).toEqual([2, 1, 1])
    // connects (2 accepted by default) + publish (1 + 1) + play (1 + 1)
    expect(stage(server, 'authorization')).toEqual([6, 4, 2])
    const s = server.stats()
    expect(s.overallSuccessRate).toBeCloseTo(0.5 * 0.5) // authorization is not counted twice
    await Promise.all([a.close(), b.close()])
  })

  it('counts delivery per player: dropped for being slow is a failure, any other end a success', async () => {
    const server = newServer({ live: { players: { maxBufferedBytes: 64 * 1024 } } })
    const good = await connectClient(server)
    await good.play('cam')
    const pair = stallablePair()
    server.handle(pair.server)
    const slow = await RtmpClient.connect('rtmp://test/live/cam', { socket: pair.client })
    await slow.play('cam')
    expect(server.stats().stages.delivery).toMatchObject({ attempts: 2, pending: 2 })

    const publisher = await connectClient(server)
    const pub = await publisher.publish('cam')
    pair.stall(true)
    await pub.writeVideo(0, avcHeader)
    for (let i = 0; i < 20; i++) await pub.writeVideo(i * 40, frame(i === 0, 8 * 1024))
    await until(() => server.stats().stages.delivery.failures === 1)
    await good.close()
    await until(() => server.stats().stages.delivery.successes === 1)
    expect(stage(server, 'delivery')).toEqual([2, 1, 1])
    expect(server.live!.streamStats('live', 'cam')?.slowSubscribersDropped).toBe(1)
    await publisher.close()
  })
})
