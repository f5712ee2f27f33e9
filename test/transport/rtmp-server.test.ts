import { afterEach, describe, expect, it } from 'vitest'
import { RejectedError, type RtmpError } from '../../src/errors'
import type { MediaMessage } from '../../src/media/media-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { RtmpServer, createServer } from '../../src/transport/rtmp-server'
import { duplexPair } from '../helpers/duplex'

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function newServer(options: ConstructorParameters<typeof RtmpServer>[0] = {}): RtmpServer {
  const s = createServer(options)
  servers.push(s)
  return s
}

/** A client connected to `server` over an in-memory Duplex pair. */
function connectClient(server: RtmpServer, url = 'rtmp://test/live/cam1', options: Parameters<typeof RtmpClient.connect>[1] = {}): Promise<RtmpClient> {
  const [a, b] = duplexPair()
  server.handle(b)
  return RtmpClient.connect(url, { ...options, socket: a })
}

const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])
const keyframe = (n: number): Uint8Array => new Uint8Array([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, n & 0xff])
const interframe = (n: number): Uint8Array => new Uint8Array([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41, n & 0xff])
const aacHeader = new Uint8Array([0xaf, 0, 0x12, 0x10])
const aacFrame = (n: number): Uint8Array => new Uint8Array([0xaf, 1, n & 0xff])

async function take(iter: AsyncIterable<MediaMessage>, n: number): Promise<MediaMessage[]> {
  const out: MediaMessage[] = []
  if (n === 0) return out
  for await (const m of iter) {
    out.push(m)
    if (out.length >= n) break
  }
  return out
}

