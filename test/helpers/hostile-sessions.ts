import { Buffer } from 'node:buffer'
import type { Duplex } from 'node:stream'
import { ChunkReader } from '../../src/chunk/chunk-reader'
import { ChunkWriter } from '../../src/chunk/chunk-writer'
import type { RtmpErrorCode } from '../../src/errors'
import { Handshake } from '../../src/handshake/handshake'
import { decodeMessage, encodeMessage } from '../../src/message/message-codec'
import type { RtmpMessage } from '../../src/message/rtmp-message'
import { command } from './command'
import { hex } from './hex'
import { createRng } from './rng'

// Hostile RTMP peers, shared by the in-memory malformed-peer tests and the server-level hostile test over TCP.
// Builders return the bytes a bad client sends; RawPeer drives any Duplex by hand (no RtmpClient rules apply).

// ── byte builders ────────────────────────────────────────────────────────────────────────────────────────

export interface ChunkedMessage {
  readonly msg: RtmpMessage
  readonly streamId?: number
  readonly csid?: number
}

/** Messages chunked as a client sends them (commands on csid 3 unless told), at the writer's chunk size. */
export function chunkMessages(messages: readonly ChunkedMessage[], writer = new ChunkWriter()): Buffer {
  return Buffer.concat(
    messages.flatMap(({ msg, streamId = 0, csid = 3 }) => {
      const { typeId, payload } = encodeMessage(msg)
      return writer.write({ typeId, streamId, timestamp: 0, payload }, csid)
    }),
  )
}

/** One message with a payload we build by hand (so it can be wrong), chunked at the default 128. */
export function rawMessage(typeId: number, payload: Uint8Array, streamId = 0, csid = 3): Buffer {
  return Buffer.concat(new ChunkWriter().write({ typeId, streamId, timestamp: 0, payload }, csid))
}

export const connectCommand = (app = 'live'): RtmpMessage => command('connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}` })

/** Set Chunk Size on csid 2 with any 32-bit value (the encoder would refuse the top bit). */
export function setChunkSizeBytes(size: number): Buffer {
  const b = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0])
  b.writeUInt32BE(size >>> 0, 12)
  return b
}

/** A fmt 0 header on csid 3 declaring a `length`-byte message of `typeId` on stream 1, and no payload. */
export function declaredLength(length: number, typeId = 9): Buffer {
  const b = Buffer.from([0x03, 0, 0, 0, 0, 0, 0, typeId, 1, 0, 0, 0])
  b.writeUIntBE(length, 4, 3)
  return b
}

