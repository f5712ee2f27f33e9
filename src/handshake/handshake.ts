import { randomFillSync } from 'node:crypto'
import { HandshakeError } from '../errors'
import {
  CLIENT_VERSION,
  DIGEST_LENGTH,
  PACKET_SIZE,
  PLAYER_KEY,
  PLAYER_KEY_TEXT,
  RESPONSE_DIGEST_OFFSET,
  RTMP_VERSION,
  SERVER_KEY,
  SERVER_KEY_TEXT,
  SERVER_VERSION,
} from './handshake-constants'
import { findDigest, imprintDigest, signResponse, verifyResponse } from './handshake-digest'

export type HandshakeRole = 'client' | 'server'

export interface HandshakeOptions {
  /** client: send a complex (digest) C1 (default true, like Flash/ffmpeg). server: ignored */
  complex?: boolean
  /**
   * client: reject an S1/S2 whose digest does not validate when the server claims a version (default false:
   * log-free leniency, many servers send junk). server: ignored
   */
  strict?: boolean
  /** for tests: deterministic random bytes (must return at least `n` bytes) */
  randomBytes?: (n: number) => Uint8Array
  /** time field (bytes 0..3) of our C1/S1; default 0, which the spec allows */
  epoch?: number
}

export interface HandshakeResult {
  /** bytes to write to the peer, in this order */
  send: Uint8Array[]
  done: boolean
  /** bytes after the handshake (the first chunk bytes): hand them to the chunk reader. Empty unless `done`. */
  rest: Uint8Array
}

// Named states; `failed` is terminal after any throw from receive().
type State = 'idle' | 'waitingC0C1' | 'waitingC2' | 'waitingS0S1S2' | 'done' | 'failed'

const C0C1_SIZE = 1 + PACKET_SIZE
const S0S1S2_SIZE = 1 + 2 * PACKET_SIZE

/**
 * The RTMP handshake as a pure state machine: no sockets, no timers (the transport owns the timeout).
 *
 * Server: feed C0+C1 and it answers S0+S1+S2 at once (one buffer), then it reads C2 without checking it and
 * is done. A C1 with a non-zero version and a valid digest (scheme 0 or 1) gets a complex reply in the same
 * scheme; anything else gets the simple one (S1 version 0, S2 = echo of C1).
 *
 * Client: `start()` gives C0+C1; feed S0+S1+S2 and it answers C2 and is done. If our C1 was complex and S1
 * carries a non-zero version, S1's and S2's digests are checked: a mismatch throws only with `strict`;
 * otherwise the handshake goes on (complex C2 when S1's digest validated, else an echo of S1).
 *
 * Invariants: input may be split anywhere; at most 3073 bytes are buffered; every buffer in `send` must be
 * written in order; the bytes in `rest` belong to the chunk layer and must not be dropped.
 */
export class Handshake {
  readonly role: HandshakeRole
  private state: State
  private peerComplex = false
  private readonly useComplex: boolean
  private readonly strict: boolean
  private readonly epoch: number
  private readonly random: ((n: number) => Uint8Array) | undefined
  /** partial C0+C1 (server) or S0+S1+S2 (client) */
  private readonly pending: Uint8Array
  private have = 0
  /** our C1 digest, kept to check S2 (complex client only) */
  private ownDigest: Uint8Array | undefined

  /** @throws TypeError when `role` is neither 'client' nor 'server' */
  constructor(role: HandshakeRole, options: HandshakeOptions = {}) {
    if (role !== 'client' && role !== 'server') throw new TypeError(`unknown handshake role: ${String(role)}`)
    this.role = role
    this.state = role === 'server' ? 'waitingC0C1' : 'idle'
    this.useComplex = options.complex ?? true
    this.strict = options.strict ?? false
    this.epoch = (options.epoch ?? 0) >>> 0
    this.random = options.randomBytes
    this.pending = new Uint8Array(role === 'server' ? C0C1_SIZE : S0S1S2_SIZE)
  }

  get done(): boolean {
    return this.state === 'done'
  }

  /** true once the peer's C1/S1 was recognised as a complex handshake with a valid digest */
  get complex(): boolean {
    return this.peerComplex
  }

  /**
   * Client only: C0+C1 to send first.
   * @throws HandshakeError RTMP_ERR_INVALID_STATE on a server or when called twice
   */
  start(): Uint8Array {
    if (this.role !== 'client') throw new HandshakeError('RTMP_ERR_INVALID_STATE', 'start() is for clients; a server waits for C0+C1')
    if (this.state !== 'idle') throw new HandshakeError('RTMP_ERR_INVALID_STATE', `start() called twice (state: ${this.state})`)
    const out = new Uint8Array(C0C1_SIZE)
    out[0] = RTMP_VERSION
    const c1 = out.subarray(1)
    this.writeHeader(c1)
    this.fill(c1.subarray(8))
    if (this.useComplex) {
      c1.set(CLIENT_VERSION, 4)
      const offset = imprintDigest(c1, 0, PLAYER_KEY_TEXT)
      this.ownDigest = c1.slice(offset, offset + DIGEST_LENGTH)
    }
    this.state = 'waitingS0S1S2'
    return out
  }