describe('RtmpServer over in-memory Duplex pairs', () => {
  it('accepts a connect by default and reports the connection', async () => {
    const server = newServer()
    const seen: string[] = []
    server.on('connection', (conn) => conn.on('connect', (req) => {
      seen.push(`${req.app} ${req.tcUrl}`)
      req.accept()
    }))
    const client = await connectClient(server)
    expect(client.serverInfo.code).toBe('NetConnection.Connect.Success')
    expect(seen).toEqual(['live rtmp://test/live'])
    await client.close()
  })

  it('rejects a connect asynchronously with the status the app chose', async () => {
    const server = newServer()
    server.on('connection', (conn) =>
      conn.on('connect', (req) => {
        setTimeout(() => req.reject('NetConnection.Connect.Rejected', 'bad token'), 10)
      }),
    )
    const err = await connectClient(server).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RejectedError)
    expect((err as RejectedError).status).toMatchObject({ code: 'NetConnection.Connect.Rejected', description: 'bad token' })
  })

  it('routes a publisher to players through the built-in live router, late joiners starting at a keyframe', async () => {
    const server = newServer()
    const publisherClient = await connectClient(server)
    const pub = await publisherClient.publish('cam1')
    await pub.writeMetadata({ width: 320, height: 240 })
    await pub.writeVideo(0, avcHeader)
    await pub.writeAudio(0, aacHeader)
    await pub.writeVideo(0, keyframe(0))
    await pub.writeAudio(10, aacFrame(1))
    await pub.writeVideo(40, interframe(1))

    // A late joiner gets metadata, the sequence headers, then the GOP from the keyframe.
    const playerClient = await connectClient(server)
    const player = await playerClient.play('cam1')
    const first = await take(player, 6)
    expect(first.map((m) => m.type)).toEqual(['data', 'video', 'audio', 'video', 'audio', 'video'])
    expect(Array.from(first[1]!.data)).toEqual(Array.from(avcHeader))
    expect(Array.from(first[3]!.data)).toEqual(Array.from(keyframe(0)))
    expect(first[5]!.timestamp).toBe(40)
    expect(Array.from(first[5]!.data)).toEqual(Array.from(interframe(1)))
    await playerClient.close()
    await publisherClient.close()
  })

  it('forwards a publisher\'s metadata bytes as they came, without @setDataFrame and without re-encoding', async () => {
    const server = newServer()
    const publisherClient = await connectClient(server)
    const pub = await publisherClient.publish('meta')
    // onMetaData whose object sits behind an AMF3 switch with a string reference: decoding and re-encoding
    // it as AMF0 would copy the string; forwarding keeps the 2 bytes of the reference
    const body = Buffer.concat([
      Buffer.from([0x02, 0x00, 0x0a]), Buffer.from('onMetaData'),
      Buffer.from([0x11, 0x09, 0x05, 0x01, 0x06, 0x0b]), Buffer.from('abcde'), Buffer.from([0x06, 0x00]), // AMF3 ['abcde', ref 0]
    ])
    await pub.write({ type: 'data', timestamp: 0, data: body }) // goes out as @setDataFrame + body
    await pub.writeVideo(0, avcHeader)
    await pub.writeVideo(0, keyframe(0))
    const playerClient = await connectClient(server)
    const [meta] = await take(await playerClient.play('meta'), 1)
    expect(meta?.type).toBe('data')
    expect(Buffer.compare(Buffer.from(meta!.data), body)).toBe(0)
    await Promise.all([playerClient.close(), publisherClient.close()])
  })

  it('delivers every frame in order to 10 players at once', async () => {
    const server = newServer()
    const players = await Promise.all(Array.from({ length: 10 }, () => connectClient(server)))
    const streams = await Promise.all(players.map((c) => c.play('multi')))
    const publisherClient = await connectClient(server)
    const pub = await publisherClient.publish('multi')
    const received = streams.map((s) => take(s, 2 + 100))
    await pub.writeVideo(0, avcHeader)
    await pub.writeAudio(0, aacHeader)
    for (let i = 0; i < 100; i++) {
      if (i % 2 === 0) await pub.writeVideo(i * 20, i % 20 === 0 ? keyframe(i) : interframe(i))
      else await pub.writeAudio(i * 20, aacFrame(i))
    }
    for (const got of await Promise.all(received)) {
      const media = got.slice(2)
      expect(media.map((m) => m.timestamp)).toEqual(Array.from({ length: 100 }, (_, i) => i * 20))
      expect(media.map((m) => m.data.at(-1))).toEqual(Array.from({ length: 100 }, (_, i) => i & 0xff))
    }
    await Promise.all([...players, publisherClient].map((c) => c.close()))
  })

  it('gives a second publisher of a live name Publish.BadName', async () => {
    const server = newServer()
    const a = await connectClient(server)
    await a.publish('same')
    const b = await connectClient(server)
    const err = await b.publish('same').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RejectedError)
    expect((err as RejectedError).status.code).toBe('NetStream.Publish.BadName')
    await Promise.all([a.close(), b.close()])
  })

  it('tells waiting players when the publisher arrives and leaves', async () => {
    const server = newServer()
    const playerClient = await connectClient(server)
    const player = await playerClient.play('later')
    const statuses: string[] = []
    const got: number[] = []
    player.on('status', (s) => statuses.push(s.code))
    player.on('media', (m) => got.push(m.data[1]!))
    const ended = new Promise<void>((resolve) => player.once('end', () => resolve()))
    const pubClient = await connectClient(server)
    const pub = await pubClient.publish('later')
    await pub.writeVideo(0, avcHeader)
    await pub.writeVideo(0, keyframe(0))
    await pub.close()
    await ended
    expect(got).toEqual([0, 1]) // sequence header, then the keyframe
    expect(statuses).toEqual(['NetStream.Play.PublishNotify', 'NetStream.Play.UnpublishNotify'])
    await Promise.all([playerClient.close(), pubClient.close()])
  })

  it('lets the app reject play with its own status', async () => {
    const server = newServer()
    server.on('connection', (conn) => conn.on('play', (req) => req.reject('NetStream.Play.StreamNotFound', `${req.streamName} is not here`)))
    const client = await connectClient(server)
    const err = await client.play('ghost').catch((e: unknown) => e)
    expect((err as RejectedError).status).toMatchObject({ code: 'NetStream.Play.StreamNotFound', description: 'ghost is not here' })
    await client.close()
  })

  it('ends one peer that sends garbage with a typed error and keeps serving others', async () => {
    const server = newServer()
    const errors: RtmpError[] = []
    server.on('connectionError', (err) => errors.push(err))
    const [a, b] = duplexPair()
    server.handle(b)
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()))
    a.write(Buffer.from([6, ...new Array<number>(1536).fill(0)]))
    await closed
    expect(errors.map((e) => e.code)).toEqual(['RTMP_ERR_HANDSHAKE_VERSION'])
    const ok = await connectClient(server)
    expect(ok.serverInfo.code).toBe('NetConnection.Connect.Success')
    await ok.close()
  })

  it('times out a handshake that never completes', async () => {
    const server = newServer({ handshakeTimeout: 50 })
    const errors: string[] = []
    server.on('connectionError', (err) => errors.push(err.code))
    const [a, b] = duplexPair()
    server.handle(b)
    a.write(Buffer.from([3, 0, 0]))
    await new Promise<void>((resolve) => a.once('close', () => resolve()))
    expect(errors).toEqual(['RTMP_ERR_HANDSHAKE_TIMEOUT'])
  })

  it('aborts a client connect with an AbortSignal', async () => {
    const [a] = duplexPair() // nobody answers
    const controller = new AbortController()
    const p = RtmpClient.connect('rtmp://test/live', { socket: a, signal: controller.signal })
    controller.abort()
    await expect(p).rejects.toMatchObject({ code: 'RTMP_ERR_ABORTED' })
  })

  it('close() ends every connection and players see the end', async () => {
    const server = newServer()
    const client = await connectClient(server)
    const player = await client.play('x')
    const done = new Promise<void>((resolve) => client.once('close', () => resolve()))
    await server.close()
    await done
    expect(player.ended).toBe(true)
  })
})
