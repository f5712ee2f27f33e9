import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { RtmpError } from '../../src/errors'
import type { MediaMessage } from '../../src/media/media-message'
import type { Capabilities } from '../../src/session/capabilities'
import type { ClientPlayStream, ClientPublishStream } from '../../src/transport/client-streams'
import { RtmpClient, type ReconnectRequestEvent, type RtmpClientOptions } from '../../src/transport/rtmp-client'
import { RtmpServer, createServer, type RtmpServerOptions } from '../../src/transport/rtmp-server'
import { duplexPair } from '../helpers/duplex'
import { freePort } from '../helpers/peers'

// Two servers on TCP loopback that share nothing; clients move from A to B (or from A to A).

const servers: RtmpServer[] = []
const clients: RtmpClient[] = []
const writers: Writer[] = []
afterEach(async () => {
  for (const w of writers.splice(0)) w.stop()
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function startServer(options: RtmpServerOptions = {}, port = 0): Promise<{ server: RtmpServer; port: number }> {
  const server = createServer(options)
  servers.push(server)
  for (let attempt = 0; ; attempt++) {
    try {
      const address = await server.listen({ port, host: '127.0.0.1' })
      return { server, port: address.port }
    } catch (err) {
      // taking over a port another server just released
      if (attempt >= 50 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
      await sleep(20)
    }
  }
}

async function connect(port: number, options: RtmpClientOptions = {}): Promise<RtmpClient> {
  const client = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live`, options)
  clients.push(client)
  return client
}

// Synthetic AVC + AAC: frame n carries n in its payload; a keyframe every GOP frames.
const GOP = 10
const FRAME_MS = 20
const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])
const aacHeader = new Uint8Array([0xaf, 0, 0x12, 0x10])
const video = (n: number): Uint8Array => new Uint8Array([n % GOP === 0 ? 0x17 : 0x27, 1, 0, 0, 0, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])
const audio = (n: number): Uint8Array => new Uint8Array([0xaf, 1, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])
const frameIndex = (data: Uint8Array): number => ((data[5]! << 24) | (data[6]! << 16) | (data[7]! << 8) | data[8]!) >>> 0
const isCodedVideo = (m: MediaMessage): boolean => m.type === 'video' && m.data[1] === 1

/** An encoder: metadata and sequence headers, then a video and an audio frame every FRAME_MS until stopped. */
class Writer {
  next = 0
  readonly errors: unknown[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(readonly pub: ClientPublishStream) {
    writers.push(this)
  }

  async start(): Promise<void> {
    await this.pub.writeMetadata({ width: 640, height: 360, videocodecid: 7, audiocodecid: 10 })
    await this.pub.writeVideo(0, avcHeader)
    await this.pub.writeAudio(0, aacHeader)
    this.timer = setInterval(() => {
      const n = this.next++
      this.pub.writeVideo(n * FRAME_MS, video(n)).catch((e: unknown) => this.errors.push(e))
      this.pub.writeAudio(n * FRAME_MS, audio(n)).catch((e: unknown) => this.errors.push(e))
    }, FRAME_MS)
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

/** A player: collects what its play stream yields, and how the iteration ended (if it did). */
class Collector {
  readonly video: number[] = []
  readonly keyframes = new Set<number>()
  readonly headers: number[] = []
  ended = false
  error: RtmpError | undefined

  constructor(stream: ClientPlayStream) {
    void (async () => {
      try {
        for await (const m of stream) {
          if (isCodedVideo(m)) {
            const n = frameIndex(m.data)
            this.video.push(n)
            if (m.data[0] === 0x17) this.keyframes.add(n)
          } else if (m.type === 'video') this.headers.push(this.video.length)
        }
      } catch (err) {
        this.error = err as RtmpError
      }
      this.ended = true
    })()
  }

  get last(): number {
    return this.video[this.video.length - 1] ?? -1
  }

  /** Every frame once, in order, and each after its GOP's keyframe: what a decoder needs. */
  expectDecodable(): void {
    for (let i = 1; i < this.video.length; i++) expect(this.video[i], `frame after ${this.video[i - 1]}`).toBeGreaterThan(this.video[i - 1]!)
    const first = this.video[0]!
    for (const n of this.video) {
      const key = n - (n % GOP)
      if (key >= first) expect(this.keyframes.has(key), `keyframe ${key} before frame ${n}`).toBe(true)
    }
  }
}

async function until(what: string, condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A publisher and a player on server `port`, media flowing. */
async function liveStream(port: number): Promise<{ pubClient: RtmpClient; playClient: RtmpClient; writer: Writer; collector: Collector }> {
  const pubClient = await connect(port)
  const writer = new Writer(await pubClient.publish('cam'))
  await writer.start()
  const playClient = await connect(port)
  const collector = new Collector(await playClient.play('cam'))
  await until('frames on the first server', () => collector.video.length >= 2 * GOP)
  return { pubClient, playClient, writer, collector }
}

describe('Enhanced RTMP reconnect request, followed by RtmpClient', () => {
  it('moves a publisher and a player from server A to server B (requestReconnect with tcUrl): frames keep coming, once each, GOP-safe', async () => {
    const a = await startServer()
    const b = await startServer()
    const { pubClient, playClient, writer, collector } = await liveStream(a.port)
    const requests: ReconnectRequestEvent[] = []
    for (const c of [pubClient, playClient]) c.on('reconnectRequest', (r) => requests.push(r))
    const reconnected = Promise.all([once(pubClient, 'reconnected'), once(playClient, 'reconnected')])

    const tcUrl = `rtmp://127.0.0.1:${b.port}/live`
    const asked = [...a.server.connections].map((c) => c.requestReconnect({ tcUrl, description: 'maintenance' }))
    expect(asked).toEqual([true, true])
    const [[pubDone], [playDone]] = await reconnected
    expect(pubDone).toEqual({ tcUrl })
    expect(playDone).toEqual({ tcUrl })
    expect(requests).toEqual([
      { tcUrl, description: 'maintenance', target: tcUrl, following: true },
      { tcUrl, description: 'maintenance', target: tcUrl, following: true },
    ])

    const mark = writer.next
    await until('frames written after the move', () => collector.last > mark + 2 * GOP)
    await until('the old connections to close', () => a.server.connections.size === 0)
    expect(b.server.connections.size).toBe(2)
    expect(b.server.live?.get('live', 'cam')?.publishing).toBe(true)
    expect(a.server.live?.get('live', 'cam')?.publishing ?? false).toBe(false)
    expect(pubClient.tcUrl).toBe(tcUrl)
    expect(playClient.serverCapabilities.reconnect).toBe(true)
    expect(collector.ended).toBe(false)
    expect(collector.error).toBeUndefined()
    expect(writer.errors).toEqual([])
    collector.expectDecodable()
    // make-before-break: the frames written around the move all arrived, none lost between the servers
    const seen = new Set(collector.video)
    const lost = []
    for (let n = collector.video[0]!; n <= collector.last; n++) if (!seen.has(n)) lost.push(n)
    expect(lost).toEqual([])
  }, 30_000)

  it('moves both clients back to the same server when the request has no tcUrl (publisher re-publishes the same name)', async () => {
    const a = await startServer({ live: { reconnectGraceMs: 3000 } })
    const { pubClient, playClient, writer, collector } = await liveStream(a.port)
    const reconnected = Promise.all([once(pubClient, 'reconnected'), once(playClient, 'reconnected')])
    const before = new Set(a.server.connections)
    for (const c of before) expect(c.requestReconnect()).toBe(true)
    await reconnected
    const mark = writer.next
    await until('frames written after the move', () => collector.last > mark + 2 * GOP)
    await until('the old connections to close', () => [...before].every((c) => c.closed))
    expect(a.server.connections.size).toBe(2)
    expect(collector.ended).toBe(false)
    expect(collector.error).toBeUndefined()
    expect(writer.errors).toEqual([])
    collector.expectDecodable()
  }, 30_000)

  it('close({ reconnect: true }): the clients come back to the same URL, served by a successor on the same port', async () => {
    const a = await startServer()
    const { pubClient, playClient, writer, collector } = await liveStream(a.port)
    const reconnected = Promise.all([once(pubClient, 'reconnected'), once(playClient, 'reconnected')])
    const started = Date.now()
    const closing = a.server.close({ reconnect: true, graceMs: 8000 })
    const b = await startServer({}, a.port) // the listener of A is closed at once: B takes the port
    await reconnected
    await closing
    expect(Date.now() - started).toBeLessThan(8000) // the clients left A on their own, before the grace ran out
    const mark = writer.next
    await until('frames written after the move', () => collector.last > mark + 2 * GOP)
    expect(b.server.connections.size).toBe(2)
    expect(b.server.live?.get('live', 'cam')?.publishing).toBe(true)
    expect(collector.ended).toBe(false)
    expect(collector.error).toBeUndefined()
    expect(writer.errors).toEqual([])
    collector.expectDecodable()
  }, 30_000)

  it('close({ reconnect: { tcUrl } }) sends capable clients to B, waits the grace period for the rest, then closes them', async () => {
    const a = await startServer()
    const b = await startServer()
    const seen: Capabilities[] = []
    a.server.on('connection', (conn) =>
      conn.on('connect', (req) => {
        seen.push(req.capabilities)
        req.accept()
      }),
    )
    const enhanced = await connect(a.port)
    const legacy = await connect(a.port, { capabilities: false })
    const stay = await connect(a.port, { followReconnect: false }) // asked, but does not leave
    expect(seen.map((c) => c.reconnect)).toEqual([true, false, true])
    expect(legacy.serverCapabilities.capsEx).toBe(15) // the server announces its own either way
    const legacyRequests: unknown[] = []
    legacy.on('reconnectRequest', (r) => legacyRequests.push(r))
    const closedOnes = Promise.all([once(legacy, 'close'), once(stay, 'close')])
    const moved = once(enhanced, 'reconnected')
    const started = Date.now()
    await a.server.close({ reconnect: { tcUrl: `rtmp://127.0.0.1:${b.port}/live` }, graceMs: 400 })
    const waited = Date.now() - started
    await moved
    await closedOnes
    expect(waited).toBeGreaterThanOrEqual(390)
    expect(legacyRequests).toEqual([])
    expect(enhanced.closed).toBe(false)
    expect(enhanced.tcUrl).toBe(`rtmp://127.0.0.1:${b.port}/live`)
    expect(b.server.connections.size).toBe(1)
    await expect(enhanced.createStream()).resolves.toBeGreaterThan(0) // the moved client works on B
  }, 30_000)

  it('a legacy client is not asked; a client with followReconnect: false is asked and stays', async () => {
    const a = await startServer()
    const legacy = await connect(a.port, { capabilities: false })
    const stay = await connect(a.port, { followReconnect: false })
    const requests: ReconnectRequestEvent[] = []
    legacy.on('reconnectRequest', (r) => requests.push(r))
    stay.on('reconnectRequest', (r) => requests.push(r))
    const results = [...a.server.connections].map((c) => [c.capabilities.reconnect, c.requestReconnect({ description: 'please' })])
    expect(results).toEqual([
      [false, false],
      [true, true],
    ])
    await until('the request to arrive', () => requests.length === 1)
    expect(requests[0]).toMatchObject({ tcUrl: undefined, description: 'please', following: false })
    await sleep(100)
    expect(a.server.connections.size).toBe(2)
    expect(legacy.closed || stay.closed).toBe(false)
  }, 30_000)

  it('runs over caller-supplied Duplexes with reconnectSocket; without it, a request is not followed', async () => {
    const a = createServer()
    const b = createServer()
    servers.push(a, b)
    const pairTo = (server: RtmpServer) => {
      const [mine, theirs] = duplexPair()
      server.handle(theirs)
      return mine
    }
    const urls: string[] = []
    const client = await RtmpClient.connect('rtmp://a.test/live', {
      socket: pairTo(a),
      reconnectSocket: (url) => {
        urls.push(url)
        return pairTo(b)
      },
    })
    clients.push(client)
    const bare = await RtmpClient.connect('rtmp://a.test/live', { socket: pairTo(a) })
    clients.push(bare)
    const requests: ReconnectRequestEvent[] = []
    bare.on('reconnectRequest', (r) => requests.push(r))
    const moved = once(client, 'reconnected')
    for (const c of a.connections) expect(c.requestReconnect({ tcUrl: 'rtmp://b.test/live' })).toBe(true)
    await moved
    expect(urls).toEqual(['rtmp://b.test/live'])
    expect(client.tcUrl).toBe('rtmp://b.test/live')
    await until('the old connection to close', () => a.connections.size === 1)
    expect(b.connections.size).toBe(1)
    expect(requests).toMatchObject([{ following: false }])
    expect(bare.closed).toBe(false)
  }, 30_000)

  it('a failed reconnect is reported and the client goes on on the old connection', async () => {
    const a = await startServer()
    const { pubClient, playClient, writer, collector } = await liveStream(a.port)
    const nowhere = await freePort() // nothing listens there
    const failures: RtmpError[] = []
    playClient.on('reconnectFailed', (err) => failures.push(err))
    const failed = once(pubClient, 'reconnectFailed')
    for (const c of a.server.connections) c.requestReconnect({ tcUrl: `rtmp://127.0.0.1:${nowhere}/live` })
    const [err] = (await failed) as [RtmpError]
    expect(err.code).toBe('RTMP_ERR_CLOSED') // connection refused, after the retries
    await until('the player to hear it too', () => failures.length === 1)
    const mark = writer.next
    await until('frames written after the failure', () => collector.last > mark + GOP)
    expect(collector.ended).toBe(false)
    expect(writer.errors).toEqual([])
    collector.expectDecodable()
    expect(pubClient.tcUrl).toBe(`rtmp://127.0.0.1:${a.port}/live`)
  }, 30_000)

  it('close() while a reconnect is under way ends the client and its streams cleanly', async () => {
    const a = await startServer()
    const { playClient, collector } = await liveStream(a.port)
    const nowhere = await freePort()
    const failures: RtmpError[] = []
    playClient.on('reconnectFailed', (err) => failures.push(err))
    const asked = once(playClient, 'reconnectRequest')
    for (const c of a.server.connections) c.requestReconnect({ tcUrl: `rtmp://127.0.0.1:${nowhere}/live` })
    await asked
    const started = Date.now()
    await playClient.close()
    expect(Date.now() - started).toBeLessThan(3000) // not after the reconnect's retries
    await until('the play loop to end', () => collector.ended)
    expect(collector.error).toBeUndefined()
    expect(failures).toEqual([])
  }, 30_000)

  it('a publish the new server refuses ends that publish stream with the refusal; the client stays connected', async () => {
    const a = await startServer()
    const b = await startServer()
    b.server.on('connection', (conn) => conn.on('publish', (req) => req.reject('NetStream.Publish.BadName', 'not here')))
    const pubClient = await connect(a.port)
    const writer = new Writer(await pubClient.publish('cam'))
    await writer.start()
    await sleep(5 * FRAME_MS)
    const moved = once(pubClient, 'reconnected')
    for (const c of a.server.connections) c.requestReconnect({ tcUrl: `rtmp://127.0.0.1:${b.port}/live` })
    await moved
    await until('a write to fail', () => writer.errors.length > 0)
    expect(writer.errors[0]).toMatchObject({ code: 'RTMP_ERR_REJECTED', status: { code: 'NetStream.Publish.BadName' } })
    expect(writer.pub.closed).toBe(true)
    expect(pubClient.closed).toBe(false)
    expect(pubClient.tcUrl).toBe(`rtmp://127.0.0.1:${b.port}/live`)
  }, 30_000)
})