  /**
   * Feed any number of bytes in any split.
   * @throws HandshakeError RTMP_ERR_HANDSHAKE_VERSION when C0/S0 is not 3 (6 and 8 are RTMPE, unsupported)
   * @throws HandshakeError RTMP_ERR_HANDSHAKE_DIGEST (strict client) when S1 or S2 does not validate
   * @throws HandshakeError RTMP_ERR_INVALID_STATE before start() (client), after done, or after a failure
   */
  receive(bytes: Uint8Array): HandshakeResult {
    if (this.state === 'idle' || this.state === 'done' || this.state === 'failed') {
      const why = this.state === 'idle' ? 'call start() first' : `the handshake is ${this.state}`
      throw new HandshakeError('RTMP_ERR_INVALID_STATE', `receive() not allowed: ${why}`)
    }
    const send: Uint8Array[] = []
    let i = 0
    try {
      while (i < bytes.length && this.state !== 'done') {
        if (this.state === 'waitingC2') {
          // C2 is read and dropped: many clients send garbage there, so nothing is checked.
          const n = Math.min(PACKET_SIZE - this.have, bytes.length - i)
          this.have += n
          i += n
          if (this.have === PACKET_SIZE) this.state = 'done'
          continue
        }
        const need = this.pending.length
        // Reject a wrong version as soon as its byte arrives, before waiting for 1536 more.
        if (this.have === 0) checkVersion(bytes[i]!, this.role)
        let packet: Uint8Array
        if (this.have === 0 && bytes.length - i >= need) {
          packet = bytes.subarray(i, i + need) // whole packet present: no copy
          i += need
        } else {
          const n = Math.min(need - this.have, bytes.length - i)
          this.pending.set(bytes.subarray(i, i + n), this.have)
          this.have += n
          i += n
          if (this.have < need) continue
          packet = this.pending
        }
        this.have = 0
        if (this.state === 'waitingC0C1') {
          send.push(this.answerC1(packet.subarray(1)))
          this.state = 'waitingC2'
        } else {
          send.push(this.answerS1S2(packet.subarray(1, 1 + PACKET_SIZE), packet.subarray(1 + PACKET_SIZE)))
          this.state = 'done'
        }
      }
    } catch (err) {
      this.state = 'failed'
      throw err
    }
    return { send, done: this.state === 'done', rest: bytes.subarray(i) }
  }

  /** S0+S1+S2 for a complete C1. */
  private answerC1(c1: Uint8Array): Uint8Array {
    const out = new Uint8Array(1 + 2 * PACKET_SIZE)
    out[0] = RTMP_VERSION
    const s1 = out.subarray(1, 1 + PACKET_SIZE)
    const s2 = out.subarray(1 + PACKET_SIZE)
    this.writeHeader(s1)
    this.fill(s1.subarray(8))
    const found = hasVersion(c1) ? findDigest(c1, PLAYER_KEY_TEXT) : undefined
    if (found === undefined) {
      s2.set(c1) // simple: S1 keeps version 0, S2 echoes C1
      return out
    }
    this.peerComplex = true
    s1.set(SERVER_VERSION, 4)
    imprintDigest(s1, found.scheme, SERVER_KEY_TEXT)
    this.fill(s2.subarray(0, RESPONSE_DIGEST_OFFSET))
    signResponse(s2, c1.subarray(found.offset, found.offset + DIGEST_LENGTH), SERVER_KEY)
    return out
  }

  /** C2 for a complete S1+S2 (views that may alias the caller's buffer, so nothing is kept). */
  private answerS1S2(s1: Uint8Array, s2: Uint8Array): Uint8Array {
    if (this.ownDigest === undefined || !hasVersion(s1)) return s1.slice()
    const found = findDigest(s1, SERVER_KEY_TEXT)
    if (found === undefined) {
      if (this.strict) throw new HandshakeError('RTMP_ERR_HANDSHAKE_DIGEST', `S1 claims version ${versionText(s1)} but has no valid digest`)
      return s1.slice() // lenient: the server is not really complex, answer like a simple client
    }
    this.peerComplex = true
    if (this.strict && !verifyResponse(s2, this.ownDigest, SERVER_KEY)) {
      throw new HandshakeError('RTMP_ERR_HANDSHAKE_DIGEST', 'S2 digest does not match our C1 digest')
    }
    const c2 = new Uint8Array(PACKET_SIZE)
    this.fill(c2.subarray(0, RESPONSE_DIGEST_OFFSET))
    signResponse(c2, s1.subarray(found.offset, found.offset + DIGEST_LENGTH), PLAYER_KEY)
    return c2
  }

  /** time (big-endian u32) into bytes 0..3; bytes 4..7 stay zero until a version is set. */
  private writeHeader(packet: Uint8Array): void {
    const t = this.epoch
    packet[0] = t >>> 24
    packet[1] = (t >>> 16) & 0xff
    packet[2] = (t >>> 8) & 0xff
    packet[3] = t & 0xff
  }

  private fill(target: Uint8Array): void {
    if (this.random === undefined) {
      randomFillSync(target)
      return
    }
    const r = this.random(target.length)
    if (r.length < target.length) throw new RangeError(`randomBytes(${target.length}) returned ${r.length} bytes`)
    target.set(r.subarray(0, target.length))
  }
}

function checkVersion(version: number, role: HandshakeRole): void {
  if (version === RTMP_VERSION) return
  const who = role === 'server' ? 'client (C0)' : 'server (S0)'
  const what = version === 6 || version === 8 ? ' (RTMPE, encrypted RTMP, is not supported)' : ''
  throw new HandshakeError('RTMP_ERR_HANDSHAKE_VERSION', `${who} uses RTMP version ${version}${what}; only version 3 is supported`)
}

/** Bytes 4..7 of a C1/S1 non-zero: the peer claims a Flash/FMS version, i.e. a complex handshake. */
function hasVersion(packet: Uint8Array): boolean {
  return (packet[4]! | packet[5]! | packet[6]! | packet[7]!) !== 0
}

function versionText(packet: Uint8Array): string {
  return `${packet[4]}.${packet[5]}.${packet[6]}.${packet[7]}`
}
