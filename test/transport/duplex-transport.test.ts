import { Duplex } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { SharedChunks } from '../../src/chunk/shared-chunks'
import type { MediaMessage } from '../../src/media/media-message'
import { DuplexTransport } from '../../src/transport/duplex-transport'
import { RtmpClient } from '../../src/transport/rtmp-client'
import { createServer, type RtmpServer } from '../../src/transport/rtmp-server'

/** A Duplex that records each write the transport makes: one entry per `_write`/`_writev` (one system call on a socket). */
class WriteRecorder extends Duplex {
  readonly calls: string[][] = []
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: string, cb: () => void): void {
    this.calls.push([chunk.toString()])
    cb()
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void): void {
    this.calls.push(chunks.map((c) => c.chunk.toString()))
    cb()
  }
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const noHooks = { onReady: () => {}, onBytes: () => {}, onClose: () => {} }
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function transport(writeBatchMs?: number): { t: DuplexTransport; d: WriteRecorder } {
  const d = new WriteRecorder()
  const t = new DuplexTransport(d, 'server', noHooks, writeBatchMs === undefined ? {} : { writeBatchMs, handshakeTimeout: 0 })
  return { t, d }
}

describe('DuplexTransport media writes without batching', () => {
  it('sends the first media write of a turn at once and the later ones of that turn together, in order', async () => {
    const { t, d } = transport()
    t.writeMedia([bytes('a')])
    expect(d.calls).toEqual([['a']]) // no added latency for the usual single message
    t.writeMedia([bytes('b')])
    t.write([bytes('c')]) // a control message between media keeps its place
    t.writeMedia([bytes('d'), bytes('e')])
    expect(d.calls).toHaveLength(1)
    await nextTurn()
    expect(d.calls).toEqual([['a'], ['b', 'c', 'd', 'e']])
    t.writeMedia([bytes('f')]) // a new turn: at once again
    expect(d.calls.at(-1)).toEqual(['f'])
  })

  it('corks at most 64 KiB in one turn, so a long turn does not make a reading player look slow', () => {
    const { t, d } = transport()
    t.writeMedia([bytes('a')])
    for (let i = 0; i < 3; i++) t.writeMedia([new Uint8Array(30 * 1024)])
    expect(d.calls.map((c) => c.length)).toEqual([1, 3]) // uncorked once past 64 KiB, within the turn
    expect(t.pendingBytes).toBe(0)
  })
})

describe('DuplexTransport write batching (writeBatchMs)', () => {
  it('holds media up to writeBatchMs and writes it in one call; held bytes count as pending', async () => {
    const { t, d } = transport(30)
    t.writeMedia([bytes('a')])
    t.writeMedia([bytes('bb')])
    expect(d.calls).toEqual([])
    expect(t.pendingBytes).toBe(3)
    await sleep(80)
    expect(d.calls).toEqual([['a', 'bb']])
    expect(t.pendingBytes).toBe(0)
  })

  it('flushes held media before any other write, so order never changes', () => {
    const { t, d } = transport(50)
    t.writeMedia([bytes('a')])
    t.write([bytes('status')])
    expect(d.calls).toEqual([['a', 'status']])
  })

  it('flushes at once past 64 KiB held, and on end()', async () => {
    const { t, d } = transport(100)
    t.writeMedia([new Uint8Array(40 * 1024)])
    expect(d.calls).toHaveLength(0)
    t.writeMedia([new Uint8Array(30 * 1024)])
    expect(d.calls).toHaveLength(1)
    t.writeMedia([bytes('tail')])
    t.end()
    await nextTurn()
    expect(d.calls.at(-1)).toEqual(['tail'])
  })

  it('drops what it holds when the connection fails', async () => {
    const { t, d } = transport(20)
    t.writeMedia([bytes('a')])
    t.fail(new (await import('../../src/errors')).ClosedError('RTMP_ERR_CLOSED', 'test'))
    await sleep(50)
    expect(d.calls).toEqual([])
    expect(t.writeMedia([bytes('b')])).toBe(false)
  })

  it('refuses a batch time outside 0..100 ms', () => {
    expect(() => createServer({ writeBatchMs: 101 })).toThrow(RangeError)
    expect(() => createServer({ writeBatchMs: -1 })).toThrow(RangeError)
    expect(() => transport(Number.NaN)).toThrow(RangeError)
  })
})

describe('live fan-out: lanes and the shared chunk cache', () => {
  const servers: RtmpServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  // sequence header, then frames around the 4096-byte chunk size, timestamps crossing the 24-bit field
  const frames = Array.from({ length: 30 }, (_, i) => {
    const size = [10, 4095, 4096, 4097, 9000, 300][i % 6]!
    const f = new Uint8Array(size)
    f.set([i % 10 === 0 ? 0x17 : 0x27, 1, 0, 0, 0].slice(0, size))
    f[size - 1] = i
    return { timestamp: 0xfffff0 + i * 7, data: f }
  })
  const avcHeader = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])

  for (const writeBatchMs of [0, 20]) {
    it(`gives every player every message intact with writeBatchMs ${writeBatchMs}`, async () => {
      const sharedChunks = new SharedChunks()
      const server = createServer({ sharedChunks, writeBatchMs })
      servers.push(server)
      const { port } = await server.listen({ port: 0 })
      const url = `rtmp://127.0.0.1:${port}/live/shared`
      const clients = await Promise.all([1, 2, 3].map(() => RtmpClient.connect(url)))
      const streams = await Promise.all(clients.map((c) => c.play()))
      const received = streams.map((s) => {
        const got: MediaMessage[] = []
        const done = (async () => {
          for await (const m of s) {
            got.push(m)
            if (got.length === frames.length + 1) return got
          }
          return got
        })()
        return done
      })
      const publisher = await RtmpClient.connect(url)
      const pub = await publisher.publish()
      await pub.writeVideo(frames[0]!.timestamp, avcHeader)
      for (const f of frames) await pub.writeVideo(f.timestamp, f.data)
      const all = await Promise.all(received)
      const fanout = server.live!.streamStats('live', 'shared')!.fanout
      for (const got of all) {
        expect(got.map((m) => m.timestamp)).toEqual([frames[0]!.timestamp, ...frames.map((f) => f.timestamp)])
        expect(got.slice(1).map((m) => Buffer.from(m.data).equals(Buffer.from(frames[got.indexOf(m) - 1]!.data)))).toEqual(frames.map(() => true))
      }
      // players that keep up get lane bytes; the others (the first messages, players over their write
      // limit) get messages one by one: one player chunked each itself, the second serialized it, the third
      // reused those bytes
      expect(fanout.messagesChunked).toBeGreaterThan(0)
      // each message chunked once for several players; with batching, a write carries several messages
      if (writeBatchMs === 0) expect(fanout.writes).toBeGreaterThan(fanout.messagesChunked)
      else expect(fanout.writes).toBeLessThan(fanout.messagesChunked)
      expect(sharedChunks.stats.serialized).toBeGreaterThan(0)
      expect(sharedChunks.stats.reused).toBeGreaterThan(0)
      await Promise.all([...clients, publisher].map((c) => c.close()))
    }, 30_000)
  }
})
