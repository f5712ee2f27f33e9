import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { HandshakeError } from '../../src/errors'
import { Handshake } from '../../src/handshake/handshake'
import type { HandshakeOptions } from '../../src/handshake/handshake'
import { concat, hex } from '../helpers/hex'
import { createRng, property } from '../helpers/rng'
import { bytewise, everySplit, randomSplits } from '../helpers/split'

/** Options whose random bytes repeat for every Handshake built with the same seed. */
const seeded = (seed: number, extra: HandshakeOptions = {}): HandshakeOptions => {
  const rng = createRng(seed)
  return { ...extra, randomBytes: (n) => rng.bytes(n), epoch: 1000 }
}

interface Fed {
  send: Uint8Array
  done: boolean
  rest: Uint8Array
}

/** Feeds pieces in order; collects what the handshake sends and the bytes it leaves for the chunk layer. */
function feed(hs: Handshake, pieces: Iterable<Uint8Array>): Fed {
  const send: Uint8Array[] = []
  const rest: Uint8Array[] = []
  let done = false
  for (const piece of pieces) {
    if (done) {
      rest.push(piece) // after done the caller hands bytes to the chunk reader, not to us
      continue
    }
    const r = hs.receive(piece)
    send.push(...r.send)
    rest.push(r.rest)
    done = r.done
    if (!done) expect(r.rest.length).toBe(0)
  }
  return { send: concat(send), done, rest: concat(rest) }
}

/** Byte equality; vitest's deep toEqual is too slow for thousands of 3 KB arrays, so it only runs for the diff. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) expect(actual).toEqual(expected)
}

type Splitter = (buf: Uint8Array) => Iterable<Uint8Array>
const whole: Splitter = (buf) => [buf]

/** A full client↔server handshake in memory; every message goes through `split`. */
function converse(client: Handshake, server: Handshake, split: Splitter = whole) {
  const c0c1 = client.start()
  const s = feed(server, split(c0c1))
  expect(s.done).toBe(false)
  const c = feed(client, split(s.send))
  expect(c.done).toBe(true)
  const s2 = feed(server, split(c.send))
  expect(s2.done).toBe(true)
  return { c0c1, s0s1s2: s.send, c2: c.send }
}

function catchError(fn: () => unknown): HandshakeError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(HandshakeError)
    return err as HandshakeError
  }
  throw new Error('expected a HandshakeError')
}

const TAIL = hex`F0 EE C2 4A 80 68 BE E8 2E 00 D0 D1 02 9E 7E 57 6E EC 5D 2D 29 80 6F AB 93 B8 E6 36 CF EB 31 AE`
const SERVER_KEY_TEXT = new TextEncoder().encode('Genuine Adobe Flash Media Server 001')
const SERVER_KEY = concat([SERVER_KEY_TEXT, TAIL])
const s1Offset = (s1: Uint8Array): number => ((s1[8]! + s1[9]! + s1[10]! + s1[11]!) % 728) + 12

/** A server reply for `c0c1` from our own server, with S1's digest (or S2's) broken afterwards. */
function brokenReply(c0c1: Uint8Array, what: 's1' | 's2'): Uint8Array {
  const reply = feed(new Handshake('server', seeded(9)), [c0c1]).send
  const at = what === 's1' ? 1 + s1Offset(reply.subarray(1, 1537)) : 3073 - 1
  reply[at]! ^= 0xff
  return reply
}

