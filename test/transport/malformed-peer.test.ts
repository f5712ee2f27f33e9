import { afterEach, describe, expect, it } from 'vitest'
import type { RtmpError } from '../../src/errors'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer, type RtmpServerOptions } from '../../src/transport/rtmp-server'
import { duplexPair } from '../helpers/duplex'
import { hex } from '../helpers/hex'
import { chunkMessages as chunks, chunkStreamFlood, connectCommand, declaredLength, nestedConnect, RawPeer, setChunkSizeBytes } from '../helpers/hostile-sessions'

const servers: RtmpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function newServer(options: RtmpServerOptions = {}): { server: RtmpServer; errors: RtmpError[] } {
  const server = createServer(options)
  servers.push(server)
  const errors: RtmpError[] = []
  server.on('connectionError', (err) => errors.push(err))
  return { server, errors }
}

/** A raw peer that has finished the handshake with `server`. */
async function handshaken(server: RtmpServer): Promise<RawPeer> {
  const [a, b] = duplexPair()
  server.handle(b)
  const peer = new RawPeer(a)
  await peer.handshake()
  return peer
}

const connect: RtmpMessage = connectCommand()

/** Sends `bytes` after the handshake and resolves with the error the server closed the peer with. */
async function closesWith(server: RtmpServer, errors: RtmpError[], bytes: Uint8Array): Promise<string | undefined> {
  const peer = await handshaken(server)
  const before = errors.length
  peer.write(bytes)
  await peer.closed
  return errors[before]?.code
}

describe('a malformed peer ends its own session with a typed error', () => {
  it('a message longer than the limit', async () => {
    const { server, errors } = newServer({ chunkLimits: { maxMessageLength: 1024 * 1024 } })
    // fmt 0, csid 3 | timestamp 0 | length 0x200000 (2 MiB) | type 9 | stream id 1 (LE)
    expect(declaredLength(0x200000)).toEqual(Buffer.from(hex`03 000000 200000 09 01000000`))
    const code = await closesWith(server, errors, declaredLength(0x200000))
    expect(code).toBe('RTMP_ERR_MESSAGE_TOO_LARGE')
  })

  it('a Set Chunk Size of 2^31-1', async () => {
    const { server, errors } = newServer()
    // fmt 0, csid 2 | ts 0 | length 4 | type 1 | stream 0 | chunk size 0x7fffffff
    expect(setChunkSizeBytes(0x7fffffff)).toEqual(Buffer.from(hex`02 000000 000004 01 00000000 7fffffff`))
    const code = await closesWith(server, errors, setChunkSizeBytes(0x7fffffff))
    expect(code).toBe('RTMP_ERR_CHUNK_SIZE')
  })

  it('a flood of chunk streams', async () => {
    const { server, errors } = newServer()
    // 200 chunk streams (csid 64..263), each holding the first 128-byte chunk of a 129-byte audio message
    const code = await closesWith(server, errors, chunkStreamFlood(200))
    expect(code, errors.map((e) => e.message).join()).toBe('RTMP_ERR_CHUNK_STREAM_LIMIT')
  })

  it('a continuation chunk with no header before it', async () => {
    const { server, errors } = newServer()
    expect(await closesWith(server, errors, hex`c5 01 02 03`)).toBe('RTMP_ERR_NO_PREVIOUS_HEADER')
  })

  it('a connect whose command object nests 10,000 levels deep', async () => {
    const { server, errors } = newServer()
    const code = await closesWith(server, errors, nestedConnect(10_000)) // { a: { a: { ... (never closed)
    expect(code).toBe('RTMP_ERR_MESSAGE_MALFORMED')
    expect((errors[0]?.cause as RtmpError | undefined)?.code).toBe('RTMP_ERR_AMF_DEPTH')
  })

  it('publish before connect', async () => {
    const { server, errors } = newServer()
    const publish: RtmpMessage = { type: 'command', encoding: 'amf0', name: 'publish', transactionId: 0, commandObject: null, args: ['x'] }
    expect(await closesWith(server, errors, chunks([{ msg: publish, streamId: 1 }]))).toBe('RTMP_ERR_INVALID_STATE')
  })

  it('garbage after the handshake never reaches other sessions', async () => {
    const { server, errors } = newServer()
    const garbage = Buffer.alloc(4096)
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff
    const bad = Promise.all(Array.from({ length: 5 }, () => closesWith(server, errors, garbage)))
    const good = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const [a, b] = duplexPair()
        server.handle(b)
        const c = await RtmpClient.connect('rtmp://t/live', { socket: a })
        const code = String(c.serverInfo.code)
        await c.close()
        return code
      }),
    )
    const codes = await bad
    expect(good).toEqual(new Array(5).fill('NetConnection.Connect.Success'))
    for (const code of codes) expect(code).toMatch(/^RTMP_ERR_/)
  })

  it('a peer that goes quiet is closed after the idle timeout', async () => {
    const { server, errors } = newServer({ idleTimeout: 100 })
    const peer = await handshaken(server)
    peer.write(chunks([{ msg: connect }]))
    await peer.closed
    expect(errors.map((e) => e.code)).toEqual(['RTMP_ERR_TIMEOUT'])
  })
})