/** The basic header of a chunk: fmt and csid in the shortest of the 1-, 2- and 3-byte forms. */
export function basicHeader(fmt: number, csid: number): number[] {
  if (csid < 64) return [(fmt << 6) | csid]
  if (csid < 320) return [fmt << 6, csid - 64]
  return [(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]
}

/**
 * The first chunk of an unfinished audio message on each of `count` chunk streams from `firstCsid` on, so that
 * every one of them holds a partial message. `chunkSize` below 128 is announced first (Set Chunk Size), which
 * keeps a flood over all 65,597 usable chunk stream ids near 1 MB.
 */
export function chunkStreamFlood(count: number, firstCsid = 64, chunkSize = 128): Buffer {
  const out: number[] = chunkSize === 128 ? [] : [...setChunkSizeBytes(chunkSize)]
  const length = chunkSize + 1
  for (let csid = firstCsid; csid < firstCsid + count; csid++) {
    // fmt 0 | ts 0 | length | type 8 | stream 1 (LE) | the first chunk's data
    out.push(...basicHeader(0, csid), 0, 0, 0, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, 8, 1, 0, 0, 0)
    for (let i = 0; i < chunkSize; i++) out.push(0xaf)
  }
  return Buffer.from(out)
}

/** AMF0 "connect", transaction id 1: the start of a command payload we finish by hand. */
const CONNECT_HEAD = hex`02 0007 636f6e6e656374 00 3ff0000000000000`

/** A connect whose command object nests `depth` objects and never closes them: { a: { a: { … */
export function nestedConnect(depth: number): Buffer {
  return rawMessage(20, Buffer.concat([CONNECT_HEAD, Buffer.alloc(depth * 4).fill(Buffer.from([0x03, 0x00, 0x01, 0x61]))]))
}

/** A connect whose command object holds an AMF0 reference to object #256 of a table of one. */
export function danglingReferenceConnect(): Buffer {
  // { a: <reference 0x0100> }
  return rawMessage(20, Buffer.concat([CONNECT_HEAD, hex`03 0001 61 07 0100 0000 09`]))
}

/**
 * A connect whose command object is a strict array of `count` empty objects: each one joins the AMF0 reference
 * table, so 65,536 of them (plus the array) are one over the default `maxReferences`.
 */
export function referenceTableBombConnect(count = 65_536): Buffer {
  const head = Buffer.alloc(5)
  head[0] = 0x0a
  head.writeUInt32BE(count, 1)
  return rawMessage(20, Buffer.concat([CONNECT_HEAD, head, Buffer.alloc(count * 4).fill(Buffer.from([0x03, 0x00, 0x00, 0x09]))]))
}

/** A command whose name is a number (1, 1, null). */
export function numericCommandName(): Buffer {
  return rawMessage(20, hex`00 3ff0000000000000 00 3ff0000000000000 05`)
}

/** connect with the transaction id "1" (a string) and an empty command object. */
export function stringTransactionId(): Buffer {
  return rawMessage(20, hex`02 0007 636f6e6e656374 02 0001 31 03 0000 09`)
}

/**
 * `@setDataFrame onMetaData` whose value switches to AMF3 (0x11): an array of one `size`-byte string and
 * `references - 1` references to it. A server that decoded and re-encoded it as AMF0 would write
 * size × references bytes (100 KB × 20,000 = 2 GB by default); forwarded as it came it stays ~140 KB.
 */
export function amf3AmplificationMetadata(size = 100_000, references = 20_000): Uint8Array {
  const u29 = (n: number): number[] => {
    if (n < 0x80) return [n]
    if (n < 0x4000) return [(n >> 7) | 0x80, n & 0x7f]
    if (n < 0x200000) return [(n >> 14) | 0x80, ((n >> 7) & 0x7f) | 0x80, n & 0x7f]
    return [(n >> 22) | 0x80, ((n >> 15) & 0x7f) | 0x80, ((n >> 8) & 0x7f) | 0x80, n & 0xff]
  }
  const amf0String = (s: string): number[] => [0x02, s.length >> 8, s.length & 0xff, ...Buffer.from(s)]
  const head = [...amf0String('@setDataFrame'), ...amf0String('onMetaData'), 0x11, 0x09, ...u29(references * 2 + 1), 0x01, 0x06, ...u29(size * 2 + 1)]
  const refs = Buffer.alloc((references - 1) * 2).fill(Buffer.from([0x06, 0x00]))
  return Buffer.concat([Buffer.from(head), Buffer.alloc(size, 0x61), refs])
}

/** `n` bytes of seeded noise whose first byte is not 3 (so no RTMP handshake can start with it). */
export function noise(n: number, seed: number): Buffer {
  const bytes = Buffer.from(createRng(seed).bytes(n))
  if (bytes[0] === 3) bytes[0] = 0x47
  return bytes
}

// ── a hand-driven peer ───────────────────────────────────────────────────────────────────────────────────

export interface ReceivedMessage {
  readonly msg: RtmpMessage
  readonly streamId: number
}

/**
 * A client that says exactly what it is told over any Duplex. After `handshake()` it decodes what the server
 * sends (a server reply that does not decode is kept in `decodeError`). Write errors are swallowed: a server is
 * expected to cut hostile peers off mid-write.
 */
export class RawPeer {
  readonly received: ReceivedMessage[] = []
  readonly closed: Promise<void>
  decodeError: unknown
  private readonly reader = new ChunkReader()
  private readonly writer = new ChunkWriter()
  private waiters: Array<() => void> = []
  private isClosed = false

  constructor(readonly duplex: Duplex) {
    duplex.on('error', () => {})
    this.closed = new Promise((resolve) =>
      duplex.once('close', () => {
        this.isClosed = true
        this.wake()
        resolve()
      }),
    )
  }

  get isOpen(): boolean {
    return !this.isClosed
  }

  write(bytes: Uint8Array): void {
    if (!this.duplex.destroyed && !this.duplex.writableEnded) this.duplex.write(bytes)
  }

  send(messages: readonly ChunkedMessage[]): void {
    this.write(chunkMessages(messages, this.writer))
  }

  /** Half-closes our side (FIN): a clean goodbye. */
  end(): void {
    if (!this.duplex.writableEnded) this.duplex.end()
  }

  destroy(): void {
    this.duplex.destroy()
  }

  /**
   * Client handshake (simple: C1 version 0). With `truncateC2` only the first half of C2 is sent and it
   * resolves at once; the server then waits for the rest.
   */
  handshake(options: { truncateC2?: boolean } = {}): Promise<void> {
    const hs = new Handshake('client')
    this.write(hs.start())
    return new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        try {
          const r = hs.receive(chunk)
          for (const s of r.send) this.write(options.truncateC2 ? s.subarray(0, s.length >> 1) : s)
          if (options.truncateC2 && r.send.length > 0) {
            this.duplex.off('data', onData)
            this.duplex.resume()
            resolve()
          } else if (r.done) {
            this.duplex.off('data', onData)
            this.duplex.on('data', (c: Buffer) => this.decode(c))
            if (r.rest.length > 0) this.decode(r.rest)
            resolve()
          }
        } catch (err) {
          reject(err)
        }
      }
      this.duplex.on('data', onData)
      void this.closed.then(() => reject(new Error('closed during the handshake')))
    })
  }

  /** Resolves with the first received message (old or new) that `match` accepts; rejects on close or timeout. */
  async waitFor(match: (m: ReceivedMessage) => boolean, timeoutMs = 10_000, what = 'a message'): Promise<ReceivedMessage> {
    const deadline = Date.now() + timeoutMs
    let seen = 0
    for (;;) {
      for (; seen < this.received.length; seen++) if (match(this.received[seen]!)) return this.received[seen]!
      if (this.isClosed) throw new Error(`closed while waiting for ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** The `_result`/`_error` of transaction `id`. */
  result(id: number, timeoutMs?: number): Promise<ReceivedMessage> {
    return this.waitFor((m) => m.msg.type === 'command' && (m.msg.name === '_result' || m.msg.name === '_error') && m.msg.transactionId === id, timeoutMs, `the answer to transaction ${id}`)
  }

  /** The code of the first onStatus on `streamId` (NetStream.Play.Reset, which precedes Play.Start, skipped). */
  async status(streamId: number, timeoutMs?: number): Promise<string> {
    const code = (r: ReceivedMessage): string | undefined =>
      r.msg.type === 'command' && r.msg.name === 'onStatus' ? String((r.msg.args[0] as { code?: unknown } | undefined)?.code) : undefined
    const m = await this.waitFor((r) => r.streamId === streamId && code(r) !== undefined && code(r) !== 'NetStream.Play.Reset', timeoutMs, `onStatus on stream ${streamId}`)
    return code(m)!
  }

  /** connect (app), then createStream; resolves with the new stream id. */
  async connectAndCreateStream(app = 'live'): Promise<number> {
    this.send([{ msg: connectCommand(app) }])
    const connected = await this.result(1)
    if (connected.msg.type !== 'command' || connected.msg.name !== '_result') throw new Error(`connect refused: ${JSON.stringify(connected.msg)}`)
    this.send([{ msg: command('createStream', 2, null) }])
    const created = await this.result(2)
    const id = created.msg.type === 'command' ? created.msg.args[0] : undefined
    if (typeof id !== 'number') throw new Error(`createStream gave no stream id: ${JSON.stringify(created.msg)}`)
    return id
  }

  /** Audio and video messages received. */
  get mediaCount(): number {
    return this.received.filter((m) => m.msg.type === 'audio' || m.msg.type === 'video').length
  }

  private decode(bytes: Uint8Array): void {
    if (this.decodeError !== undefined) return
    try {
      this.reader.receive(bytes, (raw) => this.received.push({ msg: decodeMessage(raw), streamId: raw.streamId }))
    } catch (err) {
      this.decodeError = err
    }
    this.wake()
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
}

// ── the catalogue ────────────────────────────────────────────────────────────────────────────────────────

/**
 * What the server must make of a hostile session:
 * - `error`: it ends the connection, reporting `code` (and `cause`, the AMF error under a malformed message)
 *   as the connection's error, exactly once;
 * - `status`: it answers with this onStatus code and the connection stays healthy (the peer closes it);
 */
export type HostileOutcome =
  | { readonly kind: 'error'; readonly codes: readonly RtmpErrorCode[]; readonly cause?: RtmpErrorCode }
  | { readonly kind: 'status'; readonly code: string }

export interface HostileSession {
  readonly name: string
  readonly outcome: HostileOutcome
  /**
   * Drives `peer` from a fresh connection. For `status` sessions, resolves with the onStatus code received and
   * leaves the connection open; for the others, resolves once everything was sent.
   */
  run(peer: RawPeer): Promise<string | void>
}

/** Codes a session that sends noise after the handshake may end with: some typed failure to parse it. */
export const NOISE_CODES: readonly RtmpErrorCode[] = [
  'RTMP_ERR_CHUNK_SIZE',
  'RTMP_ERR_CHUNK_STREAM_LIMIT',
  'RTMP_ERR_MESSAGE_TOO_LARGE',
  'RTMP_ERR_BUFFER_LIMIT',
  'RTMP_ERR_NO_PREVIOUS_HEADER',
  'RTMP_ERR_MESSAGE_MALFORMED',
  'RTMP_ERR_INVALID_STATE',
  'RTMP_ERR_PROTOCOL',
  'RTMP_ERR_TIMEOUT', // noise that parses as the start of a long message, then nothing: the connect deadline
]

const HANDSHAKE_SIZE = 1536
const error = (code: RtmpErrorCode, cause?: RtmpErrorCode): HostileOutcome => (cause ? { kind: 'error', codes: [code], cause } : { kind: 'error', codes: [code] })

/**
 * Every kind of hostile session the server-level test throws at a server. It expects the server to run with
 * `chunkLimits.maxMessageLength` under 0xFFFFFF (the default 16 MiB admits every length the 24-bit field can
 * say) and a `handshakeTimeout` short enough for the truncated handshakes.
 */
let bombs = 0

export function hostileSessions(seed: number, stream: string): HostileSession[] {
  const afterHandshake = (bytes: () => Uint8Array) => async (peer: RawPeer) => {
    await peer.handshake()
    peer.write(bytes())
  }
  const play = (name: string, app = 'live') => async (peer: RawPeer) => {
    await peer.handshake()
    const id = await peer.connectAndCreateStream(app)
    peer.send([{ msg: command('play', 0, null, name, -2), streamId: id, csid: 8 }])
    return peer.status(id)
  }
  return [
    {
      name: 'an HTTP request instead of a handshake',
      outcome: error('RTMP_ERR_HANDSHAKE_VERSION'),
      run: async (peer) => peer.write(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')),
    },
    {
      name: 'noise before the handshake',
      outcome: error('RTMP_ERR_HANDSHAKE_VERSION'),
      run: async (peer) => peer.write(noise(4096, seed)),
    },
    {
      name: 'RTMPE (C0 = 6)',
      outcome: error('RTMP_ERR_HANDSHAKE_VERSION'),
      run: async (peer) => peer.write(Buffer.concat([Buffer.from([6]), Buffer.alloc(HANDSHAKE_SIZE)])),
    },
    {
      name: 'C0 and half of C1, then silence',
      outcome: error('RTMP_ERR_HANDSHAKE_TIMEOUT'),
      run: async (peer) => peer.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_SIZE / 2)])),
    },
    {
      name: 'half of C2, then silence',
      outcome: error('RTMP_ERR_HANDSHAKE_TIMEOUT'),
      run: (peer) => peer.handshake({ truncateC2: true }),
    },
    {
      name: 'C0 and half of C1, then a hang-up',
      outcome: error('RTMP_ERR_HANDSHAKE_TRUNCATED'),
      run: async (peer) => {
        peer.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_SIZE / 2)]))
        peer.end()
      },
    },
    {
      name: 'noise after the handshake',
      outcome: { kind: 'error', codes: NOISE_CODES },
      run: afterHandshake(() => noise(8192, seed + 1)),
    },
    {
      name: 'a continuation chunk with no header before it',
      outcome: error('RTMP_ERR_NO_PREVIOUS_HEADER'),
      run: afterHandshake(() => Buffer.from([0xc5, 1, 2, 3])),
    },
    {
      name: 'Set Chunk Size 2^31-1',
      outcome: error('RTMP_ERR_CHUNK_SIZE'),
      run: afterHandshake(() => setChunkSizeBytes(0x7fffffff)),
    },
    {
      name: 'a message of 0xFFFFFF bytes (16.7 MB) declared',
      outcome: error('RTMP_ERR_MESSAGE_TOO_LARGE'),
      run: afterHandshake(() => declaredLength(0xffffff)),
    },
    {
      name: 'all 65,597 chunk stream ids opened (3..65599)',
      outcome: error('RTMP_ERR_CHUNK_STREAM_LIMIT'),
      run: afterHandshake(() => chunkStreamFlood(65_597, 3, 1)),
    },
    {
      name: 'connect nested 10,000 objects deep',
      outcome: error('RTMP_ERR_MESSAGE_MALFORMED', 'RTMP_ERR_AMF_DEPTH'),
      run: afterHandshake(() => nestedConnect(10_000)),
    },
    {
      name: 'connect with a reference past the AMF0 table',
      outcome: error('RTMP_ERR_MESSAGE_MALFORMED', 'RTMP_ERR_AMF_REFERENCE'),
      run: afterHandshake(() => danglingReferenceConnect()),
    },
    {
      name: 'connect with 65,537 referenceable objects (reference table bomb)',
      outcome: error('RTMP_ERR_MESSAGE_MALFORMED', 'RTMP_ERR_AMF_REFERENCE'),
      run: afterHandshake(() => referenceTableBombConnect()),
    },
    {
      name: 'a command whose name is a number',
      outcome: error('RTMP_ERR_MESSAGE_MALFORMED'),
      run: afterHandshake(() => numericCommandName()),
    },
    {
      name: 'connect whose transaction id is a string',
      outcome: error('RTMP_ERR_MESSAGE_MALFORMED'),
      run: afterHandshake(() => stringTransactionId()),
    },
    {
      name: 'publish without connect',
      outcome: error('RTMP_ERR_INVALID_STATE'),
      run: afterHandshake(() => chunkMessages([{ msg: command('publish', 0, null, stream, 'live'), streamId: 1 }])),
    },
    {
      name: 'play without connect',
      outcome: error('RTMP_ERR_INVALID_STATE'),
      run: afterHandshake(() => chunkMessages([{ msg: command('play', 0, null, stream), streamId: 1 }])),
    },
    {
      name: 'publish whose name is a number',
      outcome: { kind: 'status', code: 'NetStream.Publish.BadName' },
      run: async (peer) => {
        await peer.handshake()
        const id = await peer.connectAndCreateStream()
        peer.send([{ msg: command('publish', 0, null, 42, 'live'), streamId: id, csid: 8 }])
        return peer.status(id)
      },
    },
    {
      name: 'publish of a metadata AMF3 reference bomb',
      outcome: { kind: 'status', code: 'NetStream.Publish.Start' },
      run: async (peer) => {
        await peer.handshake()
        const id = await peer.connectAndCreateStream()
        peer.send([{ msg: command('publish', 0, null, `${stream}-bomb-${++bombs}`, 'live'), streamId: id, csid: 8 }])
        const code = await peer.status(id)
        peer.write(rawMessage(18, amf3AmplificationMetadata(), id, 4))
        return code
      },
    },
    // Names are opaque keys of the live router, never paths: a play of a trick name waits on a stream of
    // that exact name (Play.Start, then nothing), and must never alias `stream`.
    { name: 'play ../<stream>', outcome: { kind: 'status', code: 'NetStream.Play.Start' }, run: play(`../${stream}`) },
    { name: 'play ../../../etc/passwd', outcome: { kind: 'status', code: 'NetStream.Play.Start' }, run: play('../../../etc/passwd') },
    { name: 'play <stream>/../<stream>', outcome: { kind: 'status', code: 'NetStream.Play.Start' }, run: play(`${stream}/../${stream}`) },
    { name: 'play <stream>NUL', outcome: { kind: 'status', code: 'NetStream.Play.Start' }, run: play(`${stream}\0`) },
    { name: 'play NUL<stream>', outcome: { kind: 'status', code: 'NetStream.Play.Start' }, run: play(`\0${stream}`) },
    { name: 'play <stream> in app ../live', outcome: { kind: 'status', code: 'NetStream.Play.Start' }, run: play(stream, '../live') },
    // over `maxNameLength` (4096): refused before the application sees it
    { name: 'play of a 10 KB name', outcome: { kind: 'status', code: 'NetStream.Play.Failed' }, run: play(`${'../'.repeat(3413)}x`) },
  ]
}

/** Whether an error `code` (with its `cause` code) is what `outcome` expects. */
export function expectsError(outcome: HostileOutcome, code: string, cause: string | undefined): boolean {
  if (outcome.kind !== 'error') return false
  return (outcome.codes as readonly string[]).includes(code) && (outcome.cause === undefined || cause === outcome.cause)
}