describe('Handshake: client ↔ server in memory', () => {
  it('completes a complex handshake and both sides see the peer as complex', () => {
    const client = new Handshake('client')
    const server = new Handshake('server')
    converse(client, server)
    expect(client.done && server.done).toBe(true)
    expect(client.complex).toBe(true)
    expect(server.complex).toBe(true)
  })

  it('completes a simple handshake: S1 version 0, S2 echoes C1, C2 echoes S1', () => {
    const client = new Handshake('client', { complex: false })
    const server = new Handshake('server')
    const { c0c1, s0s1s2, c2 } = converse(client, server)
    expect(c0c1.subarray(5, 9)).toEqual(hex`00 00 00 00`)
    expect(s0s1s2.subarray(5, 9)).toEqual(hex`00 00 00 00`)
    expect(s0s1s2.subarray(1537)).toEqual(c0c1.subarray(1))
    expect(c2).toEqual(s0s1s2.subarray(1, 1537))
    expect(client.complex).toBe(false)
    expect(server.complex).toBe(false)
  })

  it('completes a complex handshake with a strict client', () => {
    const client = new Handshake('client', { strict: true })
    converse(client, new Handshake('server'))
    expect(client.complex).toBe(true)
  })

  it('sends S0+S1+S2 as soon as C0+C1 is in, without waiting for C2', () => {
    const server = new Handshake('server')
    const r = server.receive(new Handshake('client').start())
    expect(r.send.length).toBe(1)
    expect(r.send[0]!.length).toBe(3073)
    expect(r.done).toBe(false)
  })

  it('does not check C2 at all', () => {
    const server = new Handshake('server')
    server.receive(new Handshake('client').start())
    const r = server.receive(new Uint8Array(1536).fill(0xee))
    expect(r).toEqual({ send: [], done: true, rest: new Uint8Array(0) })
  })

  for (const complex of [true, false]) {
    const kind = complex ? 'complex' : 'simple'

    it(`${kind}: gives the same bytes whether messages arrive whole or byte by byte`, () => {
      const a = converse(new Handshake('client', seeded(1, { complex })), new Handshake('server', seeded(2)))
      const b = converse(new Handshake('client', seeded(1, { complex })), new Handshake('server', seeded(2)), bytewise)
      expect(b).toEqual(a)
    })

    it(`${kind}: server answers C0+C1 split at every byte with the same S0+S1+S2`, () => {
      const c0c1 = new Handshake('client', seeded(1, { complex })).start()
      const expected = feed(new Handshake('server', seeded(2)), [c0c1]).send
      for (const pieces of everySplit(c0c1)) {
        const server = new Handshake('server', seeded(2))
        const r = feed(server, pieces)
        expectBytes(r.send, expected)
        expect(server.complex).toBe(complex)
      }
    })

    it(`${kind}: client answers S0+S1+S2 split at every byte with the same C2`, () => {
      const c0c1 = new Handshake('client', seeded(1, { complex })).start()
      const reply = feed(new Handshake('server', seeded(2)), [c0c1]).send
      const client0 = new Handshake('client', seeded(1, { complex, strict: true }))
      client0.start()
      const expected = feed(client0, [reply]).send
      for (const pieces of everySplit(reply)) {
        const client = new Handshake('client', seeded(1, { complex, strict: true }))
        client.start()
        const r = feed(client, pieces)
        expect(r.done).toBe(true)
        expectBytes(r.send, expected)
      }
    })

    it(`${kind}: server finishes on C2 split at every byte`, () => {
      const c2 = new Uint8Array(1536).fill(7)
      for (const pieces of everySplit(c2)) {
        const server = new Handshake('server')
        server.receive(new Handshake('client', { complex }).start())
        expect(feed(server, pieces).done).toBe(true)
      }
    })

    it(`${kind}: completes with random splits (seeded)`, () => {
      property(50, (rng) => {
        converse(new Handshake('client', { complex }), new Handshake('server'), (buf) => randomSplits(buf, rng, 700))
      })
    })
  }
})