describe('connection limits', () => {
  it('refuses connects over maxConnections with a clear status, and serves again once one leaves', async () => {
    const { server } = newServer({ maxConnections: 2 })
    const connect = (): Promise<RtmpClient> => {
      const [a, b] = duplexPair()
      server.handle(b)
      return RtmpClient.connect('rtmp://t/live', { socket: a })
    }
    const first = await connect()
    const second = await connect()
    const err = await connect().catch((e: unknown) => e)
    expect((err as { status?: unknown }).status).toEqual({ level: 'error', code: 'NetConnection.Connect.Rejected', description: 'server full: 2 connections' })
    await first.close()
    await new Promise((r) => setTimeout(r, 20))
    const third = await connect()
    expect(third.serverInfo.code).toBe('NetConnection.Connect.Success')
    await Promise.all([second.close(), third.close()])
  })

  it('refuses connects over maxConnectionsPerIp over TCP', async () => {
    const { server } = newServer({ maxConnectionsPerIp: 1 })
    const { port } = await server.listen({ port: 0 })
    const one = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live`)
    const err = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live`).catch((e: unknown) => e)
    expect((err as { status?: { description?: string } }).status?.description).toMatch(/too many connections from .*127\.0\.0\.1 \(limit 1\)/)
    await one.close()
  })
})

describe('post-handshake time limits', () => {
  it('closes a peer that finishes the handshake but never sends connect', async () => {
    const { server, errors } = newServer({ connectTimeout: 80 })
    const peer = await handshaken(server)
    await peer.closed
    expect(errors.map((e) => [e.code, e.message])).toEqual([['RTMP_ERR_TIMEOUT', 'no connect command within 80 ms of the handshake']])
  })

  it('closes a publisher that stops sending media, and not before', async () => {
    const { server, errors } = newServer({ publishIdleTimeout: 150 })
    const [a, b] = duplexPair()
    server.handle(b)
    const client = await RtmpClient.connect('rtmp://t/live', { socket: a })
    const pub = await client.publish('quiet')
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    for (let i = 0; i < 5; i++) {
      await pub.writeAudio(i * 50, Uint8Array.of(0xaf, 1, i))
      await new Promise((r) => setTimeout(r, 50)) // media keeps coming: 250 ms, longer than the limit
    }
    expect(errors).toEqual([])
    await closed // then silence
    expect(errors.map((e) => e.code)).toEqual(['RTMP_ERR_TIMEOUT'])
    expect(errors[0]?.message).toBe('publisher sent no audio or video for 150 ms')
  })
})