describe('Handshake: bytes after the handshake (rest)', () => {
  const chunk = hex`02 00 00 00 00 00 04 05 00 00 00 00 00 26 25 a0` // Window Ack Size 2500000

  it('server: C2 and the first chunk in one buffer → rest is the chunk', () => {
    const client = new Handshake('client')
    const server = new Handshake('server')
    const s = server.receive(client.start())
    const c2 = concat(client.receive(concat(s.send)).send)
    const r = server.receive(concat([c2, chunk]))
    expect(r.done).toBe(true)
    expect(r.rest).toEqual(chunk)
  })

  it('client: S0+S1+S2 and the first chunk in one buffer → rest is the chunk', () => {
    const client = new Handshake('client')
    const server = new Handshake('server')
    const s = concat(server.receive(client.start()).send)
    const r = client.receive(concat([s, chunk]))
    expect(r.done).toBe(true)
    expect(r.send.length).toBe(1)
    expect(r.rest).toEqual(chunk)
  })

  it('server: C0+C1, C2 and chunk bytes all in one buffer', () => {
    const c0c1 = new Handshake('client', { complex: false }).start()
    const server = new Handshake('server')
    const r = server.receive(concat([c0c1, new Uint8Array(1536), chunk]))
    expect(r.send.length).toBe(1)
    expect(r.done).toBe(true)
    expect(r.rest).toEqual(chunk)
  })

  it('keeps every trailing byte whatever the split (server and client)', () => {
    const client = new Handshake('client', seeded(3))
    const server = new Handshake('server', seeded(4))
    const c0c1 = client.start()
    const s0s1s2 = concat(server.receive(c0c1).send)
    const c2 = concat(client.receive(s0s1s2).send)
    const serverInput = concat([c2, chunk])
    for (const pieces of everySplit(serverInput)) {
      const srv = new Handshake('server', seeded(4))
      srv.receive(c0c1)
      expectBytes(feed(srv, pieces).rest, chunk)
    }
    const clientInput = concat([s0s1s2, chunk])
    for (const pieces of everySplit(clientInput)) {
      const cl = new Handshake('client', seeded(3))
      cl.start()
      const r = feed(cl, pieces)
      expectBytes(r.send, c2)
      expectBytes(r.rest, chunk)
    }
  })
})

describe('Handshake: versions and digests', () => {
  for (const version of [0, 6, 8, 255]) {
    it(`server rejects C0 version ${version} with RTMP_ERR_HANDSHAKE_VERSION, from the first byte`, () => {
      const server = new Handshake('server')
      const err = catchError(() => server.receive(Uint8Array.of(version)))
      expect(err.code).toBe('RTMP_ERR_HANDSHAKE_VERSION')
      expect(err.message).toContain(String(version))
    })

    it(`client rejects S0 version ${version} with RTMP_ERR_HANDSHAKE_VERSION`, () => {
      const client = new Handshake('client')
      client.start()
      const err = catchError(() => client.receive(concat([Uint8Array.of(version), new Uint8Array(3072)])))
      expect(err.code).toBe('RTMP_ERR_HANDSHAKE_VERSION')
    })
  }

  it('strict client rejects a corrupted S1 digest with RTMP_ERR_HANDSHAKE_DIGEST', () => {
    const client = new Handshake('client', { strict: true })
    const reply = brokenReply(client.start(), 's1')
    expect(catchError(() => client.receive(reply)).code).toBe('RTMP_ERR_HANDSHAKE_DIGEST')
  })

  it('strict client rejects a corrupted S2 digest with RTMP_ERR_HANDSHAKE_DIGEST', () => {
    const client = new Handshake('client', { strict: true })
    const reply = brokenReply(client.start(), 's2')
    expect(catchError(() => client.receive(reply)).code).toBe('RTMP_ERR_HANDSHAKE_DIGEST')
  })

  it('lenient client proceeds past a corrupted S1 digest and echoes S1 like a simple client', () => {
    const client = new Handshake('client')
    const reply = brokenReply(client.start(), 's1')
    const r = client.receive(reply)
    expect(r.done).toBe(true)
    expect(client.complex).toBe(false)
    expect(concat(r.send)).toEqual(reply.subarray(1, 1537))
  })

  it('lenient client proceeds past a corrupted S2 digest and still sends a complex C2', () => {
    const client = new Handshake('client')
    const reply = brokenReply(client.start(), 's2')
    const r = client.receive(reply)
    expect(r.done).toBe(true)
    expect(client.complex).toBe(true)
    const s1 = reply.subarray(1, 1537)
    const s1Digest = s1.subarray(s1Offset(s1), s1Offset(s1) + 32)
    const playerKey = concat([new TextEncoder().encode('Genuine Adobe Flash Player 001'), TAIL])
    const c2 = concat(r.send)
    const key = createHmac('sha256', playerKey).update(s1Digest).digest()
    expect(c2.subarray(1504)).toEqual(new Uint8Array(createHmac('sha256', key).update(c2.subarray(0, 1504)).digest()))
  })

  it('strict client accepts a simple server (S1 version 0) and echoes S1', () => {
    const client = new Handshake('client', { strict: true })
    const c0c1 = client.start()
    const s1 = createRng(5).bytes(1536)
    s1.fill(0, 4, 8)
    const r = client.receive(concat([hex`03`, s1, c0c1.subarray(1)]))
    expect(r.done).toBe(true)
    expect(client.complex).toBe(false)
    expect(concat(r.send)).toEqual(s1)
  })

  it('simple client echoes a complex S1 without checking it', () => {
    const client = new Handshake('client', { complex: false, strict: true })
    client.start()
    const reply = brokenReply(new Handshake('client').start(), 's1')
    const r = client.receive(reply)
    expect(r.done).toBe(true)
    expect(concat(r.send)).toEqual(reply.subarray(1, 1537))
  })

  it('server falls back to the simple handshake for a complex-looking C1 with a wrong digest', () => {
    const c0c1 = new Handshake('client').start()
    c0c1[1 + ((c0c1[9]! + c0c1[10]! + c0c1[11]! + c0c1[12]!) % 728) + 12]! ^= 0x01 // break the scheme-0 digest
    const server = new Handshake('server')
    const out = concat(server.receive(c0c1).send)
    expect(server.complex).toBe(false)
    expect(out.subarray(5, 9)).toEqual(hex`00 00 00 00`)
    expect(out.subarray(1537)).toEqual(c0c1.subarray(1))
  })

  it('server answers the S1 digest with the 36-byte server key prefix', () => {
    const server = new Handshake('server')
    const out = concat(server.receive(new Handshake('client').start()).send)
    const s1 = out.subarray(1, 1537)
    const at = s1Offset(s1)
    const digest = createHmac('sha256', SERVER_KEY.subarray(0, 36)).update(s1.subarray(0, at)).update(s1.subarray(at + 32)).digest()
    expect(s1.subarray(at, at + 32)).toEqual(new Uint8Array(digest))
  })
})

describe('Handshake: state errors', () => {
  it('start() on a server throws RTMP_ERR_INVALID_STATE', () => {
    expect(catchError(() => new Handshake('server').start()).code).toBe('RTMP_ERR_INVALID_STATE')
  })

  it('start() twice throws RTMP_ERR_INVALID_STATE', () => {
    const client = new Handshake('client')
    client.start()
    expect(catchError(() => client.start()).code).toBe('RTMP_ERR_INVALID_STATE')
  })

  it('receive() before start() on a client throws RTMP_ERR_INVALID_STATE', () => {
    expect(catchError(() => new Handshake('client').receive(hex`03`)).code).toBe('RTMP_ERR_INVALID_STATE')
  })

  it('receive() after done throws RTMP_ERR_INVALID_STATE', () => {
    const client = new Handshake('client')
    const server = new Handshake('server')
    converse(client, server)
    expect(catchError(() => client.receive(hex`00`)).code).toBe('RTMP_ERR_INVALID_STATE')
    expect(catchError(() => server.receive(hex`00`)).code).toBe('RTMP_ERR_INVALID_STATE')
  })

  it('receive() after a failure throws RTMP_ERR_INVALID_STATE', () => {
    const server = new Handshake('server')
    catchError(() => server.receive(hex`06`))
    expect(catchError(() => server.receive(hex`03`)).code).toBe('RTMP_ERR_INVALID_STATE')
  })

  it('an empty buffer is fine and changes nothing', () => {
    const server = new Handshake('server')
    expect(server.receive(new Uint8Array(0))).toEqual({ send: [], done: false, rest: new Uint8Array(0) })
  })

  it('does not keep the caller’s buffer: reusing it after receive() does not change what was sent', () => {
    const client = new Handshake('client', { complex: false })
    const server = new Handshake('server')
    const input = client.start().slice()
    const out = server.receive(input).send[0]!
    const echo = out.slice(1537)
    input.fill(0)
    expect(out.subarray(1537)).toEqual(echo)
  })
})
